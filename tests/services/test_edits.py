"""Who may change an invoice, and what a change of a payment field after approval sets off."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from invoicing import approvals, audit, corrections, directory
from invoicing.approvals import Outcome
from invoicing.corrections import Editor
from invoicing.db.models import Approval, Invoice, Job
from invoicing.domain import ApprovalState, InvoiceStatus, Role
from invoicing.errors import NotAuthorised
from invoicing.reapproval import changes
from invoicing.receiving import receive
from tests.services.test_receiving import extraction, incoming

MANAGER, OTHER, ADMIN = 701, 702, 703
PRINTED, NEW = "DE02120300000000202051", "GB33BUKB20201555555555"


def people(db, clock) -> dict[str, Editor]:  # type: ignore[no-untyped-def]
    """The vendor's manager, another manager and an admin, each as an editor."""
    with db.transaction() as s:
        users = {
            "manager": directory.add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MANAGER),
            "other": directory.add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTHER),
            "admin": directory.add_user(s, clock, name="Ada", role=Role.ADMIN, telegram_user_id=ADMIN),
        }
        directory.add_contact(s, clock, directory.ContactInput(
            name="Lieferant GmbH", vat_id="DE123456788", iban=PRINTED, manager_id=users["manager"].id))  # fmt: skip
        return {k: Editor(f"telegram:{u.telegram_user_id}", u.role, u.id) for k, u in users.items()}


def approved_by_chat(db, clock, store) -> tuple[int, approvals.Ticket]:  # type: ignore[no-untyped-def]
    """Receive an invoice, send its request and let the manager approve it."""
    received = receive(db, clock, store, incoming(), extraction())
    with db.transaction() as s:
        [ticket] = approvals.open_step(s, clock, received.invoice_id)
        approvals.begin_send(s, ticket.approval_id, ticket.chat_id)
        approvals.sent(s, ticket.approval_id, ticket.chat_id, 77)
    with db.transaction() as s:
        assert approvals.decide_by_token(s, clock, ticket.token, MANAGER, approve=True).outcome is Outcome.DECIDED
    return received.invoice_id, ticket


def test_given_an_approved_invoice_when_another_manager_edits_the_iban_then_refused_unchanged_and_audited(db, clock, store):
    editors = people(db, clock)
    invoice_id, _ = approved_by_chat(db, clock, store)

    with pytest.raises(NotAuthorised, match="only an admin or the invoice's approver"):
        corrections.correct(db, clock, invoice_id, "seller_iban", NEW, editors["other"])
    with db.transaction() as s:
        invoice = s.get(Invoice, invoice_id)
        assert (invoice.seller_iban, invoice.status) == (PRINTED, InvoiceStatus.APPROVED)
        refused = audit.trail(s, "invoice", invoice_id)[-1]
    assert (refused.action, refused.actor) == ("invoice.edit_refused", f"telegram:{OTHER}")
    assert refused.after == {"field": "seller_iban", "value": NEW, "why": "not an admin or the invoice's approver"}


def test_given_an_approved_invoice_when_its_approver_changes_the_iban_then_a_fresh_round_with_two_approvals(db, clock, store):
    editors = people(db, clock)
    invoice_id, old = approved_by_chat(db, clock, store)

    change = corrections.correct(db, clock, invoice_id, "seller_iban", "gb33 bukb 2020 1555 5555 55", editors["manager"])
    assert (change.before, change.after, change.reopened) == (PRINTED, NEW, True)
    with db.transaction() as s:
        invoice = s.get(Invoice, invoice_id)
        assert invoice.status is InvoiceStatus.PENDING_APPROVAL
        assert any(w.startswith("IBAN changed from DE02") for w in invoice.warnings)
        actions = [e.action for e in audit.trail(s, "invoice", invoice_id)]
        [shown] = changes(s, invoice_id).fields
        [new] = approvals.open_step(s, clock, invoice_id)
        jobs = [j.payload for j in s.execute(select(Job).where(Job.kind == approvals.APPROVAL_REQUEST)).scalars()]
    assert actions[-2:] == ["invoice.corrected", "invoice.reopened"]
    assert (shown.field, shown.before, shown.after) == ("seller_iban", PRINTED, NEW)
    assert new.token != old.token and new.chat_id == MANAGER
    assert len(jobs) == 2
    with db.transaction() as s:  # the old buttons are dead
        assert approvals.decide_by_token(s, clock, old.token, MANAGER, approve=True).outcome is Outcome.REPLACED
    with db.transaction() as s:  # the new IBAN differs from the one the vendor used: an admin approves too
        assert approvals.decide_by_token(s, clock, new.token, MANAGER, approve=True).outcome is Outcome.FIRST_APPROVED
    with db.transaction() as s:
        [second] = approvals.open_step(s, clock, invoice_id, 2)
        assert approvals.decide_by_token(s, clock, second.token, ADMIN, approve=True).outcome is Outcome.DECIDED
        assert s.get(Invoice, invoice_id).status is InvoiceStatus.APPROVED


def test_given_an_approved_invoice_when_the_total_changes_then_back_to_approval_without_a_second_step(db, clock, store):
    editors = people(db, clock)
    invoice_id, _ = approved_by_chat(db, clock, store)

    corrections.correct(db, clock, invoice_id, "total", "99999", editors["admin"])
    with db.transaction() as s:
        assert s.get(Invoice, invoice_id).status is InvoiceStatus.PENDING_APPROVAL
        [shown] = changes(s, invoice_id).fields
        [ticket] = approvals.open_step(s, clock, invoice_id)
    assert (shown.field, shown.before, shown.after) == ("total", "119.00", "99999.00")
    with db.transaction() as s:
        assert approvals.decide_by_token(s, clock, ticket.token, MANAGER, approve=True).outcome is Outcome.DECIDED


def test_given_an_approved_invoice_when_a_non_payment_field_changes_then_it_stays_approved(db, clock, store):
    editors = people(db, clock)
    invoice_id, _ = approved_by_chat(db, clock, store)

    change = corrections.correct(db, clock, invoice_id, "buyer_name", "Kunde AG Berlin", editors["manager"])
    with db.transaction() as s:
        assert s.get(Invoice, invoice_id).status is InvoiceStatus.APPROVED
        assert len(s.execute(select(Job).where(Job.kind == approvals.APPROVAL_REQUEST)).all()) == 1
    assert not change.reopened


def test_given_a_request_already_sent_when_an_admin_corrects_the_due_date_then_the_request_is_replaced(db, clock, store):
    editors = people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    with db.transaction() as s:
        [old] = approvals.open_step(s, clock, received.invoice_id)
        approvals.begin_send(s, old.approval_id, old.chat_id)
        approvals.sent(s, old.approval_id, old.chat_id, 77)

    corrections.correct(db, clock, received.invoice_id, "due_date", "15.04.2026", editors["admin"])
    with db.transaction() as s:
        pressed = approvals.decide_by_token(s, clock, old.token, MANAGER, approve=True)
    assert pressed.outcome is Outcome.REPLACED
    with db.transaction() as s:
        assert s.get(Approval, old.approval_id).state is ApprovalState.SUPERSEDED
    with db.transaction() as s:
        [new] = approvals.open_step(s, clock, received.invoice_id)
        assert s.get(Invoice, received.invoice_id).due_date == dt.date(2026, 4, 15)
        job = s.execute(select(Job).order_by(Job.id.desc()).limit(1)).scalar_one()
    assert new.token != old.token
    assert job.payload["withdrawn"] == [[MANAGER, 77, False]]
