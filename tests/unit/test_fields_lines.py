"""Line items read from item tables: header columns in en/de/fr, continuation lines, units, the totals block."""

from __future__ import annotations

from decimal import Decimal

from intake.fields import extract_fields
from intake.fields.lines import parse_quantity, parse_rate
from intake.readers import read_document
from invoicing.extraction import ExtractedInvoice
from tests.factories import text_pdf
from tests.unit.test_fields_layout import page


def _read(items: list[tuple[float, float, str]]) -> ExtractedInvoice:
    return extract_fields(read_document(text_pdf(items), "application/pdf").pages)


def test_german_table_with_units_and_continuation_lines() -> None:
    """GIVEN a German PDF table 'Pos | Bezeichnung | Menge | Einzelpreis | Betrag | MwSt.', a second
    description line and a totals block THEN two items are read and 'Zwischensumme' ends the table."""
    invoice = _read([
        (50, 300, "Pos"), (90, 300, "Bezeichnung"), (300, 300, "Menge"), (370, 300, "Einzelpreis"),
        (450, 300, "Betrag"), (520, 300, "MwSt."),
        (50, 316, "1"), (90, 316, "Beratung Projekt A"), (300, 316, "3,5 h"), (370, 316, "100,00"),
        (450, 316, "350,00"), (520, 316, "19 %"),
        (90, 330, "vom 01.03. bis 15.03.2026"),
        (50, 346, "2"), (90, 346, "Kabel"), (300, 346, "2 Stk"), (370, 346, "25,00"),
        (450, 346, "50,00"), (520, 346, "19 %"),
        (300, 380, "Zwischensumme"), (450, 380, "400,00"),
        (300, 394, "MwSt. 19 %"), (450, 394, "76,00"),
        (300, 408, "Gesamtbetrag"), (450, 408, "476,00"),
    ])
    first, second = invoice.lines
    assert first.description == "Beratung Projekt A vom 01.03. bis 15.03.2026"
    assert (first.quantity, first.unit_price, first.amount, first.tax_rate) == (
        Decimal("3.5"), Decimal("100.00"), Decimal("350.00"), Decimal("19"))
    assert (second.description, second.quantity, second.amount) == ("Kabel", Decimal("2"), Decimal("50.00"))
    assert invoice.net_total == Decimal("400.00")
    assert not any("line items" in w for w in invoice.warnings)


def test_english_table() -> None:
    """GIVEN 'Description | Qty | Unit price | VAT % | Amount' THEN each row is an item with its rate."""
    invoice = _read([
        (50, 300, "Description"), (280, 300, "Qty"), (330, 300, "Unit price"), (420, 300, "VAT %"),
        (490, 300, "Amount"),
        (50, 316, "Hosting plan"), (280, 316, "12"), (330, 316, "9.99"), (420, 316, "20%"), (490, 316, "119.88"),
        (50, 332, "Setup fee"), (280, 332, "1"), (330, 332, "30.00"), (420, 332, "20%"), (490, 332, "30.00"),
        (380, 370, "Subtotal"), (490, 370, "149.88"),
        (380, 384, "VAT 20%"), (490, 384, "29.98"),
        (380, 398, "Total"), (490, 398, "179.86"),
    ])
    assert [(i.description, i.quantity, i.unit_price, i.amount, i.tax_rate) for i in invoice.lines] == [
        ("Hosting plan", Decimal("12"), Decimal("9.99"), Decimal("119.88"), Decimal("20")),
        ("Setup fee", Decimal("1"), Decimal("30.00"), Decimal("30.00"), Decimal("20")),
    ]


def test_french_table_with_header_over_two_lines() -> None:
    """GIVEN 'Désignation | Qté | Prix | Montant HT' with 'unitaire' under 'Prix' THEN the price column
    is the unit price, the amount column the line's amount, and 'Total HT' ends the table."""
    invoice = _read([
        (50, 300, "Désignation"), (280, 300, "Qté"), (340, 300, "Prix"), (480, 300, "Montant HT"),
        (340, 310, "unitaire"),
        (50, 326, "Nougat 250g"), (280, 326, "5 Unit(s)"), (340, 326, "4,55 €"), (480, 326, "22,75 €"),
        (50, 340, "Huile d'olive"), (280, 340, "10 Liter(s)"), (340, 340, "19,80 €"), (480, 340, "198,00 €"),
        (400, 380, "Total HT"), (480, 380, "220,75 €"),
        (400, 394, "TVA 20 %"), (480, 394, "44,15 €"),
        (400, 408, "Total TTC"), (480, 408, "264,90 €"),
    ])
    assert [(i.description, i.quantity, i.unit_price, i.amount) for i in invoice.lines] == [
        ("Nougat 250g", Decimal("5"), Decimal("4.55"), Decimal("22.75")),
        ("Huile d'olive", Decimal("10"), Decimal("19.80"), Decimal("198.00")),
    ]


def test_totals_block_stops_the_table() -> None:
    """GIVEN rows after the 'Netto' row THEN none of them becomes an item."""
    invoice = extract_fields([page([
        (50, 300, "Beschreibung"), (300, 300, "Anzahl"), (380, 300, "E-Preis"), (480, 300, "Gesamt"),
        (50, 316, "Wartung"), (300, 316, "1"), (380, 316, "80,00"), (480, 316, "80,00"),
        (380, 340, "Netto"), (480, 340, "80,00"),
        (380, 354, "USt. 19 %"), (480, 354, "15,20"),
        (380, 368, "Brutto"), (480, 368, "95,20"),
        (50, 390, "Vielen Dank für Ihren Auftrag"), (480, 390, "1,00"),
    ])])
    assert [i.description for i in invoice.lines] == ["Wartung"]


def test_no_table_no_lines() -> None:
    """GIVEN a page without an item table THEN there are no lines."""
    invoice = extract_fields([page([(50, 100, "Rechnung Nr. 1"), (50, 300, "Gesamtbetrag 10,00 EUR")])])
    assert invoice.lines == ()


def test_quantity_and_rate_cells() -> None:
    """GIVEN quantities with units and rates with or without '%' THEN their numbers are read."""
    assert parse_quantity("2 Stk") == Decimal("2")
    assert parse_quantity("3,5 h") == Decimal("3.5")
    assert parse_quantity("10 Liter(s)") == Decimal("10")
    assert parse_quantity("Pauschal") is None
    assert parse_rate("19 %") == Decimal("19")
    assert parse_rate("7,0") == Decimal("7.0")
