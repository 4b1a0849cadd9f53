"""The amounts of an outgoing invoice follow EN 16931: line nets rounded, tax per rate, sums exact."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from invoicing.billing import (
    DiscountTerms,
    InvalidLine,
    InvalidTerms,
    LateFeeKind,
    LateFeeTerms,
    LineItem,
    TaxCategory,
    creditor_reference,
    is_creditor_reference,
    parse_line,
    price,
)


def test_lines_are_rounded_then_taxed_once_per_rate():
    """GIVEN three lines at 19 % whose unrounded nets would add up differently WHEN priced THEN
    each line net is rounded first and the tax is the rounded rate of their sum (BR-CO-10, BR-S-08)."""
    totals = price([parse_line("A;3;33.333;19"), parse_line("B;1;0.005;19"), parse_line("Book;2;9.99;7%")])
    assert [line.net for line in totals.lines] == [D("100.00"), D("0.01"), D("19.98")]
    [standard_19, standard_7] = totals.groups
    assert (standard_19.rate, standard_19.basis, standard_19.tax) == (D("19.00"), D("100.01"), D("19.00"))
    assert (standard_7.rate, standard_7.basis, standard_7.tax) == (D("7.00"), D("19.98"), D("1.40"))
    assert (totals.net, totals.tax, totals.total) == (D("119.99"), D("20.40"), D("140.39"))


def test_zero_rated_categories_are_grouped_apart_from_standard_lines():
    totals = price([parse_line("Export;1;100;G"), parse_line("Consulting;2;50;19"), parse_line("Reverse;1;10;AE")])
    assert [(g.category, g.basis, g.tax) for g in totals.groups] == [
        (TaxCategory.STANDARD, D("100.00"), D("19.00")),
        (TaxCategory.REVERSE_CHARGE, D("10.00"), D("0.00")),
        (TaxCategory.EXPORT, D("100.00"), D("0.00")),
    ]
    assert TaxCategory.REVERSE_CHARGE.needs_exemption_note and not TaxCategory.STANDARD.needs_exemption_note


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Only a description", "Description;quantity"),
        (";1;10;19", "Description;quantity"),
        ("X;zero;10;19", "quantity 'zero' is not a number"),
        ("X;0;10;19", "quantity is zero"),
        ("X;1;-5;19", "negative"),
        ("X;1;10;150", "between 0 and 100"),
        ("X;1;0.00001;19", "more than 4 decimals"),
    ],
)
def test_a_line_that_cannot_be_issued_is_refused_with_its_reason(text, reason):
    with pytest.raises(InvalidLine, match=reason):
        price([parse_line(text)])


def test_decimal_commas_and_percent_signs_are_read():
    item = parse_line("Beratung ; 1,5 ; 1 200,50 ; 19 %")
    assert (item.quantity, item.unit_price, item.tax_rate) == (D("1.5"), D("1200.50"), D("19"))


money = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
quantity = st.decimals(min_value=D("0.0001"), max_value=1000, places=4, allow_nan=False, allow_infinity=False)
rate = st.sampled_from([D(0), D(5), D("7"), D("19"), D("20"), D("25"), D("8.1")])


@given(st.lists(st.tuples(quantity, money, rate), min_size=1, max_size=12))
def test_totals_always_add_up_to_the_cent(rows):
    totals = price([LineItem(f"line {i}", q, p, r) for i, (q, p, r) in enumerate(rows)])
    assert totals.net == sum(line.net for line in totals.lines)
    assert totals.net == sum(group.basis for group in totals.groups)
    assert totals.tax == sum(group.tax for group in totals.groups)
    assert totals.total == totals.net + totals.tax
    for amount in (totals.net, totals.tax, totals.total, *(line.net for line in totals.lines)):
        assert amount.as_tuple().exponent == -2
    for group in totals.groups:
        assert abs(group.tax - group.basis * group.rate / 100) <= D("0.005")


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/ ", min_size=1, max_size=40))
def test_creditor_references_are_valid_iso_11649(number):
    reference = creditor_reference(number)
    assert iso11649.is_valid(reference) and is_creditor_reference(reference)
    assert len(reference) <= 25


def test_a_creditor_reference_keeps_the_invoice_number_readable():
    assert creditor_reference("INV-2026-0007") == "RF48INV20260007"
    assert not is_creditor_reference("RF49INV20260007")


def test_discount_and_late_fee_terms_are_read_and_written_back():
    discount = DiscountTerms.parse("2% 10")
    assert discount == DiscountTerms(D("2"), 10) and discount.amount(D("1190.00")) == D("23.80")
    assert DiscountTerms.parse(discount.to_text()) == discount
    assert LateFeeTerms.parse("interest 9,5%") == LateFeeTerms(LateFeeKind.INTEREST, D("9.5"))
    assert LateFeeTerms.parse("eu") == LateFeeTerms(LateFeeKind.EU_DIRECTIVE)
    for bad in ("", "sometimes 5", "fixed", "fixed -3", "eu 4"):
        with pytest.raises(InvalidTerms):
            LateFeeTerms.parse(bad)
    with pytest.raises(InvalidTerms):
        DiscountTerms.parse("2%")
