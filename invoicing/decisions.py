"""Use cases: approve or reject an incoming invoice.

Front ends (CLI, chat buttons) call these; who may decide is checked by the caller that knows
the person (the chat handler checks the approval token), and every decision is audited here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing import audit, webhooks
from invoicing.approval_rules import needs_second_approval
from invoicing.clock import Clock
from invoicing.db.models import Approval, Invoice
from invoicing.domain import DECIDABLE, ApprovalState, Direction, InvoiceStatus
from invoicing.errors import InvalidTransition, InvoicingError, NotFound


@dataclass(frozen=True, slots=True)
class Decision:
    invoice_id: int
    status: InvoiceStatus
    actor: str
    reason: str | None


def _locked_invoice(session: Session, invoice_id: int) -> Invoice:
    query = select(Invoice).where(Invoice.id == invoice_id).with_for_update()
    invoice = session.execute(query).scalar()
    if invoice is None or invoice.archived_at is not None:
        raise NotFound("invoice", invoice_id)
    return invoice


def needs_a_person_first(session: Session, invoice_id: int, second_over: Decimal | None) -> str | None:
    """Return why an admin's approval from the command line cannot be the only one, or None.

    An invoice that needs two approvals (changed bank details, an amount over the threshold)
    needs a person's first approval in chat; the command line may then give the second.
    """
    invoice = _locked_invoice(session, invoice_id)
    alerts = list(invoice.payee_alerts or [])
    if not needs_second_approval(invoice.total, second_over, alerts=alerts):
        return None
    first = select(Approval.id).where(
        Approval.invoice_id == invoice_id, Approval.step == 1, Approval.state == ApprovalState.APPROVED,
        Approval.round == invoice.approval_round,
    )  # fmt: skip
    if session.execute(first).first() is not None:
        return None
    why = "; ".join(alerts) or f"its total is over {second_over}"
    return f"invoice {invoice_id} needs two approvals ({why}): a first one in chat, then this one"


def decide(
    session: Session,
    clock: Clock,
    invoice_id: int,
    *,
    approve: bool,
    actor: str,
    decided_by_id: int | None = None,
    reason: str | None = None,
) -> Decision:
    """Approve or reject an incoming invoice that is still open, and return the decision."""
    invoice = _locked_invoice(session, invoice_id)
    action = "approved" if approve else "rejected"
    if invoice.direction != Direction.IN or invoice.status not in DECIDABLE:
        raise InvalidTransition(invoice_id, invoice.status.value, action)
    if not approve and not (reason and reason.strip()):
        raise InvoicingError("a rejection needs a reason")
    before = invoice.status
    now = clock.now()
    invoice.status = InvoiceStatus.APPROVED if approve else InvoiceStatus.REJECTED
    invoice.updated_at = now
    pending = select(Approval).where(
        Approval.invoice_id == invoice_id, Approval.state == ApprovalState.PENDING
    )
    for approval in session.execute(pending).scalars():
        approval.state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
        approval.decided_at = now
        approval.decided_by_id = decided_by_id
        approval.reason = reason
    audit.record(
        session, clock, actor=actor, action=f"invoice.{action}", entity_type="invoice",
        entity_id=invoice_id, before={"status": before},
        after={"status": invoice.status, "reason": reason},
    )  # fmt: skip
    webhooks.emit(session, clock, webhooks.Event.APPROVED if approve else webhooks.Event.REJECTED, invoice)
    return Decision(invoice_id, invoice.status, actor, reason)
