"""Late fees of an overdue invoice and the early-payment discount rule. Pure: dates are arguments.

A late fee comes back as the lines of a fee invoice (`billing.LineItem`, VAT category O), each
with an English description; interest is computed per actual day late over a 365-day year and
rounded once, to the cent, half up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from invoicing.billing import (
    HUNDRED,
    DiscountTerms,
    LateFeeKind,
    LateFeeTerms,
    LineItem,
    TaxCategory,
    Totals,
)
from invoicing.errors import InvoicingError
from invoicing.money import CENT, quantize

ZERO = Decimal("0.00")
#: Days of the year interest is divided by, leap years included (actual/365).
DAYS_PER_YEAR = Decimal(365)
#: Percentage points the EU Late Payment Directive (2011/7/EU, Art. 2(6)) adds to the reference rate at least.
EU_MARGIN = Decimal(8)
#: The fixed compensation for recovery costs (Directive 2011/7/EU, Art. 6), per currency. The Directive
#: names EUR 40 only; a business billing in another currency adds the sum its own law sets (Denmark: 310 DKK).
EU_COMPENSATION: Mapping[str, Decimal] = {"EUR": Decimal("40.00")}
#: The note a fee invoice needs for its category O lines (BR-O-10 asks for a reason).
NOT_SUBJECT_NOTE = "Late payment interest and compensation are damages, not a supply: not subject to VAT."


class InvalidFee(InvoicingError):
    """A late fee or discount that cannot be computed from what it was given."""


@dataclass(frozen=True, slots=True)
class LateFee:
    """The fee to charge now: the lines of a fee invoice, their sum and what was left out."""

    lines: tuple[LineItem, ...]
    total: Decimal
    currency: str
    #: Whether the lines include the Directive's fixed compensation (charge it once per invoice).
    compensation_charged: bool
    #: Why a part the terms name was not charged (English), or None.
    note: str | None = None


def late_fee(
    terms: LateFeeTerms, *, overdue: Decimal, currency: str, since: dt.date, until: dt.date,
    reference_rate: Decimal | None = None, margin: Decimal = EU_MARGIN, compensation_charged: bool = False,
    compensation: Mapping[str, Decimal] = EU_COMPENSATION, invoice_number: str | None = None,
) -> LateFee:  # fmt: skip
    """Return the late fee to charge on `overdue` for the days from `since` (exclusive) to `until`.

    `since` is the due date, or the day up to which interest was last charged, so that
    interest charged by an earlier reminder is not charged again. `fixed` and `percent` fees do
    not depend on days; `interest` is the yearly rate in the terms; `eu` is `reference_rate` +
    `margin` points, plus the fixed compensation unless `compensation_charged` already, and
    only in a currency `compensation` names (the Directive's sum is in euros: converting it is
    a legal choice left to configuration, not guessed here; the note says it was left out).
    """
    if overdue < 0 or not overdue.is_finite():
        raise InvalidFee(f"the overdue amount {overdue} must be 0 or more")
    days = max((until - since).days, 0)
    of = f" of invoice {invoice_number}" if invoice_number else ""
    lines: list[LineItem] = []
    note = None
    charged = compensation_charged
    if terms.kind is LateFeeKind.FIXED:
        lines.append(_line(f"Late payment fee{of}", _value(terms)))
    elif terms.kind is LateFeeKind.PERCENT:
        fee = quantize(overdue * _value(terms) / HUNDRED)
        lines.append(_line(f"Late payment fee {_pct(_value(terms))} % of {_money(overdue, currency)} overdue{of}", fee))
    elif terms.kind is LateFeeKind.INTEREST:
        lines.append(_interest_line(_value(terms), overdue, currency, days, of, ""))
    else:
        if reference_rate is None:
            raise InvalidFee("the EU late payment rate needs the reference rate (from the configuration)")
        rate = reference_rate + margin
        if rate < 0:
            raise InvalidFee(f"reference rate {reference_rate} % + {margin} points is below zero")
        basis = f" (reference rate {_pct(reference_rate)} % + {_pct(margin)} points)"
        lines.append(_interest_line(rate, overdue, currency, days, of, basis))
        if not compensation_charged:
            fixed = compensation.get(currency.upper())
            if fixed is None:
                note = f"no fixed compensation: none is configured for {currency} (the Directive names EUR 40)"
            else:
                lines.append(_line(f"Compensation for recovery costs (Directive 2011/7/EU, Art. 6){of}", fixed))
                charged = True
    kept = tuple(line for line in lines if line.unit_price > 0)
    return LateFee(kept, sum((line.unit_price for line in kept), ZERO), currency, charged, note)


def interest(amount: Decimal, yearly_rate: Decimal, days: int) -> Decimal:
    """Return the interest on `amount` at `yearly_rate` % for `days` days (actual/365), rounded once to the cent."""
    return quantize(amount * yearly_rate * Decimal(days) / (HUNDRED * DAYS_PER_YEAR))


def _interest_line(rate: Decimal, overdue: Decimal, currency: str, days: int, of: str, basis: str) -> LineItem:
    text = (f"Late payment interest {_pct(rate)} % p.a.{basis} on {_money(overdue, currency)}{of} "
            f"for {days} day{'s' if days != 1 else ''}")  # fmt: skip
    return _line(text, interest(overdue, rate, days))


def _line(description: str, amount: Decimal) -> LineItem:
    # Interest, the fixed compensation and dunning fees are damages for paying late, not the price of a
    # supply, so they are outside the scope of VAT in most EU states (category O, "not subject to VAT").
    # Where a state taxes some of them, the lead that issues the fee invoice changes the category.
    return LineItem(description, Decimal(1), quantize(amount), Decimal(0), TaxCategory.NOT_SUBJECT)


def _value(terms: LateFeeTerms) -> Decimal:
    if terms.value is None:
        raise InvalidFee(f"late fee {terms.kind.value} needs a number")
    return terms.value


def _pct(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


def _money(amount: Decimal, currency: str) -> str:
    return f"{quantize(amount):,} {currency}"


# --- early-payment discount ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscountShare:
    """How much of a discount falls on one VAT group: its basis and its tax are reduced by these."""

    category: TaxCategory
    rate: Decimal
    basis: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class Settlement:
    """Whether a payment settles the invoice with its early-payment discount, and the tax correction."""

    #: The payment (with what was paid before) settles the invoice in full.
    settles: bool
    #: The discount taken (0 when the payment does not settle with a discount).
    discount: Decimal
    #: The discount split over the VAT groups; the bases and taxes sum to `discount`.
    shares: tuple[DiscountShare, ...]
    #: Why no discount applies (English), or None.
    reason: str | None = None


def settle_with_discount(
    totals: Totals, terms: DiscountTerms | None, *, issue_date: dt.date, payment: Decimal, paid_on: dt.date,
    already_paid: Decimal = ZERO,
) -> Settlement:  # fmt: skip
    """Return whether `payment` on `paid_on` settles the invoice, and the discount it takes per VAT rate.

    It does when it arrives within the discount period and, with what was paid before, is at
    least the total less the discount (one cent less is accepted, for rounding). The discount
    taken is what is left unpaid; it reduces each VAT group's gross amount in proportion, and
    within a group its basis and tax in the group's proportion, so the seller's output tax and
    the buyer's input tax are corrected alike.
    """
    if payment <= 0:
        raise InvalidFee(f"a payment of {payment} settles nothing")
    still_due = totals.total - already_paid
    if payment >= still_due:
        return Settlement(True, ZERO, ())
    if terms is None:
        return Settlement(False, ZERO, (), "the invoice has no early-payment discount")
    if paid_on > terms.deadline(issue_date):
        return Settlement(False, ZERO, (), f"paid after the discount period ended on {terms.deadline(issue_date)}")
    with_discount = still_due - terms.amount(totals.total)
    if payment < with_discount - CENT:
        return Settlement(False, ZERO, (), f"{payment} is less than the {with_discount} due with the discount")
    discount = still_due - payment
    return Settlement(True, discount, split_discount(totals, discount))


def split_discount(totals: Totals, discount: Decimal) -> tuple[DiscountShare, ...]:
    """Return `discount` split over the VAT groups in proportion to their gross, each share into basis and tax."""
    grosses = [group.basis + group.tax for group in totals.groups]
    shares = allocate(discount, grosses)
    result = []
    for group, gross, share in zip(totals.groups, grosses, shares, strict=True):
        tax = quantize(share * group.tax / gross) if gross else ZERO
        result.append(DiscountShare(group.category, group.rate, share - tax, tax))
    return tuple(result)


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Return `amount` split in cents in proportion to `weights`, the shares summing exactly to `amount`.

    Each share is rounded down to the cent, and the cents left over go to the largest remainders
    (the earlier weight on a tie), so no cent is made or lost.
    """
    total = sum(weights, Decimal(0))
    if amount < 0 or any(w < 0 for w in weights) or total <= 0:
        raise InvalidFee("a discount is split over positive amounts only")
    cents = int(quantize(amount) / CENT)
    exact = [Decimal(cents) * w / total for w in weights]
    floors = [int(e) for e in exact]  # int() rounds down: every share is 0 or more
    left = cents - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * CENT for f in floors]
