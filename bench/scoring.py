"""Scoring of extracted fields against the corpus ground truth, normalised as its README says.

Per field: documents whose true value is null or absent are not scored for accuracy; a missing
prediction is wrong. `judge_document` also says how: right, wrong (another value), missed (none)
and, where the truth says the field is not printed (null), invented (a value returned anyway) or
rightly left empty. Dates compare as ISO, amounts at two decimals with their sign, currency upper-case,
invoice numbers case/whitespace-folded without a leading '#', VAT IDs and IBANs without spaces or
punctuation, party names case/punctuation-folded and equal when difflib's ratio is >= 0.85.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from invoicing.extraction import FIELD_NAMES, ExtractedInvoice

NAME_RATIO = 0.85
DATE_FIELDS = frozenset({"issue_date", "due_date"})
AMOUNT_FIELDS = frozenset({"total", "net_total", "tax_total"})
ID_FIELDS = frozenset({"seller.vat_id", "seller.iban"})
NAME_FIELDS = frozenset({"seller.name", "buyer.name"})


def truth_value(truth: dict[str, Any], name: str) -> Any:
    """Return the true value of a dotted field name, None when absent or null."""
    head, _, tail = name.partition(".")
    value = truth.get(head)
    if tail:
        value = value.get(tail) if isinstance(value, dict) else None
    return value


def _amount(value: Any) -> str | None:
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except InvalidOperation:
        return None


def _name(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def normalise(name: str, value: Any) -> str | None:
    """Return the comparable form of a field value (None stays None)."""
    if value is None:
        return None
    if name in DATE_FIELDS:
        return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]
    if name in AMOUNT_FIELDS:
        return _amount(value)
    if name == "currency":
        return str(value).strip().upper()
    if name == "invoice_number":
        return "".join(str(value).casefold().split()).removeprefix("#")
    if name in ID_FIELDS:
        return re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()
    return _name(value)


def field_correct(name: str, predicted: Any, truth: Any) -> bool:
    """Return whether a predicted value matches the true one under the scoring rules."""
    want, got = normalise(name, truth), normalise(name, predicted)
    if got is None or want is None:
        return False
    if name in NAME_FIELDS:
        return difflib.SequenceMatcher(None, got, want).ratio() >= NAME_RATIO
    return got == want


RIGHT, WRONG, MISSED, INVENTED, EMPTY = "right", "wrong", "missed", "invented", "empty"
#: The marks `judge_document` gives, in the order reports print them.
MARKS = (RIGHT, WRONG, MISSED, INVENTED, EMPTY)


def judge_document(extracted: ExtractedInvoice | None, truth: dict[str, Any]) -> dict[str, str]:
    """Return, for each field the truth knows (a value or null), one of `MARKS`."""
    marks = {}
    for name in FIELD_NAMES:
        head, _, tail = name.partition(".")
        known = head in truth and (not tail or (isinstance(truth[head], dict) and tail in truth[head]))
        if not known and not (tail and head in truth and truth[head] is None):
            continue
        want = truth_value(truth, name)
        got = None if extracted is None else extracted.field_value(name)
        if want is None:
            marks[name] = EMPTY if got is None else INVENTED
        elif got is None:
            marks[name] = MISSED
        else:
            marks[name] = RIGHT if field_correct(name, got, want) else WRONG
    return marks


def score_document(extracted: ExtractedInvoice | None, truth: dict[str, Any]) -> dict[str, bool]:
    """Return, for each scored field of one document, whether the extraction got it right."""
    scores = {}
    for name in FIELD_NAMES:
        want = truth_value(truth, name)
        if want is None:
            continue
        got = None if extracted is None else extracted.field_value(name)
        scores[name] = field_correct(name, got, want)
    return scores
