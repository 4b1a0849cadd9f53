"""Dates and payment terms in en/de/fr/da/nl."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.fields import extract_fields
from intake.fields.dates import (
    find_dates,
    fold,
    fold_chars,
    format_date,
    parse_date,
    payment_term_days,
    reads_month_first,
)
from tests.unit.test_fields_layout import page

MARCH_5 = dt.date(2024, 3, 5)


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05", "05.03.2024", "05/03/2024", "05-03-24", "5 March 2024", "5. März 2024",
        "5 mars 2024", "March 5, 2024", "05-Mar-2024", "5. marts 2024", "Rechnungsdatum: 05.03.2024",
        "Date de facture 5 mars 2024", "Fakturadato 05-03-2024", "5th March 2024", "Mar 5, 2024",
        "March 5 , 2024", "5 maart 2024", "Factuurdatum: 5 mrt 2024", "Date : 20240305",
    ],
)
def test_parse_date_reads_every_format(text: str) -> None:
    """GIVEN March 5th 2024 printed in one of the supported forms THEN it is read as that date."""
    assert parse_date(text) == MARCH_5


def test_day_first_unless_only_month_first_is_valid() -> None:
    assert parse_date("03/04/2024") == dt.date(2024, 4, 3)
    assert parse_date("12/31/2017") == dt.date(2017, 12, 31)


@pytest.mark.parametrize("text", ["8:13:39 PM", "19 %", "1 PC 9.00", "32.13.2020", "", "20241345", "120240305", "2024030.5"])
def test_non_dates_are_not_read(text: str) -> None:
    assert parse_date(text) is None


def test_find_dates_returns_each_date_of_a_period() -> None:
    found = find_dates("(17.01.2016 - 16.02.2016)")
    assert [d.value for d in found] == [dt.date(2016, 1, 17), dt.date(2016, 2, 16)]


@pytest.mark.parametrize(
    ("text", "date"),
    [("02/Jan/2017 10:49:25", dt.date(2017, 1, 2)), ("28 Mar 18 18:32:36", dt.date(2018, 3, 28)),
     ("28-Mar-18", dt.date(2018, 3, 28)), ("Date 28 Mar 18:32", None)],
)  # fmt: skip
def test_a_months_name_between_slashes_or_before_a_two_digit_year(text: str, date: dt.date | None) -> None:
    """GIVEN a till's date with the month's name between slashes or before a two-digit year THEN
    it is read; a two-digit number that a colon follows is a time's hour, no year."""
    assert [d.value for d in find_dates(text)] == ([date] if date else [])


def test_a_date_prints_one_separator_twice() -> None:
    """GIVEN a till's register number before its date ('REG #2- 25/12/2016') THEN no date is read
    across the two separators ('2- 25/12'): the date is the one printed whole."""
    assert [d.value for d in find_dates("ORD #64 -REG #2- 25/12/2016 13:51:47")] == [dt.date(2016, 12, 25)]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Payment terms: 30 days net", 30),
        ("Zahlbar innerhalb 14 Tagen ohne Abzug", 14),
        ("Paiement à 30 jours", 30),
        ("Netto 8 dage", 8),
        ("Net 45", 45),
        ("Zahlbar innerhalb 30 Tagen netto, 3% Skonto innerhalb 10 Tagen", 30),
        ("Thank you", None),
    ],
)
def test_payment_term_days(text: str, days: int | None) -> None:
    assert payment_term_days(text) == days


@given(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)),
    st.sampled_from(["iso", "dotted", "slashed", "dashed-short", "day-month", "month-day", "abbrev"]),
    st.sampled_from(["en", "de", "fr", "da", "nl"]),
)
def test_formatted_date_parses_back(value: dt.date, style: str, language: str) -> None:
    """GIVEN any date printed in any supported style and language THEN parsing gives it back."""
    if style == "dashed-short" and not 2000 <= value.year < 2100:
        return  # two-digit years are read as 20xx
    if style == "abbrev" and language in ("fr", "nl"):
        return  # French abbreviates June and July as "juin" and "juil.", Dutch March as "mrt"
    assert parse_date(format_date(value, style, language)) == value


def test_due_date_from_remittance_sentence() -> None:
    """GIVEN 'Bitte überweisen Sie bis zum 04.07.2015.' and 'Rechnung # RE-1/503 von 13.06.2015'
    THEN due and issue dates are read."""
    invoice = extract_fields([page([
        (57, 300, "Rechnung # RE-20150613/503 von 13.06.2015"), (57, 316, "Leistungsdatum 10.06.2015"),
        (57, 600, "Bitte überweisen Sie bis zum 04.07.2015."),
    ])])
    assert invoice.issue_date == dt.date(2015, 6, 13)
    assert invoice.due_date == dt.date(2015, 7, 4)


def test_a_service_dates_label_that_begins_with_date_names_another_date() -> None:
    """GIVEN "Date 6 août 2025" over "Date de prestation 4 août 2025" in a references table THEN
    the issue date is the first: the second label names the date of the service."""
    invoice = extract_fields([page([
        (350, 120, "Facture N°"), (450, 120, "INV-2025-24288"), (350, 134, "Date"), (450, 134, "6 août 2025"),
        (350, 148, "Date de prestation"), (450, 148, "4 août 2025"),
    ])])
    assert invoice.issue_date == dt.date(2025, 8, 6)


def test_english_remit_until_and_issued_at() -> None:
    """GIVEN 'Invoice # RE-1 issued at 2020-11-21', 'Date of delivery 2020-11-10', 'Please remit until 2020-12-12.'
    THEN the issue date is the invoice's, not the delivery's, and the due date is read."""
    invoice = extract_fields([page([
        (57, 300, "Invoice # RE-20201121/508 issued at 2020-11-21"), (57, 316, "Date of delivery 2020-11-10"),
        (57, 600, "Please remit until 2020-12-12."),
    ])])
    assert invoice.issue_date == dt.date(2020, 11, 21)
    assert invoice.due_date == dt.date(2020, 12, 12)


def test_document_with_a_month_first_date_reads_all_its_dates_month_first() -> None:
    """GIVEN 'Invoice Date 11/03/2017', 'Due Date 12/03/2017' and a payment on 11/17/2017
    THEN the document is month-first: issued 3 November, due 3 December."""
    invoice = extract_fields([page([
        (34, 200, "Invoice Date"), (155, 200, "11/03/2017"),
        (34, 220, "Due Date"), (155, 220, "12/03/2017"),
        (34, 500, "SEPA Wire transfer"), (180, 500, "11/17/2017"), (274, 500, "623.00 €"),
    ])])
    assert (invoice.issue_date, invoice.due_date) == (dt.date(2017, 11, 3), dt.date(2017, 12, 3))


def test_date_of_an_associated_invoice_is_not_the_issue_date() -> None:
    """GIVEN 'Date : 31/01/2026' and 'DATE DE FACTURE ASSOCIÉE : 01/01/2026' THEN the issue date is 31/01/2026."""
    invoice = extract_fields([page([
        (298, 50, "Date :"), (442, 50, "31/01/2026"),
        (86, 330, "DATE DE FACTURE ASSOCIÉE : 01/01/2026"),
        (86, 340, "DATE DE DEBUT DE PRESTATION : 01/01/2026"),
    ])])
    assert invoice.issue_date == dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11/17/2017 and 11/03/2017", True), ("17/11/2017 and 11/03/2017", False), ("11/03/2017", False),
        # OCR's run of a quantity and a garbled price ("1 .23.65") is no month-first date.
        ("EGGS 10PCS 1 .23.65 23.65\n07/11/25 09:18", False),
        # Nor a run of a quantity and a price with a dot ("2.14.96"): month-first dates take slashes.
        ("COFFEE BEANS 2.14.96 29.92\n11/08/25 10:52", False), ("11-17-2017", True),
    ],
)
def test_month_first_documents(text: str, expected: bool) -> None:
    """GIVEN numeric dates THEN a document is month-first when some date reads only that way, and
    none only day-first; a "date" read across spaces is no evidence."""
    assert reads_month_first(text) is expected


def test_hyphenated_compound_dates_are_not_the_issue_date() -> None:
    """GIVEN 'Beleg-Datum : 06.10.2013' over 'Leistungs-Datum : 01.09.2013', 'Lieferschein-Datum : 01.09.2013'
    and 'Bestell-Datum : 01.08.2013' THEN the issue date is the document's, not the delivery's or the order's."""
    invoice = extract_fields([page([
        (300, 80, "Beleg-Datum"), (400, 80, ": 06.10.2013"),
        (50, 100, "40235 DUESSELDORF"), (300, 100, "Leistungs-Datum"), (400, 100, ": 01.09.2013"),
        (300, 120, "Bestell-Datum"), (400, 120, ": 01.08.2013"),
        (300, 140, "Lieferschein-Datum : 01.09.2013"),
    ])])
    assert invoice.issue_date == dt.date(2013, 10, 6)


@pytest.mark.parametrize("place", ["München, den 01.11.2024", "München, den | 01.11.2024"])
def test_a_german_letters_place_and_date_is_the_issue_date(place: str) -> None:
    """GIVEN 'München, den 01.11.2024' (in one cell or two) and a footer 'Datum: 30.10.2024 Zeit: 04:59'
    THEN the issue date is the letter's date."""
    cells = [(300 + 80 * i, 200, text) for i, text in enumerate(place.split(" | "))]
    invoice = extract_fields([page([*cells, (50, 780, "Datum:"), (120, 780, "30.10.2024"), (200, 780, "Zeit: 04:59")])])
    assert invoice.issue_date == dt.date(2024, 11, 1)


@given(st.text(max_size=40))
def test_folding_keeps_its_definition_for_any_text(text: str) -> None:
    """GIVEN any text WHEN folded (ASCII by lower-casing) THEN it is folded as Unicode defines it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    assert fold(text) == "".join(c for c in decomposed if not unicodedata.combining(c))
    assert fold_chars(text) == "".join(
        f if len(f := fold(c)) == 1 else c.lower()[:1] or c for c in text
    )


def test_a_hyphen_ocr_read_as_a_colon_after_a_months_name_still_gives_the_date() -> None:
    """GIVEN "07-Mar:2025", OCR's reading of "07-Mar-2025" THEN the date is read; a colon between
    digits alone is still a time's, not a date's."""
    assert [m.value for m in find_dates("Invoice date 07-Mar:2025")] == [dt.date(2025, 3, 7)]
    assert find_dates("10:30:2025") == []


def test_a_months_o_ocr_read_as_a_zero_still_gives_the_date() -> None:
    """GIVEN "27 -0ct - 2024" and "N0v 3, 2024", OCR's readings of a month's "o" as a zero THEN
    the dates are read; a zero right after a number's digits is still the number's."""
    assert [m.value for m in find_dates("Date 27 -0ct - 2024")] == [dt.date(2024, 10, 27)]
    assert [m.value for m in find_dates("Due N0v 3, 2024")] == [dt.date(2024, 11, 3)]
    assert find_dates("100ct 2024") == []
