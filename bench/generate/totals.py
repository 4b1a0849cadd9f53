"""The totals block of a generated invoice and the truth it implies.

Variants, as real invoices print them: net or gross (VAT-inclusive) prices, one or several tax
rates (a tax line per rate, the truth's tax total is their sum), a discount and a shipping line
before the net total, a payment already received and the amount still due after the total (the
truth's total stays the invoice total: the corpus keeps the payable amount apart), and credit
notes whose amounts are all negative.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bench.generate import wording
from bench.generate.phrases import PHRASES

CENT = Decimal("0.01")
Say = Callable[..., str]


def money(value: Decimal | int | float) -> Decimal:
    """Return `value` rounded half-up to cents."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Item:
    description: str
    quantity: Decimal
    price: Decimal  # per unit, net or gross as the invoice prints its prices
    amount: Decimal
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Variant:
    gross: bool = False
    discount_pct: int | None = None
    shipping: Decimal | None = None
    prepaid_share: Decimal | None = None
    tax_sum_line: bool = False
    credit: bool = False


@dataclass(frozen=True, slots=True)
class Totals:
    #: (label, amount, strong) in print order.
    rows: tuple[tuple[str, Decimal, bool], ...]
    net: Decimal
    tax: Decimal
    total: Decimal
    #: What the buyer still has to pay (the total less payments already received).
    payable: Decimal
    #: (rate, net base, tax) per tax rate, highest rate first.
    by_rate: tuple[tuple[Decimal, Decimal, Decimal], ...] = ()
    #: Where in `rows` the tax of each rate is printed.
    tax_rows: tuple[int, ...] = ()
    #: Whether a row after them prints the taxes' sum.
    tax_summed: bool = False


def _is_subtotal(label: str) -> bool:
    folded = label.casefold()
    return any(word in folded for word in ("sub", "zwischen", "sous"))


def _labels(rng: random.Random, language: str, key: str, keep: Callable[[str], bool]) -> str:
    return rng.choice([label for label in wording.LABELS[language][key] if keep(label)])


def _tax_wording(rng: random.Random, language: str, several: bool, gross: bool) -> str:
    """Return one document's wording of its tax lines; with several rates, one naming its rate."""
    if gross:
        return rng.choice(PHRASES[language]["tax_included"])
    return _labels(rng, language, "tax", lambda label: "{rate}" in label or not several)


def _rate(rate: Decimal) -> str:
    return str(int(rate)) if rate == rate.to_integral() else str(rate)


def _by_rate(amounts: Sequence[tuple[Decimal, Decimal]]) -> dict[Decimal, Decimal]:
    """Return {rate: sum of amounts}, highest rate first."""
    sums: dict[Decimal, Decimal] = {}
    for amount, rate in amounts:
        sums[rate] = sums.get(rate, Decimal(0)) + amount
    return dict(sorted(sums.items(), reverse=True))


def totals(rng: random.Random, language: str, say: Say, items: Sequence[Item], standard: Decimal,
           variant: Variant, *, exempt: bool = False) -> Totals:
    """Return the totals block of `items` (amounts already signed) printed as `variant` says; for
    a seller `exempt` from VAT (a small business's), with no tax: no tax rows, the net the total."""
    rows: list[tuple[str, Decimal, bool]] = []
    sign = Decimal(-1) if variant.credit else Decimal(1)
    items_sum = sum((item.amount for item in items), Decimal(0))
    parts = [(item.amount, item.rate) for item in items]
    adjusted = variant.discount_pct is not None or variant.shipping is not None
    if adjusted:
        rows.append((say("items_sum"), items_sum, False))
    if variant.discount_pct is not None:  # drawn only for one-rate invoices
        discount = money(items_sum * variant.discount_pct / 100)
        rows.append((say("discount", pct=variant.discount_pct), -discount, False))
        parts = [(items_sum - discount, standard)]
    if variant.shipping is not None:
        rows.append((say("shipping"), sign * variant.shipping, False))
        parts.append((sign * variant.shipping, standard))
    bases = _by_rate(parts)
    several = len(bases) > 1
    tax_wording = _tax_wording(rng, language, several, variant.gross)
    net_label = _labels(rng, language, "net", lambda label: not ((adjusted or variant.gross) and _is_subtotal(label)))
    if variant.gross:
        taxes = {rate: Decimal("0.00") if exempt else money(base * rate / (100 + rate)) for rate, base in bases.items()}
        total = sum(bases.values(), Decimal(0))
        tax = sum(taxes.values(), Decimal(0))
        net = total - tax
        rows.append((say("gross_total"), total, variant.prepaid_share is None))
        first = len(rows)
        if not exempt:
            rows.extend((tax_wording.format(rate=_rate(rate)), amount, False) for rate, amount in taxes.items())
        rows.append((net_label, net, False))
    else:
        net = sum(bases.values(), Decimal(0))
        taxes = {rate: Decimal("0.00") if exempt else money(base * rate / 100) for rate, base in bases.items()}
        tax = sum(taxes.values(), Decimal(0))
        total = net + tax
        rows.append((net_label, net, False))
        first = len(rows)
        if not exempt:
            rows.extend((tax_wording.format(rate=_rate(rate)), amount, False) for rate, amount in taxes.items())
        if several and variant.tax_sum_line:
            label = say("tax_total")  # drawn for an exempt seller too: the same draws as a taxed one's
            if not exempt:
                rows.append((label, tax, False))
        plain_total = variant.prepaid_share is None and not variant.credit
        total_label = say("total") if plain_total else say("gross_total")
        rows.append((total_label, total, variant.prepaid_share is None))
    payable = total
    if variant.prepaid_share is not None:
        prepaid = money(total * variant.prepaid_share)
        payable = total - prepaid
        rows.append((say("prepaid"), -prepaid, False))
        rows.append((say("amount_due"), payable, True))
    by_rate = tuple((rate, base - taxes[rate] if variant.gross else base, taxes[rate]) for rate, base in bases.items())
    return Totals(rows=tuple(rows), net=net, tax=tax, total=total, payable=payable, by_rate=by_rate,
                  tax_rows=() if exempt else tuple(range(first, first + len(taxes))),
                  tax_summed=not exempt and not variant.gross and several and variant.tax_sum_line)
