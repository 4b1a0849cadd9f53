"""Total, net and tax amounts: labelled candidates, then the triple where net + tax = total.

An invoice prints many amounts (line prices, per-rate subtotals, payments); the arithmetic of the
three totals is the strongest check available, so it decides between close candidates.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from intake.fields.amounts import find_amounts, strip_currency
from intake.fields.candidates import Candidate, LabelHit, hits_for, value_places
from intake.fields.labels import NET_TOTAL, TAX_TOTAL, TOTAL
from intake.fields.layout import TextLine

CENT = Decimal("0.01")
#: Bonus for a triple whose amounts add up; larger than any difference in label scores.
CONSISTENT_BONUS = 1.5


@dataclass(frozen=True, slots=True)
class Totals:
    total: Candidate[Decimal] | None
    net: Candidate[Decimal] | None
    tax: Candidate[Decimal] | None
    #: True when net + tax = total was checked and holds; False when it fails; None if unchecked.
    consistent: bool | None


def amount_candidates(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], field: str
) -> list[Candidate[Decimal]]:
    """Return amounts printed where labels of `field` put their value, scored."""
    found = []
    for hit in hits_for(hits, field):
        if field == TAX_TOTAL and _names_another_total(hit, hits):
            continue  # "Total incl. VAT", "Summe ohne USt": the tax word qualifies another total
        if field == TOTAL and hit.label.weight < 1 and _shares_cell(hit, hits, TAX_TOTAL, NET_TOTAL):
            continue  # "VAT total", "Total taxes": a plain "total" qualified by another field
        depth = lines[hit.cell.line].index / max(len(lines), 1)
        for place in value_places(lines, hit, hits):
            amounts = find_amounts(strip_currency(place.text))
            if place.kind == "inline":
                amounts = [a for a in amounts if a.start < 25]
            if not amounts:
                continue
            last = amounts[-1]  # amounts columns are on the right
            decimals = 1.0 if last.has_decimals else 0.6
            score = hit.label.weight * place.factor * decimals + 0.1 * depth
            found.append(Candidate(last.value.quantize(CENT) + 0, score, hit.cell.line))
            if place.kind == "inline" or place.kind == "right":
                break
    return found


def _names_another_total(hit: LabelHit, hits: Sequence[LabelHit]) -> bool:
    return _shares_cell(hit, hits, TOTAL, NET_TOTAL)


def _shares_cell(hit: LabelHit, hits: Sequence[LabelHit], *fields: str) -> bool:
    return any(h.cell is hit.cell and h.field in fields for h in hits)


def _top(candidates: Sequence[Candidate[Decimal]], k: int = 6) -> list[Candidate[Decimal] | None]:
    by_value: dict[Decimal, Candidate[Decimal]] = {}
    for c in candidates:
        if c.value not in by_value or by_value[c.value].score < c.score:
            by_value[c.value] = c
    ranked = sorted(by_value.values(), key=lambda c: -c.score)[:k]
    return [*ranked, None]


def _score(c: Candidate[Decimal] | None) -> float:
    return 0.0 if c is None else c.score


def choose_totals(
    totals: Sequence[Candidate[Decimal]],
    nets: Sequence[Candidate[Decimal]],
    taxes: Sequence[Candidate[Decimal]],
) -> Totals:
    """Return the best total/net/tax triple, preferring one where net + tax = total."""
    best: tuple[float, Totals] | None = None
    for t, n, x in itertools.product(_top(totals), _top(nets), _top(taxes)):
        consistent = None
        if t is not None and n is not None and x is not None:
            consistent = n.value + x.value == t.value
        if t is not None and n is not None and n.value == t.value and x is not None:
            consistent = consistent or x.value == 0
        score = _score(t) + _score(n) + _score(x) + (CONSISTENT_BONUS if consistent else 0.0)
        if t is not None and n is not None and abs(n.value) > abs(t.value):
            score -= 1.0
        if best is None or score > best[0]:
            best = (score, Totals(t, n, x, consistent))
    assert best is not None
    return best[1]


def fallback_total(lines: Sequence[TextLine]) -> Candidate[Decimal] | None:
    """Return the largest two-decimal amount in the document, as a weak guess at the total."""
    found = [
        Candidate(a.value.quantize(CENT), 0.2, line.index)
        for line in lines
        for a in find_amounts(strip_currency(line.text))
        if a.has_decimals and a.value > 0
    ]
    return max(found, key=lambda c: c.value, default=None)


ALL_AMOUNT_FIELDS = (TOTAL, NET_TOTAL, TAX_TOTAL)
