"""What the API takes and gives beside the core's read models (`invoicing.views`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from invoicing.views import InvoiceDetail, InvoiceSummary


class InvoicePage(BaseModel):
    items: list[InvoiceSummary]
    #: How many invoices match the filters in all.
    total: int
    #: Pass as `cursor` for the next page; null on the last one.
    next_cursor: str | None
    #: The next page's path and query (the same filters); null on the last page.
    next: str | None


class InvoiceList(BaseModel):
    items: list[InvoiceDetail]


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: Default: everything still open.
    amount: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    #: Default: today.
    paid_on: dt.date | None = None
    #: The payer's reference or the bank transaction's text.
    reference: str | None = Field(default=None, max_length=500)


class PaymentOut(BaseModel):
    payment_id: int
    invoice_id: int
    number: str | None
    amount: Decimal
    currency: str
    status: str
    open_amount: Decimal
    discount: Decimal
    days_late: int
    overpaid: Decimal
    flags: list[str]

    @field_serializer("amount", "open_amount", "discount", "overpaid", when_used="json")
    def _as_string(self, value: Decimal) -> str:
        return str(value)


class ContactIn(BaseModel):
    """A customer or vendor to add, or to update when a live contact has its external id, VAT ID
    or e-mail (in that order); the fields are those `GET /contacts` gives (others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=300)
    email: str | None = None
    vat_id: str | None = None
    iban: str | None = None
    #: The relationship manager: a user id, e-mail or name.
    manager: str | int | None = None
    #: The manager's user id (as `GET /contacts` gives it), when `manager` is not given.
    manager_id: int | None = None
    customer: bool = False
    vendor: bool = False
    language: str | None = None
    currency: str | None = None
    terms_days: int | None = Field(default=None, ge=0, le=3650)
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    invoice_email: str | None = None
    discount_terms: str | None = None
    late_fee_terms: str | None = None
    external_id: str | None = None


class ContactPage(BaseModel):
    items: list[dict[str, Any]]
    total: int
    next_cursor: str | None
    next: str | None


class ContactUpserted(BaseModel):
    #: added, updated or unchanged.
    outcome: str
    #: The fields an update changed.
    changed: list[str]
    contact: dict[str, Any]
