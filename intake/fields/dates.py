"""Dates and payment terms as printed in English, German, French, Danish and Dutch.

Pure functions: text in, `datetime.date` out. Numeric dates are read day-first unless ISO
(year first) or unless only the month-first reading is a valid date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

#: Month names and abbreviations (accents folded, lower case) in en/de/fr/da/nl, to month number.
MONTHS: dict[str, int] = {}
_MONTH_NAMES = (
    ("january jan januar janv janvier januari", 1),
    ("february feb februar fevrier fevr fev februari", 2),
    ("march mar marz maerz mars marts mrz maart mrt", 3),
    ("april apr avril avr", 4),
    ("may mai maj mei", 5),
    ("june jun juni juin", 6),
    ("july jul juli juillet juil", 7),
    ("august aug aout augustus", 8),
    ("september sep sept septembre", 9),
    ("october oct oktober okt octobre", 10),
    ("november nov novembre", 11),
    ("december dec dezember dez decembre", 12),
)
for _names, _number in _MONTH_NAMES:
    for _name in _names.split():
        MONTHS[_name] = _number

#: A month's name; OCR reads its "o" as a zero now and then ("27 -0ct - 2024", "N0v"), which
#: `_from_match` reads back. A zero right after a digit is the number's own ("100ct" is no "10 Oct").
_MONTH = r"(?P<mon>(?:[A-Za-zÀ-ÿ]|(?<!\d)0)[A-Za-zÀ-ÿ0]{2,9})\.?"
#: Numeric dates print one separator twice: "REG #2- 25/12/2016" holds no date "2-25/12".
_PATTERNS = (
    re.compile(r"(?<!\d)(?P<y>\d{4})(?P<s>[-./])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)"),
    re.compile(
        r"(?<![\d.])(?P<d>\d{1,2})\s?(?P<s>[./-])\s?(?P<m>\d{1,2})\s?(?P=s)\s?(?P<y>\d{4}|\d{2})(?![\d]|\.\d)"
    ),
    # OCR reads a hyphen as a colon now and then ("07-Mar:2025"); after a month's name it is no time.
    re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:\.|er|st|nd|rd|th)?[\s/-]*" + _MONTH + r"[\s,:/-]*(?P<y>\d{4})(?!\d)"),
    # A year of two digits after a month's name, one separator twice ("28-Mar-18", "28 Mar 18
    # 18:32"); one that a colon follows is a time's hour ("28 Mar 18:32").
    re.compile(r"(?<!\d)(?P<d>\d{1,2})(?P<s>[-\s/])" + _MONTH + r"(?P=s)(?P<y>\d{2})(?![\d:])"),
    re.compile(r"(?<![A-Za-z])" + _MONTH + r"\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(?P<y>\d{4})(?!\d)"),
    # An e-invoice's date format 102 printed as it is: "20260815".
    re.compile(r"(?<![\w.,/-])(?P<y>20\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?![\w.,/-])"),
)


@dataclass(frozen=True, slots=True)
class DateMatch:
    value: dt.date
    start: int
    end: int


def fold(text: str) -> str:
    """Return `text` lower-cased with accents removed ("März" -> "marz")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_chars(text: str) -> str:
    """Return `text` folded character by character, so that positions stay the same."""
    if text.isascii():  # folding ASCII is lower-casing it; most text on an invoice is ASCII
        return text.lower()
    return "".join(map(_fold_char, text))


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = fold(char)
    return folded if len(folded) == 1 else char.lower()[:1] or char


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 and len(text) == 2 else year


def _build(year: int, month: int, day: int) -> dt.date | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _from_match(m: re.Match[str], month_first: bool = False) -> dt.date | None:
    groups = m.groupdict()
    year, day = _year(groups["y"]), int(groups["d"])
    if groups.get("mon") is not None:
        month = MONTHS.get(fold(groups["mon"]).replace("0", "o"))
        return None if month is None else _build(year, month, day)
    month = int(groups["m"])
    if month_first and m.re is _PATTERNS[1]:
        return _build(year, day, month) or _build(year, month, day)
    return _build(year, month, day) or _build(year, day, month)


def find_dates(text: str, month_first: bool = False) -> list[DateMatch]:
    """Return every date printed in `text`, in order, without overlaps; numeric dates such as
    03/11/2017 are read month-first when `month_first` (a US document), else day-first."""
    found: list[DateMatch] = []
    for pattern in _PATTERNS:
        position = 0
        while (m := pattern.search(text, position)) is not None:
            value = _from_match(m, month_first)
            # An impossible date may have swallowed the start of a real one ("#31- 12/05/2024").
            position = m.end() if value is not None else m.start() + 1
            if value is None or any(f.start < m.end() and m.start() < f.end for f in found):
                continue
            found.append(DateMatch(value, m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def reads_month_first(text: str) -> bool:
    """Return whether the numeric dates of a document are month-first: some date such as
    11/17/2017 reads only that way, and none reads only day-first."""
    month_first = day_first = False
    for m in _PATTERNS[1].finditer(text):
        if any(ch.isspace() for ch in m.group(0)):
            continue  # a date read across spaces may be OCR's run of two numbers ("1 .23.65"): no evidence
        first, second = int(m.group("d")), int(m.group("m"))
        # Only a real date is evidence: "1.98 .12" (two amounts) reads neither way. Dates written
        # month-first use slashes or dashes, never dots: "2.14.96" is a quantity and a price run together.
        month_first |= 31 >= second > 12 >= first and "." not in m.group(0)
        day_first |= 31 >= first > 12 >= second
    return month_first and not day_first


def parse_date(text: str) -> dt.date | None:
    """Return the first date printed in `text`, or None."""
    found = find_dates(text)
    return found[0].value if found else None


_TERM_DAYS = re.compile(
    r"(?P<n>\d{1,3})\s*(?:days?|tage?n?|jours?|dage|dg\.?)\b", re.IGNORECASE
)
_NET_DAYS = re.compile(r"\bnet(?:to)?\s*(?P<n>\d{1,3})\b", re.IGNORECASE)


def payment_term_days(text: str) -> int | None:
    """Return the days to pay named by payment terms ("30 days net", "14 Tagen"), the longest."""
    days = [int(m.group("n")) for m in _TERM_DAYS.finditer(text)]
    days += [int(m.group("n")) for m in _NET_DAYS.finditer(text)]
    days = [d for d in days if 0 < d <= 180]
    return max(days) if days else None


def format_date(value: dt.date, style: str, language: str = "en") -> str:
    """Return `value` printed in one of the styles this module reads (for tests and examples)."""
    months = {
        "en": "January February March April May June July August September October November December",
        "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
        "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
        "da": "januar februar marts april maj juni juli august september oktober november december",
        "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    }[language].split()
    name = months[value.month - 1]
    return {
        "iso": value.isoformat(),
        "dotted": f"{value.day:02d}.{value.month:02d}.{value.year}",
        "slashed": f"{value.day:02d}/{value.month:02d}/{value.year}",
        "dashed-short": f"{value.day:02d}-{value.month:02d}-{value.year % 100:02d}",
        "day-month": f"{value.day}{'.' if language in ('de', 'da') else ''} {name} {value.year}",
        "month-day": f"{name} {value.day}, {value.year}",
        "abbrev": f"{value.day:02d}-{months[value.month - 1][:3]}-{value.year}",
    }[style]
