"""Approving and rejecting incoming invoices: allowed transitions only, always audited."""

from __future__ import annotations

import pytest

from invoicing import audit, decisions
from invoicing.domain import InvoiceStatus
from invoicing.errors import InvalidTransition, InvoicingError, NotFound
from invoicing.receiving import receive
from tests.services.test_receiving import extraction, incoming


def test_approve_then_no_second_decision(db, clock, store):
    received = receive(db, clock, store, incoming(), extraction())
    with db.transaction() as s:
        decision = decisions.decide(s, clock, received.invoice_id, approve=True, actor="cli")
    assert decision.status is InvoiceStatus.APPROVED
    with pytest.raises(InvalidTransition, match="is approved"), db.transaction() as s:
        decisions.decide(s, clock, received.invoice_id, approve=False, actor="cli", reason="too late")
    with db.transaction() as s:
        trail = audit.trail(s, "invoice", received.invoice_id)
    assert [e.action for e in trail] == ["invoice.received", "invoice.approved"]
    assert trail[1].before == {"status": "pending_approval"}


def test_reject_needs_a_reason_and_unknown_invoices_are_not_found(db, clock, store):
    received = receive(db, clock, store, incoming(), extraction())
    with pytest.raises(InvoicingError, match="reason"), db.transaction() as s:
        decisions.decide(s, clock, received.invoice_id, approve=False, actor="cli", reason=" ")
    with db.transaction() as s:
        assert decisions.decide(s, clock, received.invoice_id, approve=False, actor="cli",
                                reason="not ours").status is InvoiceStatus.REJECTED  # fmt: skip
    with pytest.raises(NotFound), db.transaction() as s:
        decisions.decide(s, clock, 999, approve=True, actor="cli")
