"""The seller's name: near legal forms and section labels, in the letterhead, or by the account.

Name helpers shared with `buyers` live here too. The buyer's block (see `buyers`) is found first,
so that a name printed inside it is not taken for the seller's; the seller's VAT ID and IBAN are
in `seller_ids`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from intake.fields import stores
from intake.fields.candidates import Candidate, LabelHit, best, find_label_hits, hits_for
from intake.fields.countries import is_country_name
from intake.fields.dates import fold_chars
from intake.fields.ids import find_ibans, find_vat_ids
from intake.fields.labels import BUYER, SELLER, TITLE
from intake.fields.layout import Cell, TextLine, cell_after, cells_below, centred_on, left_aligned
from intake.fields.totals import is_item_header

_FORMS = (
    "GmbH & Co. KG", "GmbH & Co KG", "GmbH & Co.", "GmbH", "gGmbH", "AG", "KG", "OHG", "e.K.", "e.V.",
    "UG (haftungsbeschränkt)", "UG (haftungsbeschraenkt)", "UG (h.b.)",
    "a.G.", "UG", "SE", "SARL", "S.A.R.L.", "SAS", "S.A.S.", "SA", "S.A.", "EURL", "SCI", "SNC",
    "Ltd.", "Ltd", "Limited", "LLC", "LLP", "Inc.", "Inc", "Corp.", "Corporation", "PLC", "plc",
    "ApS", "A/S", "I/S", "K/S", "P/S", "IVS", "B.V.", "BV", "N.V.", "NV", "Sdn Bhd", "Sdn. Bhd.",
    "SDN BHD", "SDN. BHD.", "Bhd", "BHD", "Pvt. Ltd.", "Pvt Ltd", "Private Limited", "S.r.l.", "S.p.A.",
    "AB", "Oy", "AS", "GbR", "PartG", "mbB", "KGaA", "Co.", "Enterprise", "Trading", "S/B", "Company",
    "S.L.", "S.L.U.", "S.à r.l.", "Sàrl", "S.a r.l.", "Sarl", "SRL", "S.R.L.", "Srl", "SpA", "Sp. z o.o.", "sp. z o.o.", "S.A.S.U.",
    "SASU", "DAC", "Oyj", "ASA", "OG", "GesmbH", "Ges.m.b.H.", "BVBA", "VOF", "Lda", "Ltda", "Kft.", "s.r.o.",
    "a.s.", "Pty Ltd", "Pty. Ltd.", "L.L.C.", "Incorporated",
)
# (OCR drops accents: "S.a r.l." and "Sarl" are "S.à r.l." and "Sàrl" read from a photo.)
#: Dotted forms long enough to be known without their last period ("S.p.A", "S.à r.l"), as OCR
#: and some layouts print them; short ones ("S.A", "B.V") would match inside other words.
_UNFINISHED = tuple(f[:-1] for f in _FORMS if f.endswith(".") and f.count(".") >= 2 and len(f) >= 6)
#: Legal forms as printed, and in capitals where the form is long enough not to be a word.
LEGAL_FORMS = tuple(
    sorted({*_FORMS, *_UNFINISHED, *(f.upper() for f in _FORMS if len(f) >= 4)}, key=len, reverse=True)
)
_LEGAL = re.compile(
    r"(?<![A-Za-z])(?:" + "|".join(re.escape(f) for f in LEGAL_FORMS)
    # "AB-1234/24" is an invoice number, not a company "AB".
    + r")(?![A-Za-z]|[-/]?\d)"
)
SALUTATION = re.compile(
    r"^(?:herrn?|frau|firma|fa\.|mr\.?|mrs\.?|ms\.?|m\.|mme\.?|monsieur|madame|hr\.?|fr\.?|attn\.?)\s*$",
    re.IGNORECASE,
)
_NAME_LABEL = re.compile(
    r"^(?:name|firma|company|raison\s+sociale|nom|navn|firmenname|attn\.?|attention)\s*:?\s*", re.IGNORECASE
)
# A contact person's line inside a company's block ("Attention: Lucas Bernard", "z. Hd. Herrn
# Weber", "c/o", "Contact : ..."): the block's name is the company's, above it.
CONTACT_PERSON = re.compile(
    r"^(?:attn\.?|attention|z\.\s*hd\.?|zu\s+h(?:anden|än?den)|c/o|contact|kontakt|ansprechpartner(?:in)?"
    r"|à\s+l'attention\s+de|att\.?)\b", re.IGNORECASE,
)
# A street line ("Bahnhofstraße 99", "12 avenue Victor Hugo", "105 Park Avenue") or a postcode line
# ("10115 Berlin").
ADDRESS = re.compile(
    r"^\S+(?:\s\S+)?\s\d{1,4}\s?[a-zA-Z]?$|^(?:[A-Z]{1,2}-?)?\d{4,5}\s+\w"
    r"|^\d{1,5}[a-zA-Z]?,?\s+[^\W\d]+(?:[\s'-][^\W\d]+){0,4}$"
)
# What a party's own block shows and an addressee's does not: how to reach it, and its numbers.
CONTACT = re.compile(
    r"(?<!^)@|^@\S+$|\bwww\.|https?://|\b(?:tel|phone|telefon|fax|t[eé]l[eé]phone)\b|\+\d{1,3}[\s\d]{6,}|\biban\b"
    r"|\b(?:vat|ust|tva|moms|cvr|mwst|uid|btw)\b",
    re.IGNORECASE,
)
# "(c)", also as OCR reads it ("(ce)", "(e)", "(c}").
_COPYRIGHT = re.compile(r"\(\s?[ce]{1,2}\s?[)}]|©|\bcopyright\b", re.IGNORECASE)
_QUANTITY = re.compile(r"^\d+(?:[.,]\d+)?\s*[^\W\d]{1,5}\.?$")
_SEPARATORS = re.compile(r"\s+[•·|,–-]\s+|\s{2,}")


def _clean_name(text: str) -> str:
    text = _NAME_LABEL.sub("", text.strip(" :,;"))
    return _SEPARATORS.split(text)[0].strip(" :,;©") if _LEGAL.search(text) is None else text


def has_legal_form(text: str) -> bool:
    """Return whether `text` holds a company's legal form ("GmbH", "Inc.", "SARL")."""
    return _LEGAL.search(text) is not None


def without_legal_form(name: str) -> str:
    """Return `name` without the legal form that ends it ("Calder Software S.r.l." -> "Calder
    Software"), or `name` itself where no form ends it or nothing would be left."""
    ends = [m for m in _LEGAL.finditer(name) if not name[m.end() :].strip(" .,")]
    head = name[: ends[-1].start()].strip(" ,") if ends else ""
    return head or name


#: A label's colon before its value ("Vendeur: X SARL"); names do not hold one.
_LABEL_COLON = re.compile(r":\s")


def _legal_name(text: str) -> str | None:
    """Return the name ending with a legal form in `text` ("Nordlicht Software GmbH"), if any."""
    # "(Inc. VAT)", "Total 20% supplies (Inc" are amounts' labels, not a company's name.
    matches = [m for m in _LEGAL.finditer(text) if not text[: m.start()].endswith("(")]
    if not matches or "%" in text[: matches[-1].end()]:
        return None
    part = text[: matches[-1].end()]
    for sep in _SEPARATORS.finditer(part):
        if sep.end() <= matches[0].start():
            part = part[sep.end() :]
    part = _LABEL_COLON.split(part)[-1]  # "Vendeur: X SARL", "Verkäufer-Kontoname : X GmbH": a label's value
    part = _NAME_LABEL.sub("", part.strip(" :,;©"))
    part = re.sub(r"^(?:[^\w(]+\s+)+", "", part)  # OCR specks before the name
    return part if len(part) > len(matches[-1].group(0)) + 1 else None


#: The word a number's label ends with ("Customer" over "no." is "Customer no." wrapped).
_NUMBER_WORD = re.compile(r"^(?:no|nr|n°|number|nummer|num[eé]ro|id|#)\b\.?", re.IGNORECASE)


def _wraps_into_number_label(lines: Sequence[TextLine], hit: LabelHit) -> bool:
    """Return whether the label's cell goes on with a number's word, right under it (a narrow
    column wrapped "Customer" over "no.") or right beside it where OCR's rows parted the two:
    "Customer no.", a number's label, not the party's. A word that is a label of its own in the
    party's section, with its colon and its value beside it ("Verkäufer" over "Nummer: 12345676"),
    is no such rest."""
    label = hit.cell
    under = left_aligned(cells_below(lines, label, depth=1), label)
    nexts = [under[0]] if under and under[0].top - label.bottom < label.height else []
    if label.line + 1 < len(lines):
        nexts += [c for c in lines[label.line + 1].cells
                  if c.top < label.bottom and c.bottom > label.top and 0 <= c.x0 - label.x1 < 1.5 * label.height]  # fmt: skip
    return any(
        _NUMBER_WORD.match(c.text.strip()) and not c.text.rstrip().endswith(":") and c is lines[c.line].cells[-1]
        for c in nexts
    )


def _is_section_label(lines: Sequence[TextLine], hit: LabelHit) -> bool:
    """Return whether a party label heads its cell ("Bill to:", "Verkäufer"), not a word in a name
    nor the start of a number's label its column wrapped ("Customer" over "no.")."""
    if hit.start != 0:
        # A short heading of a few words that ends with the party, nothing right of it
        # ("Informationen zum Käufer"; not "Code client | K969710", a label and its value, nor
        # "LE FOURNISSEUR", a name).
        text = hit.cell.text.rstrip(" :")
        return (hit.end >= len(text) and 2 <= len(text[: hit.start].split()) <= 3
                and not any(ch.isdigit() for ch in text) and cell_after(lines, hit.cell) is None)  # fmt: skip
    after = hit.cell.text[hit.end :].lstrip()
    if not after and _wraps_into_number_label(lines, hit):
        return False
    return (
        not after or after.startswith((":", "/")) or hit.cell.text.endswith(":")
        or r"\s" in hit.label.pattern
    )


def name_value(text: str) -> str | None:
    """Return `text` as a party name, or None when it is a salutation, label or number line."""
    if text.rstrip().endswith(":"):
        return None  # "Owned By:", "Sold by:": a label whose value follows
    text = text.strip(" :,;")
    letters = sum(ch.isalpha() for ch in text)
    if letters < 2 or SALUTATION.match(text) or sum(ch.isdigit() for ch in text) > letters:
        return None
    if ":" in text and not _NAME_LABEL.match(text):
        return None
    if _QUANTITY.match(text):
        return None  # "5 pc.", "12 Std.": an item row's quantity and unit
    if ADDRESS.search(text) and _LEGAL.search(text) is None:
        return None
    if is_country_name(text):
        return None  # an address's last line ("Nederland"), no one's name
    name = _clean_name(text)
    letters = sum(ch.isalpha() for ch in name)
    if letters < 2 or (letters <= 3 and " " not in name and not name.isupper()):
        return None  # a speck of a logo OCR read as a short word ("ae", "by"), not an acronym ("HP")
    return name


def _heads_block_beside(lines: Sequence[TextLine], label: Cell, cell: Cell) -> bool:
    """Return whether `cell`, right beside a label that stands alone in its column ("TO:"), heads a
    block of lines aligned with it: the party's address beside its label."""
    if not label.text.rstrip().endswith(":") or cell.x0 - label.x1 > 3 * label.height:
        return False
    return not left_aligned(cells_below(lines, label, depth=1), label) and bool(
        left_aligned(cells_below(lines, cell, depth=1), cell))


def _label_cells(hits: Sequence[LabelHit]) -> set[tuple[int, float]]:
    """Return the places (line, left edge) of the cells that hold a label and nothing else ("Due
    by", "Invoice date"): places, as the seller is read from lines whose OCR'd cells were made
    again with their legal forms mended (`stores.mend_legal_forms`)."""
    return {(h.cell.line, h.cell.x0) for h in hits if h.start == 0 and not h.cell.text[h.end :].strip(" :.#")}


#: A number alone in a cell, as an identifier prints it: five digits or more, maybe grouped.
_IDENTIFIER = re.compile(r"(?=(?:\D*\d){5})[\d][\d\s./-]*")


def _labels_identifier(lines: Sequence[TextLine], cell: Cell, after: Cell | None) -> bool:
    """Return whether `cell` is a short label of the identifier alone after it at the line's end:
    "GLN | 4333741000005", which OCR cut into two cells where the PDF's text is one, whose digits
    would have made it no name."""
    return (
        after is not None and after is lines[cell.line].cells[-1] and _IDENTIFIER.fullmatch(after.text.strip()) is not None
        and len(cell.text.split()) <= 2 and _LEGAL.search(cell.text) is None
    )  # fmt: skip


def name_lines_after(lines: Sequence[TextLine], hit: LabelHit, hits: Sequence[LabelHit]) -> list[Candidate[str]]:
    """Return the party name in the block a section label heads: its "Name:" line or first line;
    a line that is another field's label ("Due by") names no one."""
    if not _is_section_label(lines, hit):
        return []
    labels = _label_cells(hits)
    rest = hit.cell.text[hit.end :]
    rest = rest.partition(":")[2] if ":" in rest else "" if rest.lstrip().startswith("/") else rest
    rest = rest.strip(" :")
    right = cell_after(lines, hit.cell)
    if not rest and right and right.text.startswith(":"):
        rest = right.text.strip(" :")  # "Sold By | : Example Traders Pvt. Ltd."
    elif not rest and right and _heads_block_beside(lines, hit.cell, right):
        rest = right.text  # "TO: | Marcel Schaefer" over the rest of the address beside the label
    if rest and name_value(rest):
        return [Candidate(name_value(rest) or rest, hit.label.weight, hit.cell.line)]
    if rest and any(ch.isdigit() for ch in rest):
        return []  # "Customer: 2", "Kunde 10042": the label names a number, not a block under it
    first: Candidate[str] | None = None
    for line in lines[hit.cell.line + 1 : hit.cell.line + 9]:
        if line.page != hit.cell.page:
            break
        cells = [c for c in line.cells if abs(c.x0 - hit.cell.x0) < 3 * c.height]
        if not cells:
            continue
        cell = cells[0]
        if _TITLE_ONLY.match(cell.text) or is_item_header(line):
            # The document's title ("Faktura") under a block OCR lost, or the item table's head
            # under labels left blank ("Contact :"): the block is over.
            break
        if CONTACT_PERSON.match(cell.text) and (first is not None or not _NAME_LABEL.match(cell.text)):
            # The person to attend to, under the company's name or above it ("Contact Acheteur"); a
            # first line "ATTN: Iberia Labs Limited" names the company after its label (below).
            continue
        after = cell_after(lines, cell)
        if _NAME_LABEL.match(cell.text):
            value = _NAME_LABEL.sub("", cell.text).strip() or (after.text if after else "")
            if name_value(value):
                return [Candidate(name_value(value) or value, hit.label.weight, line.index)]
        labelled = (":" in cell.text or (after is not None and after.text.startswith(":"))
                    or (cell.line, cell.x0) in labels or _labels_identifier(lines, cell, after))  # fmt: skip
        if first is None and not labelled and name_value(cell.text):
            first = Candidate(name_value(cell.text) or "", 0.8 * hit.label.weight, line.index)
    return [first] if first else []


def seller_name(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int], vat_id: str | None = None
) -> Candidate[str] | None:
    """Return the seller's name: after a seller label, else a legal name in header or footer; of
    two such names, rather the one whose own block prints the seller's VAT ID `vat_id`."""
    return with_wrapped_form(lines, _seller_name(lines, hits, buyer, vat_id))


# The rest of a legal form wrapped onto the next line: "Muster UG" over "(haftungsbeschränkt)",
# which a row's words may run into the street's line below it ("(haftungsbeschränkt) Lindenweg 136").
_WRAPPED_FORM = re.compile(r"^\((?:haftungsbeschr\w*|h\.\s?b\.)\)(?=\s|$)", re.IGNORECASE)


def with_wrapped_form(lines: Sequence[TextLine], found: Candidate[str] | None) -> Candidate[str] | None:
    """Return the name with the rest of its legal form when the line under it holds only that, or
    with the rest of the name when a narrow column wrapped it before its legal form."""
    if found is None:
        return found
    if not re.search(r"\bUG$", found.value, re.IGNORECASE):
        rest = _wrapped_rest(lines, found)
        return found if rest is None else Candidate(f"{found.value} {rest}", found.score, found.line)
    after = lines[found.line + 1] if found.line + 1 < len(lines) else None
    if after is None or after.page != lines[found.line].page:
        return found
    rest = next((m.group() for c in after.cells if (m := _WRAPPED_FORM.match(c.text.strip()))), None)
    return Candidate(f"{found.value} {rest}", found.score, found.line) if rest else found


def _wrapped_rest(lines: Sequence[TextLine], found: Candidate[str]) -> str | None:
    """Return the end of a name that its column wrapped onto the next line ("Copperleaf Sonnenfeld"
    over "Solutions AB"): a few words ending with a legal form right under the name, whose first
    word would not have fit beside it in the column (a person's name over a company's does)."""
    cell = next((c for c in lines[found.line].cells if c.text.endswith(found.value)), None)
    if cell is None or _LEGAL.search(found.value):
        return None
    under = [c for c in left_aligned(cells_below(lines, cell, depth=1), cell) if c.top - cell.bottom < 0.8 * cell.height]
    if len(under) != 1:
        return None
    rest = under[0].text.strip()
    forms = list(_LEGAL.finditer(rest))
    if not forms or forms[-1].end() != len(rest) or len(rest.split()) > 3 or re.search(r"[\d:@]", rest):
        return None
    column = left_aligned(cells_below(lines, cell, depth=6), cell)
    first = rest.split()[0]
    first_width = (under[0].x1 - under[0].x0) * (len(first) + 1) / len(rest)
    return rest if cell.x1 + first_width > max(c.x1 for c in column) else None


#: The start of a bank's details: its BIC, the account's IBAN, a German bank code.
_BANK_CODES = re.compile(r"(?:swift|bic|iban|blz)\b", re.IGNORECASE)


def _over_bank_codes(lines: Sequence[TextLine], cell: Cell) -> bool:
    """Return True when the cell right under `cell` starts with a BIC or IBAN: it names a bank."""
    under = left_aligned(cells_below(lines, cell, depth=1), cell)
    return bool(under) and _BANK_CODES.match(under[0].text.lstrip("—–-• ")) is not None


def _in_copyright_notice(text: str, name: str) -> bool:
    """Return True when a copyright sign or word comes before or in `name` in the cell `text`."""
    start = text.find(name)
    return _COPYRIGHT.search(text[: start if start >= 0 else len(text)] + name) is not None


def _window_under_letterhead(lines: Sequence[TextLine], line: TextLine, cell: Cell) -> bool:
    """Return True when `cell` heads an address block in page one's top half that stands apart
    under another address block aligned with it (a sender's block of three lines or more): the
    window under the letterhead, whose first line names the addressee."""
    if line.page != 1 or line.relative_top > 0.5 or line.index == 0:
        return False
    under = left_aligned(cells_below(lines, cell, depth=2), cell)
    if len(under) < 2 or not any(ch.isdigit() for c in under for ch in c.text):
        return False
    above = lines[line.index - 1]
    if above.page != line.page or cell.top - above.bottom < 2 * cell.height:
        return False
    block = [c for c in above.cells if abs(c.x0 - cell.x0) < cell.height]
    while block and len(block) < 3:
        over = _cell_above(lines, lines[block[0].line], block[0])
        if over is None or abs(over.x0 - cell.x0) >= cell.height:
            break
        block.insert(0, over)
    return len(block) >= 3 and any(ch.isdigit() for c in block for ch in c.text)


#: What a labelled name gains when the page prints it again as a legal name.
_AGREED = 0.2


def _seller_name(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int], vat_id: str | None
) -> Candidate[str] | None:
    labelled = [c for hit in hits_for(hits, SELLER) for c in name_lines_after(lines, hit, hits)]
    legal: dict[str, Candidate[str]] = {}
    counts: dict[str, int] = {}
    for line in lines:
        if line.index in buyer:
            continue
        item_header = is_item_header(line)
        for cell in line.cells:
            name = _legal_name(cell.text)
            if (name is None or len(name.split()) <= 2) and not item_header:
                # An item table's column labels are no name's words, whatever stands at their end
                # (a sidebar's wrapped legal form beside "Menge Einzelpreis Gesamtpreis").
                phrase = _phrase_ending_with(line, cell)
                name = _legal_name(phrase) or name
                if name is None and _LEGAL.fullmatch(phrase.strip()) and len(phrase) >= 4:
                    name = _with_short_name_above(lines, line, cell, phrase.strip())  # a shop name over its legal form on the next line
                    name = None if name == phrase.strip() else name
            if name is None or (cell is line.cells[0] and _window_under_letterhead(lines, line, cell)):
                continue  # no name; the addressee's in the window under the sender's own block
            ocr = stores.is_ocr(line)
            if ocr:
                name = _store_name(lines, line, name)
                if name is None:
                    continue
            name = _with_hyphenated_start(lines, line, cell, name)
            key = name.casefold()
            copyright_notice = _in_copyright_notice(cell.text, name)
            if cell.text.startswith(name) and not ocr:  # OCR: centred lines only (`stores`)
                name = _with_line_above(lines, line, cell, name)
            name = _with_short_name_above(lines, line, cell, name)
            if ocr:
                name = stores.with_centred_line_above(lines, line, name)
            counts[key] = counts.get(key, 0) + 1
            place = 0.3 if line.relative_top < 0.25 or line.relative_top > 0.75 else 0.0
            score = 0.4 + place
            if copyright_notice or _over_bank_codes(lines, cell):
                # "(c) intarsys AG": the author of the page's template; "Commerzbank AG" over
                # "BIC: COBADEHHXXX": the seller's bank, not its sender.
                score -= 0.4
            if key in legal:
                score = max(score, legal[key].score)
                name = max(name, legal[key].value, key=len)
            legal[key] = Candidate(name, score, line.index)
    def block_ids(c: Candidate[str]) -> set[str]:
        return _block_vat_ids(lines, c.line, c.value) if vat_id else set()

    def vat_agreed(printed: set[str]) -> float:
        return _VAT_AGREED if vat_id in printed else 0.0

    ranked = []
    for k, c in legal.items():
        printed = block_ids(c)
        # A block printing another VAT ID, not the seller's, is an addressee's that prints its own:
        # its tax number earns it no contact bonus.
        contact = 0.0 if printed and vat_id not in printed else _contact_bonus(lines, c.line, c.value)
        ranked.append(Candidate(c.value, c.score + 0.1 * min(counts[k], 4) + contact + vat_agreed(printed), c.line))
    # A name under the seller's label that is printed again as a legal name elsewhere (the footer)
    # is attested twice.
    labelled = [
        Candidate(c.value, c.score + (_AGREED if c.value.casefold() in legal else 0.0) + vat_agreed(block_ids(c)), c.line)
        for c in labelled
    ]
    found = labelled + ranked + _account_holders(lines, buyer) + stores.registered_names(lines)
    if not labelled:  # a labelled block's name is the labelled rule's to find
        found += _vat_block_names(lines, vat_id)
    if not found:
        return _first_name_line(lines, hits, buyer) or _header_name(lines, hits, buyer)
    chosen = best(found)
    assert chosen is not None
    # The same name printed elsewhere with the line a form's value cell left out ("MVM Musterhafter"
    # over "Name: Versicherungsverein Musterstadt a.G."): the whole name.
    whole = [c.value for c in found if c.value.endswith(" " + chosen.value) and _name_words(c.value[: -len(chosen.value)])]
    return Candidate(max(whole, key=len), chosen.score, chosen.line) if whole else chosen


#: The start of a street's line, a house number first ("35 rue d'ici, Bât. B", "221B Baker
#: Street"), whatever follows it on the line (`ADDRESS` wants the whole line to be the street).
_STREET_FIRST = re.compile(r"^\d{1,5}[a-zA-Z]?,?\s+[^\W\d]")
#: What the name heading the block that prints the seller's VAT ID scores: more than a legal name
#: printed once in a footer and nowhere beside the seller's VAT ID (0.8), less than one printed
#: in the letterhead with its contact details.
_VAT_BLOCK = 0.9
#: A line of more words than this is a sentence, not the name heading a block.
_NAME_WORDS = 6


def _vat_block_names(lines: Sequence[TextLine], vat_id: str | None) -> list[Candidate[str]]:
    """Return the name heading the address block that prints the seller's VAT ID: the line over
    the block's first street or postcode line ("LE FOURNISSEUR" over "35 rue d'ici" and "75018
    PARIS", then "N° TVA : FR 11 ..."). It finds a sender's name printed without a legal form,
    which the legal names' rule cannot."""
    if not vat_id:
        return []
    found = []
    for line in lines:
        # The buyer's block is counted in whole lines, and the seller's column may stand beside
        # it: the VAT ID, already the seller's, says whose block this is.
        for cell in line.cells:
            if not any(v.valid and v.value == vat_id for v in find_vat_ids(cell.text)):
                continue
            block = _block_above(lines, cell)
            street = next((i for i, c in enumerate(block) if _STREET_FIRST.match(c.text) or ADDRESS.search(c.text)), None)
            if not street:
                continue  # no street, or one heading the block with no name over it
            text = block[street - 1].text
            sentence = len(text.split()) > _NAME_WORDS  # a paragraph's line over a number opening the next
            name = None if ":" in text or sentence or CONTACT.search(text) else name_value(text)
            if name:
                found.append(Candidate(name, _VAT_BLOCK, block[street - 1].line))
    return found


def _block_above(lines: Sequence[TextLine], cell: Cell) -> list[Cell]:
    """Return the cells of the block that `cell` ends, top first: those on the lines above that
    start where it does (an address block) or are centred on it (a footer's centred lines), each
    under the one before with two lines left blank at most, up to twelve lines; of the two, the
    longer block."""
    return max((_aligned_block(lines, cell, aligned) for aligned in (left_aligned, centred_on)), key=len)


def _aligned_block(
    lines: Sequence[TextLine], cell: Cell, aligned: Callable[[Sequence[Cell], Cell], list[Cell]]
) -> list[Cell]:
    block = [cell]
    for before in lines[max(0, cell.line - 12) : cell.line][::-1]:
        top = block[0]
        if before.page != cell.page or top.top - before.bottom >= 3 * top.height:  # two lines left blank at most
            break
        above = aligned(before.cells, top)
        if len(above) > 1:
            break
        block[:0] = above  # a line of another column only, beside the block's blank line, adds nothing
    return block


def _name_words(text: str) -> bool:
    """Return whether `text` is a few capitalised words (part of a name), not a sentence's start."""
    words = text.split()
    return 0 < len(words) <= 3 and all(w[0].isupper() for w in words)


def _contact_bonus(lines: Sequence[TextLine], index: int, name: str) -> float:
    """Return a bonus for a name whose own block shows contact details or tax and bank numbers
    (the sender's letterhead or footer), which an addressee's block does not."""
    line = lines[index]
    cells = [c for c in line.cells if name.split()[0] in c.text] or list(line.cells)
    x0, height, middle = cells[0].x0, cells[0].height, (cells[0].x0 + cells[0].x1) / 2
    after = cells[0].text.partition(name)[2] if name in cells[0].text else ""
    if CONTACT.search(after) or any(CONTACT.search(c.text) for c in line.cells if c not in cells):
        return 0.3
    parts = [p.strip() for p in re.split(r"[,•·|]|\s[–-]\s", after) if p.strip()]
    if line.relative_top > 0.75 and len(parts) >= 2 and any(ADDRESS.search(p) for p in parts):
        return 0.3  # a footer's sender line, its address after its name ("Name, 71 High Street, 678 16 Stockholm")
    others = [c.text for c in line.cells if c not in cells]
    if any(find_vat_ids(text) or find_ibans(text) for text in [after, *others]):
        return 0.3  # a footer line "Name · street · town · VAT ID", in one cell or several
    for below in lines[index + 1 : index + 5]:
        if below.page != line.page:
            break
        if any(abs(c.x0 - x0) < 2 * height and CONTACT.search(c.text) for c in below.cells):
            return 0.3
        centred = abs((below.cells[0].x0 + below.cells[-1].x1) / 2 - middle) < 2 * height
        if centred and CONTACT.search(below.text):
            return 0.3  # a centred footer's next line, in as many cells as OCR split it into
    return 0.0


#: What a name gains whose own block prints the seller's VAT ID: a window's addressee may print
#: a VAT ID too, its own.
_VAT_AGREED = 0.2


def _block_vat_ids(lines: Sequence[TextLine], index: int, name: str) -> set[str]:
    """Return the valid VAT IDs the name's own block prints: after the name in its cell, in a
    footer's line beside it, or in the lines under it aligned with it."""
    line = lines[index]
    cell = next((c for c in line.cells if name.split()[0] in c.text), line.cells[0])
    texts = [cell.text.partition(name)[2] if name in cell.text else ""]
    if line.relative_top > 0.75:
        texts += [c.text for c in line.cells if c is not cell]
    for below in lines[index + 1 : index + 5]:
        if below.page != line.page:
            break
        texts += [c.text for c in below.cells if abs(c.x0 - cell.x0) < 2 * cell.height]
    return {v.value for text in texts for v in find_vat_ids(text) if v.valid}


def _store_name(lines: Sequence[TextLine], line: TextLine, name: str) -> str | None:
    """Return a legal name read by OCR as the shop's name, or None for noise, an item line or the
    owner printed under the shop ("Owned by: ... SDN BHD")."""
    form = _LEGAL.findall(name)[-1]
    owned = stores.owner_clause(line, name)
    if owned == "" or stores.owner_above(lines, line) or not stores.plausible_name(line, name, form):
        return None
    return owned or name


# The holder of the account to pay into is the seller ("Titulaire du compte : Muster").
_HOLDER = re.compile(
    r"(?:titulaire\s+du\s+compte|kontoinhaber(?:in)?|account\s+(?:holder|name)|beneficiary|begunstigter"
    r"|rekeninghouder|ten\s+name\s+van|kontohaver)\s*:\s*"
)


def _account_holders(lines: Sequence[TextLine], buyer: set[int]) -> list[Candidate[str]]:
    """Return the names printed after an account-holder label, outside the buyer's block."""
    found = []
    for line in lines:
        for cell in line.cells:
            m = _HOLDER.search(fold_chars(cell.text))
            if m is None or line.index in buyer:
                continue
            name = name_value(_SEPARATORS.split(cell.text[m.end() :])[0])
            if name:
                found.append(Candidate(name, 0.8, line.index))
    return found


def _phrase_ending_with(line: TextLine, cell: Cell) -> str:
    """Return the text of `cell` with the cells before it that OCR split off the same phrase."""
    words = [cell.text]
    position = line.cells.index(cell)
    for before, after in zip(line.cells[position - 1 :: -1], line.cells[position:0:-1]):
        if position == 0 or after.x0 - before.x1 > 4 * after.height:
            break
        words.insert(0, before.text)
    return " ".join(words)


def _with_short_name_above(lines: Sequence[TextLine], line: TextLine, cell: Cell, name: str) -> str:
    """Return `name` with the line above prepended when the name has no word before its legal
    form ("CO. LTD" under "SUNRISE BAKERY"); of a line of several cells, the cells near over it
    (a title far beside the name's line is no part of it)."""
    head = re.sub(r"\([^)]*\)", "", _LEGAL.split(name)[0])
    words = [w for w in re.findall(r"[A-Za-z]{2,}", head) if w.casefold() not in ("co", "and")]
    if words or line.index == 0 or lines[line.index - 1].page != line.page:
        return name
    above = lines[line.index - 1]
    near = [c.text for c in above.cells if max(c.x0 - cell.x1, cell.x0 - c.x1) < 2 * cell.height]
    text = " ".join(near).strip() if near else above.text.strip()
    if above.top < line.top - 2.5 * (line.bottom - line.top) or any(ch.isdigit() for ch in text):
        return name
    if ":" in text or len(text.split()) > 4 or sum(ch.isalpha() for ch in text) < 3:
        return name
    return f"{text} {name.lstrip(' —_-')}"


def _cell_above(lines: Sequence[TextLine], line: TextLine, cell: Cell) -> Cell | None:
    """Return the one cell right over `cell`, touching it, on the nearest line that has one: lines
    of smaller type in another column may stand between (a logo's two lines beside a column of
    references)."""
    above: list[Cell] = []
    for before in lines[max(0, line.index - 3) : line.index][::-1]:
        if before.page != line.page or cell.top - before.bottom >= 0.8 * cell.height:
            break
        # A text layer's boxes are the font's: the lines of a name in tight leading touch.
        above = [c for c in left_aligned(before.cells, cell) if -0.1 * cell.height <= cell.top - c.bottom < 0.8 * cell.height]
        if above:
            break
    return above[0] if len(above) == 1 else None


def _with_hyphenated_start(lines: Sequence[TextLine], line: TextLine, cell: Cell, name: str) -> str:
    """Return `name` with the start of its first word when the line above ends with a hyphen and
    the name goes on in lower case ("REISSWOLF Akten- und Daten-" over "vernichtung GmbH")."""
    if not name[:1].islower() or not cell.text.startswith(name):
        return name
    above = _cell_above(lines, line, cell)
    if above is None or not above.text.endswith("-") or any(ch.isdigit() or ch == ":" for ch in above.text):
        return name
    return above.text[:-1] + name


def _with_line_above(lines: Sequence[TextLine], line: TextLine, cell: Cell, name: str) -> str:
    """Return `name` with the line above prepended when the name was printed over two lines
    (`_cell_above`)."""
    cell_above = _cell_above(lines, line, cell)
    if cell_above is None or len(lines[cell_above.line].cells) > 2:
        return name
    text = cell_above.text
    if any(ch.isdigit() for ch in text) or ":" in text or _SEPARATORS.search(text) or len(text.split()) > 3:
        return name
    after = cell_after(lines, cell_above)
    if after is not None and after.text.startswith(":"):
        return name  # a label whose colon stands apart ("Nummer : 12345676")
    if SALUTATION.match(text) or text.isupper() != name.split()[0].isupper():
        return name
    if any(h.field in (SELLER, BUYER) and h.cell is cell_above for h in find_label_hits([lines[cell_above.line]])):
        return name  # the party's label over its name ("Émetteur")
    return f"{text} {name}"


_REGISTRATION = re.compile(r"\s*\(?[\w-]*\d{4,}[\w-]*(?:\s[A-Z])?\)?\s*$")


def _first_name_line(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int]
) -> Candidate[str] | None:
    """Return a receipt's store name: the first clearly read line of words at the top of an OCR
    page, outside the buyer's block and not a contact person's ("z. Hd. Anna Schmidt") nor a line
    of contact details."""
    labelled = {h.cell.line for h in hits}
    for line in lines:
        if line.page != 1 or line.relative_top > 0.25:
            break
        if line.index in buyer or CONTACT_PERSON.match(line.text) or CONTACT.search(line.text):
            continue  # the addressee's, a person to attend to, or an e-mail address or phone line
        # Logo specks and table rules read as cells of one character ("|", "'") are no part of the
        # name, nor is a speck read as a word of the name's cell: its confidence says nothing of the name.
        cells = [c for c in line.cells if sum(ch.isalnum() for ch in c.text) >= 2]
        words = [w for c in cells for w in c.words if any(ch.isalnum() for ch in w.text)]
        if line.index in labelled or not words or max(w.confidence for w in words) >= 1.0:
            continue  # a text layer has letterheads and legal names; this is for OCR
        if stores.owner_above(lines, line):
            continue  # "Owned by:" over it: the shop's owner, printed under the shop's name
        if stores.PLACE.search(line.text) or _TITLE_ONLY.match(line.text):
            continue  # the shopping centre the shop is in, or the document's title ("TAX INVOICE")
        text = _REGISTRATION.sub("", " ".join(c.text for c in cells)).strip(" .,:;-—_|\"'“”‘’")
        tokens = [t for t in re.findall(r"[A-Za-z&]+", text) if len(t) >= 2 or t == "&"]
        letters = sum(ch.isalpha() for ch in text)
        if len(tokens) < 2 or letters < 8 or letters < 0.7 * len(text.replace(" ", "")):
            continue
        if min(w.confidence for w in words) < 0.5 or any(ch.isdigit() or ch == ":" for ch in text):
            continue  # a smudge, a number line or a labelled line ("Cashier: ...")
        return Candidate(text, 0.3, line.index)
    return None


_TITLE_ONLY = re.compile(rf"^\W*(?:payment\s+)?{TITLE}\W*$", re.IGNORECASE)


def _header_name(lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int]) -> Candidate[str] | None:
    """Return the text printed largest near the top of page one (a letterhead, not the buyer's
    block), weakly."""
    top = [
        c for line in lines if line.page == 1 and line.relative_top < 0.2 and line.index not in buyer
        for c in line.cells
    ]
    # A cell that is one label and nothing else ("Afleveradres", "Bill to") heads a block. Cells
    # are known by their place: OCR's lines come here with their legal forms mended, as new cells.
    label_only = {
        (h.cell.line, h.cell.x0) for h in hits if h.start == 0 and h.end >= len(h.cell.folded.rstrip(" :."))
    }
    # A title, a label or a country's name is no letterhead.
    top = [
        c for c in top
        if sum(ch.isalpha() for ch in c.text) >= 3 and not _TITLE_ONLY.match(c.text)
        and (c.line, c.x0) not in label_only and not is_country_name(c.text)
    ]
    # The sender's website or e-mail domain names it ("www.northwind-traders.com", "Northwind
    # Traders"; "RDO18", "rdo18.com"), digits and all.
    domains = {re.sub(r"[^a-z0-9]", "", m.group(1)) for line in lines for m in _DOMAIN.finditer(line.folded)}
    named = [c for c in top if len(key := re.sub(r"[^a-z0-9]", "", c.folded)) >= 5 and ":" not in c.text
             and any(key in d for d in domains)]
    # A number or an e-mail address is no letterhead either.
    top = named or [c for c in top if not any(ch.isdigit() or ch in "#@:" for ch in c.text)]
    if not top:
        return None
    cell = max(top, key=lambda c: (round(c.height, 0), -c.top))
    return Candidate(cell.text, 0.3, cell.line)


#: A website's or an e-mail address's domain, without its top-level part.
_DOMAIN = re.compile(r"(?:\bwww\.|https?://(?:www\.)?|@)([a-z0-9][a-z0-9.-]*?)\.[a-z]{2,6}\b")
