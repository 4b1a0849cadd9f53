"""The daily digest: what waits for one person today, and queueing it once per person per day.

A digest holds four sections: the approvals waiting for the person, the overdue invoices of the
customers they manage, the bank payments no invoice matched (admins only: only they book them),
and their open tasks due today or earlier. An admin also sees what belongs to nobody: overdue
invoices of customers without a (current) manager and tasks assigned to no one.

`queue_due` is what the scheduler calls: one `chat.digest` outbox job per person who can be
reached in chat, keyed by person and business-local day. What the digest says is read when the
job runs (`digest_for`), so an invoice approved between the two is not offered again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from invoicing import bank_import, jobs
from invoicing.clock import Clock
from invoicing.db.models import Approval, BankEntry, Contact, Invoice, Job, Task, User
from invoicing.digest_rules import DIGEST_KIND, digest_key, due_day
from invoicing.domain import ApprovalState, Direction, Role, TaskState
from invoicing.errors import NotFound
from invoicing.payments import overdue, owed

T = TypeVar("T")
#: Items shown per section; the rest are counted ("and 4 more") and listed by their command.
SECTION_LIMIT = 5


@dataclass(frozen=True, slots=True)
class Section(Generic[T]):
    """The first items of a section and how many there are in all."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True, slots=True)
class ApprovalItem:
    invoice_id: int
    number: str | None
    party: str | None
    total: Decimal | None
    currency: str
    due_date: dt.date | None
    step: int
    #: The token of the request's buttons; None once it has expired (the item is listed without buttons).
    token: str | None


@dataclass(frozen=True, slots=True)
class OverdueItem:
    invoice_id: int
    number: str | None
    customer: str | None
    open: Decimal
    currency: str
    due_date: dt.date
    held_until: dt.date | None


@dataclass(frozen=True, slots=True)
class UnmatchedItem:
    entry_id: int
    amount: Decimal
    currency: str
    booking_date: dt.date
    counterparty: str | None
    remittance: str | None
    #: (invoice id, number) of the invoices the matcher suggested.
    candidates: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class TaskItem:
    task_id: int
    title: str
    due_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Digest:
    """One person's digest of one business-local day."""

    user_id: int
    name: str
    role: Role
    chat_id: int | None
    day: dt.date
    approvals: Section[ApprovalItem]
    overdue: Section[OverdueItem]
    unmatched: Section[UnmatchedItem]
    tasks: Section[TaskItem]

    @property
    def empty(self) -> bool:
        return not (self.approvals.total or self.overdue.total or self.unmatched.total or self.tasks.total)


def _section(items: Sequence[T], total: int | None = None, limit: int = SECTION_LIMIT) -> Section[T]:
    return Section(tuple(items[:limit]), len(items) if total is None else total)


def recipients(session: Session) -> list[User]:
    """Return the people who get a digest: everyone current who can be reached in chat."""
    query = select(User).where(User.archived_at.is_(None), User.telegram_user_id.is_not(None)).order_by(User.id)
    return list(session.execute(query).scalars())


def digest_for(session: Session, clock: Clock, user_id: int, day: dt.date, limit: int = SECTION_LIMIT) -> Digest:
    """Return what waits for one person on `day` (a business-local date)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    admin = user.role is Role.ADMIN
    return Digest(
        user.id, user.name, user.role, user.telegram_user_id, day,
        _approvals(session, clock, user, limit), _overdue(session, user, admin, day, limit),
        _unmatched(session, limit) if admin else Section((), 0), _tasks(session, user, admin, day, limit),
    )  # fmt: skip


def _approvals(session: Session, clock: Clock, user: User, limit: int) -> Section[ApprovalItem]:
    query = (
        select(Approval, Invoice)
        .join(Invoice, Invoice.id == Approval.invoice_id)
        .where(Approval.approver_id == user.id, Approval.state == ApprovalState.PENDING,
               Approval.round == Invoice.approval_round)
        .order_by(Approval.created_at, Approval.id)
    )  # fmt: skip
    rows = list(session.execute(query).all())
    now = clock.now()
    items = [
        ApprovalItem(
            invoice.id, invoice.number, invoice.contact.name if invoice.contact else invoice.seller_name,
            invoice.total, invoice.currency, invoice.due_date, approval.step,
            approval.token if approval.token and _valid(approval.token_expires_at, now) else None,
        )  # fmt: skip
        for approval, invoice in rows[:limit]
    ]
    return Section(tuple(items), len(rows))


def _valid(expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    if expires_at is None:
        return True
    return (expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=dt.UTC)) > now


def _manages(session: Session, user: User, admin: bool, contact_id: int | None) -> bool:
    """Whether `user` chases this customer: its manager, or an admin when it has no current one."""
    contact = session.get(Contact, contact_id) if contact_id else None
    manager = session.get(User, contact.manager_id) if contact and contact.manager_id else None
    if manager is not None and manager.archived_at is None:
        return manager.id == user.id
    return admin


def _overdue(session: Session, user: User, admin: bool, day: dt.date, limit: int) -> Section[OverdueItem]:
    found = []
    for invoice in overdue(session, day, Direction.OUT):
        if not _manages(session, user, admin, invoice.contact_id):
            continue
        still = owed(session, invoice)
        if still > 0 and invoice.due_date is not None:
            found.append(OverdueItem(invoice.id, invoice.number, invoice.contact.name if invoice.contact else invoice.buyer_name,
                                     still, invoice.currency, invoice.due_date, invoice.reminders_held_until))  # fmt: skip
    return _section(found, limit=limit)


def _unmatched(session: Session, limit: int) -> Section[UnmatchedItem]:
    total = session.execute(select(func.count()).select_from(BankEntry).where(BankEntry.state == "unmatched")).scalar_one()
    items = []
    for entry in bank_import.unmatched(session, limit=limit):
        numbers = []
        for invoice_id in bank_import.candidates_of(entry)[:3]:
            invoice = session.get(Invoice, invoice_id)
            if invoice is not None:
                numbers.append((invoice_id, invoice.number or f"#{invoice_id}"))
        items.append(UnmatchedItem(entry.id, entry.amount, entry.currency, entry.booking_date, entry.counterparty_name,
                                   entry.remittance, tuple(numbers)))  # fmt: skip
    return Section(tuple(items), int(total))


def _tasks(session: Session, user: User, admin: bool, day: dt.date, limit: int) -> Section[TaskItem]:
    mine = Task.assignee_id == user.id
    query = select(Task).where(Task.state == TaskState.OPEN, Task.due_on <= day,
                               (mine | Task.assignee_id.is_(None)) if admin else mine)  # fmt: skip
    found = [TaskItem(t.id, t.title, t.due_on) for t in session.execute(query.order_by(Task.due_on, Task.id)).scalars()]
    return _section(found, limit=limit)


def queue_due(session: Session, clock: Clock, zone: ZoneInfo, hour: int | None) -> list[int]:
    """Queue today's digest of each recipient once the hour has come; return the users newly queued.

    Idempotent by key: a second tick, a second process or `invoicebot tick` queues nothing more.
    """
    day = due_day(clock.now(), zone, hour)
    if day is None:
        return []
    people = recipients(session)
    keys = [digest_key(user.id, day) for user in people]
    # Every tick after the hour asks again; read the day's keys once rather than insert per person.
    queued = set(session.execute(select(Job.idempotency_key).where(Job.idempotency_key.in_(keys))).scalars())
    return [user.id for user, key in zip(people, keys, strict=True)
            if key not in queued and queue(session, clock, user.id, day)]  # fmt: skip


def queue(session: Session, clock: Clock, user_id: int, day: dt.date) -> bool:
    """Queue one person's digest of `day` unless it was queued before; return whether it is new."""
    payload = {"user_id": user_id, "day": day.isoformat()}
    return jobs.enqueue(session, clock, kind=DIGEST_KIND, key=digest_key(user_id, day), payload=payload, max_attempts=5)
