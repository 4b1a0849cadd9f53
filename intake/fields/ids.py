"""VAT identification numbers and IBANs found in text, checked with python-stdnum.

A shape match is kept even when its checksum fails (sample invoices print made-up numbers);
the caller lowers its confidence instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat

_EU_PREFIXES = (
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI GB CHE"
).split()

# A country prefix, then 8-14 characters with optional spaces/dots between digit groups. A group
# after a space must hold a digit, so that a following word ("... DE123456788 IBAN") stays out.
_VAT = re.compile(
    r"(?<![A-Z0-9])(?P<cc>" + "|".join(_EU_PREFIXES) + r")[\s.-]?"
    r"(?P<body>[0-9A-Z]{2}(?:\.?[0-9A-Z]{1,4}|\s(?=[A-Z]{0,3}[0-9])[0-9A-Z]{1,4}){2,6})(?![0-9A-Za-z])"
)
#: The longest EU VAT ID with its country prefix (NL: 14 characters).
_VAT_MAX_LENGTH = 14
_IBAN = re.compile(r"(?<![A-Z0-9])(?P<iban>[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{2,4}){3,8})(?![A-Z0-9])")
# Tax numbers outside the EU printed after a VAT-like label: GSTIN, Indian TIN, plain digits.
_OTHER_TAX_ID = re.compile(r"(?<![A-Za-z0-9])(?P<id>[0-9A-Z]{2,}[0-9][0-9A-Z]{5,})(?![A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class IdMatch:
    value: str  # compact: no spaces or punctuation
    valid: bool  # checksum passed
    start: int
    end: int


def compact(text: str) -> str:
    """Return `text` upper-cased without spaces and punctuation."""
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def find_vat_ids(text: str) -> list[IdMatch]:
    """Return EU-style VAT IDs in `text` with whether their checksum passes, none inside an IBAN."""
    found = []
    ibans = [i for i in find_ibans(text) if i.valid]
    for m in _VAT.finditer(text.upper()):
        if any(i.start <= m.start() < i.end for i in ibans):
            continue  # "FR76 10107 00245 ..." begins like a French VAT ID
        value = compact(m.group(0))
        if not any(c.isdigit() for c in value[2:]) or sum(c.isdigit() for c in value) < 7:
            continue
        if len(value) > _VAT_MAX_LENGTH and not stdnum_vat.is_valid(value):
            continue  # longer than any VAT ID: an IBAN or an account number
        found.append(IdMatch(value, bool(stdnum_vat.is_valid(value)), m.start(), m.end()))
    return found


def find_other_tax_ids(text: str) -> list[IdMatch]:
    """Return tax-number-shaped tokens (e.g. GSTIN, TIN) that are not EU VAT IDs."""
    return [
        IdMatch(m.group("id"), False, m.start(), m.end())
        for m in _OTHER_TAX_ID.finditer(text)
        if sum(c.isdigit() for c in m.group("id")) >= 6
    ]


def find_tax_id_after_word(text: str) -> IdMatch | None:
    """Return the tax number printed right after a tax word ("TVA X1234567890"), if `text` starts
    with one: a whole token of letters and digits, or of nine digits or more."""
    m = re.match(r"\s*:?\s*(?P<id>\S+)(?:\s|$)", text)
    if m is None:
        return None
    token = m.group("id").rstrip(".,;")
    letters, digits = sum(c.isalpha() for c in token), sum(c.isdigit() for c in token)
    if not token.isalnum() or digits < 6 or (letters == 0 and digits < 9):
        return None
    return IdMatch(token.upper(), False, m.start("id"), m.start("id") + len(token))


def find_ibans(text: str) -> list[IdMatch]:
    """Return IBAN-shaped strings in `text` with whether their checksum passes."""
    found = []
    upper = text.upper()
    for m in _IBAN.finditer(upper):
        value = compact(m.group("iban"))
        valid = bool(stdnum_iban.is_valid(value))
        if not valid:
            # A trailing group may belong to the next field ("... 00 BIC"); try shorter forms.
            value, valid = _longest_valid_prefix(value)
        if 15 <= len(value) <= 34:
            found.append(IdMatch(value, valid, m.start(), m.end()))
    return found


def _longest_valid_prefix(value: str) -> tuple[str, bool]:
    for end in range(len(value), 14, -1):
        if stdnum_iban.is_valid(value[:end]):
            return value[:end], True
    return value, False
