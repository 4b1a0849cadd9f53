"""The EN 16931 e-invoice of a document: UN/CEFACT CII D16B as Factur-X / ZUGFeRD profile EN 16931.

Built with lxml rather than from a text template: the XML is data that another program reads,
so element order (the XSD's), escaping and well-formedness are the library's job, and a user's
template override can restyle the PDF without ever making the e-invoice invalid. Business term
numbers (BT-x) are given where an element carries one.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lxml import etree

from invoicing.billing import LineItem, TaxCategory
from invoicing.document import Address, DocumentKind, InvoiceDocument, PartyDetails
from invoicing.money import quantize

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "qdt": QDT, "ram": RAM, "udt": UDT}
#: The specification identifier (BT-24) of Factur-X / ZUGFeRD profile EN 16931 ("Comfort").
GUIDELINE = "urn:cen.eu:en16931:2017"
#: VATEX codes (BT-121) of the categories that have one for any supply.
EXEMPTION_CODES = {
    TaxCategory.REVERSE_CHARGE: "VATEX-EU-AE",
    TaxCategory.INTRA_EU: "VATEX-EU-IC",
    TaxCategory.EXPORT: "VATEX-EU-G",
    TaxCategory.NOT_SUBJECT: "VATEX-EU-O",
}
#: UNTDID 4461: SEPA credit transfer inside SEPA, credit transfer elsewhere (BT-81).
SEPA_CREDIT_TRANSFER, CREDIT_TRANSFER = "58", "30"
_SEPA_COUNTRIES = frozenset(
    "AD AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT RO SE SI "
    "SK SM VA".split()
)
#: Characters XML 1.0 cannot carry at all; customer text loses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NAME_LENGTH = 200


def clean(text: str) -> str:
    """Return `text` without the control characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, _, local = name.partition(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{local}", attrs)
    if text is not None:
        element.text = clean(text)
    return element


def _date(parent: etree._Element, name: str, value: dt.date, qualified: bool = False) -> None:
    holder = _el(parent, name)
    _el(holder, "qdt:DateTimeString" if qualified else "udt:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _money(value: Decimal) -> str:
    return f"{quantize(value):f}"


def _plain(value: Decimal) -> str:
    """Return a quantity or price without trailing zeros ("1.5", "100")."""
    return f"{value.normalize():f}"


def exempt_reason_text(document: InvoiceDocument, category: TaxCategory, texts: dict[str, str]) -> str | None:
    """Return the exemption note (BT-120) printed and written for `category`, or None for S and Z."""
    if not category.needs_exemption_note:
        return None
    if category is TaxCategory.EXEMPT and document.exemption_reason:
        return document.exemption_reason
    return texts[category.value]


def invoice_xml(document: InvoiceDocument, exemption_texts: dict[str, str], payment_terms: str) -> bytes:
    """Return the CII XML of `document` (UTF-8, with declaration).

    `exemption_texts` are the exemption notes by category code, `payment_terms` the text of
    the payment terms (BT-20), both as printed on the page in the document's language.
    """
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document.number)
    _el(header, "ram:TypeCode", document.kind.value)
    _date(header, "ram:IssueDateTime", document.issue_date)
    if document.note:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", document.note)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in document.totals.lines:
        _line(transaction, line.position, line.item, line.net)
    _agreement(transaction, document)
    _delivery(transaction, document)
    _settlement(transaction, document, exemption_texts, payment_terms)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _line(transaction: etree._Element, position: int, item: LineItem, net: Decimal) -> None:
    element = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(element, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(position))
    product = _el(element, "ram:SpecifiedTradeProduct")
    description = clean(item.description).strip()
    name = description.splitlines()[0].strip()[:_NAME_LENGTH]
    _el(product, "ram:Name", name)
    if description != name:
        _el(product, "ram:Description", description)
    price = _el(_el(element, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
    _el(price, "ram:ChargeAmount", _plain(item.unit_price) if item.unit_price else "0")
    delivery = _el(element, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", _plain(item.quantity), unitCode=item.unit)
    settlement = _el(element, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", item.tax_category.value)
    if item.tax_category is not TaxCategory.NOT_SUBJECT:  # BR-O-05: no rate outside VAT
        _el(tax, "ram:RateApplicablePercent", _money(item.tax_rate))
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _money(net))


def _party(parent: etree._Element, name: str, party: PartyDetails, with_vat_id: bool) -> None:
    element = _el(parent, name)
    _el(element, "ram:Name", party.name)
    if party.registration_id:
        _el(_el(element, "ram:SpecifiedLegalOrganization"), "ram:ID", party.registration_id)
    _address(element, party.address)
    if party.email:
        _el(_el(element, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM")
    if party.tax_number and name == "ram:SellerTradeParty":
        _el(_el(element, "ram:SpecifiedTaxRegistration"), "ram:ID", party.tax_number, schemeID="FC")
    if party.vat_id and with_vat_id:
        _el(_el(element, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def _address(parent: etree._Element, address: Address) -> None:
    element = _el(parent, "ram:PostalTradeAddress")
    if address.postcode:
        _el(element, "ram:PostcodeCode", address.postcode)
    lines = [line for line in address.lines if line.strip()]
    # CII has three address lines; further ones are joined into the third.
    for tag, text in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), [*lines[:2], ", ".join(lines[2:])]):
        if text:
            _el(element, tag, text)
    _el(element, "ram:CityName", address.city)
    _el(element, "ram:CountryID", address.country)


def _agreement(transaction: etree._Element, document: InvoiceDocument) -> None:
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if document.buyer_reference:
        _el(agreement, "ram:BuyerReference", document.buyer_reference)
    # BR-O-02..04: an invoice outside the scope of VAT carries no VAT ids.
    vat_ids = TaxCategory.NOT_SUBJECT not in {g.category for g in document.totals.groups}
    _party(agreement, "ram:SellerTradeParty", document.seller, vat_ids)
    _party(agreement, "ram:BuyerTradeParty", document.buyer, vat_ids)


def _delivery(transaction: etree._Element, document: InvoiceDocument) -> None:
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if any(g.category is TaxCategory.INTRA_EU for g in document.totals.groups):
        # BR-IC-12: an intra-EU supply names the country the goods went to (the buyer's).
        ship_to = _el(delivery, "ram:ShipToTradeParty")
        _el(ship_to, "ram:Name", document.buyer.name)
        _address(ship_to, document.buyer.address)
    event = _el(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date(event, "ram:OccurrenceDateTime", document.delivery_date or document.issue_date)


def _settlement(
    transaction: etree._Element, document: InvoiceDocument, exemption_texts: dict[str, str], terms: str
) -> None:
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    invoice = document.kind is DocumentKind.INVOICE
    if document.payment_reference and invoice:
        _el(settlement, "ram:PaymentReference", document.payment_reference)
    _el(settlement, "ram:InvoiceCurrencyCode", document.currency)
    if document.bank is not None and invoice:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        sepa = document.bank.iban[:2] in _SEPA_COUNTRIES
        _el(means, "ram:TypeCode", SEPA_CREDIT_TRANSFER if sepa else CREDIT_TRANSFER)
        account = _el(means, "ram:PayeePartyCreditorFinancialAccount")
        _el(account, "ram:IBANID", document.bank.iban)
        if document.bank.holder:
            _el(account, "ram:AccountName", document.bank.holder)
        if document.bank.bic:
            _el(_el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", document.bank.bic)
    for group in document.totals.groups:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _money(group.tax))
        _el(tax, "ram:TypeCode", "VAT")
        reason = exempt_reason_text(document, group.category, exemption_texts)
        if reason:
            _el(tax, "ram:ExemptionReason", reason)
        _el(tax, "ram:BasisAmount", _money(group.basis))
        _el(tax, "ram:CategoryCode", group.category.value)
        if group.category in EXEMPTION_CODES:
            _el(tax, "ram:ExemptionReasonCode", EXEMPTION_CODES[group.category])
        if group.category is not TaxCategory.NOT_SUBJECT:
            _el(tax, "ram:RateApplicablePercent", _money(group.rate))
    payment_terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(payment_terms, "ram:Description", terms)
    if document.due_date is not None:
        _date(payment_terms, "ram:DueDateDateTime", document.due_date)
    _summation(settlement, document)
    if document.preceding_number:
        preceding = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(preceding, "ram:IssuerAssignedID", document.preceding_number)
        if document.preceding_date is not None:
            _date(preceding, "ram:FormattedIssueDateTime", document.preceding_date, qualified=True)


def _summation(settlement: etree._Element, document: InvoiceDocument) -> None:
    totals = document.totals
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _money(totals.net))
    _el(summation, "ram:TaxBasisTotalAmount", _money(totals.net))
    _el(summation, "ram:TaxTotalAmount", _money(totals.tax), currencyID=document.currency)
    _el(summation, "ram:GrandTotalAmount", _money(totals.total))
    _el(summation, "ram:DuePayableAmount", _money(totals.total))
