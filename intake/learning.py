"""Learning from corrections: where a vendor prints a field, remembered from one correction. Pure.

When a person corrects a field of an incoming invoice, `learn_hint` looks for the corrected value
on the invoice's pages and remembers what stands before it: the label in the same cell
("Beleg-Kennung: X-77"), the cell to its left, or the cell above it. Fields that do not change
between a vendor's invoices (its name, VAT ID, IBAN, currency) are remembered as they are.
`apply_hints` then reads the next invoice of the same vendor the same way. Learning never
overrides what a page clearly says: a remembered value only fills a field the page lacks, a
remembered place replaces only a reading the general rules were unsure of, and a remembered IBAN
that differs from the printed one is a warning, never a replacement (money follows the page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from intake.fields.amounts import parse_amount
from intake.fields.dates import find_dates, fold
from intake.fields.layout import Cell, TextLine, cells_below, document_lines
from intake.words import Page
from invoicing.extraction import ExtractedInvoice, Source
from invoicing.payee_rules import compact_iban, show_iban
from invoicing.review import fold_key

#: Fields whose value is the same on every invoice of one vendor.
CONSTANT_FIELDS = frozenset({"seller.name", "seller.vat_id", "seller.iban", "currency"})
AMOUNT_FIELDS = frozenset({"total", "net_total", "tax_total"})
DATE_FIELDS = frozenset({"issue_date", "due_date"})
#: Fields read from the page by position.
POSITIONAL_FIELDS = AMOUNT_FIELDS | DATE_FIELDS | {"invoice_number", "payment_reference"}
LEARNT_CONFIDENCE = 0.9

Where = Literal["constant", "same-cell", "right", "below"]


@dataclass(frozen=True, slots=True)
class Hint:
    field: str
    where: Where
    #: The folded label text before the value (positional hints) or the value itself (constant).
    text: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hint:
        return cls(field=str(data["field"]), where=data["where"], text=str(data["text"]))


def _label(text: str) -> str:
    return fold(text).strip(" :#.-")


def _parser(field: str) -> Callable[[str], Any]:
    if field in AMOUNT_FIELDS:
        return parse_amount
    if field in DATE_FIELDS:
        return _leading_date
    return _first_token


def _leading_date(text: str) -> Any:
    """Return the date `text` starts with, or None."""
    found = find_dates(text.strip())
    return found[0].value if found and found[0].start == 0 else None


def _first_token(text: str) -> str | None:
    token = text.strip().split(" ")[0].strip(" :,;") if text.strip() else ""
    return token or None


def _same(field: str, read: str, wanted: Any) -> bool:
    value = _parser(field)(read)
    if value is None:
        return False
    if field in POSITIONAL_FIELDS - AMOUNT_FIELDS - DATE_FIELDS:
        return fold_key(str(value)) == fold_key(str(wanted))
    return bool(value == wanted)


def learn_hint(pages: Sequence[Page], field: str, value: Any) -> Hint | None:
    """Return where `value` of `field` stands on the pages, or None when it cannot be found."""
    if field in CONSTANT_FIELDS:
        return Hint(field, "constant", str(value))
    if field not in POSITIONAL_FIELDS:
        return None
    lines = document_lines(pages)
    for line in lines:
        for position, cell in enumerate(line.cells):
            hint = _hint_for_cell(lines, line, position, cell, field, value)
            if hint is not None:
                return hint
    return None


def _hint_for_cell(
    lines: Sequence[TextLine], line: TextLine, position: int, cell: Cell, field: str, value: Any
) -> Hint | None:
    words = cell.words
    for start in range(len(words)):
        rest = " ".join(w.text for w in words[start:])
        if not _same(field, rest, value):
            continue
        if start > 0:
            return Hint(field, "same-cell", _label(" ".join(w.text for w in words[:start])))
        if position > 0 and _label(line.cells[position - 1].text):
            return Hint(field, "right", _label(line.cells[position - 1].text))
        above = _cell_above(lines, cell)
        if above is not None and _label(above.text):
            return Hint(field, "below", _label(above.text))
        return None
    return None


def _cell_above(lines: Sequence[TextLine], cell: Cell) -> Cell | None:
    if cell.line == 0:
        return None
    previous = lines[cell.line - 1]
    overlapping = [c for c in previous.cells if c.x0 < cell.x1 and cell.x0 < c.x1]
    return overlapping[0] if overlapping else None


def read_hint(pages: Sequence[Page], hint: Hint) -> Any:
    """Return the value the hint points at on these pages, or None."""
    if hint.where == "constant":
        return hint.text
    parse = _parser(hint.field)
    lines = document_lines(pages)
    for line in lines:
        for position, cell in enumerate(line.cells):
            folded = _label(cell.text)
            if hint.where == "same-cell" and folded.startswith(hint.text) and folded != hint.text:
                value = _after_label(cell, hint.text, parse)
            elif hint.where == "right" and folded == hint.text and position + 1 < len(line.cells):
                value = parse(line.cells[position + 1].text)
            elif hint.where == "below" and folded == hint.text:
                below = cells_below(lines, cell, depth=1)
                value = parse(below[0].text) if below else None
            else:
                continue
            if value is not None:
                return value
    return None


def _after_label(cell: Cell, label: str, parse: Callable[[str], Any]) -> Any:
    for start in range(1, len(cell.words)):
        if _label(" ".join(w.text for w in cell.words[:start])) == label:
            return parse(" ".join(w.text for w in cell.words[start:]))
    return None


def apply_hints(pages: Sequence[Page], extraction: ExtractedInvoice, hints: Sequence[Hint]) -> ExtractedInvoice:
    """Return the extraction with what the hints add, never overriding what the page clearly says."""
    values: dict[str, Any] = {}
    confidence = dict(extraction.confidence)
    warnings = list(extraction.warnings)
    for hint in hints:
        found = read_hint(pages, hint)
        if found is None:
            continue
        current = extraction.field_value(hint.field)
        taken, warning = _merge(hint, found, current, confidence.get(hint.field, 0.0), extraction.source)
        if warning:
            warnings.append(warning)
        if taken:
            values[hint.field] = found
            confidence[hint.field] = max(confidence.get(hint.field, 0.0), LEARNT_CONFIDENCE)
    if not values and len(warnings) == len(extraction.warnings):
        return extraction
    seller = {tail: v for name, v in values.items() for head, _, tail in [name.partition(".")] if tail}
    updates = {name: v for name, v in values.items() if "." not in name}
    updates.update(seller=extraction.seller.model_copy(update=seller), confidence=confidence, warnings=tuple(warnings))
    return extraction.model_copy(update=updates)


def _merge(hint: Hint, found: Any, current: Any, sure: float, source: Source | None) -> tuple[bool, str | None]:
    """Return whether to take what the hint found, and the warning to give (if any)."""
    iban = hint.field == "seller.iban"
    if current in (None, ""):
        note = f"IBAN {show_iban(found)} is not printed on this invoice: it was learnt from a correction" if iban else None
        return True, note
    if _equal(hint.field, found, current):
        return True, None
    if iban:
        return False, (f"the printed IBAN {show_iban(current)} differs from {show_iban(found)} learnt for this "
                       "vendor from a correction; the printed one is kept")  # fmt: skip
    if hint.where == "constant":
        return False, None
    if sure < LEARNT_CONFIDENCE and source is not Source.EINVOICE_XML:
        return True, f"{hint.field}: {found} read where this vendor prints it (the general rules read {current})"
    return False, f"{hint.field}: the place learnt for this vendor shows {found}; {current} as read is kept"


def _equal(field: str, found: Any, current: Any) -> bool:
    if field == "seller.iban":
        return compact_iban(str(found)) == compact_iban(str(current))
    if isinstance(found, str) or isinstance(current, str):
        return fold_key(str(found)) == fold_key(str(current))
    return bool(found == current)


def hints_from_json(stored: Sequence[dict[str, Any]]) -> list[Hint]:
    """Return the stored hints that can still be read (older shapes are skipped)."""
    hints = []
    for data in stored:
        try:
            hints.append(Hint.from_json(data))
        except (KeyError, TypeError):
            continue
    return hints
