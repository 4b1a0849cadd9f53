"""Amounts and currencies as printed in en/de/fr/ch/da styles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.fields.amounts import (
    find_amounts,
    find_currencies,
    format_amount,
    parse_amount,
    strip_currency,
    strip_ocr_currency,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("1.234.567,89", "1234567.89"),
        ("529,87 €", "529.87"),
        ("EUR 1.021,91", "1021.91"),
        ("$ 42.00", "42.00"),
        ("Rs 1939", "1939"),
        ("RM 9.00", "9.00"),
        ("-8,79", "-8.79"),
        ("8.79-", "-8.79"),
        ("(12.00)", "-12.00"),
        ("0,00", "0.00"),
        ("9,9000", "9.9000"),
    ],
)
def test_parse_amount_reads_every_locale_style(text: str, expected: str) -> None:
    """GIVEN an amount printed in one style WHEN parsed THEN its exact Decimal comes back."""
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["19 %", "12.5%", "DE 80333 München", "", "abc"])
def test_parse_amount_refuses_percentages_and_text(text: str) -> None:
    assert parse_amount(text) is None


def test_find_amounts_skips_percentages_and_keeps_order() -> None:
    found = find_amounts("USt. (19 %) 16,61 € von 87,39 €")
    assert [a.value for a in found] == [Decimal("16.61"), Decimal("87.39")]


@pytest.mark.parametrize(
    ("text", "codes"),
    [("Total 12,00 €", ["EUR"]), ("USD 4.11", ["USD"]), ("£5", ["GBP"]), ("Total (RM): 9.00", ["MYR"]),
     ("CHF 1'234.50", ["CHF"]), ("I alt 100,00 kr.", ["DKK"]), ("Rs 1939", ["INR"])],
)
def test_find_currencies_reads_codes_and_symbols(text: str, codes: list[str]) -> None:
    assert find_currencies(text) == codes


STYLES = [(",", "."), (".", ","), (" ", ","), ("'", "."), ("", "."), ("", ",")]


@given(
    st.decimals(min_value=Decimal("-9999999.99"), max_value=Decimal("9999999.99"), places=2),
    st.sampled_from(STYLES),
)
def test_formatted_amount_parses_back(value: Decimal, style: tuple[str, str]) -> None:
    """GIVEN any two-decimal amount printed in any locale style THEN parsing gives it back."""
    group, mark = style
    text = format_amount(value, group, mark)
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Total gross 26460. 41", ["26460.41"]),  # OCR's space after the decimal mark
        ("Summe 1234, 56 EUR", ["1234.56"]),
        ("24. 12. 2024", ["24", "12", "2024"]),  # a date goes on after its second part
        ("12. 10. 24", ["12", "10", "24"]),
        ("Pos. 1. 10 Stück", ["1", "10"]),  # one digit before the mark: a numbered line
        ("Subtotal 20.338, 61", ["20338.61"]),  # after grouped thousands, the other mark
        ("Total 1,234. 50", ["1234.50"]),
        ("MWST 8.1 % 2'693, 03", ["2693.03"]),  # Swiss apostrophes group the thousands (a rate is no amount)
        ("Total 18'690. 23", ["18690.23"]),
        ("Total TTC 28 485, 06", ["28485.06"]),  # French spaces group them
        ("Seats 1.234, 56 left", ["1234", "56"]),  # not at the end of the cell: two numbers
    ],
)
def test_a_space_after_the_decimal_mark_keeps_the_cents(text: str, expected: list[str]) -> None:
    assert [str(a.value) for a in find_amounts(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Net 18, 250.40", ["18250.40"]),  # OCR's space after the thousands separator
        ("Netto 7. 450,00 EUR", ["7450.00"]),
        ("Net 18, 250", ["18", "250"]),  # no cents after the groups: two numbers
        ("Seats 3, 12, 40", ["3", "12", "40"]),
    ],
)
def test_a_space_after_the_thousands_separator_keeps_the_number_whole(text: str, expected: list[str]) -> None:
    assert [str(a.value) for a in find_amounts(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cash 4, 30", ["4.30"]),  # a space after the mark, one digit before it
        ("Change 12 .50", ["12.50"]),  # a space before the mark
        ("Change 0.8 0 *", ["0.80"]),  # a space between the cents
        ("Rounding -.05", ["-0.05"]),  # no whole part printed
        ("Tax 1.96 .12", ["1.96", "0.12"]),
        ("Rows 4, 30 and 7", ["4", "30", "7"]),  # not the text's end: separate numbers
        ("Rate 0.8 0.5", ["0.8", "0.5"]),
        ("am 12. 10. 24", ["12", "10", "24"]),  # a date's parts
    ],
)
def test_a_broken_amount_that_ends_the_text_is_one_amount(text: str, expected: list[str]) -> None:
    assert [str(a.value) for a in find_amounts(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [("-RM 0.05", "-0.05"), ("-EUR12.00", "-12.00"), ("−€ 3,50", "-3.50")])
def test_a_minus_before_the_currency_signs_the_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


def test_a_hyphen_after_a_word_before_the_currency_is_no_minus() -> None:
    assert [a.value for a in find_amounts(strip_currency("Netto-EUR 100,00"))] == [Decimal("100.00")]


@pytest.mark.parametrize(("text", "expected"), [("Subtotal ....12.00", ["12.00"]), ("Total __9,50", ["9.50"]), ("A_12", [])])
def test_a_fill_line_before_an_amount_does_not_hide_it(text: str, expected: list[str]) -> None:
    assert [str(a.value) for a in find_amounts(text)] == expected


@pytest.mark.parametrize("phone", ["+65 708 57049", "+49 (30) 1234-567", "+45 12 34 56 78", "+33 1 23 45 67 89"])
def test_an_international_phone_number_holds_no_amount(phone: str) -> None:
    """GIVEN a phone number after a total on its line (a side column beside the totals) THEN its
    groups of digits are no amounts; an amount with a plus sign still is one."""
    assert [m.value for m in find_amounts(f"Summe brutto -93,31 {phone}")] == [Decimal("-93.31")]
    assert [m.value for m in find_amounts("Rabatt +12,50 / +1 234,56")] == [Decimal("12.50"), Decimal("1234.56")]


def test_a_code_glued_before_digits_names_a_currency_only_before_an_amount_with_cents() -> None:
    """GIVEN an Irish postcode 'BL7 MYR1' THEN it names no currency; 'USD1,234.50' still does."""
    assert find_currencies("Cork BL7 MYR1") == []
    assert find_currencies("USD1,234.50 / 12.50DKK") == ["USD", "DKK"]


def test_a_currency_mark_ocr_misread_and_glued_to_a_grouped_amount_is_stripped() -> None:
    """GIVEN 'zt7,727.71' (OCR's 'zł 7,727.71') THEN OCR'd text gives the amount; a reference that
    ends in digits ('AB12') or a grouped amount without cents ('Nr7,727') keeps its letters."""
    assert [a.value for a in find_amounts(strip_ocr_currency("Total gross zt7,727.71"))] == [Decimal("7727.71")]
    assert find_amounts(strip_currency("zt7,727.71")) == []
    assert "AB12" in strip_ocr_currency("Ref AB12 EUR 5.00")
    assert "Nr7,727" in strip_ocr_currency("Nr7,727")
