"""Use cases: chase outgoing invoices by the dunning schedule, once per level, whatever happens.

The tick selects, in SQL and by index, the invoices whose `next_reminder_on` has come, and for
each decides in one transaction (the invoice row locked) which level to send (`dunning`). The
`reminders` row of that level, its late-fee invoice, its task and its mail job are written in
that same transaction, and the unique (invoice, level) key refuses a second row: two ticks at
once, a tick run late or twice, or a process killed between the decision and the send can
neither skip a level nor send one twice (the mail job itself never sends twice: see
`mailer.deliver`). The invoice's `next_reminder_on` then moves to the next level's day.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from invoicing import audit, issuing, jobs, tasks, webhooks
from invoicing.billing import LateFeeKind, LateFeeTerms
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import Contact, Invoice, Reminder
from invoicing.domain import Direction, InvoiceStatus
from invoicing.dunning import (
    DunningLevel,
    DunningSchedule,
    DunningState,
    final_notice_tomorrow,
    level_to_send,
)
from invoicing.errors import InvoicingError, NotFound
from invoicing.fees import NOT_SUBJECT_NOTE, late_fee
from invoicing.issuing import InvoiceRequest, IssuingPolicy
from invoicing.payments import owed

log = logging.getLogger(__name__)

REMINDER_SEND = "reminder.send"
FINAL_TOMORROW = "reminder.final_tomorrow"
#: Outgoing invoices that are still owed and may be chased.
CHASED = (InvoiceStatus.ISSUED, InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID)


@dataclass(frozen=True, slots=True)
class DunningPolicy:
    schedule: DunningSchedule
    #: What fee invoices are issued with (None: reminders charge no fee, with a problem reported).
    issuing: IssuingPolicy | None = None
    #: The EU late-payment reference rate in percent (for `eu` late-fee terms).
    reference_rate: Decimal | None = None
    margin: Decimal = Decimal(8)


@dataclass
class ReminderRun:
    #: (invoice id, level number) of each reminder decided this tick.
    sent: list[tuple[int, int]] = field(default_factory=list)
    #: Invoices whose manager was told their final notice goes out tomorrow.
    final_tomorrow: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def due_invoice_ids(session: Session, today: dt.date, limit: int | None = None) -> list[int]:
    """Return the outgoing invoices whose next reminder day has come (contacts paused left out)."""
    query = (
        select(Invoice.id)
        .outerjoin(Contact, Contact.id == Invoice.contact_id)
        .where(
            Invoice.next_reminder_on <= today, Invoice.direction == Direction.OUT,
            Invoice.status.in_(CHASED), Invoice.archived_at.is_(None),
            (Contact.reminders_paused.is_(False)) | (Contact.id.is_(None)),
        )
        .order_by(Invoice.next_reminder_on, Invoice.id)
    )  # fmt: skip
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())


def send_due_reminders(db: Database, clock: Clock, policy: DunningPolicy) -> ReminderRun:
    """Decide and queue today's reminders, each invoice in its own transaction; return what was done."""
    run = ReminderRun()
    today = clock.today()
    with db.transaction() as session:
        candidates = due_invoice_ids(session, today)
    for invoice_id in candidates:
        try:
            with db.transaction() as session:
                _chase(session, clock, policy, invoice_id, today, run)
        except IntegrityError:
            log.info("invoice %s: the reminder was decided by another process", invoice_id)
        except Exception as e:  # noqa: BLE001 - one invoice must not stop the others; it is tried next tick
            log.exception("invoice %s: chasing failed", invoice_id)
            run.problems.append(f"invoice {invoice_id}: {e}")
    return run


def _state(session: Session, invoice: Invoice, contact: Contact | None) -> DunningState:
    sent = set(session.execute(select(Reminder.level).where(Reminder.invoice_id == invoice.id)).scalars())
    return DunningState(
        due_date=invoice.due_date or invoice.issue_date or dt.date.min, sent=sent, open=owed(session, invoice) > 0,
        paused=bool(contact and contact.reminders_paused), held_until=invoice.reminders_held_until,
    )  # fmt: skip


def _chase(session: Session, clock: Clock, policy: DunningPolicy, invoice_id: int, today: dt.date, run: ReminderRun) -> None:
    invoice = session.execute(select(Invoice).where(Invoice.id == invoice_id).with_for_update()).scalar_one()
    if invoice.next_reminder_on is None or invoice.next_reminder_on > today or invoice.status not in CHASED:
        return  # decided meanwhile by another process
    contact = session.get(Contact, invoice.contact_id) if invoice.contact_id else None
    state = _state(session, invoice, contact)
    if state.open and state.due_date < today:
        webhooks.emit(session, clock, webhooks.Event.OVERDUE, invoice)
    level = level_to_send(policy.schedule, state, today)
    if level is not None:
        send_level(session, clock, policy, invoice, contact, level, today, run)
        state = _state(session, invoice, contact)
    final = final_notice_tomorrow(policy.schedule, state, today)
    if final is not None and _tell_final_tomorrow(session, clock, invoice, contact, final):
        run.final_tomorrow.append(invoice.id)
    invoice.next_reminder_on = _overdue_first(next_day(policy.schedule, state, today), state, today)


def _overdue_first(day: dt.date | None, state: DunningState, today: dt.date) -> dt.date | None:
    """Return `day`, or the day after the due date when that comes first: the tick looks at an
    open invoice on its first day overdue, so that its going overdue is told (webhooks) that day."""
    first_overdue = state.due_date + dt.timedelta(days=1)
    if not state.open or first_overdue <= today:
        return day
    return first_overdue if day is None else min(day, first_overdue)


def next_day(schedule: DunningSchedule, state: DunningState, today: dt.date) -> dt.date | None:
    """Return the next day the invoice must be looked at: the next level's day (the day before,
    for a final notice, to tell the manager), not before a hold ends; None when nothing is left."""
    if not state.open:
        return None
    done = max(state.sent, default=None)
    for level in schedule.levels:
        if done is not None and level.number <= done:
            continue
        day = level.due_on(state.due_date)
        if level.before_due and day < today:
            continue  # a heads-up missed is never sent late
        if level.final:
            day -= dt.timedelta(days=1)  # the manager is asked the day before
        day = max(day, today + dt.timedelta(days=1))
        return max(day, state.held_until) if state.held_until is not None else day
    return None


def send_level(
    session: Session, clock: Clock, policy: DunningPolicy, invoice: Invoice, contact: Contact | None,
    level: DunningLevel, today: dt.date, run: ReminderRun | None = None, actor: str = "scheduler",
) -> Reminder:  # fmt: skip
    """Record reminder `level` of `invoice` with its fee invoice and task, and queue its mail."""
    reminder = Reminder(invoice_id=invoice.id, level=level.number, scheduled_on=today, created_at=clock.now())
    session.add(reminder)
    session.flush()  # the unique (invoice, level) key refuses a second decision here
    if level.fee:
        _charge_fee(session, clock, policy, invoice, contact, reminder, today, run)
    if level.task and contact is not None:
        tasks.open_task(
            session, clock, kind=tasks.CALL_CUSTOMER, invoice_id=invoice.id, assignee_id=contact.manager_id,
            title=f"Call {contact.name} about {invoice.number} ({level.template})", due_on=today, actor=actor,
        )  # fmt: skip
    jobs.enqueue(session, clock, kind=REMINDER_SEND, key=f"{REMINDER_SEND}:{invoice.id}:{level.number}",
                 payload={"reminder_id": reminder.id, "template": level.template})  # fmt: skip
    audit.record(
        session, clock, actor=actor, action="invoice.reminded", entity_type="invoice", entity_id=invoice.id,
        after={"level": level.number, "template": level.template, "fee": reminder.fee,
               "fee_invoice_id": reminder.fee_invoice_id},
    )  # fmt: skip
    if run is not None:
        run.sent.append((invoice.id, level.number))
    return reminder


def _charge_fee(
    session: Session, clock: Clock, policy: DunningPolicy, invoice: Invoice, contact: Contact | None,
    reminder: Reminder, today: dt.date, run: ReminderRun | None,
) -> None:  # fmt: skip
    if contact is None or not contact.late_fee_terms:
        return
    if policy.issuing is None:
        if run is not None:
            run.problems.append(f"invoice {invoice.id}: no late fee charged: issuing is not set up")
        return
    terms = LateFeeTerms.parse(contact.late_fee_terms)
    earlier = list(session.execute(
        select(Reminder).where(Reminder.invoice_id == invoice.id, Reminder.fee > 0).order_by(Reminder.scheduled_on)
    ).scalars())  # fmt: skip
    since = earlier[-1].scheduled_on if earlier else (invoice.due_date or today)
    fee = late_fee(
        terms, overdue=owed(session, invoice), currency=invoice.currency, since=since, until=today,
        reference_rate=policy.reference_rate, margin=policy.margin, invoice_number=invoice.number,
        compensation_charged=bool(earlier) and terms.kind is LateFeeKind.EU_DIRECTIVE,
    )  # fmt: skip
    if not fee.lines:
        return
    request = InvoiceRequest(contact.id, fee.lines, currency=invoice.currency, note=NOT_SUBJECT_NOTE)
    try:
        with session.begin_nested():  # a fee that cannot be issued must not hold back the reminder
            draft = issuing.create_draft(session, clock, request, policy.issuing, "scheduler")
            draft.preceding_invoice_id = invoice.id
            issued = issuing.issue(session, clock, draft.id, policy.issuing, "scheduler")
            session.get(Invoice, issued.invoice_id).next_reminder_on = None  # type: ignore[union-attr]
    except InvoicingError as e:
        if run is not None:
            run.problems.append(f"invoice {invoice.id}: reminder sent without its late fee: {e}")
        return
    reminder.fee, reminder.fee_invoice_id = fee.total, issued.invoice_id


def _tell_final_tomorrow(
    session: Session, clock: Clock, invoice: Invoice, contact: Contact | None, final: DunningLevel
) -> bool:
    """Ask the manager about tomorrow's final notice (Send / Hold 7 days / I'll call), once."""
    manager_chat = None
    if contact is not None and contact.manager is not None and contact.manager.archived_at is None:
        manager_chat = contact.manager.telegram_user_id
    if manager_chat is None:
        return False
    return jobs.enqueue(
        session, clock, kind=FINAL_TOMORROW, key=f"{FINAL_TOMORROW}:{invoice.id}:{final.number}",
        payload={"invoice_id": invoice.id, "level": final.number, "chat_id": manager_chat},
    )  # fmt: skip


def hold(session: Session, clock: Clock, invoice_id: int, until: dt.date | None, actor: str) -> Invoice:
    """Hold an invoice's reminders until `until` (None: lift the hold) and return it."""
    invoice = session.get(Invoice, invoice_id, with_for_update=True)
    if invoice is None or invoice.direction is not Direction.OUT or invoice.issued is None:
        raise NotFound("issued invoice", invoice_id)
    before = invoice.reminders_held_until
    invoice.reminders_held_until = until
    if invoice.status in CHASED:
        today = clock.today()
        invoice.next_reminder_on = max(until, today) if until else today
    audit.record(session, clock, actor=actor, action="invoice.reminders_held", entity_type="invoice",
                 entity_id=invoice_id, before={"held_until": before}, after={"held_until": until})  # fmt: skip
    return invoice


def pause_contact(session: Session, clock: Clock, contact_id: int, paused: bool, actor: str) -> Contact:
    """Pause (or resume) every reminder to a contact and return it."""
    contact = session.get(Contact, contact_id, with_for_update=True)
    if contact is None or contact.archived_at is not None:
        raise NotFound("contact", contact_id)
    before = contact.reminders_paused
    contact.reminders_paused = paused
    audit.record(session, clock, actor=actor, action="contact.reminders_paused" if paused else "contact.reminders_resumed",
                 entity_type="contact", entity_id=contact_id, before={"paused": before}, after={"paused": paused})  # fmt: skip
    return contact


def notify_sent(session: Session, clock: Clock, reminder: Reminder, invoice: Invoice, template: str) -> None:
    """Mark a reminder sent and tell the manager (the mail job calls this after delivery)."""
    from invoicing.outgoing import notify_manager

    reminder.sent_at = reminder.sent_at or clock.now()
    audit.record(session, clock, actor="system", action="invoice.reminder_sent", entity_type="invoice",
                 entity_id=invoice.id, after={"level": reminder.level, "template": template})  # fmt: skip
    notify_manager(session, clock, invoice, "reminder.sent",
                   {"key": reminder.level, "level": reminder.level, "template": template, "fee": reminder.fee})  # fmt: skip

