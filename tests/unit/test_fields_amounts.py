"""Amounts and currencies as printed in en/de/fr/ch/da styles."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.fields.amounts import find_amounts, find_currencies, format_amount, parse_amount


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
    ],
)
def test_a_space_after_the_decimal_mark_keeps_the_cents(text: str, expected: list[str]) -> None:
    assert [str(a.value) for a in find_amounts(text)] == expected
