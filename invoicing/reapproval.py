"""A fresh approval round after a payment field changed, and the changes its request shows.

The open requests of the invoice are superseded (their buttons answer that they were replaced),
an approved invoice goes back to pending approval, the round number moves on so that new requests
with new tokens are written, and the request job carries the old messages to withdraw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing import audit, jobs
from invoicing.approvals import APPROVAL_REQUEST, open_messages
from invoicing.clock import Clock
from invoicing.db.models import Approval, Invoice
from invoicing.domain import ApprovalState, InvoiceStatus

REPLACED = "replaced after a change"
#: Audit actions after which an invoice counts as approved as it stood.
_APPROVED_ACTIONS = frozenset({"invoice.approved"})


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field changed by hand, as the audit trail keeps it (ISO dates, decimal strings)."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class Changes:
    """The hand-made changes an approver should see, since the last approval or since receipt."""

    fields: tuple[FieldChange, ...] = ()
    since_approval: bool = False


def was_asked(session: Session, invoice: Invoice) -> bool:
    """Return whether anyone was asked to approve the invoice in its current round."""
    query = select(Approval.id).where(Approval.invoice_id == invoice.id, Approval.round == invoice.approval_round)
    return session.execute(query.limit(1)).first() is not None


def reopen(session: Session, clock: Clock, invoice: Invoice, *, actor: str, fields: Sequence[str]) -> None:
    """Supersede the invoice's open requests, start its next approval round and enqueue its request."""
    now = clock.now()
    withdrawn = [[m.chat_id, m.message_id, m.captioned] for m in open_messages(session, invoice.id)]
    pending = select(Approval).where(Approval.invoice_id == invoice.id, Approval.state == ApprovalState.PENDING)
    for approval in session.execute(pending).scalars():
        approval.state, approval.decided_at, approval.reason = ApprovalState.SUPERSEDED, now, REPLACED
    before = {"status": invoice.status, "round": invoice.approval_round}
    if invoice.status in (InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID):
        invoice.status = InvoiceStatus.PENDING_APPROVAL
    invoice.approval_round += 1
    invoice.updated_at = now
    audit.record(
        session, clock, actor=actor, action="invoice.reopened", entity_type="invoice", entity_id=invoice.id,
        before=before, after={"status": invoice.status, "round": invoice.approval_round, "fields": list(fields)},
    )  # fmt: skip
    jobs.enqueue(
        session, clock, kind=APPROVAL_REQUEST, key=f"{APPROVAL_REQUEST}:{invoice.id}:round:{invoice.approval_round}",
        payload={"invoice_id": invoice.id, "step": 1, "withdrawn": withdrawn},
    )  # fmt: skip


def changes(session: Session, invoice_id: int) -> Changes:
    """Return the fields changed by hand since the invoice was last approved (or received), each
    from its first value before to its last value after; fields changed back are left out."""
    trail = audit.trail(session, "invoice", invoice_id)
    approved = [i for i, event in enumerate(trail) if event.action in _APPROVED_ACTIONS]
    start = approved[-1] + 1 if approved else 0
    merged: dict[str, list[str | None]] = {}
    for event in trail[start:]:
        if event.action != "invoice.corrected" or not event.after:
            continue
        for field, after in event.after.items():
            first = (event.before or {}).get(field)
            merged.setdefault(field, [first, after])[1] = after
    shown = tuple(FieldChange(f, before, after) for f, (before, after) in merged.items() if before != after)
    return Changes(shown, since_approval=bool(approved))
