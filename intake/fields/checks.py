"""Consistency checks between fields: each failed rule is a warning and lowers a field's confidence.

Rules: the line items add up to the net total (or the total), net + tax = total (see `totals`),
the due date is not before the issue date, VAT ID and IBAN checksums hold, and the seller is
not the buyer. Where candidates compete, `favour_lines_sum` lets the line items choose the net.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher

from stdnum import iban as stdnum_iban

from intake.fields.candidates import Candidate, LabelHit, lines_near_label
from intake.fields.dates import fold
from intake.fields.ids import find_misread_vat_ids, find_vat_ids, vat_valid
from intake.fields.labels import BUYER_VAT_ID, VAT_ID
from intake.fields.layout import TextLine
from invoicing.extraction import Line

CENT = Decimal("0.01")
#: A net candidate the line items add up to gains this much score.
LINES_BONUS = 0.6


@dataclass(frozen=True, slots=True)
class Finding:
    """A failed check: the fields it casts doubt on and the warning shown to people."""

    fields: tuple[str, ...]
    warning: str


def lines_sum(items: Sequence[Line]) -> Decimal | None:
    """Return the sum of the line amounts, or None when no line has an amount."""
    amounts = [i.amount for i in items if i.amount is not None]
    return sum(amounts, Decimal(0)).quantize(CENT) if amounts else None


def _agrees(items: Sequence[Line], value: Decimal | None) -> bool:
    """Return whether the line items add up to `value`, allowing a cent of rounding per line."""
    total = lines_sum(items)
    return total is not None and value is not None and abs(total - value) <= CENT * len(items)


def favour_lines_sum(
    nets: Sequence[Candidate[Decimal]],
    totals: Sequence[Candidate[Decimal]],
    items: Sequence[Line],
    printed: set[Decimal],
    taxed: bool = True,
) -> list[Candidate[Decimal]]:
    """Return net candidates with those the line items add up to scored higher; the printed sum
    itself becomes a candidate when no other agrees and it is not the total (gross lines), or when
    it is the total of an invoice that shows no tax (`taxed` False: net and total are one)."""
    total = lines_sum(items)
    if total is None:
        return list(nets)
    scored = [Candidate(c.value, c.score + LINES_BONUS, c.line) if _agrees(items, c.value) else c for c in nets]
    agreeing = [c for c in [*nets, *(totals if taxed else ())] if _agrees(items, c.value)]
    if not agreeing and total in printed:
        scored.append(Candidate(total, LINES_BONUS, 0))
    return scored


def check_lines(items: Sequence[Line], net: Decimal | None, total: Decimal | None) -> list[Finding]:
    """Return a finding when the line items add up to neither the net total nor the total."""
    found = lines_sum(items)
    if found is None or _agrees(items, net) or (_agrees(items, total)):
        return []
    if net is None and total is None:
        return []
    against = f"the net total {net}" if net is not None else f"the total {total}"
    return [Finding(("net_total",) if net is not None else ("total",), f"line items add up to {found}, not {against}")]


def check_dates(issued: dt.date | None, due: dt.date | None) -> list[Finding]:
    """Return a finding when the due date is before the issue date."""
    if issued is None or due is None or due >= issued:
        return []
    return [Finding(("due_date",), f"due date {due.isoformat()} is before the issue date {issued.isoformat()}")]


def check_ids(vat_id: str | None, iban: str | None) -> list[Finding]:
    """Return findings for a seller VAT ID (checked by its country's rules) or IBAN whose checksum fails."""
    found = []
    if vat_id and find_vat_ids(vat_id) and not vat_valid(vat_id):
        found.append(Finding(("seller.vat_id",), f"seller VAT ID {vat_id} fails its checksum"))
    if iban and not stdnum_iban.is_valid(iban):
        found.append(Finding(("seller.iban",), f"seller IBAN {iban} fails its checksum"))
    return found


def _same_name(a: str, b: str) -> bool:
    fa, fb = " ".join(fold(a).split()), " ".join(fold(b).split())
    return fa == fb or SequenceMatcher(None, fa, fb).ratio() >= 0.9


def check_parties(
    seller: str | None, buyer: str | None, seller_vat: str | None, buyer_vat: str | None
) -> list[Finding]:
    """Return findings when the seller and the buyer share a name or a VAT ID."""
    found = []
    if seller and buyer and _same_name(seller, buyer):
        found.append(Finding(("seller.name", "buyer.name"), f"seller and buyer are both named {seller}"))
    if seller_vat and buyer_vat and seller_vat == buyer_vat:
        found.append(Finding(("seller.vat_id",), f"seller VAT ID {seller_vat} is also the buyer's"))
    return found


def buyer_vat_id(lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int]) -> str | None:
    """Return the buyer's VAT ID: one labelled as the buyer's (beside its label, one whose country
    prefix OCR read as look-alike digits too, as the seller's is found), else one in the buyer's
    block."""
    labelled = lines_near_label(hits, BUYER_VAT_ID)
    for line in lines:
        if line.index in labelled and (ids := find_vat_ids(line.text) or find_misread_vat_ids(line.text)):
            return ids[0].value
    unlabelled = buyer - lines_near_label(hits, VAT_ID)
    for line in lines:
        if line.index in unlabelled and (ids := find_vat_ids(line.text)):
            return ids[0].value
    return None


def apply_findings(
    confidence: dict[str, float], findings: Sequence[Finding], factor: float
) -> tuple[dict[str, float], tuple[str, ...]]:
    """Return the confidences lowered by `factor` for every field a finding doubts, and the warnings."""
    lowered = dict(confidence)
    for finding in findings:
        for name in finding.fields:
            if name in lowered:
                lowered[name] = round(lowered[name] * factor, 3)
    return lowered, tuple(f.warning for f in findings)
