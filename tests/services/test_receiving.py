"""Receiving incoming invoices: storage, duplicates, review rules, audit and the outbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from invoicing import audit, directory
from invoicing.db.models import Document, Invoice, Job
from invoicing.domain import Channel, InvoiceStatus, JobState
from invoicing.extraction import UNREAD_IBAN, ExtractedInvoice, Party, Source
from invoicing.payables import list_payables
from invoicing.receiving import APPROVAL_REQUEST, IncomingFile, receive


def extraction(**changes: object) -> ExtractedInvoice:
    base = ExtractedInvoice(
        source=Source.PDF_TEXT,
        invoice_number="RE-2026-001",
        issue_date=dt.date(2026, 2, 27),
        due_date=dt.date(2026, 3, 29),
        currency="EUR",
        net_total=Decimal("100.00"),
        tax_total=Decimal("19.00"),
        total=Decimal("119.00"),
        seller=Party(name="Lieferant GmbH", vat_id="DE123456788", iban="DE02120300000000202051"),
        buyer=Party(name="Kunde AG"),
        confidence={"invoice_number": 0.95, "total": 0.99, "seller.name": 0.9},
    )
    return base.model_copy(update=changes)


def incoming(data: bytes = b"%PDF-1.4 first", name: str = "a.pdf") -> IncomingFile:
    return IncomingFile(data=data, filename=name, media_type="application/pdf", channel=Channel.FOLDER)


def test_given_a_clean_invoice_when_received_then_it_awaits_approval_with_a_job(db, clock, store):
    received = receive(db, clock, store, incoming(), extraction())

    assert received.status is InvoiceStatus.PENDING_APPROVAL
    with db.transaction() as s:
        invoice = s.get(Invoice, received.invoice_id)
        assert invoice.total == Decimal("119.00") and invoice.net_total == Decimal("100.00")
        assert invoice.document.sha256 == incoming().sha256
        assert store.read(invoice.document.storage_path) == incoming().data
        job = s.execute(select(Job)).scalar_one()
        assert (job.kind, job.state, job.payload) == (APPROVAL_REQUEST, JobState.PENDING, {"invoice_id": invoice.id})
        assert [e.action for e in audit.trail(s, "invoice", invoice.id)] == ["invoice.received"]
        assert "unknown vendor" in invoice.warnings


def test_given_the_same_bytes_twice_then_the_second_is_recognised_and_not_recorded(db, clock, store):
    first = receive(db, clock, store, incoming(), extraction())
    second = receive(db, clock, store, incoming(name="copy.pdf"), extraction())

    assert second.already_known and second.invoice_id == first.invoice_id
    with db.transaction() as s:
        assert len(s.execute(select(Document)).all()) == 1
        assert len(s.execute(select(Invoice)).all()) == 1


def test_given_same_seller_and_number_in_other_bytes_then_flagged_as_possible_duplicate(db, clock, store):
    first = receive(db, clock, store, incoming(), extraction())
    second = receive(db, clock, store, incoming(b"%PDF-1.4 rescanned"), extraction(invoice_number="re 2026 001"))

    assert second.duplicate_of == first.invoice_id
    assert second.status is InvoiceStatus.NEEDS_REVIEW
    assert f"possible duplicate of #{first.invoice_id}" in second.warnings


def test_given_totals_that_disagree_or_low_confidence_then_needs_review(db, clock, store):
    wrong_sum = receive(db, clock, store, incoming(b"1"), extraction(invoice_number="A1", total=Decimal("120.00")))
    unsure = receive(db, clock, store, incoming(b"2"), extraction(invoice_number="A2", confidence={"total": 0.2}))

    assert wrong_sum.status is InvoiceStatus.NEEDS_REVIEW
    assert "net + tax does not equal the total" in wrong_sum.warnings
    assert unsure.status is InvoiceStatus.NEEDS_REVIEW and "low confidence in total" in unsure.warnings


def test_given_an_iban_printed_but_not_read_then_needs_review(db, clock, store):
    """The seller's bank account is never left out silently: a reading that saw an IBAN it could
    not read sends the invoice to a person."""
    unread = receive(db, clock, store, incoming(b"3"), extraction(invoice_number="A3", warnings=(UNREAD_IBAN,)))

    assert unread.status is InvoiceStatus.NEEDS_REVIEW
    assert "the seller's IBAN is printed but could not be read" in unread.warnings


def test_given_a_known_vendor_then_the_invoice_is_linked_to_it(db, clock, store):
    with db.transaction() as s:
        vendor = directory.add_contact(s, clock, directory.ContactInput(name="Lieferant GmbH", vat_id="DE 123 456 788"))
    received = receive(db, clock, store, incoming(), extraction())

    with db.transaction() as s:
        invoice = s.get(Invoice, received.invoice_id)
        assert invoice.contact_id == vendor.id and "unknown vendor" not in invoice.warnings


def test_given_an_unreadable_file_then_the_document_is_kept_with_its_error(db, clock, store):
    received = receive(db, clock, store, incoming(b"garbage"), None, error="not a PDF")

    assert received.invoice_id is None and received.error == "not a PDF"
    with db.transaction() as s:
        document = s.get(Document, received.document_id)
        assert document.error == "not a PDF"
        assert audit.trail(s, "document", document.id)[0].action == "document.unreadable"


def test_given_a_received_credit_note_then_it_is_stored_as_one_and_never_listed_to_pay(db, clock, store):
    """GIVEN a supplier's credit note (type 381), one of another credit-note code (396, factored),
    one typed 380 with negative amounts (as many credit notes' XML states them) and a corrected
    invoice (384) WHEN received and approved THEN the credit notes are stored as such (381) and
    left out of the payables, while the corrected invoice is an invoice to pay: a credit note owes
    money back."""
    codes = {"381": ("CN-1", "119.00"), "396": ("CN-2", "119.00"), "380": ("CN-3", "-119.00"),
             "384": ("RE-4", "119.00")}
    ids = {}
    for code, (number, total) in codes.items():
        received = receive(db, clock, store, incoming(data=f"%PDF-1.4 {number}".encode()),
                           extraction(document_type=code, invoice_number=number, total=Decimal(total)))
        ids[code] = received.invoice_id
    with db.transaction() as s:
        for invoice_id in ids.values():
            s.get(Invoice, invoice_id).status = InvoiceStatus.APPROVED
    with db.transaction() as s:
        stored = {code: s.get(Invoice, invoice_id).document_type for code, invoice_id in ids.items()}
        payable = [item.number for item in list_payables(s, dt.date(2026, 3, 1))]
    assert stored == {"381": "381", "396": "381", "380": "381", "384": "380"}
    assert payable == ["RE-4"]
