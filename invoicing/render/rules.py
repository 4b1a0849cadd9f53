"""What an invoice needs before it can be issued as an EN 16931 e-invoice. Pure.

The business rules of EN 16931 that the amounts cannot break (`invoicing.billing` computes them
as the rules say) but the parties and terms can: a reverse-charge invoice without the buyer's
VAT id, a standard-rated one without any tax registration of the seller. The issuing use case
calls `check_document` before it takes a number from the gapless series, so an invoice that
could not be rendered never costs a number.
"""

from __future__ import annotations

import re

from stdnum.ch import esr

from invoicing.billing import TaxCategory, is_qr_iban
from invoicing.document import DocumentKind, InvoiceDocument, PartyDetails
from invoicing.errors import InvoicingError
from invoicing.templating import LANGUAGES

_COUNTRY = re.compile(r"[A-Z]{2}")
#: A VAT id starts with the ISO 3166-1 code of its country (Greece: EL) (BR-CO-9).
_VAT_ID = re.compile(r"[A-Z]{2}[0-9A-Za-z+*.-]{2,18}")
_CURRENCY = re.compile(r"[A-Z]{3}")
#: EN 16931 allows up to 2 decimals on document amounts; CII numbers are limited to 19 digits.
_MAX_AMOUNT_DIGITS = 17


class InvalidDocument(InvoicingError):
    """The invoice cannot be issued as it stands; `problems` says what is missing, one per item."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)

    def __reduce__(self) -> tuple[type[InvalidDocument], tuple[tuple[str, ...]]]:
        return type(self), (self.problems,)  # crosses from the rendering worker intact


def _party(role: str, party: PartyDetails) -> list[str]:
    problems = []
    if not party.name.strip():
        problems.append(f"the {role} needs a name")
    if not _COUNTRY.fullmatch(party.address.country):
        problems.append(f"the {role}'s country {party.address.country!r} is not an ISO 3166 code such as DE")
    if not party.address.city.strip():
        problems.append(f"the {role}'s address needs a city")
    if party.vat_id is not None and not _VAT_ID.fullmatch(party.vat_id):
        problems.append(f"the {role}'s VAT id {party.vat_id!r} must start with its country code (BR-CO-9)")
    return problems


def problems(document: InvoiceDocument) -> tuple[str, ...]:
    """Return what keeps `document` from being a valid EN 16931 invoice (empty when nothing)."""
    found = _party("seller", document.seller) + _party("buyer", document.buyer)
    if document.language not in LANGUAGES:
        found.append(f"language {document.language!r} is not one of {', '.join(LANGUAGES)}")
    if not _CURRENCY.fullmatch(document.currency):
        found.append(f"currency {document.currency!r} is not an ISO 4217 code such as EUR")
    if not document.number.strip():
        found.append("the document needs a number")
    if document.due_date is not None and document.due_date < document.issue_date:
        found.append("the due date lies before the issue date")
    if len(str(abs(document.totals.total).quantize(1))) > _MAX_AMOUNT_DIGITS:
        found.append("the total is too large")
    if document.bank is not None and is_qr_iban(document.bank.iban) and not _is_qr_reference(document):
        found.append("a QR-IBAN takes a QR reference as payment reference (billing.payment_reference)")
    if document.kind is DocumentKind.CREDIT_NOTE and not document.preceding_number:
        found.append("a credit note names the invoice it corrects")
    found += _tax_problems(document)
    return tuple(found)


def _is_qr_reference(document: InvoiceDocument) -> bool:
    reference = "".join((document.payment_reference or "").split())
    return len(reference) == 27 and esr.is_valid(reference)


def _tax_problems(document: InvoiceDocument) -> list[str]:
    seller, buyer = document.seller, document.buyer
    used = {group.category for group in document.totals.groups}
    found = []
    if seller.vat_id is None and seller.registration_id is None:
        found.append("the seller needs a VAT id or a registration id (BR-CO-26)")
    taxed = used & {TaxCategory.STANDARD, TaxCategory.ZERO, TaxCategory.EXEMPT}
    if taxed and seller.vat_id is None and seller.tax_number is None:
        names = "/".join(sorted(c.value for c in taxed))
        found.append(f"category {names} needs the seller's VAT id or tax number (BR-S-02, BR-Z-02, BR-E-02)")
    if TaxCategory.REVERSE_CHARGE in used and (
        (seller.vat_id is None and seller.tax_number is None)
        or (buyer.vat_id is None and buyer.registration_id is None)
    ):
        found.append("reverse charge needs the seller's and the buyer's VAT ids (BR-AE-02)")
    if TaxCategory.INTRA_EU in used and (seller.vat_id is None or buyer.vat_id is None):
        found.append("an intra-EU supply needs the seller's and the buyer's VAT ids (BR-IC-02)")
    if TaxCategory.EXPORT in used and seller.vat_id is None:
        found.append("an export needs the seller's VAT id (BR-G-02)")
    if TaxCategory.NOT_SUBJECT in used and len(used) > 1:
        found.append("lines not subject to VAT cannot share an invoice with taxed lines (BR-O-11)")
    if TaxCategory.NOT_SUBJECT in used and seller.registration_id is None:
        # Such an invoice carries no VAT ids (BR-O-02), so the registration names the seller.
        found.append("an invoice not subject to VAT needs the seller's registration id (BR-O-02, BR-CO-26)")
    return found


def check_document(document: InvoiceDocument) -> None:
    """Raise `InvalidDocument` unless `document` can be issued as an EN 16931 invoice."""
    found = problems(document)
    if found:
        raise InvalidDocument(found)
