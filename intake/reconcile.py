"""Check an embedded e-invoice XML against the page it travels with. Pure.

The XML is exact and usually wins. But the page is what the buyer sees and pays, and some PDFs
carry XML that is stale or for another invoice. So each XML value is looked for on the page
(amounts and dates as the page prints them, names and ids folded); one that the page does not
show, where the page reading found another value with some confidence, gives way to the page,
with a warning saying so; a field the XML leaves empty is filled from a confident page reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from intake.fields.amounts import find_amounts
from intake.fields.dates import find_dates
from intake.words import Page
from invoicing.extraction import FIELD_NAMES, UNREAD_IBAN, ExtractedInvoice
from invoicing.review import fold_key

#: Confidence the page reading needs to overrule a value of the XML that the page does not show.
PAGE_CONFIDENCE = 0.5
#: Confidence the page reading needs to fill a field the XML leaves empty.
FILL_CONFIDENCE = 0.8
_AMOUNTS = ("total", "net_total", "tax_total")
_DATES = ("issue_date", "due_date")
_TEXTS = ("invoice_number", "seller.name", "seller.vat_id", "seller.iban", "buyer.name")


class PageFacts:
    """What the page shows, in comparable form: amounts, dates and folded text, each found the
    first time it is asked for (two OCR readings are compared by their amounts alone)."""

    def __init__(self, pages: Sequence[Page]) -> None:
        self._lines = [" ".join(w.text for w in page.words) for page in pages]

    @cached_property
    def amounts(self) -> set[Decimal]:
        return {abs(m.value) for line in self._lines for m in find_amounts(line)}

    @cached_property
    def dates(self) -> set[dt.date]:
        return {m.value for line in self._lines for m in find_dates(line)}

    @cached_property
    def folded(self) -> str:
        return fold_key("\n".join(self._lines))

    def shows(self, field: str, value: Any) -> bool:
        if field in _AMOUNTS:
            return abs(Decimal(value)) in self.amounts
        if field in _DATES:
            return value in self.dates
        return bool(fold_key(str(value))) and fold_key(str(value)) in self.folded


def prefer_embedded(
    embedded: ExtractedInvoice, visual: ExtractedInvoice, pages: Sequence[Page] = ()
) -> ExtractedInvoice:
    """Return the embedded XML's reading unless the page contradicts it.

    Some PDFs carry stale XML for a different invoice: when the page confidently shows another
    invoice number and nowhere the XML's, the page reading wins and says why. Otherwise each XML
    value the page contradicts gives way (`reconcile`).
    """
    if not pages:
        return embedded
    facts = PageFacts(pages)
    if (
        visual.invoice_number
        and embedded.invoice_number
        and fold_key(visual.invoice_number) != fold_key(embedded.invoice_number)
        and visual.confidence.get("invoice_number", 0) >= 0.8
        and not facts.shows("invoice_number", embedded.invoice_number)
    ):
        warning = f"embedded e-invoice XML is for invoice {embedded.invoice_number}; the page was read instead"
        return visual.model_copy(update={"warnings": visual.warnings + (warning,)})
    return reconcile(embedded, visual, facts)


def reconcile(embedded: ExtractedInvoice, visual: ExtractedInvoice, facts: PageFacts) -> ExtractedInvoice:
    """Return the XML's reading with each value the page contradicts replaced by the page's."""
    taken: dict[str, Any] = {}
    confidence = dict(embedded.confidence)
    warnings = list(embedded.warnings)
    fields = [*_TEXTS[:1], *_DATES, *_TEXTS[1:]]
    if visual.amounts_agree():  # the page's amounts are only trusted as a consistent set
        fields += _AMOUNTS
    for field in fields:
        ours, theirs = embedded.field_value(field), visual.field_value(field)
        sure = visual.confidence.get(field, 0.0)
        if theirs is None or ours == theirs:
            continue
        if ours is None:
            if sure < FILL_CONFIDENCE:
                continue
        elif facts.shows(field, ours) or sure < PAGE_CONFIDENCE:
            continue
        else:
            warnings.append(f"{field}: the e-invoice XML says {ours}, the page {theirs}; the page was taken")
        taken[field] = theirs
        confidence[field] = sure
    if not taken:
        return embedded
    return with_values(embedded, taken, confidence, tuple(warnings))


def with_values(
    invoice: ExtractedInvoice, values: dict[str, Any], confidence: dict[str, float], warnings: tuple[str, ...]
) -> ExtractedInvoice:
    """Return `invoice` with the fields named in `values` ("seller.name" for a party's) set to them."""
    updates: dict[str, Any] = {}
    parties: dict[str, dict[str, Any]] = {"seller": {}, "buyer": {}}
    for field, value in values.items():
        head, _, tail = field.partition(".")
        parties.get(head, updates)[tail or head] = value
    updates["seller"] = invoice.seller.model_copy(update=parties["seller"])
    updates["buyer"] = invoice.buyer.model_copy(update=parties["buyer"])
    return invoice.model_copy(update={**updates, "confidence": confidence, "warnings": warnings})


#: How much surer a second reading of the same picture must be to replace a field of the first.
SURER_BY = 0.1


def surer_reading(
    first: ExtractedInvoice, second: ExtractedInvoice, engine: str, seen: tuple[PageFacts, PageFacts] | None = None
) -> ExtractedInvoice:
    """Return the two readings of one picture (`second` by the OCR `engine`) as one: each field
    from `first` unless `second` alone has it or reads it markedly surer (`SURER_BY`).

    The amounts go together: when `second`'s total is taken, so are its net, tax, item lines and
    its warnings. They are taken too where `second`'s agree and `first`'s do not, or where what
    each reading `seen` says `second` saw more (`_saw_more`). A warning names the fields whose value
    `engine`'s reading changed.
    """
    amounts = (
        _surer(second, first, "total")
        or (bool(second.amounts_agree()) and not first.amounts_agree())
        or (seen is not None and _saw_more(first, second, *seen))
    )
    fields = [f for f in FIELD_NAMES if (amounts if f in _AMOUNTS else _surer(second, first, f))]
    if not fields:
        return first
    confidence = {f: c for f, c in first.confidence.items() if f not in fields}
    confidence.update({f: second.confidence[f] for f in fields if f in second.confidence})
    merged = with_values(first, {f: second.field_value(f) for f in fields}, confidence, ())
    named = ", ".join(f for f in fields if merged.field_value(f) != first.field_value(f))
    kept = (second if amounts else first).warnings
    if merged.seller.iban is not None:  # the IBAN the first reading could not read, the second did
        kept = tuple(w for w in kept if w != UNREAD_IBAN)
    warnings = (*kept, f"read by two OCR engines; {named} from {engine}")
    return merged.model_copy(update={"warnings": warnings, **({"lines": second.lines} if amounts else {})})


def _saw_more(first: ExtractedInvoice, second: ExtractedInvoice, first_saw: PageFacts, second_saw: PageFacts) -> bool:
    """Return whether `second`'s amounts add up to a larger total than `first`'s, one that
    `first`'s words show nowhere while `second`'s show `first`'s total too: `first` lost the row
    `second` read (a tinted totals row, most often) and took its total from another line, the
    amount left to pay, which is never more than the invoice's total."""
    ours, theirs = first.total, second.total
    return (
        ours is not None and theirs is not None and abs(theirs) > abs(ours) and bool(second.amounts_agree())
        and not first_saw.shows("total", theirs) and second_saw.shows("total", ours)
    )


def _surer(one: ExtractedInvoice, other: ExtractedInvoice, field: str) -> bool:
    """Return whether `one` reads `field` where `other` does not, or markedly surer and otherwise."""
    value, theirs = one.field_value(field), other.field_value(field)
    if value is None or value == theirs:
        return False
    return theirs is None or one.confidence.get(field, 0.0) >= other.confidence.get(field, 0.0) + SURER_BY
