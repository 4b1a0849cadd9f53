"""Receipt totals read through OCR noise: rounding adjustments, cash less change, broken amounts,
and dates that an impossible neighbour once hid. The receipts are made up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from intake.fields import extract_fields
from intake.fields.candidates import Candidate
from intake.fields.dates import find_dates
from intake.fields.receipts import last_amount, misread_by_one, proved_over_misread
from tests.unit.test_fields_layout import page


def test_a_decimal_mark_with_a_space_beside_it_still_ends_an_amount() -> None:
    assert last_amount("CREDIT RM 64, 30") == Decimal("64.30")
    assert last_amount("Rounding Adj -.03") == Decimal("-0.03")
    assert last_amount("Thank you") is None


def test_a_rounding_adjustment_applied_to_the_total_gives_the_amount_charged() -> None:
    """GIVEN 'Total Sales (Incl GST) 64.33', 'Rounding Adj -.03' and 'CASH 64, 30' (OCR's comma)
    WHEN extracted THEN the total is 64.30, the rounded figure the receipt prints again."""
    rows = [
        (40, 100, "LUCKY CORNER MART"),
        (40, 300, "Biscuits"),
        (300, 300, "64.33"),
        (40, 400, "Total Sales (Incl GST) RM"),
        (300, 400, "64.33"),
        (40, 415, "Rounding Adjustment"),
        (300, 415, "-.03"),
        (40, 430, "CASH RM"),
        (300, 430, "64, 30"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("64.30")


def test_an_unconfirmed_rounding_does_not_replace_the_labelled_total() -> None:
    """GIVEN 'TOTAL (GST INCL) 8.78' and a rounding of 0.02 that no other line prints
    THEN the labelled total stands."""
    rows = [
        (40, 400, "TOTAL (GST INCL)"),
        (300, 400, "8.78"),
        (40, 415, "ROUNDING ADJUSTMENTS"),
        (300, 415, "0.02"),
        (40, 430, "CASH"),
        (300, 430, "10.00"),
        (40, 445, "CHANGE DUE"),
        (300, 445, "1.20"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("8.78")


def test_cash_less_change_outvotes_a_total_with_one_misread_digit() -> None:
    """GIVEN 'Total Sales 3.16' where cash 5.00 less change 1.90 says 3.10 THEN the total is 3.10."""
    rows = [
        (40, 400, "Total Sales (Inclusive GST) RM"),
        (300, 400, "3.16"),
        (40, 415, "CASH RM"),
        (300, 415, "5.00"),
        (40, 430, "CHANGE RM"),
        (300, 430, "1.90"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("3.10")


def test_a_lost_decimal_point_or_one_wrong_digit_is_a_misreading() -> None:
    assert misread_by_one(Decimal(4217), Decimal("42.17"))
    assert misread_by_one(Decimal("3.16"), Decimal("3.10"))
    assert not misread_by_one(Decimal("13.78"), Decimal("13.80"))
    assert not misread_by_one(Decimal("20.00"), Decimal("190.00"))


def test_only_a_proved_total_close_to_the_labelled_one_is_raised() -> None:
    labelled = [Candidate(Decimal(4217), 0.6, 10)]
    proved = [Candidate(Decimal("42.17"), 0.5, 12), Candidate(Decimal("7.00"), 0.5, 13)]

    raised = proved_over_misread(labelled, proved)

    assert [c.value for c in raised] == [Decimal("42.17")]
    assert raised[0].score > 0.6


def test_a_date_after_an_impossible_one_is_found() -> None:
    """GIVEN 'ORD #18 -REG #19- 21/03/2018' (the '19-' reads as the start of a date) THEN 21/03/2018 is found."""
    assert [d.value for d in find_dates("ORD #18 -REG #19- 21/03/2018 19:53")] == [
        dt.date(2018, 3, 21)
    ]
