"""Late fees are charged as the terms say, rounded once; an early payment settles with its discount only in time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.billing import DiscountTerms, LateFeeTerms, TaxCategory, parse_line, price
from invoicing.fees import (
    InvalidFee,
    allocate,
    interest,
    late_fee,
    settle_with_discount,
    split_discount,
)

DUE = dt.date(2026, 3, 31)


def days_after(n: int) -> dt.date:
    return DUE + dt.timedelta(days=n)


def fee(text: str, overdue: str = "1190.00", days: int = 23, **kw: object):
    return late_fee(LateFeeTerms.parse(text), overdue=D(overdue), currency=kw.pop("currency", "EUR"),  # type: ignore[arg-type]
                    since=DUE, until=days_after(days), **kw)  # type: ignore[arg-type]  # fmt: skip


def test_interest_is_charged_per_day_at_the_yearly_rate_and_rounded_once():
    """GIVEN interest 9.5 % p.a. WHEN 1,190.00 EUR is 23 days late THEN 1190 x 9.5 % x 23/365 = 7.1236.. -> 7.12,
    on one line outside the scope of VAT that says what it is."""
    result = fee("interest 9.5")
    [line] = result.lines
    assert line.description == "Late payment interest 9.5 % p.a. on 1,190.00 EUR for 23 days"
    assert (line.quantity, line.unit_price, line.tax_rate, line.tax_category) == (D(1), D("7.12"), D(0), TaxCategory.NOT_SUBJECT)
    assert (result.total, result.compensation_charged, result.note) == (D("7.12"), False, None)


def test_fixed_and_percent_fees_do_not_depend_on_the_days():
    fixed = fee("fixed 15", days=3, invoice_number="INV-2026-0007")
    assert [(line.description, line.unit_price) for line in fixed.lines] == [("Late payment fee of invoice INV-2026-0007", D("15.00"))]
    percent = fee("percent 5", overdue="1234.56")
    assert [(line.description, line.unit_price) for line in percent.lines] == [
        ("Late payment fee 5 % of 1,234.56 EUR overdue", D("61.73"))  # 61.728 rounded half up
    ]


def test_the_eu_directive_charges_reference_rate_plus_8_points_and_40_eur_once():
    """GIVEN the EU Directive default and a reference rate of 2.15 % WHEN 1,190.00 EUR is 23 days late THEN
    interest at 10.15 % (7.61) and the fixed 40 EUR compensation are charged; a later reminder charges
    interest only, for the days since the last charge."""
    first = fee("eu", reference_rate=D("2.15"), invoice_number="INV-1")
    assert [(line.description, line.unit_price) for line in first.lines] == [
        ("Late payment interest 10.15 % p.a. (reference rate 2.15 % + 8 points) on 1,190.00 EUR of invoice INV-1 "
         "for 23 days", D("7.61")),
        ("Compensation for recovery costs (Directive 2011/7/EU, Art. 6) of invoice INV-1", D("40.00")),
    ]  # fmt: skip
    assert (first.total, first.compensation_charged) == (D("47.61"), True)
    later = late_fee(LateFeeTerms.parse("eu"), overdue=D("1190.00"), currency="EUR", since=days_after(23),
                     until=days_after(30), reference_rate=D("2.15"), compensation_charged=True)  # fmt: skip
    assert [line.unit_price for line in later.lines] == [D("2.32")]  # 7 more days only
    assert later.compensation_charged


def test_a_negative_reference_rate_lowers_the_eu_rate_and_a_margin_can_be_set():
    """GIVEN a reference rate of -0.88 % (as Germany's was in 2021) and the German 9-point margin THEN 8.12 %."""
    [interest_line, _] = fee("eu", reference_rate=D("-0.88"), margin=D(9)).lines
    assert interest_line.description.startswith("Late payment interest 8.12 % p.a. (reference rate -0.88 % + 9 points)")


def test_no_fixed_compensation_outside_euro_unless_configured():
    """GIVEN an invoice in CHF THEN only interest is charged, and the note says why; GIVEN DKK configured
    at 310 THEN a DKK invoice gets it."""
    chf = fee("eu", currency="CHF", reference_rate=D("2.15"))
    assert len(chf.lines) == 1 and not chf.compensation_charged
    assert chf.note == "no fixed compensation: none is configured for CHF (the Directive names EUR 40)"
    dkk = fee("eu", currency="DKK", reference_rate=D("2.15"), compensation={"EUR": D(40), "DKK": D(310)})
    assert dkk.lines[-1].unit_price == D("310.00") and dkk.compensation_charged


def test_no_interest_line_for_no_days_late():
    assert fee("interest 9.5", days=0).lines == ()
    assert [line.unit_price for line in fee("eu", days=-5, reference_rate=D(2)).lines] == [D("40.00")]


def test_the_eu_fee_needs_the_reference_rate_and_the_amount_cannot_be_negative():
    with pytest.raises(InvalidFee, match="needs the reference rate"):
        fee("eu")
    with pytest.raises(InvalidFee, match="0 or more"):
        fee("interest 5", overdue="-1")


@given(
    amount=st.decimals(D("0.01"), D("999999.99"), places=2),
    rate=st.decimals(D("0.01"), D("30"), places=2),
    days=st.integers(0, 2000),
)
def test_interest_is_the_exact_amount_rounded_half_up_once(amount: D, rate: D, days: int):
    """GIVEN any amount, rate and days THEN the interest is the exact rational result rounded half up to the cent."""
    exact = Fraction(amount) * Fraction(rate) * days / (100 * 365)
    cents = int(exact * 100 + Fraction(1, 2))
    assert interest(amount, rate, days) == D(cents) / 100
    assert interest(amount, rate, days).as_tuple().exponent == -2


@given(
    text=st.sampled_from(["fixed 12.5", "percent 3", "interest 7.75", "eu"]),
    amount=st.decimals(D("0.01"), D("99999.99"), places=2),
    days=st.integers(-10, 400),
)
def test_any_fee_makes_lines_a_fee_invoice_can_carry(text: str, amount: D, days: int):
    """GIVEN any terms, amount and lateness THEN the lines price (EN 16931 rules) to exactly the fee's total, no VAT."""
    result = fee(text, overdue=str(amount), days=days, reference_rate=D("2.15"))
    assert all(line.unit_price > 0 and line.tax_category is TaxCategory.NOT_SUBJECT for line in result.lines)
    if result.lines:
        totals = price(result.lines)
        assert (totals.total, totals.tax) == (result.total, D("0.00"))


# --- early-payment discount ----------------------------------------------------------------------

ISSUED = dt.date(2026, 3, 1)
TERMS = DiscountTerms(D(2), 10)
# 19 %: 1000.00 + 190.00; 7 %: 200.00 + 14.00; total 1404.00, 2 % discount 28.08
TOTALS = price([parse_line("Consulting;10;100;19"), parse_line("Books;10;20;7")])


def test_paying_the_discounted_total_in_time_settles_and_corrects_each_rate():
    """GIVEN 1,404.00 with 2 % within 10 days WHEN 1,375.92 arrives on day 10 THEN it settles with 28.08 off:
    23.80 on the 19 % group (20.00 basis + 3.80 tax) and 4.28 on the 7 % group (4.00 + 0.28)."""
    settlement = settle_with_discount(TOTALS, TERMS, issue_date=ISSUED, payment=D("1375.92"), paid_on=dt.date(2026, 3, 11))
    assert (settlement.settles, settlement.discount, settlement.reason) == (True, D("28.08"), None)
    assert [(s.rate, s.basis, s.tax) for s in settlement.shares] == [
        (D("19.00"), D("20.00"), D("3.80")), (D("7.00"), D("4.00"), D("0.28")),
    ]  # fmt: skip


def test_one_cent_short_of_the_discounted_total_still_settles_two_do_not():
    one_short = settle_with_discount(TOTALS, TERMS, issue_date=ISSUED, payment=D("1375.91"), paid_on=ISSUED)
    assert (one_short.settles, one_short.discount) == (True, D("28.09"))
    two_short = settle_with_discount(TOTALS, TERMS, issue_date=ISSUED, payment=D("1375.90"), paid_on=ISSUED)
    assert not two_short.settles and two_short.reason == "1375.90 is less than the 1375.92 due with the discount"


def test_a_late_discounted_payment_is_a_partial_payment():
    late = settle_with_discount(TOTALS, TERMS, issue_date=ISSUED, payment=D("1375.92"), paid_on=dt.date(2026, 3, 12))
    assert (late.settles, late.discount, late.reason) == (False, D("0.00"), "paid after the discount period ended on 2026-03-11")


def test_the_full_total_settles_without_discount_and_an_invoice_without_terms_gets_none():
    full = settle_with_discount(TOTALS, TERMS, issue_date=ISSUED, payment=D("1404.00"), paid_on=ISSUED)
    assert (full.settles, full.discount, full.shares) == (True, D("0.00"), ())
    none = settle_with_discount(TOTALS, None, issue_date=ISSUED, payment=D("1375.92"), paid_on=ISSUED)
    assert not none.settles and none.reason == "the invoice has no early-payment discount"


def test_what_was_paid_before_counts_towards_the_discounted_total():
    """GIVEN 1,000.00 already paid WHEN the remaining 375.92 arrives in time THEN it settles with the discount."""
    settlement = settle_with_discount(TOTALS, TERMS, issue_date=ISSUED, payment=D("375.92"), paid_on=ISSUED,
                                      already_paid=D("1000.00"))  # fmt: skip
    assert (settlement.settles, settlement.discount) == (True, D("28.08"))


@given(
    lines=st.lists(
        st.tuples(st.decimals(D("0.01"), D("5000"), places=2), st.sampled_from(["19", "7", "0", "20", "5.5"])),
        min_size=1, max_size=6,
    ),
    percent=st.decimals(D("0.5"), D("5"), places=1),
    cents_short=st.integers(-1, 0),
)
def test_any_discount_splits_exactly_and_in_proportion(lines: list[tuple[D, str]], percent: D, cents_short: int):
    """GIVEN any invoice and discount paid in time THEN the shares sum to the discount exactly, and each rate's
    share is within a cent of its gross's proportion."""
    totals = price([parse_line(f"Item;1;{amount};{rate}") for amount, rate in lines])
    terms = DiscountTerms(percent, 14)
    payment = totals.total - terms.amount(totals.total) + D(cents_short) / 100
    if payment <= 0 or payment >= totals.total:
        return
    settlement = settle_with_discount(totals, terms, issue_date=ISSUED, payment=payment, paid_on=ISSUED)
    assert settlement.settles and settlement.discount == totals.total - payment
    assert sum(s.basis + s.tax for s in settlement.shares) == settlement.discount
    for group, share in zip(totals.groups, settlement.shares, strict=True):
        gross = group.basis + group.tax
        assert abs((share.basis + share.tax) - settlement.discount * gross / totals.total) < D("0.01")
        expected_tax = (share.basis + share.tax) * group.tax / gross
        assert abs(share.tax - expected_tax) <= D("0.005")


@given(
    amount=st.decimals(D("0"), D("100000"), places=2),
    weights=st.lists(st.decimals(D("0"), D("10000"), places=2), min_size=1, max_size=8).filter(lambda w: sum(w) > 0),
)
def test_allocate_makes_and_loses_no_cent(amount: D, weights: list[D]):
    shares = allocate(amount, weights)
    assert sum(shares) == amount and all(s >= 0 for s in shares)
    assert all(s == 0 for s, w in zip(shares, weights, strict=True) if w == 0)


def test_split_discount_of_a_single_rate_invoice_is_one_share():
    totals = price([parse_line("A;1;100;19")])
    [share] = split_discount(totals, D("2.38"))
    assert (share.basis, share.tax) == (D("2.00"), D("0.38"))
