"""Who an invoice is from and to: our own details from the settings, a customer's from the contact.

Issuing refuses clearly while a detail the law and EN 16931 require is missing (our name,
address and country; the customer's name and country; VAT ids where the tax category needs them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from invoicing.billing import TaxCategory
from invoicing.config import Settings
from invoicing.db.models import Contact
from invoicing.document import Address, BankDetails, PartyDetails
from invoicing.errors import InvoicingError

#: "10115 Berlin", "75008 Paris", "CH-8001 Zürich": a postcode holds a digit and comes first.
_POSTCODE_CITY = re.compile(r"^(?P<postcode>(?:[A-Z]{1,2}-)?[A-Z0-9]*\d[A-Z0-9-]*)\s+(?P<city>\S.*)$", re.I)


class MissingDetails(InvoicingError):
    """An invoice cannot be issued until these details are filled in."""

    def __init__(self, whose: str, missing: list[str], how: str) -> None:
        super().__init__(f"{whose} {', '.join(missing)} missing: {how}")
        self.whose = whose
        self.missing = tuple(missing)


@dataclass(frozen=True, slots=True)
class Seller:
    party: PartyDetails
    bank: BankDetails | None


def address_lines(text: str | None) -> tuple[str, ...]:
    """Return the lines of an address written on several lines or separated by ";"."""
    return tuple(part.strip() for part in re.split(r"[;\n]", text or "") if part.strip())


def split_postcode_city(line: str) -> tuple[str, str] | None:
    """Return (postcode, city) from a line such as "10115 Berlin", or None."""
    match = _POSTCODE_CITY.match(line.strip())
    return (match["postcode"], match["city"].strip()) if match else None


def seller_from_settings(settings: Settings) -> Seller:
    """Return our own details as invoices print them; raise `MissingDetails` while incomplete."""
    lines = list(address_lines(settings.seller_address))
    postcode, city = settings.seller_postcode or "", settings.seller_city or ""
    if lines and not (postcode and city):
        split = split_postcode_city(lines[-1])
        if split:
            postcode, city = split
            lines.pop()
    missing = [name for name, value in (("name", settings.seller_name), ("address", lines or city),
                                        ("country", settings.seller_country)) if not value]  # fmt: skip
    if missing:
        raise MissingDetails(
            "the business's", missing,
            "set INVOICEBOT_SELLER_NAME, INVOICEBOT_SELLER_ADDRESS and INVOICEBOT_SELLER_COUNTRY "
            "(or [seller] name, address, country in invoicebot.toml)",
        )  # fmt: skip
    party = PartyDetails(
        name=settings.seller_name or "",
        address=Address(tuple(lines), postcode, city, settings.seller_country or ""),
        vat_id=settings.seller_vat_id, email=settings.seller_email or settings.mail_from,
        tax_number=settings.seller_tax_number, registration_id=settings.seller_registration_id,
    )  # fmt: skip
    iban = "".join((settings.seller_iban or "").split()).upper()
    bank = BankDetails(iban, settings.seller_bic) if iban else None
    return Seller(party, bank)


def buyer_from_contact(contact: Contact) -> PartyDetails:
    """Return a customer's details as invoices print them; raise `MissingDetails` while incomplete."""
    missing = [name for name, value in (("name", contact.name), ("country", contact.country), ("city", contact.city))
               if not value]  # fmt: skip
    if missing:
        raise MissingDetails(
            f"customer #{contact.id}'s", missing,
            "add them with `invoicebot contacts import` or `contacts add --country ... --city ...`",
        )  # fmt: skip
    return PartyDetails(
        name=contact.name,
        address=Address(address_lines(contact.address), contact.postcode or "", contact.city or "", contact.country or ""),
        vat_id=contact.vat_id, email=contact.invoice_email or contact.email,
    )  # fmt: skip


def check_vat_ids(seller: PartyDetails, buyer: PartyDetails, categories: set[TaxCategory]) -> None:
    """Raise `MissingDetails` when a tax category on the invoice needs a VAT id that is missing.

    Reverse charge and intra-EU supplies name both parties' VAT ids (EN 16931 BR-AE-02, BR-IC-02);
    any VAT at all needs ours (BR-S-02).
    """
    if categories & {TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_EU} and not buyer.vat_id:
        raise MissingDetails(f"customer {buyer.name!r}'s", ["VAT id"],
                             "reverse-charge and intra-EU lines need the customer's VAT id")  # fmt: skip
    if categories - {TaxCategory.NOT_SUBJECT} and not seller.vat_id:
        raise MissingDetails("the business's", ["VAT id"], "set INVOICEBOT_SELLER_VAT_ID to charge or declare VAT")
