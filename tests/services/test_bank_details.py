"""Bank details never change silently: a new IBAN or a known VAT ID under another name holds the
invoice for review and needs an admin's second approval; vendors are matched by exact name."""

from __future__ import annotations

from decimal import Decimal

from invoicing import approvals, decisions, directory
from invoicing.approvals import Outcome
from invoicing.db.models import Invoice
from invoicing.domain import InvoiceStatus, Role
from invoicing.extraction import Party
from invoicing.receiving import receive
from tests.services.test_receiving import extraction, incoming

MANAGER, ADMIN = 601, 603
RECORDED, PRINTED, NEW = "DE89370400440532013000", "DE02120300000000202051", "GB33BUKB20201555555555"


def vendor(db, clock, *, iban: str | None = None, vat_id: str | None = "DE123456788") -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        manager = directory.add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MANAGER)
        directory.add_user(s, clock, name="Ada", role=Role.ADMIN, telegram_user_id=ADMIN)
        directory.add_contact(s, clock, directory.ContactInput(
            name="Lieferant GmbH", vat_id=vat_id, iban=iban, manager_id=manager.id, is_vendor=True))  # fmt: skip


def approve_by_chat(db, clock, invoice_id: int, telegram_user_id: int) -> approvals.Result:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        pending = approvals.decide_by_invoice(s, clock, invoice_id, telegram_user_id, approve=True)
    return pending


def test_given_a_vendor_record_with_an_iban_when_an_invoice_shows_another_then_review_and_two_approvals(db, clock, store):
    vendor(db, clock, iban=RECORDED)
    received = receive(db, clock, store, incoming(), extraction(seller=Party(
        name="Lieferant GmbH", vat_id="DE123456788", iban=NEW)))  # fmt: skip

    alert = "IBAN changed from DE89 3704 0044 0532 0130 00 (the vendor's record) to GB33 BUKB 2020 1555 5555 55"
    assert received.status is InvoiceStatus.NEEDS_REVIEW and alert in received.warnings
    with db.transaction() as s:
        assert s.get(Invoice, received.invoice_id).seller_iban == NEW  # shown as printed, never replaced
        [ticket] = approvals.open_step(s, clock, received.invoice_id)
    assert ticket.chat_id == MANAGER
    first = approve_by_chat(db, clock, received.invoice_id, MANAGER)  # no amount threshold is set
    assert first.outcome is Outcome.FIRST_APPROVED
    with db.transaction() as s:
        [second] = approvals.open_step(s, clock, received.invoice_id, 2)
        assert s.get(Invoice, received.invoice_id).status is InvoiceStatus.NEEDS_REVIEW
    assert second.chat_id == ADMIN
    assert approve_by_chat(db, clock, received.invoice_id, ADMIN).outcome is Outcome.DECIDED
    with db.transaction() as s:
        assert s.get(Invoice, received.invoice_id).status is InvoiceStatus.APPROVED


def test_given_an_approved_invoice_when_the_next_shows_another_iban_then_the_alert_names_that_invoice(db, clock, store):
    vendor(db, clock)
    earlier = receive(db, clock, store, incoming(b"1"), extraction(invoice_number="A-1"))
    with db.transaction() as s:
        decisions.decide(s, clock, earlier.invoice_id, approve=True, actor="cli")
    same = receive(db, clock, store, incoming(b"2"), extraction(invoice_number="A-2"))
    changed = receive(db, clock, store, incoming(b"3"), extraction(
        invoice_number="A-3", seller=Party(name="Lieferant GmbH", vat_id="DE123456788", iban=NEW)))  # fmt: skip

    assert same.status is InvoiceStatus.PENDING_APPROVAL and not any("IBAN" in w for w in same.warnings)
    assert changed.status is InvoiceStatus.NEEDS_REVIEW
    assert (f"IBAN changed from DE02 1203 0000 0000 2020 51 to GB33 BUKB 2020 1555 5555 55 "
            f"since invoice #{earlier.invoice_id}") in changed.warnings  # fmt: skip
    with db.transaction() as s:
        approvals.open_step(s, clock, same.invoice_id)
    assert approve_by_chat(db, clock, same.invoice_id, MANAGER).outcome is Outcome.DECIDED


def test_given_a_known_vat_id_under_another_name_then_review_and_two_approvals(db, clock, store):
    vendor(db, clock)
    received = receive(db, clock, store, incoming(), extraction(seller=Party(
        name="Evil Ltd", vat_id="DE123456788", iban=PRINTED)))  # fmt: skip
    renamed = receive(db, clock, store, incoming(b"2"), extraction(invoice_number="B-2", seller=Party(
        name="LIEFERANT  gmbh", vat_id="DE123456788", iban=PRINTED)))  # fmt: skip

    assert received.status is InvoiceStatus.NEEDS_REVIEW
    assert "VAT ID DE123456788 belongs to Lieferant GmbH, not to Evil Ltd" in received.warnings
    assert renamed.status is InvoiceStatus.PENDING_APPROVAL
    with db.transaction() as s:
        approvals.open_step(s, clock, received.invoice_id)
    assert approve_by_chat(db, clock, received.invoice_id, MANAGER).outcome is Outcome.FIRST_APPROVED


def test_vendor_names_match_exactly_after_folding_case_and_spaces_never_as_a_pattern(db, clock, store):
    vendor(db, clock, vat_id=None)
    wildcard = receive(db, clock, store, incoming(b"1"), extraction(invoice_number="C-1", seller=Party(name="%")))
    underscore = receive(db, clock, store, incoming(b"2"), extraction(
        invoice_number="C-2", seller=Party(name="Lieferant_GmbH")))  # fmt: skip
    spaced = receive(db, clock, store, incoming(b"3"), extraction(
        invoice_number="C-3", seller=Party(name="  lieferant   GMBH ")))  # fmt: skip

    with db.transaction() as s:
        assert s.get(Invoice, wildcard.invoice_id).contact_id is None
        assert s.get(Invoice, underscore.invoice_id).contact_id is None
        assert s.get(Invoice, spaced.invoice_id).contact is not None
    assert "unknown vendor" in wildcard.warnings and "unknown vendor" not in spaced.warnings


def test_an_amount_threshold_still_applies_beside_the_alerts(db, clock, store):
    vendor(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    with db.transaction() as s:
        approvals.open_step(s, clock, received.invoice_id)
        result = approvals.decide_by_invoice(s, clock, received.invoice_id, MANAGER, approve=True,
                                             second_over=Decimal("100"))  # fmt: skip
    assert result.outcome is Outcome.FIRST_APPROVED
