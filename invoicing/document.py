"""What an issued invoice or credit note says, as one value: what the PDF and the XML are made of.

Pure: built by the issuing use case from the database rows and the seller's settings, read by
the renderers (`invoicing.render`), which print it and write its EN 16931 XML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from invoicing.billing import DiscountTerms, LateFeeTerms, TaxCategory, Totals


class DocumentKind(StrEnum):
    """UNTDID 1001 document type codes (BT-3)."""

    INVOICE = "380"
    CREDIT_NOTE = "381"

    @classmethod
    def of(cls, type_code: str | None, total: Decimal | None) -> DocumentKind:
        """Return the kind of a received document: a credit note where its type code is one of EN
        16931's credit notes' (`CREDIT_NOTE_CODES`) or its total is negative (an "invoice" of
        type 380 with negative amounts, as many real credit notes' XML states them, or a page
        printing them so), else an invoice."""
        credit = (type_code or "").strip() in CREDIT_NOTE_CODES or (total is not None and total < 0)
        return cls.CREDIT_NOTE if credit else cls.INVOICE


#: The UNTDID 1001 codes EN 16931 lets a credit note carry (BT-3): credit notes of goods and of
#: financial adjustments, self-billed, consolidated, price variation, delcredere, factored,
#: OCR, debit reversal and forwarder's credit notes.
CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})


@dataclass(frozen=True, slots=True)
class Address:
    #: Street and house number, and any further lines (c/o, building), in print order.
    lines: tuple[str, ...]
    postcode: str
    city: str
    #: ISO 3166-1 alpha-2 country code.
    country: str


@dataclass(frozen=True, slots=True)
class PartyDetails:
    name: str
    address: Address
    #: VAT identifier with its country prefix (BT-31, BT-48).
    vat_id: str | None = None
    email: str | None = None
    #: The seller's national tax number where it has no VAT id, or beside it (BT-32, "Steuernummer").
    tax_number: str | None = None
    #: Legal registration (commercial register entry, company number: BT-30, BT-47).
    registration_id: str | None = None


@dataclass(frozen=True, slots=True)
class BankDetails:
    iban: str
    bic: str | None = None
    #: The account holder when it is not the seller's name.
    holder: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    kind: DocumentKind
    number: str
    issue_date: dt.date
    #: The date payment is due (BT-9); a credit note may have none.
    due_date: dt.date | None
    #: ISO 4217 currency code of every amount (BT-5).
    currency: str
    #: Language the document is written in: en, de, fr or da.
    language: str
    seller: PartyDetails
    buyer: PartyDetails
    totals: Totals
    #: Where to pay; None when the seller has no IBAN configured.
    bank: BankDetails | None
    #: The structured reference a payer quotes (an ISO 11649 "RF.." reference, BT-83).
    payment_reference: str | None
    discount: DiscountTerms | None = None
    late_fee: LateFeeTerms | None = None
    #: A credit note names the invoice it corrects (BT-25, BT-26).
    preceding_number: str | None = None
    preceding_date: dt.date | None = None
    #: Free text printed above the lines and carried as a note (BT-22).
    note: str | None = None
    #: The buyer's own reference for the purchase, if they gave one (BT-10).
    buyer_reference: str | None = None
    #: When the goods or services were delivered or performed (BT-72); default: the issue date.
    delivery_date: dt.date | None = None
    #: Why VAT-exempt lines (category E) are exempt, e.g. the law ("Kleinunternehmer, § 19 UStG").
    #: Printed and carried as the exemption reason (BT-120); a generic text is used without it.
    exemption_reason: str | None = None

    @property
    def exempt_categories(self) -> tuple[TaxCategory, ...]:
        """Return the VAT categories on this document that need an exemption note, in order."""
        return tuple(g.category for g in self.totals.groups if g.category.needs_exemption_note)

