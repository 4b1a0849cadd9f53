"""What a payment's remittance text names: invoice numbers and payment references. Pure.

Payers write invoice numbers in many ways ("INV-2026-0001", "inv 2026 0001", "INV20260001"), so
a number is found whatever the case and whether its parts are joined by spaces, dashes, slashes,
dots or nothing; but never inside a longer one ("INV-2026-00012" does not name "INV-2026-0001")
and never split where the number is not ("2026-01-15" does not name "2026-0115"), so that a date
or an amount is not taken for a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from invoicing.billing import is_creditor_reference

#: Shortest invoice number (letters and digits) looked for in text: shorter ones ("17") occur in
#: any text by chance; such invoices are found by their reference or their payer and amount.
MIN_NUMBER_LENGTH = 5
#: Runs of letters and digits a reference may be written in ("RF18 5390 0754 7034": 4;
#: "21 00000 00003 13947 14300 09017": 6).
_REFERENCE_RUNS = 9
_RUN = re.compile(r"[A-Z0-9]+")


def is_qr_reference(text: str) -> bool:
    """Return whether `text` (spaces ignored) is a Swiss QR reference: 27 digits, the last a mod-10 recursive check."""
    digits = "".join(text.split())
    if len(digits) != 27 or not digits.isascii() or not digits.isdigit():
        return False
    return digits[-1] == _mod10_recursive(digits[:-1])


def _mod10_recursive(digits: str) -> str:
    table = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)
    carry = 0
    for digit in digits:
        carry = table[(carry + int(digit)) % 10]
    return str((10 - carry) % 10)


def is_payment_reference(text: str) -> bool:
    """Return whether `text` is a reference a bank carries unchanged: an RF creditor reference or a Swiss QR reference."""
    return is_creditor_reference(text) or is_qr_reference(text)


@dataclass(frozen=True, slots=True)
class NumberKey:
    """An invoice number as it is looked for: its letters and digits, and where it may be split."""

    compact: str
    #: Positions in `compact` where the written number may be split: where the number itself has a
    #: separator, or turns from letters to digits or back.
    cuts: frozenset[int]

    @classmethod
    def of(cls, number: str) -> NumberKey | None:
        """Return the key of `number`, or None when it is too short to look for in text."""
        runs = [run for run in re.split(r"[^A-Z0-9]+", number.upper()) if run]
        compact = "".join(runs)
        if len(compact) < MIN_NUMBER_LENGTH or not any(c.isdigit() for c in compact) or not compact.isascii():
            return None
        cuts, position = set(), 0
        for run in runs:
            if position:
                cuts.add(position)
            cuts.update(position + i for i in range(1, len(run)) if run[i].isdigit() != run[i - 1].isdigit())
            position += len(run)
        return cls(compact, frozenset(cuts))

    @property
    def runs(self) -> int:
        """Return the most runs the number may be written in."""
        return len(self.cuts) + 1


@dataclass(frozen=True, slots=True)
class Window:
    """Consecutive runs of letters and digits in a text, joined: a candidate number or reference."""

    compact: str
    cuts: frozenset[int]


def windows(text: str, max_runs: int) -> Iterator[Window]:
    """Yield every window of 1..`max_runs` consecutive runs of letters and digits joined by soft separators.

    Runs are maximal (a window never starts or ends inside a longer run), and a window never
    crosses other punctuation (",", ":", ";", "#", brackets...).
    """
    for segment in re.split(r"[^A-Z0-9\s\-_/.]+", text.upper()):
        runs = _RUN.findall(segment)
        for start in range(len(runs)):
            compact, cuts = "", set()
            for run in runs[start : start + max_runs]:
                if compact:
                    cuts.add(len(compact))
                compact += run
                yield Window(compact, frozenset(cuts))


def references_in(text: str, known: Iterable[str] = ()) -> set[str]:
    """Return the valid payment references written in `text` (compact); with `known`, only those among them.

    A reference split by spaces has shorter windows that may pass the RF checksum by chance (1 in 97),
    so references found in free text are kept only when they are `known` ones, if given.
    """
    wanted = set(known)
    found = set()
    for window in windows(text, _REFERENCE_RUNS):
        if (window.compact.startswith("RF") or len(window.compact) == 27) and is_payment_reference(window.compact):
            if not wanted or window.compact in wanted:
                found.add(window.compact)
    return found
