"""Invoices to issue from JSON: what a web form or a CRM posts, in the shape `invoice show --json`
prints (only the fields that say what to bill are read; ids, numbers and states are ignored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from invoicing.billing import LineItem, TaxCategory
from invoicing.errors import InvoicingError
from invoicing.issuing import InvoiceRequest


class InvalidInvoiceJson(InvoicingError):
    """The JSON does not describe an invoice to issue; the message says where and why."""


class _Line(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: str = Field(min_length=1, max_length=1000)
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    tax_category: TaxCategory | None = None
    unit: str = Field(default="C62", min_length=1, max_length=3)


class _Invoice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    contact_id: int
    lines: list[_Line] = Field(min_length=1)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    due_date: dt.date | None = None
    note: str | None = Field(default=None, max_length=2000)
    buyer_reference: str | None = Field(default=None, max_length=200)


#: The shape of one invoice in the JSON (what the HTTP API documents and validates).
InvoiceJson = _Invoice


def requests_from_json(data: Any) -> list[InvoiceRequest]:
    """Return the invoice requests in `data` (one object or a list of them)."""
    items = data if isinstance(data, list) else [data]
    requests = []
    for index, item in enumerate(items):
        try:
            parsed = _Invoice.model_validate(item)
        except ValidationError as e:
            where = f"invoice {index + 1}: " if isinstance(data, list) else ""
            problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
            raise InvalidInvoiceJson(f"{where}{problems}") from None
        lines = tuple(
            LineItem(line.description, line.quantity, line.unit_price, line.tax_rate, line.tax_category, line.unit)
            for line in parsed.lines
        )
        requests.append(InvoiceRequest(parsed.contact_id, lines, currency=parsed.currency, due_date=parsed.due_date,
                                       note=parsed.note, buyer_reference=parsed.buyer_reference))  # fmt: skip
    return requests
