"""Cross-checks between fields: each failed rule is a warning and a lower confidence; checks pick candidates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from intake.fields import extract_fields
from intake.fields.candidates import Candidate
from intake.fields.checks import check_ids, check_lines, check_parties, favour_lines_sum
from invoicing.extraction import Line, amounts_disagree
from tests.unit.test_fields_layout import ocr_page, page

_TABLE = [
    (50, 300, "Description"), (280, 300, "Qty"), (330, 300, "Unit price"), (490, 300, "Amount"),
    (50, 316, "Consulting"), (280, 316, "2"), (330, 316, "100.00"), (490, 316, "200.00"),
    (50, 332, "Travel"), (280, 332, "1"), (330, 332, "50.00"), (490, 332, "50.00"),
]


def test_lines_that_do_not_add_up_to_the_net_warn() -> None:
    """GIVEN lines adding up to 250.00 and a printed net of 260.00 THEN a warning names both
    and the net total's confidence drops."""
    invoice = extract_fields([page([
        *_TABLE,
        (380, 370, "Subtotal"), (490, 370, "260.00"),
        (380, 384, "VAT 20%"), (490, 384, "52.00"),
        (380, 398, "Total"), (490, 398, "312.00"),
    ])])
    assert "line items add up to 250.00, not the net total 260.00" in invoice.warnings
    assert invoice.confidence["net_total"] < invoice.confidence["total"]


def test_lines_sum_chooses_between_two_net_candidates() -> None:
    """GIVEN two net candidates scored alike THEN the one the lines add up to wins."""
    lines = [Line(description="a", amount=Decimal("200.00")), Line(description="b", amount=Decimal("50.00"))]
    nets = [Candidate(Decimal("260.00"), 1.0, 10), Candidate(Decimal("250.00"), 0.9, 11)]
    chosen = max(favour_lines_sum(nets, [], lines, set()), key=lambda c: c.score)
    assert chosen.value == Decimal("250.00")


def test_lines_within_a_cent_per_line_agree() -> None:
    """GIVEN eight lines whose rounded amounts add up one cent over the net THEN there is no finding."""
    lines = [Line(description=str(i), amount=Decimal("10.92")) for i in range(8)]
    assert check_lines(lines, Decimal("87.35"), Decimal("103.95")) == []
    assert check_lines(lines, Decimal("80.00"), None) != []


def test_net_plus_tax_not_total_warns() -> None:
    """GIVEN net 100.00, tax 19.00 and total 120.00 THEN a warning and lower confidences."""
    invoice = extract_fields([page([
        (50, 400, "Nettobetrag: 100,00 EUR"), (50, 414, "MwSt. 19 %: 19,00 EUR"), (50, 428, "Gesamtbetrag: 120,00 EUR"),
    ])])
    assert amounts_disagree(Decimal("100.00"), Decimal("19.00"), Decimal("120.00")) in invoice.warnings
    assert invoice.confidence["total"] <= 0.5


def test_a_last_resort_total_is_judged_with_the_net_and_tax() -> None:
    """GIVEN a labelled net and tax and no labelled total THEN the largest amount is taken as the
    total, and the extractor says that net and tax do not add up to it: every reader of the
    reading (doubt, a second OCR reading, the XML's check) takes that one verdict."""
    invoice = extract_fields([page([
        (50, 300, "Kaution 250,00"), (50, 400, "Nettobetrag: 100,00 EUR"), (50, 414, "MwSt. 19 %: 19,00 EUR"),
    ])])
    assert invoice.total == Decimal("250.00")
    assert amounts_disagree(Decimal("100.00"), Decimal("19.00"), Decimal("250.00")) in invoice.warnings
    assert invoice.amounts_agree() is False


def test_due_date_before_issue_date_warns() -> None:
    """GIVEN a due date printed before the issue date THEN a warning and a lower due-date confidence."""
    invoice = extract_fields([page([
        (300, 100, "Rechnungsdatum: 02.03.2026"), (300, 114, "Fällig am: 01.02.2026"),
    ])])
    assert invoice.due_date == dt.date(2026, 2, 1)
    assert "due date 2026-02-01 is before the issue date 2026-03-02" in invoice.warnings
    assert invoice.confidence["due_date"] <= 0.5


def test_due_date_candidate_after_the_issue_date_is_preferred() -> None:
    """GIVEN two due-date labels, one dated before the issue date THEN the later one is taken, no warning."""
    invoice = extract_fields([page([
        (300, 100, "Invoice date: 02.03.2026"), (300, 114, "Due date: 01.04.2026"),
        (50, 500, "Payment due: 01.01.2026"),
    ])])
    assert invoice.due_date == dt.date(2026, 4, 1)
    assert not any("before the issue date" in w for w in invoice.warnings)


@pytest.mark.parametrize(
    ("terms", "days"),
    [
        ("Payment terms: 30 days net", 30),
        ("30 days net", 30),
        ("Zahlbar innerhalb 14 Tagen ohne Abzug", 14),
        ("Zahlungsziel: 14 Tage", 14),
        ("Conditions de paiement : à 30 jours", 30),
        ("Paiement sous 45 jours", 45),
        ("Betalingsbetingelser: Netto 8 dage", 8),
        ("Netto 8 dage", 8),
    ],
)
def test_payment_terms_name_the_due_date_in_a_warning(terms: str, days: int) -> None:
    """GIVEN payment terms in en/de/fr/da and no printed due date THEN no due date is invented; a
    warning says what the terms give (issue date + the days)."""
    invoice = extract_fields([page([(300, 100, "Rechnungsdatum: 02.03.2026"), (50, 400, terms)])])
    assert invoice.due_date is None
    due = dt.date(2026, 3, 2) + dt.timedelta(days=days)
    assert f"no due date printed; the payment terms say {days} days ({due.isoformat()})" in invoice.warnings


def test_vat_id_failing_its_checksum_warns() -> None:
    """GIVEN a seller VAT ID whose check digit is wrong THEN a warning names it and its confidence drops."""
    rows = [(50, 760, "USt-IdNr.: DE123456789")]
    invoice = extract_fields([page(rows)])
    valid = extract_fields([page([(50, 760, "USt-IdNr.: DE123456788")])])
    assert invoice.seller.vat_id == "DE123456789"
    assert "seller VAT ID DE123456789 fails its checksum" in invoice.warnings
    assert invoice.confidence["seller.vat_id"] < valid.confidence["seller.vat_id"]
    assert not any("checksum" in w for w in valid.warnings)


def test_iban_failing_its_checksum_warns() -> None:
    """GIVEN an IBAN with a wrong check number THEN a finding names it."""
    assert [f.warning for f in check_ids(None, "DE03120300000000202051")] == [
        "seller IBAN DE03120300000000202051 fails its checksum"
    ]
    assert check_ids("DE123456788", "DE02120300000000202051") == []


def test_seller_named_like_the_buyer_warns() -> None:
    """GIVEN the same company as seller and buyer THEN a warning and lower confidences for both names."""
    invoice = extract_fields([page([
        (50, 60, "Verkäufer:"), (50, 74, "Muster GmbH"),
        (300, 60, "Käufer:"), (300, 74, "Muster GmbH"),
    ])])
    assert invoice.seller.name == invoice.buyer.name == "Muster GmbH"
    assert "seller and buyer are both named Muster GmbH" in invoice.warnings
    assert invoice.confidence["buyer.name"] <= 0.5


def test_buyer_vat_id_taken_for_the_sellers_gives_way() -> None:
    """GIVEN the buyer's VAT ID labelled as the buyer's near the top and the seller's in the footer
    THEN the seller's VAT ID is the footer's."""
    invoice = extract_fields([page([
        (50, 140, "Rechnung an:"), (50, 154, "Kunde AG"), (50, 168, "USt-IdNr.: DE123456788"),
        (300, 140, "Ihre USt-IdNr.: DE123456788"),
        (50, 760, "Muster GmbH"), (300, 760, "VAT ID: DE811128135"),
    ])])
    assert invoice.seller.vat_id == "DE811128135"


def test_same_vat_id_for_seller_and_buyer_warns() -> None:
    """GIVEN the seller's VAT ID equal to the buyer's THEN a finding doubts the seller's VAT ID."""
    [finding] = check_parties("A GmbH", "B AG", "DE123456788", "DE123456788")
    assert finding.fields == ("seller.vat_id",)
    assert finding.warning == "seller VAT ID DE123456788 is also the buyer's"


@pytest.mark.parametrize(
    "terms",
    [
        "Zahlbar innerhalb 30 Tagen netto bis 04.04.2026, 3% Skonto innerhalb 10 Tagen bis 12.03.2026",
        "Payment terms: 30 days net until 04/04/2026, 2% discount within 10 days",
    ],
)
def test_dates_in_payment_terms_are_a_warning_not_the_due_date(terms: str) -> None:
    """GIVEN no labelled due date and payment terms naming dates in a sentence THEN the due date is
    left empty and a warning names the latest of them."""
    invoice = extract_fields([page([(300, 100, "Rechnungsdatum: 02.03.2026"), (50, 400, terms)])])
    assert invoice.due_date is None
    assert "no due date printed as such; the payment terms name 2026-04-04" in invoice.warnings


def test_a_due_label_inside_a_sentence_gives_no_due_date() -> None:
    """GIVEN 'Fälligkeit 21.05.2026 den Beitrag von dem uns bekannten Konto abbuchen' in running text
    THEN no due date is read from it; 'Fällig am: 21.05.2026' on its own is read."""
    sentence = "Fälligkeit 21.05.2026 den Beitrag von dem uns bekannten Konto abbuchen. In diesem Fall"
    invoice = extract_fields([page([(300, 100, "Rechnungsdatum: 02.03.2026"), (50, 400, sentence)])])
    assert invoice.due_date is None
    invoice = extract_fields([page([(300, 100, "Rechnungsdatum: 02.03.2026"), (50, 400, "Fällig am: 21.05.2026")])])
    assert invoice.due_date == dt.date(2026, 5, 21)


def test_the_buyers_vat_id_is_never_given_as_the_sellers() -> None:
    """GIVEN only 'Uw BTW nummer: NL003335996B98' (the buyer's, labelled so) THEN the seller's VAT ID is none."""
    invoice = extract_fields([page([(50, 100, "Factuur VF1005193039"), (50, 650, "Uw BTW nummer: NL003335996B98")])])
    assert invoice.seller.vat_id is None


def test_an_invoice_number_and_a_date_in_two_cells_are_no_vat_id() -> None:
    """GIVEN an invoice number 'RO59502' and the date '28.01.2025' in the next cell of its line,
    which the line's text runs together into an ID passing Romania's VAT check, and no VAT ID
    printed THEN the seller's VAT ID is none."""
    invoice = extract_fields([page([
        (50, 80, "Halvorsen Bureau GmbH & Co. KG"), (50, 94, "Lindenweg 115"), (50, 108, "60882 München"),
        (50, 200, "Nr."), (150, 200, "Datum"),
        (50, 214, "RO59502"), (150, 214, "28.01.2025"),
        (50, 300, "Gesamtbetrag"), (450, 300, "4921,81"),
    ])])
    assert invoice.invoice_number == "RO59502"
    assert invoice.seller.vat_id is None


def test_a_buyer_vat_id_whose_prefix_ocr_misread_is_not_the_sellers() -> None:
    """GIVEN the buyer's block with 'Customer VAT ID: 1T84204210821' (OCR's '1T' for 'IT') and no
    other VAT ID on the page THEN the seller has no VAT ID: the mended number is the buyer's, found
    as the seller's would be."""
    invoice = extract_fields([ocr_page([
        (57, 60, "Falkenberg Foods S.p.A.", 18.9), (57, 80, "44 High Street"), (57, 94, "43336 Milano"),
        (57, 140, "Invoice to"), (57, 154, "Vestergaard Foods S.r.l."), (57, 168, "165 Market Square"),
        (57, 182, "99736 Milano"), (57, 196, "Customer VAT ID: 1T84204210821"),
        (57, 500, "Total"), (450, 500, "100.00"),
    ])])
    assert invoice.seller.vat_id is None
