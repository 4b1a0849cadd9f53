"""Lines and cells from words with positions: the geometry that field rules read.

A `TextLine` is the words sharing a baseline band; a `Cell` is a run of words on a line with no
wide gap inside (a label, a value, a table cell). Works the same on PDF text and OCR words.
"""

from __future__ import annotations

import bisect
import itertools
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from intake.fields.amounts import find_currencies
from intake.fields.dates import fold_chars
from intake.words import Page, Word

#: A gap wider than this many word heights separates two cells on a line.
CELL_GAP = 0.9
#: The same for OCR words, whose boxes hug the ink: shorter than the font's size and further
#: apart than the font's spacing (blur and thresholding eat the letters' edges).
OCR_CELL_GAP = 1.3


#: A zero OCR read for the letter o inside a word ("Cust0mer no.:") or at its start ("0rder"),
#: and a five read for an s inside a word ("AS5OCIEE").
_OCR_LOOK_ALIKE = re.compile(r"(?<=[a-z])[05](?=[a-z])|(?<![\w])0(?=[a-z]{2})")
_LETTER_OF = {"0": "o", "5": "s"}


@dataclass(frozen=True, slots=True)
class Cell:
    words: tuple[Word, ...]
    page: int
    line: int  # index of its line in the document's line list
    # Derived from the words once, as rules read a cell's text many times.
    text: str = field(init=False, repr=False, compare=False)
    #: The text lower-cased without accents, same length as `text`, where labels are matched; in
    #: an OCR'd cell a zero or a five read for the letter o or s inside a word is that letter
    #: (`_OCR_LOOK_ALIKE`).
    folded: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = " ".join(w.text for w in self.words)
        folded = fold_chars(text)
        if ("0" in folded or "5" in folded) and any(w.confidence < 1.0 for w in self.words):
            folded = _OCR_LOOK_ALIKE.sub(lambda m: _LETTER_OF[m.group()], folded)  # labels are matched here
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "folded", folded)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return statistics.median(w.height for w in self.words)


@dataclass(frozen=True, slots=True)
class TextLine:
    cells: tuple[Cell, ...]
    page: int
    index: int
    #: Where the page sits, 0 at its top and 1 at its bottom, for header/footer rules.
    relative_top: float
    text: str = field(init=False, repr=False, compare=False)
    #: The cells' folded texts joined as `text` joins theirs: same length, same positions.
    folded: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", " ".join(c.text for c in self.cells))
        object.__setattr__(self, "folded", " ".join(c.folded for c in self.cells))

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for c in self.cells for w in c.words)

    @property
    def top(self) -> float:
        return min(c.top for c in self.cells)

    @property
    def bottom(self) -> float:
        return max(c.bottom for c in self.cells)


#: Words whose heights differ by more than this factor are of different type sizes: a text
#: layer's boxes are the font's, OCR's hug the ink ("on" is shorter than "Kg" in the same type).
_OTHER_SIZE = 1.15
_OCR_OTHER_SIZE = 1.5


def _group_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Return words grouped into rows by vertical overlap, top to bottom, each left to right.

    A word joins the row of the words of its size where the row has some: a large word (a logo, a
    title) spans two lines of small type beside it, which stay two rows."""
    rows: list[list[Word]] = []
    # The last row's middles and heights, each in ascending order (words come by their middle),
    # for all its words and for each of its type sizes (keyed by the size's first height).
    middles: list[float] = []
    heights: list[float] = []
    sizes: dict[float, tuple[list[float], list[float]]] = {}
    ordered = sorted(words, key=lambda w: (w.middle, w.x0))
    for i, word in enumerate(ordered):
        middle, height = word.middle, word.height
        other = _OTHER_SIZE if word.confidence == 1.0 else _OCR_OTHER_SIZE
        size = next((s for s in sizes if s <= other * height and height <= other * s), None)
        # Sizes mixed in the row: a word is compared with the words of its own size.
        own = sizes[size] if size is not None and rows and heights[-1] > other * heights[0] else None
        row_middles, row_heights = own or (middles, heights)
        joins = bool(rows) and _fits(word, row_middles, row_heights)
        if joins and word.confidence < 1.0:
            following = itertools.islice(ordered, i + 1, None)
            joins = not _starts_next_row(word, following, lambda w: _fits(w, row_middles, row_heights))
        if joins:
            rows[-1].append(word)
            middles.append(middle)
            bisect.insort(heights, height)
            if size is None:
                size = height
                sizes[size] = ([], [])
            sizes[size][0].append(middle)
            bisect.insort(sizes[size][1], height)
            continue
        rows.append([word])
        middles, heights = [middle], [height]
        sizes = {height: ([middle], [height])}
    return [sorted(row, key=lambda w: w.x0) for row in _settle_tall_words(rows)]


def _fits(word: Word, middles: list[float], heights: list[float]) -> bool:
    """Return whether `word` belongs to the row of these middles and heights (both ascending)."""
    return abs(word.middle - _median(middles)) < 0.5 * max(_median(heights), word.height, 1.0)


#: Two OCR words whose middles are this share of their height apart or nearer stand on one baseline.
_SAME_BASELINE = 0.25
#: ... and are one phrase where the gap between them is narrower than this many heights.
_PHRASE_GAP = 2.0


def _starts_next_row(word: Word, following: Iterable[Word], fits: Callable[[Word], bool]) -> bool:
    """Return whether an OCR'd `word` that fits the row being built goes with the words after it
    in the order of middles: one on its baseline, right beside it, does not fit the row. It is a
    phrase of a column whose lines fall between those of the column beside it ("Ma | jolie
    boutique" under "Ma jolie boutique" of the next column, a few pixels higher)."""
    for after in following:
        height = max(word.height, after.height, 1.0)
        if after.middle - word.middle > _SAME_BASELINE * height:
            return False
        if 0 <= after.x0 - word.x1 < _PHRASE_GAP * height:
            return not fits(after)
    return False


#: An OCR box this many times taller than its row's words took in ink of a line beside it.
_TALL_BOX = 1.8


def _settle_tall_words(rows: list[list[Word]]) -> list[list[Word]]:
    """Return the rows with each OCR word whose box is far taller than its row's words, and
    whose middle lies off theirs, moved to the row next to it where its middle fits: tesseract's
    box of a small word may take in ink of the line below ("130 Mill Lane" read into the name
    above it), a logo's spans both rows and stays."""
    if not any(w.confidence < 1.0 for row in rows for w in row):
        return rows  # a text layer's boxes are the font's
    bands = [_band(row) for row in rows]
    for i, row in enumerate(rows):
        middle, height = bands[i]
        for word in [w for w in row if w.confidence < 1.0 and w.height > _TALL_BOX * height]:
            if abs(word.middle - middle) <= 0.5 * height:
                continue
            near = [j for j in (i - 1, i + 1) if 0 <= j < len(rows)
                    and abs(word.middle - bands[j][0]) < min(0.5 * bands[j][1], abs(word.middle - middle))]  # fmt: skip
            if near:
                row.remove(word)
                rows[near[0]].append(word)
    return [row for row in rows if row]


def _band(row: Sequence[Word]) -> tuple[float, float]:
    """Return the median middle and height of a row's words."""
    return statistics.median(w.middle for w in row), statistics.median(w.height for w in row)


def _median(ascending: list[float]) -> float:
    """Return the median of sorted values, as `statistics.median` computes it."""
    n = len(ascending)
    return ascending[n // 2] if n % 2 else (ascending[n // 2 - 1] + ascending[n // 2]) / 2


def _amount_like(text: str) -> bool:
    """Return whether a word is (part of) an amount: it has a digit or is a currency mark."""
    return any(ch.isdigit() for ch in text) or bool(find_currencies(text))


def _letter_height(prev: Word, word: Word) -> float:
    """Return the height that scales the gap between two words. A text layer's boxes are the
    font's, the smaller of the two is the text's size; OCR's boxes hug the ink, so a word without
    capitals or ascenders ("name", "on") is shorter than its letters' size, and the taller says it."""
    if prev.confidence < 1.0 or word.confidence < 1.0:
        return max(prev.height, word.height)
    return min(prev.height, word.height)


def _split_cells(row: list[Word], page: int, line: int) -> tuple[Cell, ...]:
    cells: list[list[Word]] = [[row[0]]]
    for prev, word in zip(row, row[1:]):
        ocr = prev.confidence < 1.0 or word.confidence < 1.0
        # Between two words of letters (a name, a label) OCR's wider gaps are still one phrase, and
        # so is a word after a comma ("August 30, | 2025", "Lindenweg 26, | Hamburg"); a number
        # keeps the narrow gap, as a receipt's columns of amounts stand close.
        phrase = ocr and (prev.text.endswith(",") or not any(_amount_like(w.text) for w in (prev, word)))
        height = max(_letter_height(prev, word), 1.0)
        if word.x0 - prev.x1 > (OCR_CELL_GAP if phrase else CELL_GAP) * height:
            cells.append([word])
        else:
            cells[-1].append(word)
    return tuple(Cell(tuple(c), page, line) for c in cells)


def document_lines(pages: Sequence[Page]) -> list[TextLine]:
    """Return every line of every page in reading order, with its cells."""
    lines: list[TextLine] = []
    for page in pages:
        words = [w for w in page.words if w.text.strip()]
        for row in _group_rows(words):
            index = len(lines)
            cells = _split_cells(row, page.number, index)
            relative = min(w.top for w in row) / page.height if page.height else 0.0
            lines.append(TextLine(cells, page.number, index, relative))
    return lines


def cell_spans(line: TextLine) -> list[tuple[int, int, Cell]]:
    """Return each cell of `line` with the offsets its text starts and ends at in the line's text
    (`TextLine.text` joins the cells' texts with one space)."""
    spans, start = [], 0
    for cell in line.cells:
        spans.append((start, start + len(cell.text), cell))
        start += len(cell.text) + 1
    return spans


def cells_after(lines: Sequence[TextLine], cell: Cell, count: int = 1) -> tuple[Cell, ...]:
    """Return up to `count` cells that follow `cell` on its line."""
    cells = lines[cell.line].cells
    position = next((i for i, c in enumerate(cells) if c is cell), len(cells))
    return cells[position + 1 : position + 1 + count]


def cell_after(lines: Sequence[TextLine], cell: Cell) -> Cell | None:
    """Return the next cell on `cell`'s line, or None when it is the last."""
    return next(iter(cells_after(lines, cell)), None)


def cells_below(lines: Sequence[TextLine], cell: Cell, depth: int = 3) -> list[Cell]:
    """Return cells on the next `depth` lines of the same page that overlap `cell` horizontally."""
    found = []
    last = cell.bottom
    for line in lines[cell.line + 1 : cell.line + 1 + depth]:
        if line.page != cell.page or line.top - last > 4 * cell.height:
            break
        last = line.bottom
        for other in line.cells:
            overlap = min(other.x1, cell.x1) - max(other.x0, cell.x0)
            if overlap > 0 or abs(other.x0 - cell.x0) < cell.height:
                found.append(other)
    return found


#: Lines of one block start within this share of a line's height of each other.
_ALIGNED = 0.6


def left_aligned(cells: Iterable[Cell], cell: Cell) -> list[Cell]:
    """Return the cells that start where `cell` does: a block's lines, one under another."""
    return [c for c in cells if abs(c.x0 - cell.x0) < _ALIGNED * cell.height]


def centred_on(cells: Iterable[Cell], cell: Cell) -> list[Cell]:
    """Return the cells whose middle is where `cell`'s is: a centred block's lines (a footer's)."""
    middle = (cell.x0 + cell.x1) / 2
    return [c for c in cells if abs((c.x0 + c.x1) / 2 - middle) < cell.height]
