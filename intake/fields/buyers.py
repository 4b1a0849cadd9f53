"""The buyer: the block after "Bill to", "Rechnungsempfänger", "Facturé à", or the address window."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from intake.fields.candidates import Candidate, LabelHit, best, hits_for
from intake.fields.dates import fold_chars
from intake.fields.ids import compact
from intake.fields.labels import BUYER, BUYER_VAT_ID
from intake.fields.layout import Cell, TextLine, cell_after, left_aligned
from intake.fields.parties import (
    ADDRESS,
    CONTACT,
    CONTACT_PERSON,
    SALUTATION,
    has_legal_form,
    name_lines_after,
    name_value,
    with_wrapped_form,
)
from intake.fields.stores import is_ocr
from intake.fields.totals import is_item_header

#: How many lines from a buyer label on `buyer_block` counts as the buyer's.
BLOCK_LINES = 6


def buyer_block(lines: Sequence[TextLine], hits: Sequence[LabelHit], marked: Sequence[Sequence[Cell]]) -> set[int]:
    """Return the indexes of lines that hold the buyer's address block: after a buyer label, or
    an unlabelled block `marked_blocks` found."""
    block: set[int] = set()
    for hit in hits_for(hits, BUYER):
        end = max(hit.cell.line + BLOCK_LINES, _form_end(lines, hit.cell))
        for line in lines[hit.cell.line : end]:
            if line.page == hit.cell.page:
                block.add(line.index)
    for cells in marked:
        block.update(c.line for c in cells)
    return block


def _form_end(lines: Sequence[TextLine], heading: Cell) -> int:
    """Return the index after the last row of the form a party's heading alone on its line opens
    ("Käufer | Name: | Firma GmbH | ... | USt.-IdNr.: | DE..."): rows of a label ending in a colon
    and its value, and the value's wrapped lines in the values' column. 0 for no such form."""
    if len(lines[heading.line].cells) != 1:
        return 0
    end, values = 0, None
    for line in lines[heading.line + 1 :]:
        first = line.cells[0]
        if line.page != heading.page or first.x0 < heading.x0 - 1:
            break
        if len(line.cells) >= 2 and first.text.rstrip().endswith(":"):
            values = line.cells[1].x0
        elif values is None or abs(first.x0 - values) > 2:
            break
        end = line.index + 1
    return end


def left_of_buyer_labels(line: TextLine, value: str, hits: Sequence[LabelHit]) -> bool:
    """Return whether the cell printing `value` stands left of every buyer label whose block takes
    in `line`: a header of two columns prints the seller's details beside the buyer's address, on
    the same lines ("N° TVA : FR 11 ..." under the seller's name, "Adresse du Client" to the right)."""
    cells = [c for c in line.cells if compact(value) in compact(c.text)]
    over = [h.cell for h in hits if h.field == BUYER and h.cell.page == line.page
            and h.cell.line <= line.index < h.cell.line + BLOCK_LINES]  # fmt: skip
    return bool(cells and over) and all(cell.x1 < label.x0 for cell in cells for label in over)


def marked_blocks(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> list[list[Cell]]:
    """Return the address blocks (their cells, top first) that hold an addressee's marks: an
    'Attention:' line or the buyer's VAT ID ("Customer VAT ID: ..."), found without a label."""
    marks = [h.cell for h in hits_for(hits, BUYER_VAT_ID) if h.start == 0]
    marks += [c for line in lines if line.relative_top < 0.5 for c in line.cells[:1] if CONTACT_PERSON.match(c.text)]
    blocks = []
    for mark in marks:
        cells = [mark]
        while (above := _aligned_above(lines, cells[0])) is not None and not _SENDER_MARKS.search(above.text):
            cells.insert(0, above)  # up to the block's top, or to the sender's return address over it
        block = [*cells, *_aligned_below(lines, mark)]
        if len(cells) >= 2 and any(ADDRESS.search(_with_address_rest(lines, c)) for c in block):
            blocks.append(cells)
    return blocks


def _aligned_above(lines: Sequence[TextLine], cell: Cell) -> Cell | None:
    """Return the cell directly over `cell` in the same type (not a heading, nor a return
    address's small print), left-aligned with it, with no gap between the lines. A line's height is
    its ink's, which a descender ("Digital Oy") makes up to a quarter taller in the same type."""
    over = _aligned_in(lines[cell.line - 1], cell, cell) if cell.line > 0 else None
    if over is None or max(over.height, cell.height) > _SAME_TYPE * min(over.height, cell.height):
        return None
    return over


#: How much taller one line's ink may be than another's in the same type.
_SAME_TYPE = 1.3


def _aligned_in(line: TextLine, cell: Cell, next_to: Cell) -> Cell | None:
    """Return the cell of `line` left-aligned with `cell`, on its page and with no gap between it
    and `next_to` (the cell above or below it), or None."""
    aligned = left_aligned(line.cells, cell)
    if line.page != cell.page or not aligned:
        return None
    upper, lower = (aligned[0], next_to) if line.index < next_to.line else (next_to, aligned[0])
    return aligned[0] if lower.top - upper.bottom <= 1.2 * cell.height else None


def buyer_name(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], seller: str | None, marked: Sequence[Sequence[Cell]]
) -> Candidate[str] | None:
    """Return the buyer's name: the block after a buyer label, a block `marked_blocks` found, else
    the address window."""
    found = with_wrapped_form(lines, _name(lines, hits, seller, marked))
    if found is None:
        return None
    company = _company_of_contact(found.value)
    return found if company is None else Candidate(company, found.score, found.line)


#: A company's name followed by the person to attend to, as some ERPs print the addressee
#: ("YourCompany, Mitchell Admin"): two or three capitalised words, no digits.
_CONTACT_AFTER = re.compile(r"^(?P<company>[^,]*\w[^,]*),\s+(?P<person>(?:[A-ZÀ-Þ][\w'’.-]+\s?){2,3})$")


def _company_of_contact(name: str) -> str | None:
    """Return the company of "Company, First Last", or None where the name is no such pair (a
    legal form after the comma, "Amazon Web Services, Inc.", belongs to the name)."""
    m = _CONTACT_AFTER.match(name.strip())
    if m is None or has_legal_form(m.group("person")):
        return None
    return m.group("company").strip()


def _name(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], seller: str | None, marked: Sequence[Sequence[Cell]]
) -> Candidate[str] | None:
    found = [c for hit in hits_for(hits, BUYER) for c in name_lines_after(lines, hit, hits)]
    if found:
        return best(found)
    for cells in marked:
        # The company over the person to attend to; else the block's first name (a wrapped return
        # address may leave its town on top).
        mark = cells[-1]
        named = cells[-2:-1] if CONTACT_PERSON.match(mark.text) else cells
        top = next((c for c in named if not ADDRESS.search(c.text) and name_value(c.text)
                    and not _wrapped_town(lines, lines[c.line])), None)  # fmt: skip
        name = name_value(top.text) if top is not None else None
        if top is not None and name and not (seller and _similar(name, seller)):
            return Candidate(name, 0.6, top.line)
    return _under_sender_line(lines, seller) or _address_window(lines, hits, seller)


#: How like the seller's name the start of an OCR line must be to be its return address.
_MISREAD_NAME = 0.85
# The sender's one-line address over a window envelope's recipient: "Firma ● Straße 1 ● 12345 Ort".
_SENDER_MARKS = re.compile(r"[●•·|]|\s[-–]\s")
#: A cell OCR made of a bullet alone, read as another sign or a round letter ("+", "©", "e").
_BULLET_CELL = re.compile(r"^(?:[^\w\s.,:;()\[\]/\\'\"-]|[eo])$")


def _marks(line: TextLine) -> list[Cell]:
    """Return the cells of `line` that hold a mark setting a return address's parts apart."""
    return [c for c in line.cells if _SENDER_MARKS.search(c.text) or _BULLET_CELL.match(c.text.strip())]


def _mark_count(line: TextLine) -> int:
    """Return how many marks set the parts of `line` apart: in its cells and as cells of their own."""
    return len(_SENDER_MARKS.findall(line.text)) + sum(not _SENDER_MARKS.search(c.text) for c in _marks(line))


def _is_sender_line(lines: Sequence[TextLine], line: TextLine, seller: str | None) -> bool:
    """Return whether `line` is the sender's return address: parts set apart by bullets or dashes
    with a postcode ("Firma ● Straße 1 ● 12345 Ort"), or the seller's name followed by its address
    in parts set apart by commas too ("Firma GmbH, Straße 1, 12345 Ort"), or by one mark only when
    set in a smaller type than what follows (the rest of it wrapped onto the next line)."""
    marks = _mark_count(line)
    if marks >= 2 and re.search(r"\d{4,5}\s+\w", line.text):
        return True
    rest = _after_name(line.text, seller) if seller is not None else None
    if rest is None and seller is not None and is_ocr(line):
        rest = _after_misread_name(line.text, seller)
    if rest is None:
        return False
    # OCR reads the small comma after the name as a period ("Firma SA. Straße 1, 12345 Ort").
    parts = marks + rest.count(", ") + rest.startswith(". ")
    small = parts == 1 and any(_larger_below(lines, below, line.cells[0].height)
                               for below in lines[line.index : line.index + 2])  # fmt: skip
    # OCR may lose the marks between the parts, small dots most of all ("Firma GmbH. Weg 31 3589 Ort").
    unmarked = is_ocr(line) and _STREET_AND_TOWN.search(rest) is not None
    return (parts >= 2 or small or unmarked) and re.search(r"\d", rest) is not None


def _after_name(text: str, name: str) -> str | None:
    """Return what follows `name` at the start of `text`, comparing letters and digits only (OCR
    reads "S.r.l." as "S.rl."), or None when `text` does not start with it."""
    wanted = [ch for ch in fold_chars(name) if ch.isalnum()]
    matched = 0
    for position, char in enumerate(fold_chars(text)):
        if matched == len(wanted):
            rest = text[position:]
            tail = name[len(name.rstrip(".)")) :]  # the name's own closing marks ("S.A.")
            return rest[len(tail) :] if rest.startswith(tail) else rest
        if char.isalnum():
            if char != wanted[matched]:
                return None
            matched += 1
    return "" if matched == len(wanted) else None


def _after_misread_name(text: str, name: str) -> str | None:
    """Return what follows the first part of `text` (up to a comma or a period) when it is `name`
    with a letter or a legal form misread ("Muster Logistics US, ..." for "Muster Logistics I/S"),
    or None."""
    cut = re.search(r"[,.]\s", text)
    if cut is None:
        return None
    head = text[: cut.start()]
    similar = SequenceMatcher(None, fold_chars(head).casefold(), fold_chars(name).casefold()).ratio()
    return text[cut.start() :] if similar >= _MISREAD_NAME else None


def _under_sender_line(lines: Sequence[TextLine], seller: str | None) -> Candidate[str] | None:
    """Return the first name under the sender's return-address line (the address window)."""
    for line in lines:
        if line.page != 1 or line.relative_top > 0.4:
            continue
        if not _is_sender_line(lines, line, seller):
            continue
        marked = _marks(line)
        right = max(c.x1 for c in (marked or line.cells))
        left = line.cells[0].x0 - 0.5 * (right - line.cells[0].x0)
        small = line.cells[0].height
        for below in lines[line.index + 1 : line.index + 5]:
            if below.page != line.page or below.top - line.bottom > 2.5 * small:
                break
            if abs(below.cells[0].height - small) <= 0.1 * small and _larger_below(lines, below, small):
                continue  # the rest of a return address too long for its line, in its small type
            if _wrapped_town(lines, below, sender=line):
                continue  # the sender line's town, wrapped after its postcode
            window = [cell for cell in below.cells if left <= cell.x0 < right]
            if any(CONTACT.search(cell.text) for cell in window):
                continue  # the sender's phone, web or tax numbers: its letterhead goes on over the window
            for cell in window:
                name = name_value(cell.text)
                if name:
                    return Candidate(name, 0.6, below.index)
    return None


#: A return address's print is at least this many times smaller than the window's.
_RETURN_TYPE = 1.3
#: A postcode's digits: four or five, or the Polish "73-229".
_POSTCODE_DIGITS = r"\d{4,5}|\d{2}-\d{3}"
#: A postcode, with a country's letters before it where it has them ("L-3858", "CH-8001").
_POSTCODE = re.compile(rf"(?:[A-Z]{{1,2}}-?)?(?:{_POSTCODE_DIGITS})")
#: A return address cut after its postcode ("... - 49986", "..., 73-229"), whose town wrapped
#: onto the next line.
_POSTCODE_LAST = re.compile(rf"\b(?:{_POSTCODE_DIGITS})$")
_TOWN = re.compile(r"^[^\W\d]+(?:[\s-][^\W\d]+){0,2}$")
#: A street's house number followed by a postcode and its town: an address on one line.
_STREET_AND_TOWN = re.compile(rf"[^\W\d]{{3,}}\.?\s?\d{{1,4}}[a-z]?[.,]?\s+{_POSTCODE.pattern}\s+[^\W\d]{{2,}}")


def _wrapped_town(lines: Sequence[TextLine], line: TextLine, sender: TextLine | None = None) -> bool:
    """Return whether `line` is only the town of the line above, a return address that ends with
    its postcode ("... - 49986" over "München"): known as one by its marks, or as the `sender`
    line found otherwise (its parts set apart by commas). A name with a legal form is no town (the
    window's company under a US return address, "... CO 31333" over "Østergaard Media LLC")."""
    above = lines[line.index - 1] if line.index > 0 else None
    return (above is not None and above.page == line.page and _POSTCODE_LAST.search(above.text) is not None
            and _TOWN.match(line.text) is not None
            and not has_legal_form(line.text)
            and (above is sender or _mark_count(above) >= 2))


def _larger_below(lines: Sequence[TextLine], line: TextLine, small: float) -> bool:
    """Return whether the line after `line` is set in a larger type than `small`."""
    after = lines[line.index + 1] if line.index + 1 < len(lines) else None
    return after is not None and after.page == line.page and after.cells[0].height >= 1.2 * small


def _address_window(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], seller: str | None
) -> Candidate[str] | None:
    """Return the first line of the first address block (3+ aligned lines) in page one's top half."""
    # Labels in a column of their own beside the window ("Rechnungsnummer: 1" on the right) do not
    # make its lines labelled ones.
    labelled = {id(h.cell) for h in hits}
    sellers: set[int] = set()  # cells of the seller's own block (its letterhead), beside which a window may be
    for line in lines:
        if line.page == 1 and is_item_header(line):
            break  # the window is over the item table; its rows are no address block
        if line.page != 1 or not 0.05 < line.relative_top < 0.5:
            continue
        for cell in line.cells:
            if id(cell) in labelled or id(cell) in sellers:
                continue
            block = _aligned_below(lines, cell)
            name = name_value(cell.text)
            if name and seller and _similar(name, seller):
                if sellers and len(name) < 0.6 * len(seller):
                    # Once the letterhead's block is known, a piece of the name ("Lyshol", what OCR
                    # kept of a return address in small print) marks no second one: the window under it.
                    continue
                # The seller's block ends where an addressee's salutation ("Herrn") begins.
                for below in block:
                    if SALUTATION.match(below.text.strip(" :,;")):
                        break
                    sellers.add(id(below))
                continue
            if CONTACT.search(cell.text):
                continue  # web, mail, phone or tax numbers: no name, and a sender's block at that
            if block and _TOWN.match(cell.text) and block[0].height >= _RETURN_TYPE * cell.height:
                continue  # the town of a return address in small print, the rest of it lost to OCR
            if len(block) >= 2 and name and not any(id(b) in labelled for b in block[:2]):
                if any(ch.isdigit() for b in block for ch in b.text):
                    return Candidate(name, 0.4, line.index)
    return None


def _similar(a: str, b: str) -> bool:
    """Return whether `a` is `b` (or a part of it) as OCR may have misread it: alike as a whole, and
    of as many words, none of them a wholly other word ("Beaumont Logistics AG" is not "Bergmann
    Logistics AG", however much of the two is the same)."""
    fold_a, fold_b = a.casefold(), b.casefold()
    if fold_a in fold_b or fold_b in fold_a:
        return True
    if SequenceMatcher(None, fold_a, fold_b).ratio() <= 0.8:
        return False
    words_a, words_b = fold_a.split(), fold_b.split()
    return len(words_a) != len(words_b) or all(
        SequenceMatcher(None, x, y).ratio() >= _SAME_WORD for x, y in zip(words_a, words_b) if min(len(x), len(y)) >= 4
    )


#: How alike two words of a name must be to be one word misread (OCR changes a letter or two).
_SAME_WORD = 0.6


def _with_address_rest(lines: Sequence[TextLine], cell: Cell) -> str:
    """Return the cell's text with the part of its address line OCR put in a cell of its own: the
    house number after the street ("Am Markt | 96"), the town after the postcode ("7337 | Wien")."""
    after = cell_after(lines, cell)
    if after is None or after.x0 - cell.x1 >= 2 * cell.height:
        return cell.text
    house = re.fullmatch(r"\d{1,4}[a-zA-Z]?", after.text)
    town = _POSTCODE.fullmatch(cell.text) and after.text[:1].isalpha()
    return f"{cell.text} {after.text}" if house or town else cell.text



def name_block(lines: Sequence[TextLine], name: Candidate[str]) -> set[int]:
    """Return the indexes of the lines of the buyer's `name` and of the address aligned under it."""
    folded = name.value.casefold()
    cells = [c for c in lines[name.line].cells if c.text.casefold() in folded or folded in c.text.casefold()]
    return {name.line, *(c.line for cell in cells[:1] for c in _aligned_below(lines, cell))}


#: The most lines an address block runs on under its first.
_BLOCK_LINES = 4
#: Type this many times smaller is another column's small print; the block's lines on either side
#: of it are at most this share of a line apart.
_SMALLER = 1.15
_CLOSE = 0.6


def _aligned_below(lines: Sequence[TextLine], cell: Cell) -> list[Cell]:
    """Return the cells directly under `cell`, left-aligned with it, with no gap between lines.
    A line with nothing in the block's column, of smaller type (a side column in small print, whose
    lines fall between the block's) or OCR'd and starting above the block's last line's bottom (a
    column beside it whose lines stand a little lower), is passed over where the block's next line
    follows closely."""
    block: list[Cell] = []
    last = cell
    passed = False
    for line in lines[cell.line + 1 : cell.line + 1 + 2 * _BLOCK_LINES]:
        if len(block) == _BLOCK_LINES or line.page != cell.page:
            break
        under = _aligned_in(line, cell, last)
        if under is None:
            small = all(_SMALLER * c.height < last.height for c in line.cells)
            between = is_ocr(line) and line.top < last.bottom  # OCR: a column's line that falls between the block's
            if not (small or between) or any(c.x0 < cell.x1 and c.x1 > cell.x0 for c in line.cells):
                break
            passed = True
            continue
        if passed and under.top - last.bottom > _CLOSE * last.height:
            break
        passed = False
        if (max(under.height, last.height) > 1.6 * min(under.height, last.height)
                and not ADDRESS.search(_with_address_rest(lines, under)) and name_value(under.text)):
            break  # a name in another type size ends the block (a logo's two lines over the window's name)
        block.append(under)
        last = under
    return block
