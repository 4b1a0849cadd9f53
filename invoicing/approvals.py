"""Approvals: who is asked, with which single-use token, and when to remind and escalate.

The pure rules live in `approval_rules`; the use cases here read and write `Approval` rows in
the caller's transaction; sending the chat messages is the bot's job, done from the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from invoicing import audit, decisions, jobs
from invoicing.approval_rules import (  # noqa: F401 - re-exported for the bot
    FollowUp,
    PendingState,
    Person,
    due_follow_ups,
    may_decide,
    may_edit,
    must_reapprove,
    needs_second_approval,
    new_token,
    route,
    second_approvers,
)
from invoicing.clock import Clock
from invoicing.db.models import Approval, Contact, Invoice, User
from invoicing.domain import DECIDABLE, ApprovalState, Role
from invoicing.errors import NotFound

APPROVAL_REQUEST = "approval.request"  # the same kind `receiving` enqueues
APPROVAL_REMIND = "approval.remind"
APPROVAL_ESCALATE = "approval.escalate"
#: How long the buttons of a request stay valid.
TOKEN_TTL = dt.timedelta(days=30)


# --- use cases -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ticket:
    """An approval request to send: to whom, for which invoice, with which token."""

    approval_id: int
    invoice_id: int
    step: int
    token: str
    chat_id: int


def _person(user: User) -> Person:
    return Person(user.id, user.role, user.telegram_user_id)


def _admins(session: Session) -> list[Person]:
    query = select(User).where(User.role == Role.ADMIN, User.archived_at.is_(None)).order_by(User.id)
    return [_person(u) for u in session.execute(query).scalars()]


def _current_round(invoice_id: int):  # type: ignore[no-untyped-def]
    return select(Invoice.approval_round).where(Invoice.id == invoice_id).scalar_subquery()


def _step_approvals(session: Session, invoice_id: int, step: int) -> list[Approval]:
    """Return the requests of `step` in the invoice's current approval round."""
    query = select(Approval).where(
        Approval.invoice_id == invoice_id, Approval.step == step, Approval.round == _current_round(invoice_id)
    )  # fmt: skip
    return list(session.execute(query.order_by(Approval.id)).scalars())


def _ask(session: Session, clock: Clock, invoice_id: int, step: int, people: Iterable[Person], escalated: bool) -> None:
    now = clock.now()
    round_ = session.execute(select(_current_round(invoice_id))).scalar_one()
    for person in people:
        session.add(Approval(
            invoice_id=invoice_id, round=round_, step=step, approver_id=person.id, state=ApprovalState.PENDING,
            token=new_token(), token_expires_at=now + TOKEN_TTL, created_at=now,
            escalated_at=now if escalated else None,
        ))  # fmt: skip
    session.flush()


def _unsent(session: Session, approvals: Iterable[Approval]) -> list[Ticket]:
    tickets = []
    for a in approvals:
        approver = session.get(User, a.approver_id) if a.approver_id else None
        if a.state is ApprovalState.PENDING and a.chat_id is None and approver and approver.telegram_user_id:
            tickets.append(Ticket(a.id, a.invoice_id, a.step, a.token or "", approver.telegram_user_id))
    return tickets


def open_step(session: Session, clock: Clock, invoice_id: int, step: int = 1) -> list[Ticket]:
    """Write the approvals of `step` for an invoice still open (once) and return those not yet sent."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.status not in DECIDABLE:
        return []
    existing = _step_approvals(session, invoice_id, step)
    if not existing:
        if step == 1:
            contact = session.get(Contact, invoice.contact_id) if invoice.contact_id else None
            manager = session.get(User, contact.manager_id) if contact and contact.manager_id else None
            live = manager if manager is not None and manager.archived_at is None else None
            people = route(_person(live) if live else None, _admins(session))
        else:
            first = [a for a in _step_approvals(session, invoice_id, step - 1) if a.state is ApprovalState.APPROVED]
            people = second_approvers(first[0].decided_by_id if first else None, _admins(session))
        _ask(session, clock, invoice_id, step, people, escalated=False)
        existing = _step_approvals(session, invoice_id, step)
    return _unsent(session, existing)


def open_escalation(session: Session, clock: Clock, approval_id: int) -> list[Ticket]:
    """Ask every other admin about the invoice behind a stale approval; return the requests unsent."""
    approval = session.get(Approval, approval_id)
    if approval is None or approval.state is not ApprovalState.PENDING:
        return []
    asked = {a.approver_id for a in _step_approvals(session, approval.invoice_id, approval.step)}
    others = [a for a in _admins(session) if a.reachable and a.id not in asked]
    _ask(session, clock, approval.invoice_id, approval.step, others, escalated=True)
    return _unsent(session, _step_approvals(session, approval.invoice_id, approval.step))


def begin_send(session: Session, approval_id: int, chat_id: int) -> bool:
    """Mark a request as being sent to `chat_id`; False when it was already sent (or is being sent)."""
    statement = (
        update(Approval)
        .where(Approval.id == approval_id, Approval.chat_id.is_(None), Approval.state == ApprovalState.PENDING)
        .values(chat_id=chat_id)
    )
    return session.execute(statement).rowcount == 1


def sent(session: Session, approval_id: int, chat_id: int, message_id: int, captioned: bool = False) -> None:
    """Record the message that carries an approval's buttons (so it can be edited later)."""
    values = {"chat_id": chat_id, "message_id": message_id, "captioned": captioned}
    session.execute(update(Approval).where(Approval.id == approval_id).values(**values))


def not_sent(session: Session, approval_id: int) -> None:
    """Forget a send that Telegram refused, so that the job's retry sends it again."""
    session.execute(update(Approval).where(Approval.id == approval_id, Approval.message_id.is_(None)).values(chat_id=None))


def plan_follow_ups(session: Session, clock: Clock, wait: dt.timedelta) -> list[tuple[int, FollowUp]]:
    """Enqueue the reminders and escalations that are due and return them (the periodic check)."""
    query = select(Approval).where(Approval.state == ApprovalState.PENDING, Approval.chat_id.is_not(None))
    rows = {a.id: a for a in session.execute(query).scalars()}
    states = [PendingState(a.id, a.created_at, a.reminded_at, a.escalated_at) for a in rows.values()]
    due = due_follow_ups(states, clock.now(), wait)
    for approval_id, follow_up in due:
        row = rows[approval_id]
        kind = APPROVAL_REMIND if follow_up is FollowUp.REMIND else APPROVAL_ESCALATE
        if follow_up is FollowUp.REMIND:
            row.reminded_at = clock.now()
        else:
            row.escalated_at = clock.now()
        jobs.enqueue(session, clock, kind=kind, key=f"{kind}:{approval_id}", payload={"approval_id": approval_id})
    return due


def reminder_ticket(session: Session, approval_id: int) -> Ticket | None:
    """Return the request to send again as a reminder, or None when it was decided meanwhile."""
    a = session.get(Approval, approval_id)
    if a is None or a.state is not ApprovalState.PENDING or a.chat_id is None:
        return None
    return Ticket(a.id, a.invoice_id, a.step, a.token or "", a.chat_id)


# --- deciding ------------------------------------------------------------------------------------


class Outcome(StrEnum):
    DECIDED = "decided"
    #: The first of two approvals was given; the admins are asked for the second.
    FIRST_APPROVED = "first_approved"
    #: Reject was pressed: the reason is asked for before anything changes.
    ASK_REASON = "ask_reason"
    NOT_YOURS = "not_yours"
    #: The token is unknown (forged) or expired.
    INVALID = "invalid"
    #: The approval was decided before (a reused token, a double press).
    ALREADY = "already"
    #: The request belongs to an earlier approval round: the invoice changed since it was sent.
    REPLACED = "replaced"
    UNKNOWN_USER = "unknown_user"


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A chat message that carries (or carried) an approval's buttons."""

    chat_id: int
    message_id: int
    #: A photo with a caption (edited with editMessageCaption) rather than a text.
    captioned: bool = False


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    invoice_id: int | None = None
    approval_id: int | None = None
    state: ApprovalState | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    reason: str | None = None
    #: Every request message of the invoice that was open, whose buttons are now moot.
    messages: tuple[SentMessage, ...] = ()


def actor_of(user: User) -> str:
    return f"telegram:{user.telegram_user_id} ({user.name})"


def _user(session: Session, telegram_user_id: int) -> User | None:
    query = select(User).where(User.telegram_user_id == telegram_user_id, User.archived_at.is_(None))
    return session.execute(query).scalar()


def _settled(session: Session, approval: Approval, outcome: Outcome, messages: tuple[SentMessage, ...] = ()) -> Result:
    decider = session.get(User, approval.decided_by_id) if approval.decided_by_id else None
    return Result(
        outcome, approval.invoice_id, approval.id, approval.state, decider.name if decider else None,
        approval.decided_at, approval.reason, messages,
    )  # fmt: skip


def decide_by_token(
    session: Session, clock: Clock, token: str, telegram_user_id: int, *,
    approve: bool, reason: str | None = None, second_over: Decimal | None = None,
) -> Result:  # fmt: skip
    """Decide the approval behind a button token, if this person may; exactly one decision wins."""
    found = session.execute(select(Approval.id, Approval.invoice_id).where(Approval.token == token)).first()
    if found is None:
        return Result(Outcome.INVALID)
    return _decide(session, clock, found.id, found.invoice_id, telegram_user_id, approve, reason, second_over, token)


def decide_by_invoice(
    session: Session, clock: Clock, invoice_id: int, telegram_user_id: int, *,
    approve: bool, reason: str | None = None, second_over: Decimal | None = None,
) -> Result:  # fmt: skip
    """Decide an invoice's pending approval (the person's own first, else any) by command."""
    user = _user(session, telegram_user_id)
    query = select(Approval).where(Approval.invoice_id == invoice_id, Approval.state == ApprovalState.PENDING)
    pending = list(session.execute(query.order_by(Approval.step.desc(), Approval.id)).scalars())
    if not pending:
        if session.get(Invoice, invoice_id) is None:
            raise NotFound("invoice", invoice_id)
        return Result(Outcome.ALREADY, invoice_id)
    mine = [a for a in pending if user is not None and a.approver_id == user.id]
    chosen = (mine or pending)[0]
    return _decide(session, clock, chosen.id, invoice_id, telegram_user_id, approve, reason, second_over, None)


def _decide(
    session: Session, clock: Clock, approval_id: int, invoice_id: int, telegram_user_id: int,
    approve: bool, reason: str | None, second_over: Decimal | None, token: str | None,
) -> Result:  # fmt: skip
    # Lock the invoice first, as `decisions.decide` does, then read the approval as committed.
    invoice = session.execute(select(Invoice).where(Invoice.id == invoice_id).with_for_update()).scalar_one()
    query = select(Approval).where(Approval.id == approval_id).with_for_update()
    approval = session.execute(query.execution_options(populate_existing=True)).scalar_one()
    if token is not None and approval.token_expires_at is not None and approval.token_expires_at < clock.now():
        return Result(Outcome.INVALID, invoice_id, approval_id)
    user = _user(session, telegram_user_id)
    if approval.round != invoice.approval_round:
        return Result(Outcome.REPLACED, invoice_id, approval_id)
    if approval.state is not ApprovalState.PENDING:
        return _settled(session, approval, Outcome.ALREADY)
    first = [a for a in _step_approvals(session, invoice_id, approval.step - 1) if a.state is ApprovalState.APPROVED]
    if user is None or not may_decide(
        _person(user), approver_id=approval.approver_id, step=approval.step,
        first_decider_id=first[0].decided_by_id if first else None,
    ):  # fmt: skip
        audit.record(
            session, clock, actor=actor_of(user) if user else f"telegram:{telegram_user_id}",
            action="approval.refused", entity_type="invoice", entity_id=invoice_id,
            after={"approval_id": approval_id, "telegram_user_id": telegram_user_id,
                   "why": "not registered" if user is None else "not the approver"},
        )  # fmt: skip
        return Result(Outcome.UNKNOWN_USER if user is None else Outcome.NOT_YOURS, invoice_id, approval_id)
    if not approve and not (reason and reason.strip()):
        return Result(Outcome.ASK_REASON, invoice_id, approval_id)
    messages = open_messages(session, invoice_id)
    alerts = invoice.payee_alerts or ()
    if approve and approval.step == 1 and needs_second_approval(invoice.total, second_over, alerts=alerts):
        _first_approval(session, clock, invoice, approval, user)
        return _settled(session, approval, Outcome.FIRST_APPROVED, messages)
    decisions.decide(
        session, clock, invoice_id, approve=approve, actor=actor_of(user), decided_by_id=user.id,
        reason=reason.strip() if reason else None,
    )  # fmt: skip
    session.refresh(approval)
    return _settled(session, approval, Outcome.DECIDED, messages)


def open_messages(session: Session, invoice_id: int) -> tuple[SentMessage, ...]:
    """Return the messages of the invoice's pending requests (their buttons still work)."""
    query = select(Approval.chat_id, Approval.message_id, Approval.captioned).where(
        Approval.invoice_id == invoice_id, Approval.state == ApprovalState.PENDING,
        Approval.message_id.is_not(None),
    )  # fmt: skip
    return tuple(SentMessage(int(c), int(m), bool(k)) for c, m, k in session.execute(query))


def _first_approval(session: Session, clock: Clock, invoice: Invoice, approval: Approval, user: User) -> None:
    now = clock.now()
    for other in _step_approvals(session, invoice.id, approval.step):
        if other.state is ApprovalState.PENDING:
            other.state = ApprovalState.APPROVED if other.id == approval.id else ApprovalState.SUPERSEDED
            other.decided_at, other.decided_by_id = now, user.id
    audit.record(
        session, clock, actor=actor_of(user), action="invoice.first_approval", entity_type="invoice",
        entity_id=invoice.id, after={"approval_id": approval.id, "total": invoice.total, "needs": "admin"},
    )  # fmt: skip
    key = f"{APPROVAL_REQUEST}:{invoice.id}:{approval.step + 1}"
    jobs.enqueue(session, clock, kind=APPROVAL_REQUEST, key=key, payload={"invoice_id": invoice.id, "step": approval.step + 1})


@dataclass(frozen=True, slots=True)
class Assigned:
    approval_id: int
    invoice_id: int
    step: int
    token: str


def pending_for(session: Session, telegram_user_id: int) -> list[Assigned]:
    """Return the approvals waiting for this person's decision, oldest first."""
    user = _user(session, telegram_user_id)
    if user is None:
        return []
    query = select(Approval).where(Approval.approver_id == user.id, Approval.state == ApprovalState.PENDING)
    return [Assigned(a.id, a.invoice_id, a.step, a.token or "") for a in session.execute(query.order_by(Approval.id)).scalars()]


def find_user(session: Session, telegram_user_id: int) -> Person | None:
    """Return the registered person with this Telegram user id, or None."""
    user = _user(session, telegram_user_id)
    return _person(user) if user else None


def invoice_of_token(session: Session, token: str) -> int | None:
    """Return the invoice a button token belongs to, or None for an unknown token."""
    return session.execute(select(Approval.invoice_id).where(Approval.token == token)).scalar()
