"""What a reader found in one invoice document: the contract between `intake` and `invoicing`.

`intake.extract()` produces an `ExtractedInvoice`; `invoicing.receive()` stores it. Its JSON form is
the output of `invoicebot extract --json` (see docs: extraction-schema.json in the README).
Amounts are `Decimal` throughout; they become two-decimal strings only in JSON.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

#: Every scalar field that can carry a confidence, in the order they are shown to people.
FIELD_NAMES: tuple[str, ...] = (
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "total",
    "net_total",
    "tax_total",
    "seller.name",
    "seller.vat_id",
    "seller.iban",
    "buyer.name",
)

#: The warning of a reading that saw an IBAN printed, labelled as such, but could read none with
#: a valid checksum: a person checks the seller's bank account (`invoicing.review`).
UNREAD_IBAN = "an IBAN is printed but none could be read with a valid checksum: check the seller's bank account"
#: How the warning of a reading whose net and tax do not add up to its total begins, even after a
#: printed rounding adjustment; the rest names the three amounts (`amounts_disagree`).
AMOUNTS_DISAGREE = "the amounts read do not add up"


def amounts_disagree(net: Decimal, tax: Decimal, total: Decimal) -> str:
    """Return the warning of a reading whose `net` + `tax` is not its `total`."""
    return f"{AMOUNTS_DISAGREE}: net {net} + tax {tax} != total {total}"


class Source(StrEnum):
    """Where most of the fields came from."""

    EINVOICE_XML = "einvoice-xml"
    PDF_TEXT = "pdf-text"
    OCR = "ocr"
    QR = "qr"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


class Party(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None = None
    vat_id: str | None = None
    iban: str | None = None


class Line(BaseModel):
    """One invoice line as printed; amounts are the line's own, before document-level charges."""

    model_config = ConfigDict(frozen=True)

    description: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    tax_rate: Decimal | None = None

    @field_serializer("quantity", "unit_price", "tax_rate")
    def _ser_plain(self, value: Decimal | None) -> str | None:
        return _plain(value)

    @field_serializer("amount")
    def _ser_amount(self, value: Decimal | None) -> str | None:
        return _money(value)


class ExtractedInvoice(BaseModel):
    """The typed record of one invoice document, with a confidence (0..1) per field."""

    model_config = ConfigDict(frozen=True)

    source: Source | None = None
    invoice_number: str | None = None
    issue_date: dt.date | None = None
    due_date: dt.date | None = None
    currency: str | None = None
    total: Decimal | None = None
    net_total: Decimal | None = None
    tax_total: Decimal | None = None
    seller: Party = Field(default_factory=Party)
    buyer: Party = Field(default_factory=Party)
    lines: tuple[Line, ...] = ()
    confidence: dict[str, float] = Field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: UNTDID 1001 document type where known (380 invoice, 381 credit note, ...).
    document_type: str | None = None
    #: Payment reference (structured creditor reference or free text) where printed.
    payment_reference: str | None = None
    #: An early-payment discount the invoice offers, as `billing.DiscountTerms` writes it ("2% 10":
    #: 2 % off within 10 days of the issue date), where stated. No reader fills it yet; the
    #: payables read it (`payable_rules.offered_discount`).
    discount_terms: str | None = None

    @field_serializer("total", "net_total", "tax_total")
    def _ser_money(self, value: Decimal | None) -> str | None:
        return _money(value)

    def amounts_agree(self) -> bool | None:
        """Return whether the net and tax read add up to the total read, as the extractor judged
        them (through a rounding adjustment the page prints, too), or None when one is not read.
        One answer for every reader of a reading: the extractor's own (`AMOUNTS_DISAGREE`)."""
        if self.total is None or self.net_total is None or self.tax_total is None:
            return None
        return not any(warning.startswith(AMOUNTS_DISAGREE) for warning in self.warnings)

    def field_value(self, name: str) -> Any:
        """Return the value of a dotted field name such as ``seller.vat_id``."""
        head, _, tail = name.partition(".")
        value = getattr(self, head)
        return getattr(value, tail) if tail else value

    def to_json_dict(self, path: str) -> dict[str, Any]:
        """Return the object printed by `invoicebot extract --json` for the file at `path`."""
        data = self.model_dump(mode="json", exclude={"buyer": {"vat_id", "iban"}})
        return {"path": path, "error": None, **data}


def error_json_dict(path: str, error: str) -> dict[str, Any]:
    """Return the `extract --json` object for a file that could not be read."""
    return {
        "path": path,
        "error": error,
        "source": None,
        **{name: None for name in ("invoice_number", "issue_date", "due_date", "currency")},
        **{name: None for name in ("total", "net_total", "tax_total")},
        "seller": {"name": None, "vat_id": None, "iban": None},
        "buyer": {"name": None},
        "lines": [],
        "confidence": {},
        "warnings": [],
    }
