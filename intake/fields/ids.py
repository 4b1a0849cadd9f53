"""VAT identification numbers and IBANs found in text, checked with python-stdnum.

Each VAT ID is checked with its own country's module (GB, CH and NO are not in the EU's). A VAT ID
whose checksum fails is kept (sample invoices print made-up numbers) and the caller lowers its
confidence; an IBAN is returned only when its checksum holds, since money is paid into it: one
character OCR may have confused ("O" for "0") is tried the other way, and a group that belongs to
the next word is dropped, but an IBAN no reading of which is valid is no IBAN.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from stdnum import get_cc_module, numdb
from stdnum import iban as stdnum_iban

from intake.fields.memo import per_document

_EU_PREFIXES = (
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI GB CHE NO"
).split()
#: The module that checks a VAT ID, by its prefix where that is not the country's ISO code.
_MODULE_CODES = {"EL": "gr", "XI": "gb", "CH": "ch"}
# Swiss and Norwegian VAT IDs end with the tax's name: "CHE-123.456.789 MWST", "NO 123 456 789 MVA".
_SUFFIX = re.compile(r"[\s.]?(MWST|TVA|IVA|TPV|MVA)(?![0-9A-Za-z])")

# A country prefix, then 8-14 characters with optional spaces or dots (or commas, OCR's dots)
# between digit groups. A group after a space must hold a digit, so that a following word
# ("... DE123456788 IBAN") stays out.
_VAT = re.compile(
    # Austria's "U" belongs to the prefix, which some print apart ("ATU 13585627").
    r"(?<![A-Z0-9])(?P<cc>ATU|" + "|".join(_EU_PREFIXES) + r")[\s.-]?"
    r"(?P<body>[0-9A-Z]{2}(?:[.,]?[0-9A-Z]{1,4}|\s(?=[A-Z]{0,3}[0-9])[0-9A-Z]{1,4}){2,6})(?![0-9A-Za-z])"
)
#: The longest VAT ID body with its country prefix (NL: 14 characters), before a suffix.
_VAT_MAX_LENGTH = 14
# Groups of four, the last one shorter ("CH93 0076 2011 6238 5295 7"), or all in one run.
#: Letters OCR reads for digits, each with the digit it stands for.
_DIGIT_LOOK_ALIKE = {"O": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
# The check digits may be read as letters that look like digits ("IEO7"), and one letter of the
# country as a digit ("F181..." for "FI81..."), mended below.
# A speck OCR reads inside a group, between two of its characters ("YP)J"), is no character of it.
_IBAN_CHAR = r"[A-Z0-9](?:[)(|](?=[A-Z0-9]))?"
_IBAN = re.compile(
    r"(?:(?<![^\W_])|(?<=IBAN))(?P<iban>(?:[A-Z]{2}|[A-Z][0-8]|[0-8][A-Z])\s?"
    rf"[\d{''.join(_DIGIT_LOOK_ALIKE)}]{{2}}(?:\s?(?:{_IBAN_CHAR}){{1,4}}){{3,8}})(?![A-Z0-9])"
)
#: The digit each letter in IBAN check digits stands for (they are digits).
_AS_DIGIT = str.maketrans(_DIGIT_LOOK_ALIKE)
#: Characters OCR confuses, each with the ones it may stand for.
_CONFUSED = {"O": "0", "0": "O", "I": "1J", "1": "I", "L": "1", "S": "5", "5": "S", "B": "8", "8": "B",
             "Z": "2", "2": "Z", "G": "6", "6": "G", "J": "I"}  # I and J: the neural OCR's
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


def european_vat_id(value: str) -> bool:
    """Return whether a VAT ID is a European one by its country prefix (the EU's, GB, CH, NO),
    checksum or not: an invoice of a seller registered there must state its VAT."""
    return value[:2].upper() in _EU_PREFIXES or value[:3].upper() == "CHE"


def vat_valid(value: str) -> bool:
    """Return whether a compact VAT ID passes its own country's check (GB with stdnum's gb.vat,
    CH with ch.vat, NO with no.mva, EU members with theirs)."""
    code = value[:2].upper()
    module = get_cc_module(_MODULE_CODES.get(code, code.lower()), "mva" if code == "NO" else "vat")
    if module is None:
        return False
    try:
        return bool(module.is_valid(value[2:] if code == "NO" else value))
    except Exception:  # noqa: BLE001 - a checker that chokes on odd input has not validated it
        return False


def company_id_valid(value: str) -> bool:
    """Return whether a compact value is a company's own register number that passes its check:
    a Swiss UID ("CHE421315262", the VAT ID without its suffix "MWST")."""
    module = get_cc_module("ch", "uid")
    return module is not None and value[:3].upper() == "CHE" and bool(module.is_valid(value))


_AFTER_IBAN_LABEL = re.compile(r"\bIBAN\W{0,3}$")


def find_vat_ids(text: str) -> list[IdMatch]:
    """Return VAT IDs in `text` (EU, GB, CH, NO) with whether their checksum passes, none inside
    an IBAN; a Swiss or Norwegian one with its suffix ("CHE123456789MWST", "NO123456789MVA")."""
    return list(_vat_ids_in(text))


@per_document  # the seller's, the buyer's and the party rules look at the same lines and cells
def _vat_ids_in(text: str) -> tuple[IdMatch, ...]:
    found = []
    upper = text.upper()
    ibans = [i for i in find_ibans(text) if i.valid]
    position = 0
    while (m := _VAT.search(upper, position)) is not None:
        # A match that is no VAT ID may have swallowed the start of one ("N° DE TVA FR0369...":
        # "DE" and what follows), so the search goes on from its next character.
        position = m.start() + 1
        if any(i.start <= m.start() < i.end for i in ibans) or _AFTER_IBAN_LABEL.search(upper, 0, m.start()):
            continue  # "FR76 10107 00245 ..." begins like a French VAT ID, where the rest wrapped too
        value, end = compact(m.group(0)), m.end()
        if not any(c.isdigit() for c in value[2:]) or value[2:5].isalpha():
            continue  # a word that begins like a prefix ("ITEMS 18870.50"): no VAT ID has three letters there
        if len(value) > _VAT_MAX_LENGTH and not vat_valid(value):
            continue  # longer than any VAT ID: an IBAN or an account number
        suffix = _SUFFIX.match(upper, end) if value[:2] in ("CH", "NO") else None
        if suffix is not None:
            value, end = value + suffix.group(1), suffix.end()
        valid = vat_valid(value)
        if not valid and (mended := _letter_read_for_digit(value) or _digit_read_for_letter(value)) is not None:
            value, valid = mended, True
        if not valid and sum(c.isdigit() for c in value) < 7:
            continue  # too few digits for a VAT ID, unless a look-alike letter mended makes one
        if not valid and "," in m.group(0):
            # A comma is OCR's reading of a dot ("CHE-896.161,045 MWST") only in a number that
            # passes: "de 12 345,67 €" is an amount.
            continue
        if not valid:
            value = _digits_where_only_digits(value)
        found.append(IdMatch(value, valid, m.start(), end))
        position = end
    return tuple(found)


#: The countries whose VAT numbers are digits only after the prefix.
_DIGITS_ONLY = frozenset("BE BG CZ DE DK EE EL FI HR HU IT LT LU LV MT PL PT RO SE SI SK".split())


def _digits_where_only_digits(value: str) -> str:
    """Return a VAT ID that fails its checksum with the letters in its number read as the digits
    they look like, where its country's numbers hold only digits ("DEI23456789" is "DE123456789",
    a test number that fails the check either way): no reading could be a letter there."""
    body = value[2:]
    if value[:2] not in _DIGITS_ONLY or body.isdigit() or not all(ch.isdigit() or ch in _DIGIT_LOOK_ALIKE for ch in body):
        return value
    return value[:2] + body.translate(_AS_DIGIT)


@functools.lru_cache(maxsize=1024)  # the same misread number is met on every line that prints it
def _letter_read_for_digit(value: str) -> str | None:
    """Return the VAT ID OCR read with one digit as its look-alike letter ("FIS6693096" for
    "FI56693096"), or else two where seven digits are read already ("DESS4060983" for
    "DE554060983"; not a code such as "DE12GS456"), when exactly one such reading passes the
    country's checksum; else None."""
    places = [i for i, ch in enumerate(value) if i >= 2 and ch in _DIGIT_LOOK_ALIKE]
    most = 2 if sum(ch.isdigit() for ch in value) >= 7 else 1
    return _one_valid(value, places, lambda ch: _DIGIT_LOOK_ALIKE[ch], most=most)


#: The letters a digit may be OCR's reading of, where a VAT ID has a letter.
_LETTER_LOOK_ALIKE_OF = {"8": "B", "0": "OD", "1": "IL", "5": "S", "2": "Z", "6": "G"}


@functools.lru_cache(maxsize=1024)
def _digit_read_for_letter(value: str) -> str | None:
    """Return the VAT ID OCR read with a letter as its look-alike digit where the country's number
    has a letter: a Dutch "B" read "8" ("NL976722318801"), a Spanish company's first letter
    ("ES809847476" for "ESB09847476"); taken when exactly one such reading passes the checksum
    (a letter where the number has digits passes none)."""
    places = [i for i, ch in enumerate(value) if i >= 2 and ch in _LETTER_LOOK_ALIKE_OF]
    return _one_valid(value, places, lambda ch: _LETTER_LOOK_ALIKE_OF[ch], most=1)


def _one_valid(value: str, places: list[int], readings: Callable[[str], str], most: int = 2) -> str | None:
    """Return the one reading of `value` that passes its checksum with the characters at one of
    `places` read otherwise (each as one of `readings` of it), else at two; None when none or
    several pass."""
    for count in range(1, most + 1):
        valid = set()
        for chosen in itertools.combinations(places, count):
            options = [readings(value[i]) for i in chosen]
            for letters in itertools.product(*options):
                read = list(value)
                for i, letter in zip(chosen, letters):
                    read[i] = letter
                if vat_valid(candidate := "".join(read)):
                    valid.add(candidate)
        if valid:
            return valid.pop() if len(valid) == 1 else None
    return None


# Letters OCR reads as digits in a VAT ID's country prefix ("68" for "GB", "11" for "IT").
_PREFIX_LOOK_ALIKE = {"0": "OD", "1": "ITL", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}


def _prefix_readings(head: str) -> list[str]:
    """Return the letter pairs `head` (two characters) may be, digits read as look-alike letters."""
    options = [_PREFIX_LOOK_ALIKE.get(ch, "") + (ch if ch.isalpha() else "") for ch in head]
    return [a + b for a in options[0] for b in options[1]]


def find_misread_vat_ids(text: str) -> list[IdMatch]:
    """Return VAT IDs whose country prefix OCR read as look-alike digits ("68529024458" for
    "GB529024458"), taken only when exactly one mended number passes its country's checksum."""
    found = []
    for m in re.finditer(r"(?<![A-Za-z0-9])[0-9A-Z]{2}[0-9A-Z]?[0-9]{7,12}[A-Z0-9]{0,3}(?![A-Za-z0-9])", text.upper()):
        token = m.group(0)
        if token[:2].isalpha():
            continue
        mended = {
            prefix + token[2:] for prefix in _prefix_readings(token[:2])
            if prefix in _EU_PREFIXES and vat_valid(prefix + token[2:])
        }
        if len(mended) == 1:
            found.append(IdMatch(mended.pop(), True, m.start(), m.end()))
    return found


def find_other_tax_ids(text: str) -> list[IdMatch]:
    """Return tax-number-shaped tokens (e.g. GSTIN, TIN) that are not EU VAT IDs; one that is a
    VAT ID passing its check after a character OCR made of a mark before it ("1IE0157527WH" for
    "|IE0157527WH") as that VAT ID."""
    found = []
    for m in _OTHER_TAX_ID.finditer(text):
        value = m.group("id")
        if sum(c.isdigit() for c in value) < 6:
            continue
        if value[1:3].isalpha() and vat_valid(value[1:]):
            found.append(IdMatch(value[1:], True, m.start() + 1, m.end()))
        else:
            found.append(IdMatch(value, False, m.start(), m.end()))
    return found


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


#: A word with three small letters in a row ("Bankverbindung"): IBANs are printed in capitals, so
#: such a word never continues one (with a confused character mended, mod 97 passes by chance).
_WORD = re.compile(r"[^\W\d_]+")
_THREE_SMALL = re.compile(r"[a-zß]{3}")
#: The start of an IBAN at a text's end: its country, check digits and maybe some groups.
_IBAN_STUB_AT_END = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d\d[A-Z0-9 ]*[.,;:)]?\s*$")


def iban_shaped(text: str) -> bool:
    """Return whether `text` holds a run shaped like an IBAN (country, check digits, groups),
    valid or not."""
    return _IBAN.search(text.upper()) is not None


#: An IBAN printed as the standard prints it: country, check digits, then groups of four, the last
#: one maybe shorter, one space apart.
_GROUPED_IBAN = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)(?![A-Z0-9])")


def unread_grouped_iban(text: str) -> bool:
    """Return whether `text` prints an IBAN in the standard's groups of four, as long as its
    country's IBANs are, that no reading validates: an account printed but misread, label or not
    (a run of that shape and length is hardly anything else)."""
    upper = text.upper()
    for m in _GROUPED_IBAN.finditer(upper):
        run = compact(m.group(1))
        kinds = _bban_kinds(run[:2]) if _iban_country(run[:2]) else ""
        if kinds and len(run) == 4 + len(kinds) and not any(i.start < m.end() and i.end > m.start() for i in find_ibans(text)):
            return True
    return False


def find_ibans(text: str) -> list[IdMatch]:
    """Return the IBANs in `text` whose checksum holds (read through one confused character)."""
    found: list[IdMatch] = []
    upper = text.upper()
    if _IBAN.search(upper) is None:
        return found  # most lines; blanking words (below) only ever takes runs away
    if _THREE_SMALL.search(text):
        upper = _WORD.sub(_blank_if_small, text).upper()
    for m in _IBAN.finditer(upper):
        run = compact(m.group("iban"))
        if not run[2:4].isdigit():
            if not _iban_country(run[:2]):
                continue
            run = run[:2] + run[2:4].translate(_AS_DIGIT) + run[4:]
        if not run[:2].isalpha():
            value = _country_misread(run)
        else:
            value = _valid_iban(run)
        if value is not None:
            found.append(IdMatch(value, True, m.start(), m.end()))
    return found


def _blank_if_small(word: re.Match[str]) -> str:
    text = word.group()
    return "-" * len(text) if _THREE_SMALL.search(text) else text


def ends_in_iban_start(text: str) -> bool:
    """Return whether `text` ends with the start of an IBAN that no valid IBAN covers (one wrapped
    onto the next line)."""
    m = _IBAN_STUB_AT_END.search(text)
    return m is not None and not any(i.end > m.start() for i in find_ibans(text))


_IBAN_REGISTRY = numdb.get("iban")


def _country_misread(run: str) -> str | None:
    """Return the valid IBAN a run begins with once the digit in its country code is read as the
    letter it looks like ("F1" for "FI"), when exactly one reading is valid as printed; no other
    character is mended."""
    found = {
        valid for country in _prefix_readings(run[:2])
        if _iban_country(country) and (valid := _longest_valid(country + run[2:])) is not None
    }
    return found.pop() if len(found) == 1 else None


def _longest_valid(run: str) -> str | None:
    """Return the longest valid IBAN the run begins with (a trailing group may belong to the
    next word: "... 00 BIC"), or None."""
    for end in range(min(len(run), 34), 14, -1):
        if _iban_checksum_holds(run[:end]) and stdnum_iban.is_valid(run[:end]):
            return run[:end]
    return None


@functools.cache  # a few hundred country codes at most; the registry lookup is not cheap
def _iban_country(code: str) -> bool:
    """Return whether the country uses IBANs (the registry python-stdnum checks them by)."""
    return bool(_IBAN_REGISTRY.info(code)[0][1])


#: Each letter as the number ISO 13616 puts in its place (A=10 ... Z=35).
_IBAN_LETTERS = str.maketrans({letter: str(int(letter, 36)) for letter in string.ascii_uppercase})


def _iban_checksum_holds(run: str) -> bool:
    """Return whether a run of digits and capitals passes the IBAN's mod-97 check: what
    `stdnum_iban.is_valid` checks first, at a fraction of its cost (a run is tried at every
    length, and again with each confusable character changed; nearly all fail here)."""
    return int((run[4:] + run[:4]).translate(_IBAN_LETTERS)) % 97 == 1


#: The letter each digit OCR reads for a letter stands for, where a letter must be.
_LETTER_LOOK_ALIKE = str.maketrans({"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "B"})
_BBAN_PART = re.compile(r"(\d+)!([nac])")


@functools.cache
def _bban_kinds(country: str) -> str:
    """Return, per character after the check digits, what the country's account number has there:
    'n' a digit, 'a' a letter, 'c' either ("IT": 'a' then ten 'n' then twelve 'c'); '' if unknown."""
    structure = _IBAN_REGISTRY.info(country)[0][1].get("bban", "")
    return "".join(kind * int(count) for count, kind in _BBAN_PART.findall(structure))


def _as_structured(run: str) -> str:
    """Return the run with each look-alike read where the country's account number has a digit
    (or a letter) as that digit (or letter): "IT42 6821..." is "IT42 G821...", as Italy's account
    number starts with a letter."""
    kinds = _bban_kinds(run[:2])
    body = [
        ch.translate(_AS_DIGIT) if kind == "n" else ch.translate(_LETTER_LOOK_ALIKE) if kind == "a" else ch
        for ch, kind in zip(run[4:], kinds)
    ]
    return run[:4] + "".join(body) + run[4 + len(body) :]


@per_document  # find_vat_ids, seller_iban and the party rules look at the same text
def _valid_iban(run: str) -> str | None:
    """Return the valid IBAN a run of IBAN-shaped characters begins with, or None.

    Shorter forms are tried (`_longest_valid`); a run that no form validates is read with its
    look-alikes as its country's account number structure has them (`_as_structured`), then
    again with one confused character changed, and taken only when exactly one such reading is
    valid."""
    as_printed = _longest_valid(run)
    if as_printed is not None:
        return as_printed
    run = _as_structured(run)
    structured = _longest_valid(run)
    if structured is not None:
        return structured
    mended = set()
    for end in range(min(len(run), 34), 14, -1):
        for i in range(2, end):
            for other in _CONFUSED.get(run[i], ""):
                candidate = run[:i] + other + run[i + 1 : end]
                # The check digits are digits: "DE12" never reads as "DEI2", which mod 97 may pass.
                if candidate[2:4].isdigit() and _iban_checksum_holds(candidate) and stdnum_iban.is_valid(candidate):
                    mended.add(candidate)
        if mended:
            break
    return mended.pop() if len(mended) == 1 else None
