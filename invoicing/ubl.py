"""UBL 2.1 invoices and credit notes: issued ones as EN 16931 says (from the frozen document, the
same values and texts as their Factur-X XML), received ones from what was read of them.

Built with lxml in the element order of the UBL 2.1 XSD (`maindoc/UBL-Invoice-2.1.xsd`);
business term numbers (BT-x) are given where an element carries one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from lxml import etree

from invoicing.billing import TaxCategory
from invoicing.db.models import Invoice
from invoicing.document import Address, DocumentKind, InvoiceDocument, PartyDetails
from invoicing.money import quantize
from invoicing.render.cii import (
    CREDIT_TRANSFER,
    EXEMPTION_CODES,
    GUIDELINE,
    SEPA_CREDIT_TRANSFER,
    clean,
    exempt_reason_text,
)

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_PREFIX = {"cac": CAC, "cbc": CBC}
_SEPA = frozenset("AD AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL "
                  "PT RO SE SI SK SM VA".split())  # fmt: skip


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, _, local = name.partition(":")
    element = etree.SubElement(parent, f"{{{_PREFIX[prefix]}}}{local}", attrs)
    if text is not None:
        element.text = clean(text)
    return element


def _amount(parent: etree._Element, name: str, value: Decimal, currency: str) -> None:
    _el(parent, name, f"{quantize(value):f}", currencyID=currency)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _root(credit: bool) -> etree._Element:
    namespace = CREDIT_NOTE_NS if credit else INVOICE_NS
    return etree.Element(f"{{{namespace}}}{'CreditNote' if credit else 'Invoice'}",
                         nsmap={None: namespace, "cac": CAC, "cbc": CBC})  # fmt: skip


def _header(root: etree._Element, number: str, issued: dt.date, due: dt.date | None, credit: bool) -> None:
    _el(root, "cbc:CustomizationID", GUIDELINE)  # BT-24
    _el(root, "cbc:ID", number)  # BT-1
    _el(root, "cbc:IssueDate", issued.isoformat())  # BT-2
    if due is not None and not credit:
        _el(root, "cbc:DueDate", due.isoformat())  # BT-9 (a credit note has it in PaymentMeans)
    _el(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", "381" if credit else "380")


def issued_ubl(document: InvoiceDocument, exemption_texts: dict[str, str], payment_terms: str) -> bytes:
    """Return the EN 16931 UBL 2.1 Invoice (or CreditNote) of an issued document.

    `exemption_texts` and `payment_terms` are the texts the page prints (see `render.cii`).
    """
    credit = document.kind is DocumentKind.CREDIT_NOTE
    currency = document.currency
    root = _root(credit)
    _header(root, document.number, document.issue_date, document.due_date, credit)
    if document.note:
        _el(root, "cbc:Note", document.note)  # BT-22
    _el(root, "cbc:DocumentCurrencyCode", currency)  # BT-5
    if document.buyer_reference:
        _el(root, "cbc:BuyerReference", document.buyer_reference)  # BT-10
    if document.preceding_number:
        reference = _el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _el(reference, "cbc:ID", document.preceding_number)  # BT-25
        if document.preceding_date:
            _el(reference, "cbc:IssueDate", document.preceding_date.isoformat())  # BT-26
    # BR-O-02..04: an invoice outside the scope of VAT carries no VAT ids.
    vat_ids = TaxCategory.NOT_SUBJECT not in {g.category for g in document.totals.groups}
    _party(_el(root, "cac:AccountingSupplierParty"), document.seller, vat_ids, seller=True)
    _party(_el(root, "cac:AccountingCustomerParty"), document.buyer, vat_ids, seller=False)
    _delivery(root, document)
    _payment_means(root, document, credit)
    _el(_el(root, "cac:PaymentTerms"), "cbc:Note", payment_terms)  # BT-20
    _tax_total(root, document, exemption_texts)
    totals = _el(root, "cac:LegalMonetaryTotal")
    for name, value in (("LineExtensionAmount", document.totals.net), ("TaxExclusiveAmount", document.totals.net),
                        ("TaxInclusiveAmount", document.totals.total), ("PayableAmount", document.totals.total)):
        _amount(totals, f"cbc:{name}", value, currency)  # BT-106, BT-109, BT-112, BT-115
    for line in document.totals.lines:
        item = line.item
        _line(root, credit, currency, line.position, item.description, item.quantity, item.unit, line.net,
              item.unit_price, item.tax_category, item.tax_rate)  # fmt: skip
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _party(holder: etree._Element, party: PartyDetails, vat_ids: bool, *, seller: bool) -> None:
    element = _el(holder, "cac:Party")
    if party.email:
        _el(element, "cbc:EndpointID", party.email, schemeID="EM")  # BT-34, BT-49
    _address(_el(element, "cac:PostalAddress"), party.address)
    if party.vat_id and vat_ids:
        scheme = _el(element, "cac:PartyTaxScheme")
        _el(scheme, "cbc:CompanyID", party.vat_id)  # BT-31, BT-48
        _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    if party.tax_number and seller:
        scheme = _el(element, "cac:PartyTaxScheme")
        _el(scheme, "cbc:CompanyID", party.tax_number)  # BT-32
        _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", "FC")
    legal = _el(element, "cac:PartyLegalEntity")
    _el(legal, "cbc:RegistrationName", party.name)  # BT-27, BT-44
    if party.registration_id:
        _el(legal, "cbc:CompanyID", party.registration_id)  # BT-30, BT-47


def _address(element: etree._Element, address: Address) -> None:
    lines = [line for line in address.lines if line.strip()]
    if lines:
        _el(element, "cbc:StreetName", lines[0])  # BT-35
    if len(lines) > 1:
        _el(element, "cbc:AdditionalStreetName", lines[1])  # BT-36
    if address.city:
        _el(element, "cbc:CityName", address.city)  # BT-37
    if address.postcode:
        _el(element, "cbc:PostalZone", address.postcode)  # BT-38
    if len(lines) > 2:
        _el(_el(element, "cac:AddressLine"), "cbc:Line", ", ".join(lines[2:]))  # BT-162
    _el(_el(element, "cac:Country"), "cbc:IdentificationCode", address.country)  # BT-40


def _delivery(root: etree._Element, document: InvoiceDocument) -> None:
    delivery = _el(root, "cac:Delivery")
    _el(delivery, "cbc:ActualDeliveryDate", (document.delivery_date or document.issue_date).isoformat())  # BT-72
    if any(g.category is TaxCategory.INTRA_EU for g in document.totals.groups):
        # BR-IC-12: an intra-EU supply names the country the goods went to (the buyer's).
        _address(_el(_el(delivery, "cac:DeliveryLocation"), "cac:Address"), document.buyer.address)
        _el(_el(_el(delivery, "cac:DeliveryParty"), "cac:PartyName"), "cbc:Name", document.buyer.name)  # BT-70


def _payment_means(root: etree._Element, document: InvoiceDocument, credit: bool) -> None:
    if document.bank is None or credit:
        return
    means = _el(root, "cac:PaymentMeans")
    sepa = document.bank.iban[:2] in _SEPA
    _el(means, "cbc:PaymentMeansCode", SEPA_CREDIT_TRANSFER if sepa else CREDIT_TRANSFER)  # BT-81
    if document.payment_reference:
        _el(means, "cbc:PaymentID", document.payment_reference)  # BT-83
    account = _el(means, "cac:PayeeFinancialAccount")
    _el(account, "cbc:ID", document.bank.iban)  # BT-84
    if document.bank.holder:
        _el(account, "cbc:Name", document.bank.holder)  # BT-85
    if document.bank.bic:
        _el(_el(account, "cac:FinancialInstitutionBranch"), "cbc:ID", document.bank.bic)  # BT-86


def _tax_total(root: etree._Element, document: InvoiceDocument, exemption_texts: dict[str, str]) -> None:
    currency = document.currency
    total = _el(root, "cac:TaxTotal")
    _amount(total, "cbc:TaxAmount", document.totals.tax, currency)  # BT-110
    for group in document.totals.groups:
        subtotal = _el(total, "cac:TaxSubtotal")
        _amount(subtotal, "cbc:TaxableAmount", group.basis, currency)  # BT-116
        _amount(subtotal, "cbc:TaxAmount", group.tax, currency)  # BT-117
        category = _el(subtotal, "cac:TaxCategory")
        _el(category, "cbc:ID", group.category.value)  # BT-118
        if group.category is not TaxCategory.NOT_SUBJECT:
            _el(category, "cbc:Percent", f"{quantize(group.rate):f}")  # BT-119
        if group.category in EXEMPTION_CODES:
            _el(category, "cbc:TaxExemptionReasonCode", EXEMPTION_CODES[group.category])  # BT-121
        reason = exempt_reason_text(document, group.category, exemption_texts)
        if reason:
            _el(category, "cbc:TaxExemptionReason", reason)  # BT-120
        _el(_el(category, "cac:TaxScheme"), "cbc:ID", "VAT")


def _line(
    root: etree._Element, credit: bool, currency: str, position: int, description: str, quantity: Decimal,
    unit: str, net: Decimal, unit_price: Decimal | None, category: TaxCategory | None, rate: Decimal | None,
) -> None:  # fmt: skip
    line = _el(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
    _el(line, "cbc:ID", str(position))  # BT-126
    _el(line, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", _plain(quantity), unitCode=unit)
    _amount(line, "cbc:LineExtensionAmount", net, currency)  # BT-131
    item = _el(line, "cac:Item")
    text = clean(description).strip() or "-"
    name = text.splitlines()[0].strip()[:200] or "-"
    if text != name:
        _el(item, "cbc:Description", text)  # BT-154
    _el(item, "cbc:Name", name)  # BT-153
    if category is not None:
        tax = _el(item, "cac:ClassifiedTaxCategory")
        _el(tax, "cbc:ID", category.value)  # BT-151
        if category is not TaxCategory.NOT_SUBJECT and rate is not None:
            _el(tax, "cbc:Percent", f"{quantize(rate):f}")  # BT-152
        _el(_el(tax, "cac:TaxScheme"), "cbc:ID", "VAT")
    price = _el(line, "cac:Price")
    _el(price, "cbc:PriceAmount", _plain(unit_price) if unit_price else "0", currencyID=currency)  # BT-146


def received_ubl(invoice: Invoice) -> bytes:
    """Return a UBL 2.1 Invoice of a received invoice, with what was read of it.

    It is valid against the UBL 2.1 XSD; EN 16931 asks for more than a page always says
    (addresses, a VAT breakdown per category), so it is the record of what we read, not the
    supplier's own e-invoice. Raises `ValueError` without a number or an issue date.
    """
    if not invoice.number or invoice.issue_date is None:
        raise ValueError(f"invoice {invoice.id} has no number or issue date to write")
    credit = invoice.document_type == DocumentKind.CREDIT_NOTE.value
    currency = invoice.currency
    root = _root(credit)
    _header(root, invoice.number, invoice.issue_date, invoice.due_date, credit)
    _el(root, "cbc:DocumentCurrencyCode", currency)
    for holder, name, vat_id in (("cac:AccountingSupplierParty", invoice.seller_name, invoice.seller_vat_id),
                                 ("cac:AccountingCustomerParty", invoice.buyer_name, invoice.buyer_vat_id)):
        party = _el(_el(root, holder), "cac:Party")
        if vat_id:
            scheme = _el(party, "cac:PartyTaxScheme")
            _el(scheme, "cbc:CompanyID", vat_id)
            _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
        _el(_el(party, "cac:PartyLegalEntity"), "cbc:RegistrationName", name or "unknown")
    if invoice.seller_iban:
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", SEPA_CREDIT_TRANSFER if invoice.seller_iban[:2] in _SEPA else CREDIT_TRANSFER)
        if invoice.payment_reference:
            _el(means, "cbc:PaymentID", invoice.payment_reference)
        _el(_el(means, "cac:PayeeFinancialAccount"), "cbc:ID", invoice.seller_iban)
    zero = Decimal("0.00")
    net, tax = invoice.net_total, invoice.tax_total
    total = invoice.total if invoice.total is not None else (net or zero) + (tax or zero)
    net = net if net is not None else total - (tax or zero)
    _amount(_el(root, "cac:TaxTotal"), "cbc:TaxAmount", tax if tax is not None else total - net, currency)
    totals = _el(root, "cac:LegalMonetaryTotal")
    for element, value in (("LineExtensionAmount", net), ("TaxExclusiveAmount", net),
                           ("TaxInclusiveAmount", total), ("PayableAmount", total)):  # fmt: skip
        _amount(totals, f"cbc:{element}", value, currency)
    rows = list(invoice.lines)
    if not rows or any(row.amount is None for row in rows):
        # UBL needs lines that add up: a page whose lines lack amounts is billed as one line.
        text = "\n".join(["Invoice total", *(row.description for row in rows)])
        _line(root, credit, currency, 1, text, Decimal(1), "C62", net, net, None, None)
    for position, row in enumerate(rows if rows and all(r.amount is not None for r in rows) else [], start=1):
        quantity = row.quantity or Decimal(1)
        price = row.unit_price if row.unit_price is not None else row.amount / quantity
        _line(root, credit, currency, position, row.description, quantity, row.unit or "C62", row.amount,
              price.quantize(Decimal("0.0001")), None, None)  # fmt: skip
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def issued_texts(document: InvoiceDocument, templates_dir: Path | None = None) -> tuple[dict[str, str], str]:
    """Return the exemption notes and the payment terms of `document` as its page prints them."""
    from invoicing.render import view
    from invoicing.render.labels import labels_for

    labels = labels_for(document.language, templates_dir)
    return labels["exemption"], "\n".join(view.payment_terms(document, labels))
