"""Seller and buyer: names near legal forms and section labels, the seller's VAT ID and IBAN.

The buyer's block (after "Bill to", "Rechnungsempfänger", "Facturé à", or the address window)
is found first, so that names, VAT IDs and IBANs printed inside it are not taken for the seller's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from intake.fields.candidates import Candidate, LabelHit, best, hits_for, value_places
from intake.fields.ids import find_ibans, find_other_tax_ids, find_vat_ids
from intake.fields.labels import BUYER, BUYER_VAT_ID, IBAN, SELLER, VAT_ID
from intake.fields.layout import TextLine

LEGAL_FORMS = (
    "GmbH & Co. KG", "GmbH & Co KG", "GmbH & Co.", "GmbH", "gGmbH", "AG", "KG", "OHG", "e.K.", "e.V.",
    "a.G.", "UG", "SE", "SARL", "S.A.R.L.", "SAS", "S.A.S.", "SA", "S.A.", "EURL", "SCI", "SNC",
    "Ltd.", "Ltd", "Limited", "LLC", "LLP", "Inc.", "Inc", "Corp.", "Corporation", "PLC", "plc",
    "ApS", "A/S", "I/S", "K/S", "P/S", "IVS", "B.V.", "BV", "N.V.", "NV", "Sdn Bhd", "Sdn. Bhd.",
    "SDN BHD", "SDN. BHD.", "Bhd", "BHD", "Pvt. Ltd.", "Pvt Ltd", "Private Limited", "S.r.l.", "S.p.A.",
    "AB", "Oy", "AS", "GbR", "PartG", "mbB", "KGaA", "Co.", "Enterprise", "Trading",
)
_LEGAL = re.compile(
    r"(?<![A-Za-z])(?:" + "|".join(re.escape(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True))
    + r")(?![A-Za-z])"
)
_SALUTATION = re.compile(
    r"^(?:herrn?|frau|firma|fa\.|mr\.?|mrs\.?|ms\.?|m\.|mme\.?|monsieur|madame|hr\.?|fr\.?|attn\.?)\s*$",
    re.IGNORECASE,
)
_NAME_LABEL = re.compile(
    r"^(?:name|firma|company|raison\s+sociale|nom|navn|firmenname)\s*:?\s*", re.IGNORECASE
)
_SEPARATORS = re.compile(r"\s+[•·|,–-]\s+|\s{2,}")


def _clean_name(text: str) -> str:
    text = _NAME_LABEL.sub("", text.strip(" :,;"))
    return _SEPARATORS.split(text)[0].strip(" :,;©") if _LEGAL.search(text) is None else text


def _legal_name(text: str) -> str | None:
    """Return the name ending with a legal form in `text` ("Hetzner Online GmbH"), if any."""
    matches = list(_LEGAL.finditer(text))
    if not matches:
        return None
    part = text[: matches[-1].end()]
    for sep in _SEPARATORS.finditer(part):
        if sep.end() <= matches[0].start():
            part = part[sep.end() :]
    part = _NAME_LABEL.sub("", part.strip(" :,;©"))
    return part if len(part) > len(matches[-1].group(0)) + 1 else None


def _name_lines_after(lines: Sequence[TextLine], hit: LabelHit) -> list[Candidate[str]]:
    """Return the first name-like text after a party label (inline, right or below it)."""
    found = []
    places = value_places(lines, hit, [hit])
    named = [p for p in places if _NAME_LABEL.match(p.text) and _NAME_LABEL.sub("", p.text)]
    for place in named[:1] + places:
        text = place.text if place.kind != "below" else place.text
        if _SALUTATION.match(text) or not any(ch.isalpha() for ch in text) or text.endswith(":"):
            continue
        name = _clean_name(text)
        if name and len(name) >= 2:
            found.append(Candidate(name, hit.label.weight * max(place.factor, 0.7), hit.cell.line))
            break
    return found


def buyer_block(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> set[int]:
    """Return the indexes of lines that hold the buyer's address block."""
    block: set[int] = set()
    for hit in hits_for(hits, BUYER):
        for line in lines[hit.cell.line : hit.cell.line + 6]:
            if line.page == hit.cell.page:
                block.add(line.index)
    return block


def buyer_name(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> Candidate[str] | None:
    """Return the buyer's name: the block after a buyer label, else the address window."""
    found = [c for hit in hits_for(hits, BUYER) for c in _name_lines_after(lines, hit)]
    if found:
        return best(found)
    return _address_window(lines)


def _address_window(lines: Sequence[TextLine]) -> Candidate[str] | None:
    """Return the first line of the recipient window (left, upper third of page one)."""
    window = [
        line for line in lines if line.page == 1 and 0.1 < line.relative_top < 0.35
    ]
    for line in window:
        cell = line.cells[0]
        if cell.height < 0.8 * _body_height(lines) or _SEPARATORS.search(cell.text):
            continue  # the small return-address line above the recipient
        if _SALUTATION.match(cell.text) or not any(ch.isalpha() for ch in cell.text):
            continue
        return Candidate(_clean_name(cell.text), 0.35, line.index)
    return None


def _body_height(lines: Sequence[TextLine]) -> float:
    heights = sorted(c.height for line in lines for c in line.cells)
    return heights[len(heights) // 2] if heights else 0.0


def seller_name(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int]
) -> Candidate[str] | None:
    """Return the seller's name: after a seller label, else a legal name in header or footer."""
    labelled = [c for hit in hits_for(hits, SELLER) for c in _name_lines_after(lines, hit)]
    legal: dict[str, Candidate[str]] = {}
    counts: dict[str, int] = {}
    for line in lines:
        for cell in line.cells:
            name = _legal_name(cell.text)
            if name is None or line.index in buyer:
                continue
            key = name.casefold()
            counts[key] = counts.get(key, 0) + 1
            place = 0.3 if line.relative_top < 0.25 or line.relative_top > 0.75 else 0.0
            score = 0.4 + place
            if key not in legal or legal[key].score < score:
                legal[key] = Candidate(name, score, line.index)
    ranked = [Candidate(c.value, c.score + 0.1 * min(counts[k], 4), c.line) for k, c in legal.items()]
    found = labelled + ranked
    if not found:
        return _header_name(lines)
    return best(found)


def _header_name(lines: Sequence[TextLine]) -> Candidate[str] | None:
    """Return the text printed largest near the top of page one (a letterhead), weakly."""
    top = [c for line in lines if line.page == 1 and line.relative_top < 0.2 for c in line.cells]
    top = [c for c in top if sum(ch.isalpha() for ch in c.text) >= 3]
    if not top:
        return None
    cell = max(top, key=lambda c: (round(c.height, 0), -c.top))
    return Candidate(cell.text, 0.3, cell.line)


def _near_label(lines: Sequence[TextLine], hits: Sequence[LabelHit], line: int, field: str) -> bool:
    return any(h.field == field and 0 <= line - h.cell.line <= 1 for h in hits)


def seller_vat_id(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int]
) -> Candidate[str] | None:
    """Return the seller's VAT ID: a labelled or valid VAT ID outside the buyer's block."""
    found = []
    for line in lines:
        labelled = _near_label(lines, hits, line.index, VAT_ID)
        matches = find_vat_ids(line.text)
        if not matches and labelled:
            matches = find_other_tax_ids(line.text)
        for m in matches:
            score = 0.4 + (0.3 if labelled else 0.0) + (0.2 if m.valid else 0.0)
            score += 0.2 if line.relative_top > 0.75 else 0.0
            if line.index in buyer or _near_label(lines, hits, line.index, BUYER_VAT_ID):
                score -= 0.5
            found.append(Candidate(m.value, score, line.index))
    return best(found)


def seller_iban(lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int]) -> Candidate[str] | None:
    """Return the seller's IBAN: a labelled or valid IBAN outside the buyer's block."""
    found = []
    for line in lines:
        labelled = _near_label(lines, hits, line.index, IBAN)
        for m in find_ibans(line.text):
            score = 0.4 + (0.3 if labelled else 0.0) + (0.25 if m.valid else 0.0)
            if line.index in buyer:
                score -= 0.5
            found.append(Candidate(m.value, score, line.index))
    return best(found)
