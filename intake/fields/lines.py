"""Line items from the item table: its header row names the columns, the rows below fill them.

The header (one to three stacked lines of labels, no amounts) gives each column an x-range;
every word of a row below goes to the column it overlaps most. A row with an amount starts an
item; a row of text only continues the description of the item above (or, before the first
item, heads the next one). The table ends at the totals block, a wide gap or the page's end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from intake.fields.amounts import find_amounts, parse_amount, strip_currency
from intake.fields.dates import fold_chars
from intake.fields.layout import TextLine
from intake.fields.memo import per_document
from intake.words import Word
from invoicing.extraction import Line

DESCRIPTION, QUANTITY, UNIT_PRICE, AMOUNT, TAX_RATE, OTHER = (
    "description", "quantity", "unit_price", "amount", "tax_rate", "other",
)
#: Header words of each column, matched on folded text; the longest match names the column.
_COLUMN_WORDS: tuple[tuple[str, str], ...] = (
    (DESCRIPTION, r"description|beschreibung|bezeichnung|artikel\w*|designation|libelle|varebeskrivelse"
                  r"|beskrivelse|produkt\w*|product|item|leistung\w*|article|services?|text|omschrijving"),
    (QUANTITY, r"qty|quantity|quantities|menge|anzahl|quantite|qte|antal|aantal|stuckzahl"),
    (UNIT_PRICE, r"unit\s*price|price\s*per\s*unit|unit\s*cost|einzelpreis|e-?\s*preis|stk\.?\s*-?\s*pris"
                 r"|einzel\w*|prix\s*unitaire(?:\s*ht)?|p\.\s*u\.?(?:\s*ht)?|enhedspris|vk-?\s*preis|preis|price|prix"
                 r"|rate|prijs(?:\s*per\s*stuk)?|stykpris|a-?\s*pris"),
    (AMOUNT, r"amount|line\s*total|total(?:\s*ht|\s*net)?|betrag|zeilenbetrag|gesamt\w*|montant(?:\s*ht)?"
             r"|belob|netto|prix\s*ht|prix\s*total|\bnet\b|summe|sum|gesamtpreis|line\s*amount|i\s*alt"),
    (TAX_RATE, r"(?:vat|mwst|ust|tva|moms|tax|btw)\.?\s*-?\s*(?:%|satz|rate)?|steuersatz|taux(?:\s*tva)?"),
    (OTHER, r"pos\.?|#|nr\.?|no\.|ligne|line|einheit|unite|unit|enhed|rabatt?|rem\.|remise|discount"
            r"|date|datum"),
)
_COMPILED = tuple((kind, re.compile(rf"(?<![\w-])(?:{p})(?![\w])")) for kind, p in _COLUMN_WORDS)
# "Excl. VAT", "ohne MwSt." qualify a price column; they do not head a tax column.
_QUALIFIER = re.compile(r"(?:incl|excl|inkl|exkl|ohne|hors|zzgl|plus|ekskl)\.?\s*(?:vat|mwst|ust|tva|btw|moms|tax)\.?")
# Labels of the totals block under the table.
_TOTALS_START = re.compile(
    r"^(?:sub-?\s*total|subtotaal|zwischensumme|netto|nettobetrag|summe|total|gesamt|montant|net\b|vat\b"
    r"|mwst|ust\b|tva\b|moms|i\s*alt|exclusief|rechnungsbetrag|endbetrag|ubertrag|amount\s*due|tax\b|btw|solde|steuer)"
)
_TOTALS_ANY = re.compile(
    r"\b(?:rechnungssumme|steuerbasisbetrag|positionen\s*netto|positionssumme|endsumme|gesamtsumme"
    r"|total\s*(?:ht|ttc|excl|incl|eur)|grand\s*total|sub-?\s*total|zwischensumme|netto\s*\(?(?:excl|exkl)"
    r"|amount\s*due|net\s*total|total\s*net)\b"
)
_QUANTITY = re.compile(r"^\s*(?P<num>[-−]?\d[\d.,']*)\s*(?P<unit>[^\d\s][^\d]{0,11})?\s*$")
_RATE = re.compile(r"(?P<num>\d{1,2}(?:[.,]\d{1,2})?)\s*%?")


@dataclass(frozen=True, slots=True)
class Column:
    kind: str
    x0: float
    x1: float


@per_document  # the header rules and the item table look at the same words
def _kind_of(text: str) -> tuple[str, int] | None:
    """Return the column kind a header text names, with the length of the words that name it."""
    folded = _QUALIFIER.sub(lambda m: " " * len(m.group(0)), fold_chars(text))
    found = [(kind, m.end() - m.start()) for kind, p in _COMPILED for m in p.finditer(folded)]
    return max(found, key=lambda f: f[1]) if found else None


def _header_words(line: TextLine) -> list[tuple[str, list[Word]]]:
    """Return the line's header cells as (kind, words), a cell naming two columns split in two."""
    parts: list[tuple[str, list[Word]]] = []
    for cell in line.cells:
        current: list[Word] = []
        kind = None
        for word in cell.words:
            named = _kind_of(word.text)
            if current and named and kind and named[0] not in (kind, OTHER) and kind != OTHER:
                parts.append((kind, current))
                current, kind = [], None
            current.append(word)
            kind = kind or (named[0] if named else None)
        whole = _kind_of(" ".join(w.text for w in current))
        parts.append((whole[0] if whole else kind or "", current))
    return parts


def _is_header_line(line: TextLine) -> bool:
    if len(line.cells) < 3 or any(a.has_decimals for a in find_amounts(line.text)):
        return False
    kinds = {kind for kind, _ in _header_words(line)}
    return bool(kinds & {AMOUNT, UNIT_PRICE}) and bool(kinds & {DESCRIPTION, QUANTITY})


def _stacked(lines: Sequence[TextLine], index: int, step: int) -> TextLine | None:
    """Return the line next to `index` (above when step is -1) when it is part of the header."""
    other = index + step
    if not 0 <= other < len(lines) or lines[other].page != lines[index].page:
        return None
    line, near = lines[other], lines[index]
    gap = (near.top - line.bottom) if step < 0 else (line.top - near.bottom)
    height = near.bottom - near.top
    if gap > 0.8 * height or any(ch.isdigit() for ch in line.text):
        return None
    if any(len(c.words) > 3 for c in line.cells):
        return None
    return line


def _columns(lines: Sequence[TextLine], index: int) -> tuple[list[Column], int]:
    """Return the columns a header at line `index` names, and the index of its last line."""
    block = [lines[index]]
    above = _stacked(lines, index, -1)
    if above is not None:
        block.insert(0, above)
    last = index
    for _ in range(2):
        below = _stacked(lines, last, 1)
        if below is None:
            break
        block.append(below)
        last += 1
    stacks: list[tuple[float, float, list[str]]] = []
    main = _header_words(lines[index])
    for kind, words in main:
        stacks.append((words[0].x0, words[-1].x1, [" ".join(w.text for w in words)]))
    for line in block:
        if line is lines[index]:
            continue
        for cell in line.cells:
            over = [s for s in stacks if min(s[1], cell.x1) - max(s[0], cell.x0) > 0]
            if len(over) == 1:
                stack = over[0]
                stacks[stacks.index(stack)] = (min(stack[0], cell.x0), max(stack[1], cell.x1),
                                               [*stack[2], cell.text] if line.top > lines[index].top
                                               else [cell.text, *stack[2]])
            elif not over:
                stacks.append((cell.x0, cell.x1, [cell.text]))
    columns = []
    for x0, x1, texts in sorted(stacks):
        named = _kind_of(" ".join(texts))
        columns.append(Column(named[0] if named else OTHER, x0, x1))
    if not any(c.kind == AMOUNT for c in columns):
        prices = [c for c in columns if c.kind == UNIT_PRICE]
        if len(prices) >= 2:  # "Prijs per stuk | Prijs incl. BTW": the last price is the line's
            columns[columns.index(prices[-1])] = Column(AMOUNT, prices[-1].x0, prices[-1].x1)
    return columns, last


def _column_of(word: Word, columns: Sequence[Column]) -> Column:
    """Return the column `word` overlaps most, else the nearest one."""
    def closeness(c: Column) -> float:
        overlap = min(c.x1, word.x1) - max(c.x0, word.x0)
        return overlap if overlap > 0 else -min(abs(c.x0 - word.x1), abs(word.x0 - c.x1))
    return max(columns, key=closeness)


def _row(line: TextLine, columns: Sequence[Column]) -> dict[str, str]:
    texts: dict[str, list[str]] = {}
    for word in line.words:
        texts.setdefault(_column_of(word, columns).kind, []).append(word.text)
    return {kind: " ".join(words) for kind, words in texts.items()}


def parse_quantity(text: str) -> Decimal | None:
    """Return the quantity in a cell such as "2", "2 Stk", "3,5 h" or "10 Liter(s)"."""
    m = _QUANTITY.match(text)
    if m is None:
        return None
    return parse_amount(m.group("num"))


def parse_rate(text: str) -> Decimal | None:
    """Return the tax rate in a cell such as "19 %", "19,0" or "20.00%"."""
    m = _RATE.search(text)
    if m is None or parse_amount(m.group("num")) is None:
        return None
    return parse_amount(m.group("num"))


def _money(text: str | None, decimals: bool = False) -> Decimal | None:
    """Return the last amount in `text`; with `decimals`, only one printed with a decimal part."""
    amounts = find_amounts(strip_currency(text or ""))
    if not amounts or (decimals and not amounts[-1].has_decimals):
        return None
    return amounts[-1].value


def _ends_table(line: TextLine, row: dict[str, str]) -> bool:
    """Return whether `line` opens the totals block: a cell starting with a totals label, no quantity."""
    if row.get(QUANTITY) and parse_quantity(row[QUANTITY]) is not None:
        return False
    if any(_TOTALS_ANY.search(c.folded) for c in line.cells):
        return True
    # "Steuer-Nr. 012 345 678 90" in a footer starts like a totals row but shows no amount.
    with_amount = any(a.has_decimals for a in find_amounts(strip_currency(line.text)))
    return with_amount and any(_TOTALS_START.match(c.folded) for c in line.cells)


@dataclass(slots=True)
class _Item:
    description: list[str]
    row: dict[str, str]

    def line(self) -> Line:
        row = self.row
        return Line(
            description=" ".join(self.description).strip(),
            quantity=parse_quantity(row.get(QUANTITY, "")),
            unit_price=_money(row.get(UNIT_PRICE)),
            amount=_money(row.get(AMOUNT)),
            tax_rate=parse_rate(row[TAX_RATE]) if row.get(TAX_RATE) else None,
        )


def _table_rows(
    lines: Sequence[TextLine], columns: Sequence[Column], start: int
) -> tuple[list[Line], list[int], bool]:
    """Return the items in the rows after line `start`, the indexes of their lines, and whether the
    totals block ended them."""
    items: list[_Item] = []
    rows: list[int] = []
    pending: list[str] = []
    previous = lines[start]
    for line in lines[start + 1 :]:
        height = max(previous.bottom - previous.top, 1.0)
        if line.page != previous.page or line.top - previous.bottom > 4 * height:
            return [i.line() for i in items], rows, False
        row = _row(line, columns)
        if _ends_table(line, row):
            return [i.line() for i in items], rows, True
        text = " ".join(row.get(k, "") for k in (DESCRIPTION, OTHER) if k in row).strip()
        counted = parse_quantity(row.get(QUANTITY, "")) is not None
        if _money(row.get(AMOUNT), decimals=not counted) is not None:
            items.append(_Item([*pending, row.get(DESCRIPTION, "")], row))
            pending = []
            rows.append(line.index)
        elif row.keys() <= {DESCRIPTION, OTHER} and row.get(DESCRIPTION) and len(row.get(OTHER, "")) <= 12:
            (items[-1].description if items else pending).append(row[DESCRIPTION])
            rows.append(line.index)
        elif not text and not items:
            break
        previous = line
    return [i.line() for i in items], rows, False


def header_lines(lines: Sequence[TextLine]) -> set[int]:
    """Return the indexes of the lines that make up item-table headers ("Netto" there heads a column)."""
    found: set[int] = set()
    for index, line in enumerate(lines):
        if _is_header_line(line):
            columns, last = _columns(lines, index)
            if any(c.kind == AMOUNT for c in columns):
                found.update(range(index, last + 1))
    return found


def line_items(lines: Sequence[TextLine]) -> tuple[Line, ...]:
    """Return the items of the document's item table, continued over pages, or none."""
    return item_table(lines)[0]


def item_table(lines: Sequence[TextLine]) -> tuple[tuple[Line, ...], frozenset[int]]:
    """Return the items of the document's item table, continued over pages, and the indexes of
    the lines they were read from (a word such as "net" there describes an item)."""
    found: list[Line] = []
    rows: set[int] = set()
    index = 0
    while index < len(lines):
        if not _is_header_line(lines[index]):
            index += 1
            continue
        columns, last = _columns(lines, index)
        if not any(c.kind == AMOUNT for c in columns):
            index += 1
            continue
        items, read, closed = _table_rows(lines, columns, last)
        found += [i for i in items if i.description or i.quantity is not None]
        rows.update(read)
        if closed and found:
            break
        index = last + 1
    return tuple(found), frozenset(rows)
