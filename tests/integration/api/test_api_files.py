"""`/invoices/{id}/pdf` and `/xml`: the original or issued PDF, and the e-invoice XML in it."""

from __future__ import annotations

import datetime as dt

import facturx

from invoicing import issuing
from invoicing.db.models import Invoice
from invoicing.domain import Channel
from invoicing.outgoing import attach_pdf
from invoicing.receiving import IncomingFile, receive
from invoicing.ubl import received_ubl
from tests.books import customer_invoice, supplier_invoice
from tests.factories import simple_invoice_pdf
from tests.services.test_receiving import extraction


async def test_an_issued_invoice_gives_its_xml_at_once_and_its_pdf_once_rendered(client, app, db, clock):
    """GIVEN an invoice just issued (its PDF not rendered yet) THEN /pdf says 409 with Retry-After
    and /xml already gives the EN 16931 XML; once rendered, /pdf gives the PDF/A-3 and /xml the
    XML embedded in it, the same bytes."""
    customer = (await client.put("/contacts", json={"name": "ACME SARL", "customer": True, "address": "1 rue de la Paix",
                                                    "postcode": "75002", "city": "Paris", "country": "FR"})).json()
    invoice_id = customer_invoice(db, clock, customer["contact"]["id"], issued=clock.today())
    waiting = await client.get(f"/invoices/{invoice_id}/pdf")
    assert waiting.status_code == 409 and waiting.headers["retry-after"] == "5"
    early = await client.get(f"/invoices/{invoice_id}/xml")
    assert early.status_code == 200 and early.headers["content-type"] == "application/xml"
    assert b"<ram:ID>INV-2026-0001</ram:ID>" in early.content
    from invoicing.render import render_invoice

    with db.transaction() as s:
        rendered = render_invoice(issuing.document_of(s.get(Invoice, invoice_id)))
    attach_pdf(db, clock, app.store, invoice_id, rendered.pdf, "INV-2026-0001.pdf")
    pdf = await client.get(f"/invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200 and pdf.content == rendered.pdf and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="INV-2026-0001.pdf"' in pdf.headers["content-disposition"]
    embedded = await client.get(f"/invoices/{invoice_id}/xml")
    assert embedded.content == facturx.get_xml_from_pdf(rendered.pdf, check_xsd=False)[1] == early.content


async def test_a_received_invoice_gives_its_original_and_an_e_invoice_its_xml(client, app, db, clock):
    """GIVEN a scanned-like PDF and a UBL e-invoice received THEN /pdf gives each original as it came;
    /xml gives the UBL as received, and for the PDF without XML a 404 that says so."""
    pdf = simple_invoice_pdf()
    scanned = receive(db, clock, app.store, IncomingFile(pdf, "scan.pdf", "application/pdf", Channel.FOLDER),
                      extraction()).invoice_id  # fmt: skip
    paper = supplier_invoice(db, clock, app.store, number="L-1", total="10.00", due=None,
                             issued=dt.date(2026, 3, 1), approver=None)  # fmt: skip
    with db.transaction() as s:
        xml = received_ubl(s.get(Invoice, paper))
    einvoice = receive(db, clock, app.store, IncomingFile(xml, "L-1.xml", "application/xml", Channel.EMAIL),
                       extraction(invoice_number="L-9")).invoice_id  # fmt: skip
    original = await client.get(f"/invoices/{scanned}/pdf")
    assert original.content == pdf and original.headers["content-type"] == "application/pdf"
    assert (await client.get(f"/invoices/{einvoice}/xml")).content == xml
    assert (await client.get(f"/invoices/{einvoice}/pdf")).headers["content-type"] == "application/xml"
    none = await client.get(f"/invoices/{scanned}/xml")
    assert none.status_code == 404 and "without one" in none.json()["detail"]
