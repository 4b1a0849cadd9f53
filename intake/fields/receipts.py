"""Totals a shop receipt proves by its own arithmetic, read through OCR noise.

A receipt prints the same total several times (total, rounding, amount tendered less change), so
one misread digit in the labelled total can be outvoted: the rounding adjustment applied to the
total before rounding, or cash less change, gives the figure the shop charged. OCR also breaks
amounts ("12, 40" for 12.40) and drops decimal points ("1240" for 12.40). Words such as "Total"
and "Rounding" are matched allowing one misread letter, never by a list of seen misreadings.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from decimal import Decimal

from intake.fields.amounts import AmountMatch, find_amounts, strip_currency
from intake.fields.candidates import Candidate
from intake.fields.layout import TextLine
from intake.fields.stores import is_ocr

CENT = Decimal("0.01")
#: A rounding adjustment is a few cents either way.
_MAX_ROUNDING = Decimal("0.10")
_WORD = re.compile(r"[^\W_]+")


def _near(word: str, target: str) -> bool:
    """Return whether OCR's `word` may be `target`: equal, or (for words of five letters or more)
    one letter added, dropped or changed."""
    if word == target:
        return True
    if len(target) < 5 or abs(len(word) - len(target)) > 1:
        return False
    if len(word) == len(target):
        return sum(a != b for a, b in zip(word, target, strict=True)) == 1
    short, long = sorted((word, target), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _words(folded: str) -> list[str]:
    """Return the words of a folded line, and each two neighbours joined (OCR splits words)."""
    words = _WORD.findall(folded)
    return words + [a + b for a, b in zip(words, words[1:])]


def says(folded: str, *targets: str) -> bool:
    """Return whether a folded line holds one of `targets` as OCR may have read it."""
    # One letter misread leaves one half of a target whole, and every word (or two words joined)
    # is part of the line's words run together: a line without either half cannot say it.
    run_together = "".join(_WORD.findall(folded))
    targets = tuple(t for t in targets if t[: len(t) // 2] in run_together or t[len(t) // 2 :] in run_together)
    if not targets:
        return False
    words = _words(folded)
    # `_near` only on words of about the target's length: most words of a line are not.
    return any(
        target in words
        or (len(target) >= 5 and any(abs(len(w) - len(target)) <= 1 and _near(w, target) for w in words))
        for target in targets
    )


class _Says:
    """A stand-in for a compiled pattern: `search` tells whether a line says one of the words."""

    def __init__(self, *targets: str, then: str | None = None) -> None:
        self.targets, self.then = targets, then

    def search(self, folded: str) -> bool:
        if self.then is None:
            return says(folded, *self.targets)
        words = _WORD.findall(folded)
        # "Rounding Adj": the word (or its two halves), then an abbreviation starting with `then`.
        for i in range(len(words) - 1):
            if not words[i + 1].startswith(self.then):
                continue
            ends = [words[i], words[i - 1] + words[i]] if i else [words[i]]
            if any(_near(word, target) for word in ends for target in self.targets):
                return True
        return False


# "Rounding Adj", "Rounding Adjustment", read through one misread letter.
_ROUNDING = _Says("rounding", then="ad")
_ROUNDING_LINE = _Says("rounding", "round", "rounded")
# "Total", read through one misread or lost letter.
_TOTAL = _Says("total")
_INCLUSIVE = re.compile(r"\bincl")
_NOT_GROSS = re.compile(r"\b(?:qty|quantity|tax|gst|excl?|sub|items?|discount|savings?)\b")
# What follows an amount whose decimal mark was read but not its cents: the mark, at most one stray
# character and marks.
_CENTS_UNREAD = re.compile(r"[.,](?:\s\S)?\W*")


def _last_printed(text: str) -> tuple[str, AmountMatch] | None:
    """Return `text` without its currency marks and the last amount in it, if it has one."""
    stripped = strip_currency(text)
    amounts = find_amounts(stripped)
    return (stripped, amounts[-1]) if amounts else None


def last_amount(text: str) -> Decimal | None:
    """Return the amount with cents that ends `text` ("CREDIT 64, 30"), negative after a minus or a
    faint one OCR read as '~' ("~0.02")."""
    found = _last_printed(text)
    if found is None:
        return None
    stripped, amount = found
    if amount.value.as_tuple().exponent != -2 or _WORD.search(stripped, amount.end):
        return None
    faint_minus = stripped[: amount.start].rstrip().endswith("~")
    return -amount.value if faint_minus and amount.value > 0 else amount.value


def _cents_unread(text: str) -> int | None:
    """Return the whole part of the amount that ends `text` with its cents unread ("Total 12. 4"),
    if one does."""
    stripped = strip_currency(text)
    # The stray mark may be a digit, read as an amount of its own.
    for amount in reversed(find_amounts(stripped)[-2:]):
        if not amount.has_decimals and _CENTS_UNREAD.fullmatch(stripped, amount.end):
            return int(abs(amount.value))
    return None


def printed_receipt_amounts(lines: Sequence[TextLine]) -> set[Decimal]:
    """Return every line's last amount, broken decimals mended."""
    return {a for line in lines if (a := last_amount(line.text)) is not None}


def rounding_adjustments(lines: Sequence[TextLine]) -> list[Decimal]:
    """Return the rounding adjustments a document prints ("Rounding -0.01"): a few cents either way."""
    found = []
    for line in lines:
        if not _ROUNDING_LINE.search(line.folded):
            continue
        adjustment = last_amount(line.text)
        if adjustment is not None and 0 < abs(adjustment) <= _MAX_ROUNDING:
            found.append(adjustment)
    return found


def rounded_totals(lines: Sequence[TextLine]) -> list[Candidate[Decimal]]:
    """Return totals after a printed rounding adjustment: the gross total above it plus the adjustment."""
    printed: set[Decimal] | None = None  # worked out at the first rounding line: most have none
    found = []
    for i, line in enumerate(lines):
        if not _ROUNDING.search(line.folded):
            continue
        adjustment = last_amount(line.text)
        if adjustment is None or abs(adjustment) > _MAX_ROUNDING:
            continue
        if printed is None:
            printed = printed_receipt_amounts(lines)
        for above in reversed(lines[max(0, i - 3) : i]):
            folded = above.folded
            if not _TOTAL.search(folded) or (
                _NOT_GROSS.search(folded) and not _INCLUSIVE.search(folded)
            ):
                continue
            before = last_amount(above.text)
            if before is not None and before > 0:
                # An adjustment printed without its sign may be taken off: the rounded total
                # printed elsewhere (or cash less change) tells which.
                signs = (before + adjustment, before - adjustment) if adjustment > 0 else (before + adjustment,)
                confirmed = next((t for t in signs if t in printed), None)
                # Unconfirmed, it stays below a labelled total: some receipts charge the unrounded one.
                found.append(Candidate(signs[0], 0.45, line.index) if confirmed is None else Candidate(confirmed, 1.2, line.index))
            break
    return found


def _digits(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", "")


def misread_by_one(printed: Decimal, proved: Decimal) -> bool:
    """Return whether `printed` may be OCR's reading of `proved`: one digit differs, or the
    decimal point was lost ("1240" for 12.40)."""
    if printed == proved * 100:
        return True
    a, b = _digits(printed), _digits(proved)
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def proved_over_misread(
    labelled: Sequence[Candidate[Decimal]], proved: Sequence[Candidate[Decimal]]
) -> list[Candidate[Decimal]]:
    """Return the proved totals (cash less change, rounding) that outrank a labelled total they
    differ from by one misread digit or a lost decimal point."""
    if not labelled:
        return []
    top = max(labelled, key=lambda c: c.score)
    return [
        Candidate(p.value, top.score + 0.2, p.line)
        for p in proved
        if p.value != top.value and p.value > 0 and misread_by_one(top.value, p.value)
    ]


def _amount_confidence(line: TextLine) -> float:
    """Return how clearly OCR read the last number on `line` (its word's confidence)."""
    return next((w.confidence for w in reversed(line.words) if any(ch.isdigit() for ch in w.text)), 0.0)


def lost_leading_digit(printed: Decimal, proved: Decimal) -> bool:
    """Return whether `printed` is `proved` with its first digit unread ("2.50" for 12.50)."""
    a, b = _digits(printed), _digits(proved)
    return len(b) == len(a) + 1 and b[1:] == a


def subtotals_over_misread(
    lines: Sequence[TextLine], labelled: Sequence[Candidate[Decimal]]
) -> list[Candidate[Decimal]]:
    """Return the sum of two subtotals printed above an OCR'd labelled total when it differs from
    that total by one misread digit (subtotals 10.00 and 20.50 over a total read as 38.50 give
    30.50) or a lost first digit. Only subtotals read at
    least as clearly as the total may overrule it, as a blurred subtotal is the likelier
    misreading, unless one of them exceeds the total, which a total cannot be below."""
    if not labelled:
        return []
    top = max(labelled, key=lambda c: c.score)
    line = lines[top.line]
    if not is_ocr(line) or last_amount(line.text) != top.value:
        return []
    clarity = _amount_confidence(line)
    read: dict[Decimal, float] = {}
    for above in lines[: top.line]:
        a = last_amount(above.text) if _TOTAL.search(above.folded) else None
        if a is not None and a > 0:
            read[a] = max(read.get(a, 0.0), _amount_confidence(above))
    return [
        Candidate(a + b, top.score + 0.2, top.line)
        for a, b in itertools.combinations(sorted(read), 2)
        if a + b != top.value
        and (misread_by_one(top.value, a + b) or lost_leading_digit(top.value, a + b))
        and (min(read[a], read[b]) >= clarity or b > top.value)
    ]


def cents_unread_totals(lines: Sequence[TextLine]) -> list[Candidate[Decimal]]:
    """Return the total a receipt prints with its cents unread ("Total 12. 4"): the one amount
    printed elsewhere with the same whole part."""
    printed: set[Decimal] | None = None  # worked out at the first such total: most have none
    found = []
    for line in lines:
        whole = _cents_unread(line.text)
        if whole is None or not is_ocr(line) or not _TOTAL.search(line.folded) or _NOT_GROSS.search(line.folded):
            continue
        if printed is None:
            printed = printed_receipt_amounts(lines)
        same = {a for a in printed if a > 0 and int(a) == whole}
        if len(same) == 1:
            found.append(Candidate(same.pop(), 0.8, line.index))
    return found


_PAID = re.compile(r"\b(?:cash|tendered|paid|credit|card|visa|mastercard|tunai|bayar)\b")
_CHANGE = re.compile(r"\b(?:change|baki|kembali)\b")


def _line_amount(line: TextLine) -> Decimal | None:
    """Return the last amount printed on `line`, to the cent."""
    found = _last_printed(line.text)
    return found[1].value.quantize(CENT) if found else None


def paid_minus_change(lines: Sequence[TextLine], printed: set[Decimal]) -> list[Candidate[Decimal]]:
    """Return totals a receipt proves by arithmetic: the amount tendered less the change given;
    `printed` is every amount the document prints (`printed_amounts`)."""
    found = []
    for i, line in enumerate(lines):
        paid = _line_amount(line) if _PAID.search(line.folded) and not _CHANGE.search(line.folded) else None
        if paid is None or paid <= 0:
            continue
        for after in lines[i + 1 : i + 4]:
            change = _line_amount(after) if _CHANGE.search(after.folded) else None
            if change is not None and 0 <= change < paid:
                total = paid - change
                # A change of zero or a total also printed elsewhere makes the reading sure.
                sure = change == 0 or total in printed
                found.append(Candidate(total, 1.1 if sure else 0.5, line.index))
                break
    return found
