"""Labels found on the page and the text printed where their values usually sit.

A value sits in the same cell after its label ("Invoice no: 42"), in a cell to its right on the
same line, or in a cell below it (a column header over its value). Each place gets a factor that
ranks it; field modules turn the text there into typed candidates.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from intake.fields.dates import find_dates
from intake.fields.labels import INVOICE_NUMBER, LABELS, VOM, Label
from intake.fields.layout import Cell, TextLine, cells_after, cells_below
from intake.words import Word

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LabelHit:
    label: Label
    cell: Cell
    start: int  # character offsets of the label inside the cell's text
    end: int

    @property
    def field(self) -> str:
        return self.label.field


@dataclass(frozen=True, slots=True)
class Place:
    """Text where a label's value may be printed, ranked by `factor` (1.0 is the likeliest)."""

    text: str
    factor: float
    cell: Cell
    kind: str  # "inline" | "right" | "wrapped" | "below"


@dataclass(frozen=True, slots=True)
class _LabelIndex:
    """The labels compiled, each with the plain letters its matches start with, and the
    positions of the labels by the first two of those letters: a cell is searched only for the
    labels whose start it holds."""

    labels: tuple[tuple[Label, str, re.Pattern[str]], ...]
    by_start: dict[str, tuple[int, ...]]
    unindexed: tuple[int, ...]  # labels whose matches may start otherwise
    #: The unindexed labels as one alternation: a cell it finds nothing in holds none of them
    #: (each position is tried with every alternative), so they need not be searched one by one.
    #: None when one of them has a group: a back-reference would count groups differently there.
    any_unindexed: re.Pattern[str] | None


@lru_cache(maxsize=1)
def _label_index() -> _LabelIndex:
    labels = tuple((label, _literal_start(label.pattern), re.compile(label.pattern)) for label in LABELS)
    by_start: dict[str, list[int]] = {}
    unindexed = []
    for i, (_, literal, _) in enumerate(labels):
        if len(literal) >= 2:
            by_start.setdefault(literal[:2], []).append(i)
        else:
            unindexed.append(i)
    any_unindexed = None
    if not any(labels[i][2].groups for i in unindexed):
        any_unindexed = re.compile("|".join(f"(?:{labels[i][2].pattern})" for i in unindexed))
    return _LabelIndex(labels, {k: tuple(v) for k, v in by_start.items()}, tuple(unindexed), any_unindexed)


_PLAIN_START = re.compile(r"(?:\\b)?([a-z0-9' ]*)")


def _literal_start(pattern: str) -> str:
    """Return the plain letters every match of `pattern` starts with ("" when it may start
    otherwise): a cell without them needs no search for that label."""
    if _top_level_alternation(pattern):
        return ""
    m = _PLAIN_START.match(pattern)
    literal = m.group(1) if m else ""
    if pattern[m.end() if m else 0 :][:1] in ("?", "*", "+", "{"):
        literal = literal[:-1]  # the quantifier is the last letter's
    return literal


def _top_level_alternation(pattern: str) -> bool:
    depth, escaped = 0, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


# Compiled on import rather than at the first document: reading processes are forked from one
# that imported the readers (`invoicebot extract`, the service's fork server), so each starts
# with the 360-odd patterns compiled instead of compiling them again (~30 ms of CPU each).
_label_index()


def _cell_hits(cell: Cell) -> list[LabelHit]:
    folded = cell.folded
    index = _label_index()
    pairs = {folded[i : i + 2] for i in range(len(folded) - 1)} & index.by_start.keys()
    screen = index.any_unindexed
    unindexed = index.unindexed if screen is None or screen.search(folded) else ()
    # In the labels' order: where two overlapping labels are as long, the first listed wins.
    tried = sorted(itertools.chain(unindexed, *(index.by_start[pair] for pair in pairs)))
    found = [
        LabelHit(label, cell, m.start(), m.end())
        for label, literal, pattern in (index.labels[i] for i in tried)
        if literal in folded
        for m in pattern.finditer(folded)
        if m.end() > m.start() and _starts_word(folded, m.start())
    ]
    found.sort(key=lambda h: (-(h.end - h.start), h.start))
    kept: list[LabelHit] = []
    for hit in found:
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def _starts_word(text: str, start: int) -> bool:
    return start == 0 or not text[start - 1].isalnum()


def find_label_hits(lines: Sequence[TextLine]) -> list[LabelHit]:
    """Return every label printed in `lines`, longest match first where labels overlap."""
    found: list[LabelHit] = []
    above: list[LabelHit] = []
    for index, line in enumerate(lines):
        wrapped = index > 0 and _ends_with_number(lines[index - 1], above, line)
        above = _dating_only_numbers([_cell_hits(cell) for cell in line.cells], wrapped=wrapped)
        found += above
    return found


def _ends_with_number(above: TextLine, hits: Sequence[LabelHit], line: TextLine) -> bool:
    """Return whether the line `above` ends with an invoice number after its label, right over
    `line` on its page: a title wrapped before its date ("Gutschrift Nr. 47110818" over "vom
    31.10.2018")."""
    if above.page != line.page or line.top - above.bottom > line.cells[0].height:
        return False
    last = above.cells[-1]
    return any(h.field == INVOICE_NUMBER and h.cell is last and len(last.folded[h.end :].split()) == 1 for h in hits)


#: How many cells before the cell of a "vom" an invoice number's label may stand: OCR cuts
#: "Nr. RK2101 vom 16.09.2019" into "Nr. | RK2101 | vom | 16.09.2019" where the gaps are wide.
_VOM_REACH = 2


def _dating_only_numbers(cells: list[list[LabelHit]], *, wrapped: bool = False) -> list[LabelHit]:
    """Return a line's hits, given per cell, without "vom"/"du" unless an invoice number's label
    precedes it (in its cell, or up to `_VOM_REACH` cells before; or, where the line above is
    `wrapped` after the number, it opens the line) and no long sentence follows: elsewhere the
    word is part of an address or a sentence ("42 rue du stade")."""
    kept = []
    for at, hits in enumerate(cells):
        near = [h for before in cells[max(0, at - _VOM_REACH) : at] for h in before]
        for hit in hits:
            numbered = any(h.field == INVOICE_NUMBER and (h.cell is not hit.cell or h.start < hit.start)
                           for h in (*near, *hits))  # fmt: skip
            numbered = numbered or (wrapped and at == 0 and hit.start == 0)
            if hit.label.pattern != VOM or (numbered and not before_long_sentence(hit)):
                kept.append(hit)
    return kept


#: A label followed by this many words on its cell stands in a sentence ("La loi n°92/1442 du 31
#: décembre 1992 nous fait l'obligation de vous indiquer que ...").
_SENTENCE_AFTER = 12


def before_long_sentence(hit: LabelHit) -> bool:
    """Return whether the label's cell goes on in a long sentence after it."""
    return len(hit.cell.folded[hit.end :].split()) >= _SENTENCE_AFTER


def _rest_of_cell(hit: LabelHit, hits_in_cell: Sequence[LabelHit]) -> str:
    """Return the cell text after the label, up to the next label in the same cell."""
    following = [h.start for h in hits_in_cell if h.start >= hit.end and h.field != hit.field]
    end = min(following, default=len(hit.cell.text))
    after = hit.cell.text[hit.end : end].lstrip(" :.;#|")
    # A minus sign is the value's, not a dash after the label ("Total gross -5695.77").
    if after[:1] in ("-", "–") and after[1:2].isdigit():
        return "-" + after[1:].rstrip(" :.;#-–|")
    return after.strip(" :.;#-–|")


def value_places(
    lines: Sequence[TextLine], hit: LabelHit, all_hits: Sequence[LabelHit]
) -> list[Place]:
    """Return the places where the value of `hit` may be printed, likeliest first."""
    in_cell = [h for h in all_hits if h.cell is hit.cell]
    places = []
    rest = _rest_of_cell(hit, in_cell)
    labelled_later = any(h.start >= hit.end for h in in_cell if h is not hit)
    if rest or hit.label.in_sentence:  # a sentence's value may be in the next cells (`with_next_cells`)
        places.append(Place(rest, 1.0, hit.cell, "inline"))
    if hit.label.in_sentence:
        return places
    if not labelled_later:
        line = lines[hit.cell.line]
        right = [c for c in line.cells if c.x0 > hit.cell.x1]
        for i, cell in enumerate(right[:3]):
            if any(h.cell is cell and h.field != hit.field for h in all_hits) and i > 0:
                break
            places.append(Place(cell.text, 0.9 - 0.1 * i, cell, "right"))
        if not rest and not right:
            places.extend(_wrapped(lines, hit))
    for cell in cells_below(lines, hit.cell):
        if len(in_cell) > 1 and _nearest_hit(cell, in_cell) is not hit:
            continue  # under another label run together into the same cell ("Date of supply Payment due")
        text = _under_label(cell, hit.cell, lines[hit.cell.line].cells)
        if text:
            places.append(Place(text, 0.75 - 0.1 * (cell.line - hit.cell.line - 1), cell, "below"))
    if not any(p.kind == "below" and p.cell.line == hit.cell.line + 1 for p in places):
        first_below = next((i for i, p in enumerate(places) if p.kind == "below"), len(places))
        places[first_below:first_below] = _in_label_column(lines, hit.cell)
    return places


def _wrapped(lines: Sequence[TextLine], hit: LabelHit) -> list[Place]:
    """Return the start of the next line where the label ends a phrase that wraps there: words
    before it in its cell, nothing after it on its line, and the next line starting at the cell's
    left edge, left of the label ("Rechnung Nr. 1 vom" over "06.12.2018 ...")."""
    cell = hit.cell
    if not cell.text[: hit.start].strip() or cell.line + 1 >= len(lines):
        return []
    below = lines[cell.line + 1]
    first = below.cells[0]
    if below.page != cell.page or below.top - lines[cell.line].bottom > cell.height:
        return []
    if abs(first.x0 - cell.x0) > cell.height or first.x1 >= _span(hit)[0]:
        return []
    return [Place(first.text, 0.8, first, "wrapped")]


def _in_label_column(lines: Sequence[TextLine], label: Cell) -> list[Place]:
    """Return the value right under a row of labels that starts in the label's column but right
    of the label's words: a column's number printed flush right, its label flush left ("Tax
    amount: | Total:" over "109.69 | 632.00"). The column runs to where the next label starts."""
    line = lines[label.line]
    if label.line + 1 >= len(lines) or len(line.cells) < 3 or any(ch.isdigit() for ch in line.text):
        return []
    below = lines[label.line + 1]
    if below.page != line.page or below.top - line.bottom > label.height:
        return []
    end = min((c.x0 for c in line.cells if c.x0 > label.x0), default=float("inf"))
    return [Place(c.text, 0.7, c, "below") for c in below.cells if label.x1 <= c.x0 < end]


def with_next_cells(lines: Sequence[TextLine], place: Place, count: int = 2) -> str:
    """Return the place's text with up to `count` cells after it on its line: OCR splits a value
    or a sentence at wide spaces ("6 August | 2024", "6 | août | 2024", "bis zum | 18.11.2025.")."""
    return " ".join([place.text, *(c.text for c in cells_after(lines, place.cell, count))])


def _nearest_hit(cell: Cell, hits: Sequence[LabelHit]) -> LabelHit:
    """Return the label, of several in one cell, whose own words stand nearest above `cell`."""

    def apart(hit: LabelHit) -> float:
        x0, x1 = _span(hit)
        return max(x0 - cell.x1, cell.x0 - x1, 0) - max(min(x1, cell.x1) - max(x0, cell.x0), 0)

    return min(hits, key=apart)


def _span(hit: LabelHit) -> tuple[float, float]:
    """Return the left and right ends of the words the label's characters fall in."""
    words = [w for w, start in zip(hit.cell.words, _word_starts(hit.cell)) if start < hit.end and hit.start < start + len(w.text)]
    return (words[0].x0, words[-1].x1) if words else (hit.cell.x0, hit.cell.x1)


def _word_starts(cell: Cell) -> list[int]:
    """Return where each word of the cell starts in its text (words joined by one space)."""
    starts, offset = [], 0
    for word in cell.words:
        starts.append(offset)
        offset += len(word.text) + 1
    return starts


def _under_label(cell: Cell, label: Cell, header: Sequence[Cell]) -> str:
    """Return the words of `cell` in the label's column: a row of values under a row of labels
    may run together into one cell ("2024-17 05.03.2024 04.04.2024" under "No. | Date | Due"),
    each word then belongs to the label nearest above it."""
    others = [c for c in header if c is not label and min(c.x1, cell.x1) - max(c.x0, cell.x0) > 0]
    if not others:
        return cell.text

    def nearest(x0: float, x1: float) -> Cell:
        # Apart: the closest label; under several: the one it overlaps most.
        return min([label, *others], key=lambda c: max(c.x0 - x1, x0 - c.x1, 0)
                   - max(min(c.x1, x1) - max(c.x0, x0), 0) + 0.01 * abs(c.x0 - x0))

    return " ".join(w.text for unit in _value_units(cell) if nearest(unit[0].x0, unit[-1].x1) is label
                    for w in unit)


def _value_units(cell: Cell) -> list[tuple[Word, ...]]:
    """Return the cell's words in runs that are one value: the words of a date printed with
    spaces ("March 26, 2024") together, every other word alone."""
    starts = _word_starts(cell)
    units: list[tuple[Word, ...]] = []
    is_date: list[bool] = []
    dates = find_dates(cell.text)
    for word, start in zip(cell.words, starts):
        date = next((d for d in dates if d.start <= start < d.end), None)
        if units and date is not None and date.start < start:
            units[-1] = (*units[-1], word)
        else:
            units.append((word,))
            is_date.append(date is not None)
    # A period ("1 octobre 2024 – 31 octobre 2024") is one value, under one label.
    i = 0
    while i + 2 < len(units):
        if is_date[i] and is_date[i + 2] and len(units[i + 1]) == 1 and units[i + 1][0].text.casefold() in _RANGE:
            units[i : i + 3] = [units[i] + units[i + 1] + units[i + 2]]
            is_date[i : i + 3] = [True]
        i += 1
    return units


#: Words between the two dates of a period.
_RANGE = frozenset({"-", "–", "—", "to", "bis", "au", "til", "tot", "until"})


def hits_for(hits: Sequence[LabelHit], *fields: str) -> list[LabelHit]:
    """Return the hits whose label names one of `fields`."""
    return [h for h in hits if h.field in fields]


def lines_near_label(hits: Sequence[LabelHit], field: str) -> set[int]:
    """Return the indexes of the lines with a label of `field` on them or just above them."""
    return {h.cell.line + below for h in hits if h.field == field for below in (0, 1)}


@dataclass(frozen=True, slots=True)
class Candidate(Generic[T]):
    """A possible value of a field with how much the rules that found it trust it (0..1+)."""

    value: T
    score: float
    line: int


def best(candidates: Sequence[Candidate[T]]) -> Candidate[T] | None:
    """Return the candidate with the highest score, equal values adding a little weight."""
    if not candidates:
        return None
    support: dict[T, float] = {}
    for c in candidates:
        support[c.value] = support.get(c.value, 0.0) + 0.05
    return max(candidates, key=lambda c: c.score + min(support[c.value], 0.2))
