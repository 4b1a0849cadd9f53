"""Invoice number, issue and due dates and currency from labels and the text around them."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher
from itertools import islice

from intake.fields.amounts import CURRENCY_SYMBOLS, find_amounts, find_currencies
from intake.fields.candidates import (
    Candidate,
    LabelHit,
    before_long_sentence,
    best,
    hits_for,
    value_places,
    with_next_cells,
)
from intake.fields.dates import find_dates, payment_term_days, reads_month_first
from intake.fields.ids import compact, company_id_valid, find_vat_ids
from intake.fields.labels import (
    CURRENCY,
    DUE_DATE,
    INVOICE_NUMBER,
    ISSUE_DATE,
    NET_TOTAL,
    OTHER_DATE,
    PAYERS_ACCOUNT,
    TAX_TOTAL,
    TERMS,
    TITLE,
    TOTAL,
)
from intake.fields.layout import Cell, TextLine, cell_spans, cells_after, cells_below
from intake.fields.seller_ids import runs_on
from intake.fields.stores import is_ocr
from intake.fields.totals import is_item_header, several_amounts

_ID_TOKEN = re.compile(r"^#?(?P<id>[A-Za-z0-9][A-Za-z0-9\-/._]*[A-Za-z0-9]|[0-9])[:,.;]?$")
_NOT_IDS = frozenset("nr no nr. no. n° number nummer numero date datum du vom of le page".split())
#: A number's word glued to the number where a space was lost ("Nr.471113", "N°2024-7").
_GLUED_NO = re.compile(r"^(?:nr|no)\.(?=\d)|^n°(?=\d)", re.IGNORECASE)
# Title words that may be followed by the number itself ("Rechnung R0005532486").
_TITLE = re.compile(rf"^{TITLE}\b\s*(?:\(\d+\)\s*)?", re.IGNORECASE)
# A time of day right after a date: "16-03-18 13:49".
_TIME_AFTER = re.compile(r"\s{0,3}(?:[01]?\d|2[0-3]):[0-5]\d\b")


def _id_in(text: str) -> str | None:
    """Return the first token of `text` shaped like a document number (it has a digit), unless it
    is a date or the day that starts one ("16 August 2025")."""
    for word in islice(re.finditer(r"\S+", text), 3):
        token = word.group()
        if token.casefold() in _NOT_IDS or token in (":", "-", "#"):
            continue
        m = _ID_TOKEN.match(_GLUED_NO.sub("", token))
        if m is None or not any(ch.isdigit() for ch in m.group("id")) or _word_read_with_zeros(m.group("id")):
            return None
        value = m.group("id")
        own = find_dates(value)
        if own and len(own[0].value.isoformat()) >= len(value) - 2:
            return None
        if any(date.start == word.start() and date.end > word.end() for date in find_dates(text)):
            return None  # the day of a date written out ("16 August 2025")
        compacted = compact(value)
        if any(v.valid and v.value == compacted for v in find_vat_ids(value)) or company_id_valid(compacted):
            return None  # a VAT ID ("SE957357137001") or a Swiss UID, whatever label it follows
        return value
    return None


def _word_read_with_zeros(token: str) -> bool:
    """Return whether `token` is a word of four letters or more whose only digits are a zero or two,
    OCR's reading of the letter O ("ASS0CIEE"): no document's number."""
    letters, zeros = sum(ch.isalpha() for ch in token), token.count("0")
    return letters >= 4 and 0 < zeros <= 2 and letters + zeros == len(token)


#: OCR may split a word at a gap this share of its height, narrower than any space ("INV-2025-9
#: 6412": 0.15; a space between words is 0.4 or more).
_SPLIT_GAP = 0.25


def _with_split_off_rest(cell: Cell, value: str) -> str:
    """Return the number with the letters and digits OCR split off its end by a gap narrower than a
    space."""
    words = list(cell.words)
    at = next((i for i, w in enumerate(words) if w.text.rstrip(".,;:") == value), None)
    if at is None:
        return value
    for word, after in zip(words[at:], words[at + 1 :]):
        height = max(word.height, after.height)
        if after.x0 - word.x1 >= _SPLIT_GAP * height or not after.text.isalnum() or not word.text[-1:].isalnum():
            break
        value += after.text
    return value


#: A number label deep in a sentence ("Bitte geben Sie bei Zahlung Kundennummer 1 und Belegnummer 2
#: an") names a reference the reader is to quote, less surely the invoice's own number.
_PROSE = 0.6


def _in_prose(hit: LabelHit) -> bool:
    """Return whether a label stands deep in a sentence, or early in a long one ("La loi n°92/1442
    du 31 décembre 1992 nous fait l'obligation ..."), not in a title line ("Rechnung (380) Nr.")."""
    deep = len(hit.cell.folded[: hit.start].split()) >= _SENTENCE_WORDS or before_long_sentence(hit)
    return deep and _TITLE.match(hit.cell.text) is None


#: An address's line: a street, the house's number first ("159 Mill Lane", "12 rue de la Paix", or
#: "35 rue de la Paix, 75002 Paris, ..." where the rest of the address follows on its line), or
#: a postcode and town ("57523 Hamburg", "L-3815 Esch-sur-Alzette"). A number found under or beside
#: a number's label there is the house's or the town's.
_ADDRESS_LINE = re.compile(
    r"^\d{1,5}[a-zA-Z]?,?\s+[^\W\d]{2,}(?:[\s'-][^\W\d]+){1,4}(?:$|,)"
    r"|^(?:[A-Z]{1,2}-)?\d{4,5}\s+[A-ZÀ-Þ][^\W\d]+(?:[\s'-][^\W\d]+){0,3}$"
)
#: An address's label right before a number label ("Warehouse Address: NO. 42/1 & 43, ...").
_AFTER_ADDRESS_LABEL = re.compile(r"\b(?:address|adresse|anschrift|adresa|indirizzo)\s*:?\s*$")


def invoice_number(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> Candidate[str] | None:
    """Return the printed invoice number: after its label, or after the document's title."""
    found = []
    for hit in hits_for(hits, INVOICE_NUMBER):
        if is_item_header(lines[hit.cell.line]) or several_amounts(lines[hit.cell.line]):
            continue  # "No" heading an item table's column of line numbers, or in an item's row
        if _AFTER_ADDRESS_LABEL.search(hit.cell.folded[: hit.start]):
            continue  # "Address: No. 42/1, ...": a house's number
        for place in value_places(lines, hit, hits):
            if place.kind != "inline" and _ADDRESS_LINE.match(place.text.strip()):
                continue
            value = _id_in(place.text)
            if value is not None and is_ocr(lines[place.cell.line]):
                value = _with_split_off_rest(place.cell, value)
            if value is not None:
                prose = _PROSE if _in_prose(hit) else 1.0
                found.append(Candidate(value, hit.label.weight * place.factor * prose, hit.cell.line))
                break
    if not found:
        found += _after_misread_label(lines)
    for line in lines[:60]:
        for position, cell in enumerate(line.cells):
            m = _TITLE.match(cell.text)
            if m is None:
                continue
            rest = cell.text[m.end() :]
            value = _id_in(rest) if position < 2 else None
            if value is not None:
                found.append(Candidate(value, 0.8, line.index))
            elif (unread := _id_after_unread_label(lines, rest, cell)) is not None:
                found.append(Candidate(unread, _UNREAD, line.index))
            elif not rest.strip(" .:#"):
                found += _id_below_title(lines, cell) or _id_heading_value_column(lines, cell)
    chosen = best(found)
    if chosen is None or not is_ocr(lines[chosen.line]):
        return chosen
    return Candidate(_PADDED_ZERO.sub("0", _ZERO_AMONG_DIGITS.sub("0", chosen.value)), chosen.score, chosen.line)


#: OCR reads a zero as the letter O: between digits ("2O24/17"), and after a one-letter prefix
#: before the zero-padded digits ("RO85616" for "R085616"), where a letter O is rarer than a zero.
_ZERO_AMONG_DIGITS = re.compile(r"(?<=\d)O(?=\d)")
_PADDED_ZERO = re.compile(r"(?<=^[A-Z])O(?=\d{3,}$)")


#: The invoice number's labels of one long word, which OCR may misread a letter or two of
#: ("raxturanummer:" for "Fakturanummer:").
_LONG_LABELS = ("rechnungsnummer", "fakturanummer", "factuurnummer", "belegnummer", "gutschriftsnummer")
_WORD_BEFORE_COLON = re.compile(r"^\W*(?P<word>[^\W\d]{10,})\s?:")


def _after_misread_label(lines: Sequence[TextLine]) -> list[Candidate[str]]:
    """Return the number after a word OCR read that is nearly a long label of the invoice number
    (four in five letters alike), on a line read by OCR; a text layer's words are as printed."""
    for line in lines[:60]:
        if not is_ocr(line):
            continue
        for cell in line.cells:
            m = _WORD_BEFORE_COLON.match(cell.folded)
            if m is None or not any(SequenceMatcher(None, m.group("word"), label).ratio() >= 0.8 for label in _LONG_LABELS):
                continue
            value = _id_in(_rest_else_next(lines, cell.text[m.end() :], cell, 1))
            if value is not None:
                return [Candidate(value, _UNREAD, line.index)]
    return []


#: What OCR leaves of the short number label after a title ("N°:" read as "_x::", "à:" or "_ we:"):
#: at most two tokens of up to four characters, no digit, the last ending in a colon.
_UNREAD_REMAINS = r"^[\s|]*(?:[^\s\d]{1,4}\s+)?[^\s\d]{0,4}"
_UNREAD_LABEL = re.compile(_UNREAD_REMAINS + r":+\s+(?=\S)")
#: On an OCR'd page the remains may end in the abbreviation's period instead ("Faktura ur. 35789",
#: "nr." misread).
_UNREAD_OCR_LABEL = re.compile(_UNREAD_REMAINS + r"(?::+|(?<=[^\W\d])\.)\s+(?=\S)")
#: A number after such remains is less sure than one after a label that reads.
_UNREAD = 0.6


def _id_after_unread_label(lines: Sequence[TextLine], rest: str, cell: Cell) -> str | None:
    """Return the number after a title and the unreadable remains of its label, in the title's
    cell or the next ones ("RECHNUNG | à: 2024/86121", "Facture _ we: AB-59493/24",
    "INVOICE | _no.: | F202487972")."""
    text = _rest_else_next(lines, rest, cell, 2)
    m = (_UNREAD_OCR_LABEL if is_ocr(lines[cell.line]) else _UNREAD_LABEL).match(text)
    return _id_in(text[m.end() :]) if m is not None else None


def _rest_else_next(lines: Sequence[TextLine], rest: str, cell: Cell, count: int) -> str:
    """Return `rest`, what follows a label in `cell`, else the text of up to `count` cells after it."""
    return rest if rest.strip() else " ".join(c.text for c in cells_after(lines, cell, count))


def _id_below_title(lines: Sequence[TextLine], cell: Cell) -> list[Candidate[str]]:
    """Return the number printed under a title that stands alone ("INVOICE" over "# 2024-7", or a
    column headed "Invoice" over its number)."""
    for below in cells_below(lines, cell, depth=2):
        value = _id_in(below.text)
        if value is not None and (below.text.lstrip().startswith("#") or len(value) >= 4):
            return [Candidate(value, 0.6, below.line)]
        return []
    return []


def _id_heading_value_column(lines: Sequence[TextLine], title: Cell) -> list[Candidate[str]]:
    """Return the number alone on the line under a lone title, in the column of the values of the
    labelled lines under it, whose own short label OCR lost ("Invoice" over "   F2025985" over
    "Invoice date | 08/11/2025"). It scores below a labelled number."""
    if title.line + 2 >= len(lines):
        return []
    line, after = lines[title.line + 1], lines[title.line + 2]
    if line.page != title.page or after.page != title.page or len(line.cells) != 1 or len(after.cells) < 2:
        return []
    cell = line.cells[0]
    value = _id_in(cell.text)
    if value is None or value != cell.text.strip() or len(value) < 4 or re.search(r"[.,]", value):
        return []  # the whole cell a number, not an amount
    if not any(abs(c.x0 - cell.x0) < cell.height for c in after.cells[1:]):
        return []
    return [Candidate(value, _UNREAD - 0.1, line.index)]


def _month_first(lines: Sequence[TextLine]) -> bool:
    return reads_month_first("\n".join(line.text for line in lines))


#: Words after an inline date that make it part of a sentence ("... zu der Fälligkeit 21.05.2018 den
#: Beitrag von Ihrem Konto abbuchen"), where it is not the value of a labelled field.
_SENTENCE_WORDS = 4


def _dates_after(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], field: str, in_sentences: bool = True
) -> list[Candidate[dt.date]]:
    found = []
    month_first = _month_first(lines)
    for hit in hits_for(hits, field):
        places = value_places(lines, hit, hits)
        for place in places:
            dates = find_dates(place.text, month_first)
            if not dates and place.kind != "below":
                dates = find_dates(with_next_cells(lines, place), month_first)
            elif not dates:
                # OCR split the date under the label into cells ("23. | August 2024"): read them
                # together, as far as they stand under the label.
                row = [p.text for p in places if p.kind == "below" and p.cell.line == place.cell.line
                       and p.cell.x0 >= place.cell.x0]  # fmt: skip
                dates = find_dates(" ".join(row), month_first) if len(row) > 1 else []
            if place.kind == "inline":
                dates = [d for d in dates if d.start < 25]
                if not in_sentences:
                    dates = [d for d in dates if len(place.text[d.end :].split()) < _SENTENCE_WORDS]
            if dates:
                early = 0.1 * (1 - hit.cell.line / max(len(lines), 1))
                found.append(Candidate(dates[0].value, hit.label.weight * place.factor + early, hit.cell.line))
                break
    return found


def issue_date(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> Candidate[dt.date] | None:
    """Return the issue date: after its label, else the first date printed on the first page."""
    found = _dates_after(lines, hits, ISSUE_DATE)
    if not found:
        month_first = _month_first(lines)
        other = _other_dates_cells(lines, hits)
        for line in lines:
            if line.page != 1:
                continue
            dates = [d for d in find_dates(line.text, month_first) if _cell_at(line, d.start) not in other]
            if dates and not found:
                found.append(Candidate(dates[0].value, 0.3, line.index))
            # A receipt stamps the sale with its time ("05-06-24 10:15"); item codes such as
            # "4-11 - 20" only look like dates.
            stamped = [d for d in dates if _TIME_AFTER.match(line.text, d.end)]
            if stamped:
                found.append(Candidate(stamped[0].value, 0.35, line.index))
                break
    return best(found)


def _other_dates_cells(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> set[Cell]:
    """Return the cells that hold another date than the issue date: the cell of another date's
    label ("Order Date: 15-10-2015") and the cell right after it."""
    cells: set[Cell] = set()
    for hit in hits_for(hits, OTHER_DATE):
        cells.update((hit.cell, *cells_after(lines, hit.cell)))
    return cells


def _cell_at(line: TextLine, offset: int) -> Cell:
    """Return the cell of `line` whose text holds the line text's `offset`."""
    return next((cell for _, end, cell in cell_spans(line) if offset <= end), line.cells[-1])


def payment_terms(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> int | None:
    """Return the days to pay that payment terms name ("Zahlungsziel: 14 Tage"), or None."""
    for text in _terms_sentences(lines, hits):
        days = payment_term_days(text)
        if days is not None:
            return days
    return None


def _terms_sentences(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> list[str]:
    """Return each sentence that payment terms or a due label start: the label's line with what
    follows the label on it and to its right."""
    found = []
    for hit in hits_for(hits, TERMS, DUE_DATE):
        text = " ".join(p.text for p in value_places(lines, hit, hits) if p.kind != "below")
        found.append(lines[hit.cell.line].text + " " + text)
    return found


def due_date(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], issued: dt.date | None
) -> Candidate[dt.date] | None:
    """Return the due date printed after its label, not inside a sentence. Dates in payment terms
    (see `terms_date`) and a number of days ("30 days net", see `payment_terms`) are warnings."""
    found = _dates_after(lines, hits, DUE_DATE, in_sentences=False) or _dates_before_due(lines) or _debit_dates(lines)
    if issued is not None and any(c.value >= issued for c in found):
        found = [c for c in found if c.value >= issued]  # a due date before the issue is another date
    if issued is not None:
        found = [Candidate(_year_misread(c.value, issued), c.score, c.line) if is_ocr(lines[c.line]) else c
                 for c in found]  # fmt: skip
    return best(found)


#: The longest time to pay: a year read two years or more after the issue's, or one that puts the
#: due date before the issue, that differs from the issue's year, or the next, in one digit only is
#: OCR's misreading of it ("29.11.2029" or "02.03.2020" for an invoice of 30.10.2019 or 31.01.2026).
#: A text layer's dates are as printed (a term of 13 months happens).
_LONGEST_TERM = dt.timedelta(days=366)


def _year_misread(due: dt.date, issued: dt.date) -> dt.date:
    """Return the due date OCR read with the year of the issue, or the next, where the year read
    is neither of them (two or more years after the issue's, or before it) and differs from one
    of them in one digit only."""
    if issued.year <= due.year <= issued.year + 1:
        return due
    for year in (issued.year, issued.year + 1):
        if sum(a != b for a, b in zip(str(year), str(due.year), strict=True)) != 1:
            continue
        try:
            mended = due.replace(year=year)
        except ValueError:  # 29 February
            continue
        if dt.timedelta(0) <= mended - issued <= _LONGEST_TERM:
            return mended
    return due


# A German sentence that names the date before the word: "... ist am 06.12.2025 fällig",
# "... wird am 06.12.2025 zur Zahlung fällig", also where the line breaks after the date.
_DUE_AFTER = re.compile(r"^\s*(?:zur\s+zahlung\s+)?fallig\b")
_ON_BEFORE = re.compile(r"\b(?:am|zum)\s*$")


def _dates_before_due(lines: Sequence[TextLine]) -> list[Candidate[dt.date]]:
    """Return dates a sentence declares due after naming them ("am 06.12.2025 fällig")."""
    found = []
    month_first = _month_first(lines)
    for line, after in zip(lines, [*lines[1:], None]):
        if "fallig" not in line.folded and (after is None or "fallig" not in after.folded):
            continue  # the word is needed; the dates are costly to look for
        for date in find_dates(line.text, month_first):
            rest = line.folded[date.end :]
            if not rest.strip() and after is not None and after.page == line.page:
                rest = after.folded
            if _ON_BEFORE.search(line.folded[: date.start]) and _DUE_AFTER.match(rest):
                found.append(Candidate(date.value, 0.8, line.index))
    return found


# The day a direct debit draws the amount: "... wird am 20.03.2026 von Ihrem Konto eingezogen", "will
# be debited from your account on 20/03/2026", "sera prélevé le 20/03/2026", "trækkes den 20.03.2026".
# "On or after", "ab dem", "à partir du", "fra den" name the earliest day instead.
_ON_DAY = re.compile(r"\b(?:am|on|le|den)\s*$")
_FROM_DAY = re.compile(r"\b(?:or\s+after|ab\s+dem|a\s+partir\s+du|fra\s+den)\s*$")


def _debit_dates(lines: Sequence[TextLine]) -> list[Candidate[dt.date]]:
    """Return the days a direct-debit note says it draws the amount on, a sentence over two lines
    included: the invoice is due then."""
    found = []
    month_first = _month_first(lines)
    before: TextLine | None = None
    for line in lines:
        in_note = PAYERS_ACCOUNT.search(line.folded) is not None or (before is not None and runs_on(before, line))
        for date in find_dates(line.text, month_first) if in_note else ():
            head = line.folded[: date.start]
            if not head.strip() and before is not None:
                head = before.folded  # the line broke before the date
            if _ON_DAY.search(head) and not _FROM_DAY.search(head):
                found.append(Candidate(date.value, 0.7, line.index))
        before = line if in_note else None
    return found


def terms_date(lines: Sequence[TextLine], hits: Sequence[LabelHit], issued: dt.date | None) -> dt.date | None:
    """Return the latest date that payment terms name in a sentence ("Zahlbar innerhalb 30 Tagen
    netto bis 04.07.2018, 3% Skonto bis 15.06.2018"), or None. Which of a sentence's dates is due
    is a reading of its grammar, so the caller says it in a warning rather than filling the field."""
    dates = []
    for text in _terms_sentences(lines, hits):
        dates += [d.value for d in find_dates(text, _month_first(lines)) if issued is None or d.value >= issued]
    return max(dates, default=None)


#: Currencies whose symbol others share ("kr" is also NOK and SEK, "$" also CAD, AUD, ...).
_SHARED_SYMBOL = {"DKK": frozenset({"NOK", "SEK", "ISK"}), "USD": frozenset({"CAD", "AUD", "NZD", "SGD", "HKD"})}


def _standing_currencies(line: TextLine) -> list[str]:
    """Return the currencies `line` prints; away from any amount only codes count, as a symbol there
    is a letter pair in a word or postcode ("RM6 4QQ") or OCR's misreading ("Cloud hosting €)" for
    "(2)"). A symbol stands by an amount in its own cell, or at the end of the cell before one
    ("€ | 9.50", "Price in Rs | 40.0", "Total (RM) | 12.00")."""
    found = []
    for i, cell in enumerate(line.cells):
        after = line.cells[i + 1] if i + 1 < len(line.cells) else None
        by_amount = bool(find_amounts(cell.text)) or (
            _SYMBOL_AT_END.search(cell.text) is not None and after is not None and bool(find_amounts(after.text))
        )
        found += find_currencies(cell.text, symbols=by_amount)
    return found


#: A cell that ends in a currency symbol, bracketed ("Total (RM)") or with a colon or a period.
_SYMBOLS = "(?:" + "|".join(re.escape(s) for s, _ in CURRENCY_SYMBOLS) + ")"
_SYMBOL_AT_END = re.compile(rf"(?:\({_SYMBOLS}\)|{_SYMBOLS}\s?[.:]?)\s?:?$")


def currency(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], implied: str | None = None
) -> Candidate[str] | None:
    """Return the currency: after its label, else the code or symbol printed most by amounts; a
    symbol several currencies share ("kr") is read as the one the seller's country `implied`."""
    for hit in hits_for(hits, CURRENCY):
        for place in value_places(lines, hit, hits):
            codes = find_currencies(place.text)
            if codes:
                return Candidate(codes[0], 0.95, hit.cell.line)
    amount_lines = {h.cell.line for h in hits_for(hits, TOTAL, NET_TOTAL, TAX_TOTAL)}
    votes: Counter[str] = Counter()
    for line in lines:
        codes = _standing_currencies(line)
        weight = 3 if line.index in amount_lines else 1 if find_amounts(line.text) else 0.5
        for code in codes:
            votes[code] += weight
    if not votes:
        return None
    code, count = votes.most_common(1)[0]
    text = "\n".join(line.text for line in lines)
    if implied in _SHARED_SYMBOL.get(code, ()) and not re.search(rf"\b{code}\b", text):
        code = implied
    return Candidate(code, min(0.9, 0.5 + 0.1 * count), 0)
