"""Check an embedded e-invoice XML against the page it travels with. Pure.

The XML is exact and usually wins. But the page is what the buyer sees and pays, and some PDFs
carry XML that is stale or for another invoice. So each XML value is looked for on the page
(amounts and dates as the page prints them, names and ids folded); one that the page does not
show, where the page reading found another value with some confidence, gives way to the page,
with a warning saying so; a field the XML leaves empty is filled from a confident page reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from intake.fields.amounts import find_amounts
from intake.fields.dates import find_dates
from intake.words import Page
from invoicing.extraction import ExtractedInvoice
from invoicing.review import fold_key

#: Confidence the page reading needs to overrule a value of the XML that the page does not show.
PAGE_CONFIDENCE = 0.5
#: Confidence the page reading needs to fill a field the XML leaves empty.
FILL_CONFIDENCE = 0.8
_AMOUNTS = ("total", "net_total", "tax_total")
_DATES = ("issue_date", "due_date")
_TEXTS = ("invoice_number", "seller.name", "seller.vat_id", "seller.iban", "buyer.name")


class PageFacts:
    """What the page shows, in comparable form: amounts, dates and folded text."""

    def __init__(self, pages: Sequence[Page]) -> None:
        lines = [" ".join(w.text for w in page.words) for page in pages]
        text = "\n".join(lines)
        self.amounts = {abs(m.value) for line in lines for m in find_amounts(line)}
        self.dates = {m.value for line in lines for m in find_dates(line)}
        self.folded = fold_key(text)

    def shows(self, field: str, value: Any) -> bool:
        if field in _AMOUNTS:
            return abs(Decimal(value)) in self.amounts
        if field in _DATES:
            return value in self.dates
        return bool(fold_key(str(value))) and fold_key(str(value)) in self.folded


def _adds_up(invoice: ExtractedInvoice) -> bool:
    parts = (invoice.net_total, invoice.tax_total, invoice.total)
    return None not in parts and parts[0] + parts[1] == parts[2]  # type: ignore[operator]


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
    updates: dict[str, Any] = {}
    seller: dict[str, Any] = {}
    buyer: dict[str, Any] = {}
    confidence = dict(embedded.confidence)
    warnings = list(embedded.warnings)
    fields = [*_TEXTS[:1], *_DATES, *_TEXTS[1:]]
    if _adds_up(visual):  # the page's amounts are only trusted as a consistent set
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
        head, _, tail = field.partition(".")
        {"seller": seller, "buyer": buyer}.get(head, updates)[tail or head] = theirs
        confidence[field] = sure
    if not (updates or seller or buyer):
        return embedded
    updates["seller"] = embedded.seller.model_copy(update=seller)
    updates["buyer"] = embedded.buyer.model_copy(update=buyer)
    return embedded.model_copy(update={**updates, "confidence": confidence, "warnings": tuple(warnings)})
