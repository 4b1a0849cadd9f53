"""Use case: correct one field of an incoming invoice by hand, as an audited change.

The invoice keeps what was read in `extracted`; a correction changes the field itself and writes
an `invoice.corrected` audit event with the value before and after (what learning reads later).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.clock import Clock
from invoicing.db.models import Invoice
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import InvalidTransition, InvoicingError, NotFound
from invoicing.money import parse_amount, quantize


class InvalidCorrection(InvoicingError):
    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(f"{field} {value!r}: {reason}")
        self.field = field
        self.value = value


def parse_date(text: str) -> dt.date:
    """Return the date in "2026-03-31" or "31.03.2026"."""
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"not a date: {text!r} (use 2026-03-31 or 31.03.2026)") from e


def _amount(text: str) -> Decimal:
    return quantize(parse_amount(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text))


def _currency(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError("a currency is a three-letter code such as EUR")
    return code


def _text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        text = text.strip()
        if not text or len(text) > limit:
            raise ValueError(f"needs 1 to {limit} characters")
        return text

    return parse


#: The fields a person may correct, each with the parser of its value.
FIELDS: dict[str, Callable[[str], object]] = {
    "number": _text(100),
    "issue_date": parse_date,
    "due_date": parse_date,
    "currency": _currency,
    "net_total": _amount,
    "tax_total": _amount,
    "total": _amount,
    "seller_name": _text(300),
    "seller_vat_id": _text(32),
    "seller_iban": lambda t: _text(34)(t.replace(" ", "").upper()),
    "buyer_name": _text(300),
    "payment_reference": _text(200),
}
_CLOSED = frozenset({InvoiceStatus.PAID, InvoiceStatus.REJECTED})


@dataclass(frozen=True, slots=True)
class Correction:
    invoice_id: int
    field: str
    before: object
    after: object


def correct_field(session: Session, clock: Clock, invoice_id: int, field: str, value: str, actor: str) -> Correction:
    """Set one field of an incoming invoice to a corrected value, audited, and return the change."""
    if field not in FIELDS:
        raise InvalidCorrection(field, value, f"not a field that can be corrected ({', '.join(FIELDS)})")
    try:
        parsed = FIELDS[field](value)
    except ValueError as e:
        raise InvalidCorrection(field, value, str(e)) from e
    invoice = session.get(Invoice, invoice_id, with_for_update=True)
    if invoice is None or invoice.archived_at is not None:
        raise NotFound("invoice", invoice_id)
    if invoice.direction is not Direction.IN or invoice.status in _CLOSED:
        raise InvalidTransition(invoice_id, invoice.status.value, "corrected")
    before = getattr(invoice, field)
    setattr(invoice, field, parsed)
    invoice.updated_at = clock.now()
    audit.record(
        session, clock, actor=actor, action="invoice.corrected", entity_type="invoice", entity_id=invoice_id,
        before={field: before}, after={field: parsed},
    )  # fmt: skip
    return Correction(invoice_id, field, before, parsed)
