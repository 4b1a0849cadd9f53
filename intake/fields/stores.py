"""A shop's name at the top of a receipt read by OCR, through misread legal forms and noise.

Receipts print the store's legal name first, often centred over two lines and followed by its
company registration number ("(123456-X)"), then the address, phone and tax number. OCR misreads
one letter of a two-word legal form or a look-alike digit in a slashed one ("5/B" for "S/B"),
glues specks of the logo into lines of their own and reads item lines ("2 X 3KG") that end like a
legal form. Text layers are left alone: their words
have confidence 1.0 and their legal forms are printed as written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from intake.fields.amounts import find_amounts
from intake.fields.candidates import Candidate
from intake.fields.labels import TITLE
from intake.fields.layout import Cell, TextLine
from intake.words import Word

# Two-word legal forms, mended when OCR reads one letter of them wrong.
_PAIRS = (("SDN", "BHD"), ("PTY", "LTD"), ("PVT", "LTD"), ("SP", "ZOO"))
# Slashed legal forms ("S/B", "A/S"), mended when OCR reads a letter as its look-alike digit.
_SLASH_FORMS = frozenset({"S/B", "A/S", "I/S", "K/S", "P/S"})
_LOOK_ALIKE = str.maketrans("580142", "SBOIAZ")
_SLASH_FORM = re.compile(r"^(\w/\w)(\W*)$")
# Dotted legal forms, as the words they are printed in, which OCR reads with a look-alike digit for
# a letter ("5.A." for "S.A.", "Sp. 2 0.0." for "Sp. z o.o.").
_DOTTED_FORMS = tuple(
    tuple(form.split()) for form in ("Sp. z o.o.", "o.o.", "S.A.", "N.V.", "B.V.", "a.s.", "s.r.o.", "S.L.", "S.R.L.")
)
#: Each dotted form's words in capitals, as OCR's words are compared with them.
_DOTTED_KEYS = tuple([word.upper() for word in form] for form in _DOTTED_FORMS)
_LONGEST_FORM = max(len(form) for form in _DOTTED_FORMS)
# Words of legal forms whose umlaut OCR may lose ("(haftungsbeschrankt)" for "(haftungsbeschränkt)").
_UMLAUT_FORM_WORDS = {"(haftungsbeschrankt)": "(haftungsbeschränkt)"}
#: A company registration number ends the name line or stands under it: "(123456-X)", "1234567-T)".
REGISTRATION = re.compile(r"\(?\b\d{5,12}\s?[-–]?\s?[A-Z+]\)?$")
_REGISTRATION_LINE = re.compile(
    r"^\W*(?:co(?:mpany)?\.?\s*(?:reg(?:istration)?\.?)?\s*\w{0,3}\.?\s*:?\s*)?" + REGISTRATION.pattern,
    re.IGNORECASE,
)
_OWNER = re.compile(r"\bown(?:ed)?\s+by\b\s*:?\s*", re.IGNORECASE)
_TITLE = re.compile(rf"\b{TITLE}\b", re.IGNORECASE)
#: An item line of a receipt: a quantity and a times sign first ("2 x BREAD", "3X TEA").
ITEM_LINE = re.compile(r"^\W*\d+(?:[.,]\d+)?\s*[xX×*]\s")
# A shopping centre's name printed over the shop's: where the shop is, not who sells.
PLACE = re.compile(
    r"\b(?:mall|plaza|shopping|centre|center|galleria|arcade|outlet\s+village|food\s+court)\b", re.IGNORECASE
)
#: Below this mean word confidence a line is logo specks or smudge, not print.
MIN_CONFIDENCE = 0.5


def is_ocr(line: TextLine) -> bool:
    """Return whether `line` was read by OCR (a text layer's words are certain)."""
    return any(w.confidence < 1.0 for w in line.words)


def _distance_one(word: str, form: str) -> int | None:
    """Return 0 or 1 when `word` is `form` or one substitution away from it, else None."""
    upper = word.upper()  # "ß" is "SS" in capitals: compare the lengths of what is compared
    if len(upper) != len(form):
        return None
    differ = sum(a != b for a, b in zip(upper, form, strict=True))
    return differ if differ <= 1 else None


def _split_word(text: str) -> tuple[str, str, str]:
    m = re.fullmatch(r"(\W*)(\w+?)(\W*)", text)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", text, "")


def _mend_words(words: Sequence[Word]) -> tuple[Word, ...]:
    """Return `words` with misread legal forms written out as printed (`_mend_tokens`)."""
    texts = _mend_tokens([w.text for w in words])
    return tuple(w if w.text == t else dataclasses.replace(w, text=t) for w, t in zip(words, texts))


def _mend_tokens(tokens: Sequence[str]) -> list[str]:
    """Return `tokens` with misread legal forms written out as printed (one letter of a two-word
    form, a look-alike digit in a slashed or dotted one, or a lost umlaut)."""
    out = list(tokens)
    for i, (a, b) in enumerate(zip(tokens, tokens[1:])):
        (pa, core_a, sa), (pb, core_b, sb) = _split_word(a), _split_word(b)
        for first, second in _PAIRS:
            da, db = _distance_one(core_a, first), _distance_one(core_b, second)
            if da is not None and db is not None and da + db == 1:
                out[i], out[i + 1] = f"{pa}{first}{sa}", f"{pb}{second}{sb}"
    for i, token in enumerate(tokens):
        printed = _UMLAUT_FORM_WORDS.get(token.casefold())
        if printed is not None and (i == 0 or tokens[i - 1].casefold() == "ug"):  # after "UG", or wrapped
            out[i] = printed.upper() if token.isupper() else printed
        m = _SLASH_FORM.match(token)
        form = m.group(1).upper().translate(_LOOK_ALIKE) if m else ""
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        # "5/8" is also a lot number: only after a word of the name and before its registration.
        if m and form in _SLASH_FORMS and form != m.group(1).upper() and re.fullmatch(r"[A-Z]{3,}", before) \
                and (not after or REGISTRATION.search(after)):
            out[i] = f"{form}{m.group(2)}"
    return _mend_dotted_forms(out)


def _mend_dotted_forms(tokens: list[str]) -> list[str]:
    """Return `tokens` with the dotted legal forms OCR read with a look-alike digit written out as
    printed (`_dotted_form`)."""
    out, i = list(tokens), 0
    while i < len(out):
        after_name = i > 0 and re.search(r"[A-Za-z]", out[i - 1]) is not None
        mended = _dotted_form(out[i : i + _LONGEST_FORM], after_name)
        if mended:
            out[i : i + len(mended)] = mended
        i += len(mended) or 1
    return out


def _dotted_form(words: Sequence[str], after_name: bool) -> list[str]:
    """Return the dotted legal form `words` start with, written as printed, where OCR read it with
    a look-alike digit: words whose look-alikes spell the form, one of them with a digit; a one-word
    form only `after_name`. A word read right but for its case stays as printed ("SP." of "SP. Z
    0.0."), and so does the punctuation after the last. Return [] where they start with none."""
    for form, key in zip(_DOTTED_FORMS, _DOTTED_KEYS, strict=True):
        read = list(words[: len(form)])
        if len(read) < len(form) or (len(form) == 1 and not after_name) or not any(c.isdigit() for w in read for c in w):
            continue
        read[-1], tail = _split_tail(read[-1])
        if [word.upper().translate(_LOOK_ALIKE) for word in read] == key:
            kept = [w if w.upper() == k else f for w, f, k in zip(read, form, key, strict=True)]
            return [*kept[:-1], kept[-1] + tail]
    return []


def _split_tail(word: str) -> tuple[str, str]:
    """Return `word` without the punctuation after its last period, and that punctuation ("0.0.," gives "0.0.", ",")."""
    m = re.fullmatch(r"(.*?\.?)([^\w.]*)", word)
    return (m.group(1), m.group(2)) if m else (word, "")


def mend_legal_forms(lines: Sequence[TextLine]) -> list[TextLine]:
    """Return `lines` with OCR's misread legal forms mended; text-layer lines are kept as they are."""
    mended = []
    for line in lines:
        if not is_ocr(line):
            mended.append(line)
            continue
        read = line.words  # built from the cells at each call
        words = _mend_words(read)
        if words == read and not any(_speck(cell) for cell in line.cells[1:]):
            mended.append(line)  # nothing to mend: the line itself, not a copy of its cells
            continue
        cells, start = [], 0
        for cell in line.cells:
            end = start + len(cell.words)
            if not _speck(cell) or start == 0:
                cells.append(Cell(words[start:end], cell.page, cell.line))
            start = end
        mended.append(TextLine(tuple(cells), line.page, line.index, line.relative_top))
    return mended


def mend_name(lines: Sequence[TextLine], found: Candidate[str] | None) -> Candidate[str] | None:
    """Return a name OCR read with its misread legal form mended, as `mend_legal_forms` mends the
    lines the seller is read from ("Sp. z 0.0." for "Sp. z o.o.")."""
    if found is None or not is_ocr(lines[found.line]):
        return found
    return Candidate(" ".join(_mend_tokens(found.value.split())), found.score, found.line)


def _speck(cell: Cell) -> bool:
    """Return whether an OCR cell is a speck of dirt or a shadow's edge: a character or two read
    with little confidence, apart from the line's print."""
    alnum = sum(ch.isalnum() for ch in cell.text)
    return alnum <= 2 and all(w.confidence < MIN_CONFIDENCE for w in cell.words)


def _is_price(text: str) -> bool:
    """Return whether `text` is one amount with a decimal part and nothing else ("20.29")."""
    text = text.strip()
    found = find_amounts(text)
    return len(found) == 1 and found[0].has_decimals and found[0].end - found[0].start == len(text)


def plausible_name(line: TextLine, name: str, form: str) -> bool:
    """Return whether a legal name found on an OCR line is print, not noise or an item line:
    clearly read, a word of three letters before its form, the form not glued to a number."""
    words = [w for w in line.words if w.text in name]
    if not words or sum(w.confidence for w in words) / len(words) < MIN_CONFIDENCE:
        return False
    head = name[: len(name) - len(form)] if name.endswith(form) else name
    if sum(ch.isalpha() for ch in head) < 3 or not re.search(r"[A-Za-z]{2}", head) or ":" in name:
        return False
    if ITEM_LINE.match(line.text):
        return False  # "3 x NOTEBOOK A5" read as "... AS": a quantity starts an item line
    if any(_is_price(c.text) for c in line.cells if name not in c.text):
        return False  # "NOTEBOOK AS | 1 | 20.29 | 20.29": a price on the line makes it an item's
    return not re.search(r"[\w-]$", head)  # "3KG", "CS-SA"


def owner_clause(line: TextLine, name: str) -> str | None:
    """Return the shop's name when `name` follows "owned by" on its line ("CAFE owned by X TRADING"),
    "" when the owner stands alone, or None when there is no owner clause."""
    text = line.text
    m = _OWNER.search(text)
    if m is None or name not in text[m.start() :]:
        return None
    shop = re.sub(r"^[^\w(]+", "", text[: m.start()]).strip()
    return f"{shop} {text[m.start() : text.index(name, m.start()) + len(name)]}" if shop else ""


def owner_above(lines: Sequence[TextLine], line: TextLine) -> bool:
    """Return whether the line above `line` is an "Owned by:" label: `line` names the owner."""
    if line.index == 0:
        return False
    above = lines[line.index - 1].text
    return _OWNER.search(above) is not None and not re.search(r"[A-Za-z]{3}", _OWNER.sub("", above))


def name_like(line: TextLine) -> str | None:
    """Return the text of an OCR line that reads like a shop's name: clearly read words, no digits,
    no label or title; logo specks (cells of one character) dropped."""
    cells = [c for c in line.cells if sum(ch.isalnum() for ch in c.text) >= 2]
    words = [w for c in cells for w in c.words]
    if not words or min(w.confidence for w in words) < MIN_CONFIDENCE:
        return None
    text = " ".join(c.text for c in cells).strip(" .,;-—_|\"'“”‘’")
    letters = sum(ch.isalpha() for ch in text)
    if letters < 5 or letters < 0.7 * len(text.replace(" ", "")) or any(ch.isdigit() for ch in text):
        return None
    if ":" in text or _TITLE.search(text) or PLACE.search(text) or len(text.split()) > 6:
        return None
    return text


def with_centred_line_above(lines: Sequence[TextLine], line: TextLine, name: str) -> str:
    """Return `name` with the line above prepended when the name was printed over two centred lines
    ("SUNRISE" over "BAKERY TRADING LTD")."""
    if line.index == 0 or not name_like_start(line, name):
        return name
    above = lines[line.index - 1]
    height = line.bottom - line.top
    if above.page != line.page or line.top - above.bottom > 1.2 * height:
        return name
    text = name_like(above)
    if text is None or len(text.split()) > 4:
        return name
    # Centred, narrower than the name: a left-aligned line above is a brand over the legal name.
    x0, x1 = line.cells[0].x0, line.cells[-1].x1
    left, right = above.cells[0].x0 - x0, x1 - above.cells[-1].x1
    centred = min(left, right) > 0.5 * height and abs(left - right) < 0.25 * (x1 - x0)
    return f"{text} {name}" if centred else name


def name_like_start(line: TextLine, name: str) -> bool:
    """Return whether `name` begins its line (specks of noise before it aside)."""
    return re.sub(r"^[^\w(]+", "", line.text).startswith(name)


def registered_names(lines: Sequence[TextLine]) -> list[Candidate[str]]:
    """Return the names printed before or over a company registration number in an OCR page's top half."""
    found = []
    for line in lines:
        if line.page != 1 or line.relative_top > 0.5 or not is_ocr(line):
            continue
        text = line.text.strip()
        if _REGISTRATION_LINE.fullmatch(text) and line.index > 0:
            above = lines[line.index - 1]
            name = name_like(above)
            if name and above.page == line.page and not owner_above(lines, above):
                found.append(Candidate(with_centred_line_above(lines, above, name), 0.65, above.index))
            continue
        m = REGISTRATION.search(text)
        if m is None:
            continue
        head = re.sub(r"^[^\w(]+", "", text[: m.start()]).strip(" .,;-")
        if owner_above(lines, line) or _OWNER.search(head):
            continue
        if len(re.findall(r"[A-Za-z]{3,}", head)) >= 2 and not _TITLE.search(head) and ":" not in head:
            found.append(Candidate(with_centred_line_above(lines, line, head), 0.65, line.index))
    return found
