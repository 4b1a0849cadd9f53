"""`contacts show`: one contact with its details, its invoices both ways and the files stored for it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoicing.billing import parse_line
from invoicing.config import load_settings
from invoicing.contact_views import show_contact
from invoicing.db.models import Document, Invoice
from invoicing.directory import ContactInput, add_contact, add_user, update_contact
from invoicing.domain import Channel, InvoiceStatus, Role
from invoicing.errors import NotFound
from invoicing.extraction import ExtractedInvoice, Party, Source
from invoicing.issuing import InvoiceRequest, IssuingPolicy, issue_new
from invoicing.parties import seller_from_settings
from invoicing.receiving import IncomingFile, receive

SELLER = dict(seller_name="Muster Software GmbH", seller_address="Hauptstraße 1\n10115 Berlin",
              seller_country="DE", seller_vat_id="DE123456788")  # fmt: skip


def test_a_contact_shows_its_details_invoices_in_and_out_documents_and_history(db, clock, store):
    """GIVEN a partner who is customer and vendor, with an invoice we issued (its PDF rendered and
    stored) and one they sent us WHEN shown THEN both invoices and both stored files are listed,
    the details and history are there, and days_to_pay waits for the payments work."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, email="mia@example.com").id
        contact = add_contact(s, clock, ContactInput(
            name="ACME SARL", is_customer=True, is_vendor=True, vat_id="FR40303265045", manager_id=mia,
            address="1 rue de la Paix; Bâtiment B", postcode="75002", city="Paris", country="FR",
            invoice_email="factures@acme.example", payment_terms_days=14, late_fee_terms="eu",
        ))  # fmt: skip
        update_contact(s, clock, contact, ContactInput(name="ACME SARL", city="Paris Cedex 02"))
        policy = IssuingPolicy(seller_from_settings(load_settings(**SELLER)))
        issued_id = issue_new(s, clock, InvoiceRequest(contact.id, (parse_line("Consulting;10;120;20"),)), policy, "cli")
        number = s.get(Invoice, issued_id).number
        # What the render job does once the PDF is made: store it and point the invoice at it.
        sha, path = store.put(b"%PDF-1.7 issued")
        pdf = Document(sha256=sha, filename=f"{number}.pdf", media_type="application/pdf", size=15,
                       storage_path=path, channel=Channel.GENERATED, received_at=clock.now())  # fmt: skip
        s.add(pdf)
        s.flush()
        s.get(Invoice, issued_id).document_id = pdf.id
        contact_id = contact.id
    extraction = ExtractedInvoice(
        source=Source.PDF_TEXT, invoice_number="F-77", issue_date=dt.date(2026, 2, 20), currency="EUR",
        total=Decimal("59.50"), net_total=Decimal("50.00"), tax_total=Decimal("9.50"),
        seller=Party(name="ACME SARL", vat_id="FR40303265045"), confidence={"total": 0.99},
    )  # fmt: skip
    incoming = IncomingFile(data=b"%PDF-1.4 theirs", filename="f-77.pdf", media_type="application/pdf",
                            channel=Channel.EMAIL)  # fmt: skip
    received = receive(db, clock, store, incoming, extraction)

    with db.transaction() as s:
        detail = show_contact(s, contact_id)
    assert (detail.name, detail.customer, detail.vendor, detail.country) == ("ACME SARL", True, True, "FR")
    assert detail.address == ["1 rue de la Paix", "Bâtiment B"] and detail.city == "Paris Cedex 02"
    assert (detail.invoice_email, detail.payment_terms_days, detail.late_fee_terms) == ("factures@acme.example", 14, "eu")
    assert detail.manager is not None and detail.manager.name == "Mia"
    assert detail.days_to_pay is not None and (detail.days_to_pay.average, detail.days_to_pay.count) == (None, 0)
    [out] = detail.invoices_out
    assert (out.id, out.number, out.status, out.total, out.due_date) == (
        issued_id, number, InvoiceStatus.ISSUED, Decimal("1440.00"), dt.date(2026, 3, 16))  # fmt: skip
    [came_in] = detail.invoices_in
    assert (came_in.id, came_in.number, came_in.total) == (received.invoice_id, "F-77", Decimal("59.50"))
    assert [(d.filename, d.invoice_ids) for d in detail.documents] == [
        (f"{number}.pdf", [issued_id]), ("f-77.pdf", [received.invoice_id])]  # fmt: skip
    assert store.read(detail.documents[0].storage_path) == b"%PDF-1.7 issued"
    assert [e.action for e in detail.history] == ["contact.added", "contact.updated"]
    assert detail.model_dump(mode="json")["invoices_out"][0]["total"] == "1440.00"


def test_an_unknown_contact_is_not_found(db):
    with db.transaction() as s, pytest.raises(NotFound, match="contact 99 not found"):
        show_contact(s, 99)
