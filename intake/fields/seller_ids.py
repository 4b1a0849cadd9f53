"""The seller's VAT ID and IBAN: labelled or checksum-valid ones outside the buyer's block."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from intake.fields.buyers import left_of_buyer_labels
from intake.fields.candidates import (
    Candidate,
    LabelHit,
    best,
    hits_for,
    lines_near_label,
    value_places,
)
from intake.fields.ids import (
    IdMatch,
    ends_in_iban_start,
    find_ibans,
    find_misread_vat_ids,
    find_other_tax_ids,
    find_tax_id_after_word,
    find_vat_ids,
    iban_shaped,
    unread_grouped_iban,
)
from intake.fields.labels import (
    BUYER_VAT_ID,
    IBAN,
    INVOICE_NUMBER,
    PAYERS_ACCOUNT,
    TAX_TOTAL,
    VAT_ID,
)
from intake.fields.layout import Cell, TextLine, cell_spans, cells_after, cells_below

#: The suffixes of Norwegian and Swiss VAT IDs, which name the tax ("MVA", "MWST").
_TAX_SUFFIXES = ("MVA", "MWST", "TVA", "IVA")


def seller_vat_id(
    lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int], *, besides: str | None = None
) -> Candidate[str] | None:
    """Return the seller's VAT ID: a labelled or valid VAT ID outside the buyer's block; with
    `besides` (the buyer's VAT ID, taken for the seller's), the likeliest other one, never in the
    buyer's block."""
    found = []
    vat_labelled, buyer_labelled = lines_near_label(hits, VAT_ID), lines_near_label(hits, BUYER_VAT_ID)
    for line in lines:
        if besides is not None and line.index in buyer:
            continue
        labelled = line.index in vat_labelled
        matches = _vat_ids_on(line)
        if not matches and labelled:
            # Only beside a VAT label: a digit string may pass some checksum by chance.
            matches = find_misread_vat_ids(line.text) or find_other_tax_ids(line.text)
        if not matches:
            # A Norwegian or Swiss VAT ID's own suffix ("N0027732453MVA") labels it as one; one
            # whose prefix OCR read half as a look-alike digit keeps the other letter
            # ("F151763219" for "FI51763219"). A number read all in digits needs a label.
            misread = find_misread_vat_ids(line.text)
            suffixed = [m for m in misread if m.value.endswith(_TAX_SUFFIXES)]
            matches = suffixed or [m for m in misread if any(ch.isalpha() for ch in line.text[m.start : m.start + 2])]
            labelled = labelled or bool(suffixed)
        if not matches:
            matches = _ids_after_tax_word(line, hits)
            labelled = labelled or bool(matches)
        for m in matches:
            if m.value == besides or (not labelled and _number_labels_value(lines, line, m, hits)):
                continue
            score = 0.4 + (0.3 if labelled else 0.0) + (0.2 if m.valid else 0.0)
            score += 0.2 if line.relative_top > 0.75 else 0.0
            if line.index in buyer_labelled or (line.index in buyer and not left_of_buyer_labels(line, m.value, hits)):
                score -= 0.5
            found.append(Candidate(m.value, score, line.index))
    return best(found)


def _number_labels_value(
    lines: Sequence[TextLine], line: TextLine, match: IdMatch, hits: Sequence[LabelHit]
) -> bool:
    """Return whether the match stands where a label that names the invoice's number ("Facture N°",
    "Invoice No."; not a bare "Nr." as in "Org.nr.") puts its value on its line (`value_places`,
    "Facture N° | RO94900"): it is the invoice's number, whatever checksum it passes."""
    printed = line.text[match.start : match.end]
    for hit in hits:
        if hit.field != INVOICE_NUMBER or hit.label.weight < 1.0 or hit.cell.line != line.index:
            continue
        beside = next((p for p in value_places(lines, hit, hits) if p.kind in ("inline", "right")), None)
        if beside is not None and beside.text.startswith(printed):
            return True
    return False


def _vat_ids_on(line: TextLine) -> list[IdMatch]:
    """Return the VAT IDs the line prints: in its text where they stay within a cell or run on only
    into cells of their own digits or suffix ("VAT ID NO | 467 | 820 | 907 | MVA", as OCR splits a
    photo's line), and those a cell holds alone. The line's text runs one cell's digits on into the
    next column's ("N° TVA : FR 11 123 456 782 06000 NICE", or an invoice number "RO59502" and a
    date "28. Januar 2025" read as "RO5950228")."""
    if len(line.cells) == 1:
        return find_vat_ids(line.text)
    found = [m for m in find_vat_ids(line.text) if _within_its_cells(line, m)]
    seen = {m.value for m in found}
    return found + [  # offsets in the line's text, as the line's own matches have them
        replace(m, start=start + m.start, end=start + m.end)
        for start, _, cell in cell_spans(line) for m in find_vat_ids(cell.text) if m.value not in seen
    ]


#: A cell a VAT ID OCR split may run on into: digits of its own (taken whole), or the tax's suffix.
_ID_PART_CELL = re.compile(r"^(?:\d+|MVA|MWST|TVA|IVA)$")


def _within_its_cells(line: TextLine, m: IdMatch) -> bool:
    """Return whether an ID found in the line's text enters no cell after its first but cells it
    takes whole that hold only digits or its suffix."""
    return not any(
        m.start < start < m.end and (m.end < end or not _ID_PART_CELL.match(cell.text.strip()))
        for start, end, cell in cell_spans(line)
    )


def _ids_after_tax_word(line: TextLine, hits: Sequence[LabelHit]) -> list[IdMatch]:
    """Return tax numbers printed right after a tax word on `line` ("TVA X1234567890", "BTW ..."),
    which there names the seller's number rather than an amount."""
    found = []
    for hit in hits:
        if hit.field == TAX_TOTAL and hit.cell.line == line.index:
            m = find_tax_id_after_word(hit.cell.text[hit.end :])
            if m is not None:
                found.append(m)
    return found


def runs_on(line: TextLine, after: TextLine) -> bool:
    """Return whether `line`'s sentence goes on in `after`: no full stop, and the next line just under it."""
    height = line.bottom - line.top
    return (not line.text.rstrip().endswith(".") and line.page == after.page
            and -0.5 * height <= after.top - line.bottom < 1.5 * height)


def seller_iban(lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int]) -> Candidate[str] | None:
    """Return the seller's IBAN: a labelled or valid IBAN outside the buyer's block and not the
    payer's account a direct debit names."""
    found = []
    iban_labelled = lines_near_label(hits, IBAN)
    before: TextLine | None = None  # the line before, when it named the payer's account but no IBAN
    for line in lines:
        if (before is not None and runs_on(before, line)) or PAYERS_ACCOUNT.search(line.folded):
            before = None if find_ibans(line.text) else line
            continue
        before = None
        labelled = line.index in iban_labelled
        for m in find_ibans(line.text) + _wrapped_ibans(lines, line):
            score = 0.4 + (0.3 if labelled else 0.0) + (0.25 if m.valid else 0.0)
            if line.index in buyer:
                score -= 0.5
            found.append(Candidate(m.value, score, line.index))
    return best(found)


def unread_iban(lines: Sequence[TextLine], hits: Sequence[LabelHit], buyer: set[int]) -> bool:
    """Return whether an IBAN label outside the buyer's block, not naming the payer's account, is
    followed by something shaped like an IBAN (on its line or the next), or such a line prints an
    IBAN in the standard's groups of four that fails its checksum (`unread_grouped_iban`): an
    account printed but not read, which a person must look at rather than the invoice going on
    without it."""
    for hit in hits_for(hits, IBAN):
        line = lines[hit.cell.line]
        if line.index in buyer or PAYERS_ACCOUNT.search(line.folded):
            continue
        after = " ".join([hit.cell.text[hit.end :], *(c.text for c in cells_after(lines, hit.cell, 4))])
        below = lines[line.index + 1] if line.index + 1 < len(lines) else None
        if iban_shaped(after) or (below is not None and below.page == line.page and iban_shaped(below.text)):
            return True
    return any(
        unread_grouped_iban(cell.text)
        for line in lines if line.index not in buyer and not PAYERS_ACCOUNT.search(line.folded)
        for cell in line.cells
    )  # fmt: skip


def _wrapped_ibans(lines: Sequence[TextLine], line: TextLine) -> list[IdMatch]:
    """Return the IBANs that begin at the end of a cell of `line` and go on in the next line: in
    the cell under it (a narrow column) or, where the sentence runs on, at the next line's start."""
    found = []
    after = lines[line.index + 1] if line.index + 1 < len(lines) else None
    for cell in line.cells:
        if not ends_in_iban_start(cell.text):
            continue
        nexts: list[Cell] = cells_below(lines, cell, depth=1)
        if cell is line.cells[-1] and after is not None and runs_on(line, after):
            nexts.insert(0, after.cells[0])
        for other in dict.fromkeys(nexts):  # the next line's first cell may be under it too
            joined = f"{cell.text} {other.text}"
            found += [m for m in find_ibans(joined) if m.start < len(cell.text) < m.end]
            if found:
                return found
    return found
