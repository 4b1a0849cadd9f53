"""Money amounts and currencies as printed, in English, German, French, Swiss and Danish styles.

Pure functions: text in, `Decimal` out. Never goes through float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from intake.fields.memo import per_document

# A number with optional grouping (',', '.', ' ', "'", thin spaces) and an optional decimal part.
# Space grouping needs a decimal part, so that "2 275,00" in a table row is not one number.
_NUMBER = re.compile(
    # Not inside a word or another number; a fill line ("Total ....12.00", "Total __12.00") ends before it.
    r"(?=[-−–(\d.,])(?:(?<![\w.,'/-])|(?<=__|\.\.))"
    r"(?P<neg>[-−–]\s?)?"
    r"(?P<open>\()?"
    r"(?P<num>"
    # A space after the decimal mark of a grouped amount that ends its cell or line, the mark the
    # other one than the grouping's ("20.338, 61", "1,234. 50", "2'693, 03", "28 485, 06"): OCR's too.
    r"\d{1,3}(?:(?:[.'’ \u202f\u00a0]\d{3})+, |(?:[,'’]\d{3})+\. )\d{2}(?=\W*$)"
    r"|\d{1,3}(?:[.,'’]\d{3})+(?:[.,]\d{1,4})?"
    r"|\d{1,3}(?:[ \u202f\u00a0]\d{3})+[.,]\d{1,4}"
    # OCR puts a space after a thousands separator now and then ("18, 250.40", "7. 450,00"): one
    # grouping mark and, after the groups, the other one with the cents.
    r"|\d{1,3}(?:(?:, ?\d{3})+\.|(?:\. ?\d{3})+,)\d{2}"
    # Where only spaces and marks follow (a line's or a cell's last amount), a space beside the
    # decimal mark or between the cents is OCR's ("12 .50", "4, 30", "0.8 0"), and the whole part
    # may be unprinted (".05"); not after a date's first part ("12. 10. 24").
    r"|(?<!\d[.,] )(?:\d+(?: ?[.,]\d{2}|[.,] \d{2}|[.,]\d \d)|(?<![._])[.,]\d{2})(?=\W*$)"
    # OCR puts a space after the decimal mark now and then ("26460. 41"): two digits after it that
    # start nothing further (a date "24. 12. 2024" goes on) are the cents.
    r"|(?<!\d[.,] )\d{2,}[.,] \d{2}(?![.,]\s?\d)"
    r"|\d+(?:[.,]\d{1,4})?"
    r")"
    r"(?P<close>\))?"
    r"(?P<trail>-)?"
    r"(?![\w/%]|[.,]\d|-\d|\s?%)"
)

#: ISO 4217 codes accepted when printed, and symbols or local abbreviations that name one.
CURRENCY_CODES: frozenset[str] = frozenset(
    "EUR USD GBP CHF DKK SEK NOK PLN CZK HUF JPY CNY INR MYR SGD AUD CAD NZD HKD ZAR BRL".split()
)
CURRENCY_SYMBOLS: tuple[tuple[str, str], ...] = (
    ("€", "EUR"),
    ("£", "GBP"),
    ("₹", "INR"),
    ("US$", "USD"),
    ("$", "USD"),
    ("¥", "JPY"),
    ("Rs.", "INR"),
    ("Rs", "INR"),
    ("RM", "MYR"),
    ("Fr.", "CHF"),
    ("kr.", "DKK"),
    ("kr", "DKK"),
    ("zł", "PLN"),
)
_SYMBOL_RE = re.compile(
    "|".join(
        (r"(?<![A-Za-z])" + re.escape(s) + (r"(?![A-Za-z])" if s[-1].isalpha() else ""))
        for s, _ in CURRENCY_SYMBOLS
    )
)
# A currency mark between a minus and its number ("-RM 0.05", "-EUR12.00"): the minus signs the number.
_SIGNED_MARK = re.compile(
    r"([-−–])(?<![\w.,].)(?:" + _SYMBOL_RE.pattern + "|" + "|".join(sorted(CURRENCY_CODES)) + r")\s?(?=[\d.,])"
)
#: Thousands separators inside a number: spaces and apostrophes.
_GROUPING = re.compile(r"[ \u202f\u00a0'’]")
_CODE_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(sorted(CURRENCY_CODES)) + r")(?![A-Za-z])")
# A code glued to digits names a currency only after an amount's cents ("12.50DKK") or before an
# amount with cents ("USD1,234.50"); with other digits it is part of a reference, an IBAN's group
# or a postcode ("7DKK", "BL7 MYR1").
_STANDING_CODE_RE = re.compile(
    r"(?<![A-Za-z])(?:(?<!\d)|(?<=\d[.,]\d\d))(" + "|".join(sorted(CURRENCY_CODES)) + r")(?![A-Za-z])"
    r"(?:(?!\d)|(?=[\d.,'’]*[.,]\d\d(?!\d)))"
)


@dataclass(frozen=True, slots=True)
class AmountMatch:
    value: Decimal
    start: int
    end: int
    #: True when the printed number has a decimal part (a price rather than a count).
    has_decimals: bool


def _to_decimal(num: str) -> tuple[Decimal, bool] | None:
    """Return the number's value and whether it had a decimal part, deciding which mark is which."""
    digits = _GROUPING.sub("", num)
    marks = [c for c in digits if c in ".,"]
    decimal_mark: str | None = None
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
    elif len(marks) == 1 and len(digits) - digits.index(marks[0]) - 1 != 3:
        decimal_mark = marks[0]
    if decimal_mark is None:
        plain, has_dec = digits.replace(".", "").replace(",", ""), False
    else:
        whole, _, frac = digits.rpartition(decimal_mark)
        plain = whole.replace(".", "").replace(",", "") + "." + frac
        has_dec = True
    try:
        return Decimal(plain), has_dec
    except InvalidOperation:
        return None


def find_amounts(text: str) -> list[AmountMatch]:
    """Return every number in `text` read as an amount, in the order printed."""
    return list(_amounts_in(text))


#: An international phone number: "+", the country's code and two or more groups of digits
#: ("+65 708 57049", "+49 (30) 1234-567"), none of which is an amount.
_PHONE = re.compile(r"(?<![\w+])\+\s?\d{1,3}(?:[ \-/.]?\(\d{1,5}\)|[ \-/.]\d{1,8}){2,}(?![\d,.]*\d)")


# The rules read the same lines and cells for amounts several times over (three times as many
# calls as distinct texts on a typical invoice).
@per_document
def _amounts_in(text: str) -> tuple[AmountMatch, ...]:
    found = []
    phones = [m.span() for m in _PHONE.finditer(text)] if "+" in text else []
    for m in _NUMBER.finditer(text):
        if phones and any(start <= m.start() < end for start, end in phones):
            continue
        parsed = _to_decimal(m.group("num"))
        if parsed is None:
            continue
        value, has_dec = parsed
        negative = bool(m.group("neg") or m.group("trail") or (m.group("open") and m.group("close")))
        found.append(AmountMatch(-value if negative else value, m.start(), m.end(), has_dec))
    return tuple(found)


def parse_amount(text: str) -> Decimal | None:
    """Return the amount when `text` is one amount (currency marks allowed), else None."""
    stripped = strip_currency(text).strip()
    matches = find_amounts(stripped)
    if len(matches) != 1 or matches[0].end - matches[0].start < len(stripped.rstrip(".")):
        return None
    return matches[0].value


@per_document
def strip_currency(text: str) -> str:
    """Return `text` without currency codes and symbols; one between a minus and its number goes
    without a trace ("-RM 0.05" gives "-0.05"), so the minus stays the number's."""
    if _SIGNED_MARK.search(text):  # seldom so: a search is quicker than a sub that finds nothing
        text = _SIGNED_MARK.sub(r"\1", text)
    return _CODE_RE.sub(" ", _SYMBOL_RE.sub(" ", text))


#: One or two letters OCR glued to a grouped amount with cents: a currency's mark misread and
#: its space lost ("zt7,727.71" for "zł 7,727.71"), which keeps the amount from being read.
_GLUED_MARK = re.compile(r"(?<![A-Za-z])[A-Za-z]{1,2}(?=\d{1,3}(?:[.,]\d{3})+[.,]\d{2}(?!\d))")


def strip_ocr_currency(text: str) -> str:
    """Return OCR'd `text` without currency marks (`strip_currency`), nor the one or two letters
    of a mark OCR misread and glued to a grouped amount with cents ("zt7,727.71")."""
    return _GLUED_MARK.sub(" ", strip_currency(text))


def find_currencies(text: str, symbols: bool = True) -> list[str]:
    """Return the ISO codes of every currency code in `text` and, if `symbols`, every currency
    symbol, in order. A code glued to digits counts only beside an amount's cents ("12.50DKK",
    "USD1,234.50"; not "7DKK" or "MYR1")."""
    hits = [(m.start(), m.group(1)) for m in _STANDING_CODE_RE.finditer(text)]
    if symbols:
        codes = dict(CURRENCY_SYMBOLS)
        hits += [(m.start(), codes[m.group(0)]) for m in _SYMBOL_RE.finditer(text)]
    return [code for _, code in sorted(hits)]


def format_amount(value: Decimal, group: str, decimal_mark: str) -> str:
    """Return `value` with two decimals, grouped by `group` and using `decimal_mark`."""
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value):.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + group.join(groups) + decimal_mark + frac
