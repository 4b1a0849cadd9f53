"""Exports for accounting: CSV safe in spreadsheets, JSON as the API shows invoices, UBL 2.1 valid
against the OASIS schema (and, issued, against the EN 16931 rules), and the issued PDFs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import facturx
import pytest

from invoicing import export, issuing, views
from invoicing.billing import parse_line
from invoicing.directory import ContactInput, add_contact
from invoicing.domain import Direction
from invoicing.extraction import Party
from invoicing.issuing import InvoiceRequest
from invoicing.listing import InvoiceFilter
from tests.books import issuing_policy, on_day, supplier_invoice
from tests.ubl_schema import ubl_errors
from tests.validators import en16931_failures

HOSTILE = Party(name='=HYPERLINK("http://evil.example","pay here")', vat_id="DE123456788",
                iban="DE02120300000000202051")  # fmt: skip


@pytest.fixture
def books(db, clock, store) -> dict[str, int]:
    """Two issued invoices (one credited), two supplier invoices (one named like a formula) and one
    supplier invoice without a number."""
    with db.transaction() as s:
        acme = add_contact(s, clock, ContactInput(
            name="ACME SARL", is_customer=True, address="1 rue de la Paix", postcode="75002", city="Paris",
            country="FR", vat_id="FR40303265045", email="billing@acme.example", language="fr",
        )).id  # fmt: skip
        dk = add_contact(s, clock, ContactInput(
            name="Nordisk ApS", is_customer=True, address="Vesterbrogade 3", postcode="1620", city="København V",
            country="DK", vat_id="DK13585628", discount_terms="2% 10",
        )).id  # fmt: skip
    policy = issuing_policy()
    with on_day(clock, dt.date(2026, 2, 2)), db.transaction() as s:
        first = issuing.issue_new(s, clock, InvoiceRequest(acme, (parse_line("Conseil;3;800;AE"),)), policy, "cli")
        second = issuing.issue_new(s, clock, InvoiceRequest(dk, (parse_line("Licence;1;1000;19"),
                                                                 parse_line("Support;4,5;90;19"))), policy, "cli")  # fmt: skip
    with on_day(clock, dt.date(2026, 2, 20)), db.transaction() as s:
        credit = issuing.credit_note(s, clock, issuing.find_issued(s, str(second)).number, policy, "cli").invoice_id
    received = supplier_invoice(db, clock, store, number="L-77", total="119.00", due=dt.date(2026, 3, 30),
                                issued=dt.date(2026, 2, 25), approver=None, lines=("Papier", "Toner"))  # fmt: skip
    hostile = supplier_invoice(db, clock, store, number="-1+1", total="-40.00", due=None, issued=dt.date(2026, 3, 1),
                               approver=None, seller=HOSTILE)  # fmt: skip
    unnumbered = supplier_invoice(db, clock, store, number="", total="10.00", due=None, issued=dt.date(2026, 3, 1),
                                  approver=None, extra={"invoice_number": None})  # fmt: skip
    return {"first": first, "second": second, "credit": credit, "received": received, "hostile": hostile,
            "unnumbered": unnumbered}  # fmt: skip


def test_csv_cells_never_run_as_formulas_and_amounts_are_numbers(db, books):
    """GIVEN a supplier whose name is a HYPERLINK formula and an invoice numbered "-1+1" WHEN the
    invoices are exported as CSV THEN those cells start with a quote; amounts are plain numbers."""
    out = io.StringIO()
    assert export.write_csv(out, export.summaries(db, InvoiceFilter())) == 6
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    hostile = next(r for r in rows if int(r["id"]) == books["hostile"])
    assert hostile["seller_name"] == "'" + HOSTILE.name and hostile["number"] == "'-1+1"
    assert hostile["total"] == "-40.00", "a negative amount is a number, not a formula"
    first = next(r for r in rows if int(r["id"]) == books["first"])
    assert (first["total"], first["direction"], first["kind"], first["issue_date"]) == ("2400.00", "out", "invoice",
                                                                                       "2026-02-02")  # fmt: skip
    for row in rows:
        assert not any(cell and cell[0] in "=+@\t\r" for cell in row.values())


def test_json_export_is_the_api_shape_filtered_by_direction_and_date(db, books):
    out = io.StringIO()
    filters = InvoiceFilter(direction=Direction.OUT, since=dt.date(2026, 2, 10))
    assert export.write_json(out, export.details(db, filters)) == 1
    [credit] = json.loads(out.getvalue())
    with db.transaction() as s:
        assert credit == views.show_invoice(s, books["credit"]).model_dump(mode="json")
    assert credit["kind"] == "credit_note" and credit["lines"]


def test_ubl_export_is_valid_ubl_and_issued_invoices_pass_the_en16931_rules(db, store, books, tmp_path):
    """GIVEN issued invoices (reverse charge; two rates with a discount), a credit note, and received
    ones WHEN exported as UBL into a folder THEN each file is valid UBL 2.1; the issued ones pass
    the EN 16931 business rules; the one without a number is left out with the reason."""
    report = export.export_files(db, store, InvoiceFilter(), export.Format.UBL, export.FileSink(tmp_path / "ubl"))
    assert report.written == 5
    assert report.skipped == [(books["unnumbered"], f"invoice {books['unnumbered']} has no number or issue date to write")]
    files = sorted((tmp_path / "ubl").iterdir())
    for path in files:
        assert ubl_errors(path.read_bytes()) == [], path.name
    issued = [p for p in files if int(p.name.split("-")[0]) in (books["first"], books["second"], books["credit"])]
    assert len(issued) == 3 and en16931_failures(issued) == {}
    credit = next(p for p in files if p.name.startswith(f"{books['credit']}-")).read_bytes()
    assert b"<CreditNote" in credit and b"<cbc:CreditNoteTypeCode>381<" in credit
    received = next(p for p in files if p.name.startswith(f"{books['received']}-")).read_bytes()
    assert b"<cbc:ID>L-77</cbc:ID>" in received and b"Toner" in received and b"DE02120300000000202051" in received


def test_ubl_into_a_zip_and_facturx_exports_the_issued_pdfs_themselves(db, store, clock, books, tmp_path):
    """GIVEN one issued invoice rendered and one not yet WHEN the Factur-X PDFs are exported into a
    zip THEN the rendered one is in it byte for byte (its XML inside) and the other is named as
    left out; a UBL zip holds the same files a folder would."""
    from invoicing.outgoing import attach_pdf
    from invoicing.render import render_invoice

    with db.transaction() as s:
        document = issuing.document_of(s.get(export.Invoice, books["first"]))
    pdf = render_invoice(document).pdf
    attach_pdf(db, clock, store, books["first"], pdf, f"{document.number}.pdf")
    target = tmp_path / "out" / "pdfs.zip"
    report = export.export_files(db, store, InvoiceFilter(direction=Direction.OUT), export.Format.FACTURX,
                                 export.FileSink(target))  # fmt: skip
    assert report.written == 1 and {i for i, _ in report.skipped} == {books["second"], books["credit"]}
    with zipfile.ZipFile(target) as archive:
        [name] = archive.namelist()
        assert name == f"{books['first']}-{document.number}.pdf" and archive.read(name) == pdf
        assert facturx.get_xml_from_pdf(archive.read(name), check_xsd=False)[1]
    assert not list(target.parent.glob(".export-*")), "no partial file is left behind"
    ubl_zip = tmp_path / "ubl.zip"
    export.export_files(db, store, InvoiceFilter(), export.Format.UBL, export.FileSink(ubl_zip))
    with zipfile.ZipFile(ubl_zip) as archive:
        assert len(archive.namelist()) == 5 and all(ubl_errors(archive.read(n)) == [] for n in archive.namelist())


def test_the_generated_invoices_all_pass_as_ubl(tmp_path):
    """GIVEN 80 generated documents of every scenario (rates, zero-rated, exempt, reverse charge,
    intra-EU, export, outside VAT, credit notes, hostile text) THEN their UBL is valid and passes
    the EN 16931 rules."""
    from invoicing.ubl import issued_texts, issued_ubl
    from tests.invoices import sample

    paths = []
    for i, document in enumerate(sample(80)):
        xml = issued_ubl(document, *issued_texts(document))
        assert ubl_errors(xml) == [], (i, document.number)
        paths.append(tmp_path / f"g{i}.xml")
        paths[-1].write_bytes(xml)
    assert en16931_failures(paths) == {}
