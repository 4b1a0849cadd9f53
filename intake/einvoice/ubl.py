"""Read OASIS UBL 2.1 Invoice and CreditNote XML, including XRechnung UBL and Peppol BIS 3."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from intake.einvoice.values import (
    amount,
    collapse,
    compact_id,
    finish,
    iban,
    party_name,
    text,
    texts,
    to_decimal,
    ubl_date,
)
from invoicing.extraction import ExtractedInvoice, Line, Party

#: Document type (UNTDID 1001) assumed when the type code element is missing.
_DEFAULT_TYPE = {"Invoice": "380", "CreditNote": "381"}


def read_ubl(root: etree._Element) -> ExtractedInvoice:
    """Return the invoice described by a namespace-stripped UBL Invoice or CreditNote root."""
    warnings: list[str] = []
    kind = root.tag  # "Invoice" or "CreditNote"
    currency = text(root, "DocumentCurrencyCode")
    currency = currency.upper() if currency else None
    totals = root.find("LegalMonetaryTotal")
    invoice = ExtractedInvoice(
        invoice_number=text(root, "ID"),
        issue_date=ubl_date(root, "IssueDate", warnings),
        due_date=(
            ubl_date(root, "DueDate", warnings)
            or ubl_date(root, "PaymentMeans/PaymentDueDate", warnings)
        ),
        currency=currency,
        total=amount(totals, "TaxInclusiveAmount", warnings),
        net_total=amount(totals, "TaxExclusiveAmount", warnings),
        tax_total=_tax_total(root, currency, warnings),
        seller=_seller(root),
        buyer=Party(name=_party_name(root.find("AccountingCustomerParty/Party"))),
        lines=tuple(_line(item, kind, warnings) for item in root.findall(f"{kind}Line")),
        document_type=text(root, f"{kind}TypeCode") or _DEFAULT_TYPE.get(kind),
        payment_reference=text(root, "PaymentMeans/PaymentID"),
    )
    return finish(invoice, warnings)


def _tax_total(root: etree._Element, currency: str | None, warnings: list[str]) -> Decimal | None:
    """Return BT-110: the TaxTotal/TaxAmount in the document currency.

    With a tax currency (BT-6) a second TaxTotal carries the amount in that currency (BT-111).
    """
    candidates = root.findall("TaxTotal/TaxAmount")
    if not candidates:
        return None
    for candidate in candidates:
        declared = (collapse(candidate.get("currencyID")) or "").upper()
        if currency is None or declared in ("", currency):
            return to_decimal(candidate, warnings)
    warnings.append(f"no TaxTotal/TaxAmount in the document currency {currency}")
    return None


def _seller(root: etree._Element) -> Party:
    """Return the supplier's legal name, VAT ID and first IBAN-shaped payee account."""
    party = root.find("AccountingSupplierParty/Party")
    vat_id = None
    for scheme in [] if party is None else party.findall("PartyTaxScheme"):
        if (text(scheme, "TaxScheme/ID") or "").upper() == "VAT":
            vat_id = compact_id(text(scheme, "CompanyID"))
            if vat_id:
                break
    accounts = texts(root, "PaymentMeans/PayeeFinancialAccount/ID")
    return Party(
        name=_party_name(party),
        vat_id=vat_id,
        iban=next((found for found in map(iban, accounts) if found), None),
    )


def _party_name(party: etree._Element | None) -> str | None:
    """Return a party's registered legal name (BT-27/BT-44), else its trading name."""
    return party_name(party, "PartyLegalEntity/RegistrationName") or party_name(
        party, "PartyName/Name"
    )


def _line(item: etree._Element, kind: str, warnings: list[str]) -> Line:
    """Return one invoice line: item name, quantity, net unit price, net amount, VAT rate."""
    quantity_tag = "InvoicedQuantity" if kind == "Invoice" else "CreditedQuantity"
    return Line(
        description=text(item, "Item/Name") or text(item, "Item/Description") or "",
        quantity=amount(item, quantity_tag, warnings),
        unit_price=_unit_price(item.find("Price"), warnings),
        amount=amount(item, "LineExtensionAmount", warnings),
        tax_rate=amount(item, "Item/ClassifiedTaxCategory/Percent", warnings),
    )


def _unit_price(price: etree._Element | None, warnings: list[str]) -> Decimal | None:
    """Return the net price of one unit: BT-146 divided by its base quantity BT-149 if any."""
    charge = amount(price, "PriceAmount", warnings)
    base = amount(price, "BaseQuantity", warnings)
    if charge is None or base is None or base == 0 or base == 1:
        return charge
    return charge / base
