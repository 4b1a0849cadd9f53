"""Read UN/CEFACT Cross Industry Invoice XML: Factur-X, ZUGFeRD 1.0 and 2.x, XRechnung CII.

ZUGFeRD 1.0 (and its pre-release `CBFBUY:5` schema) uses older element names for the same
business terms; `Dialect` holds the names that differ, so one reader serves all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from intake.einvoice.values import (
    amount,
    cii_date,
    collapse,
    compact_id,
    finish,
    iban,
    party_name,
    text,
    texts,
    to_decimal,
)
from invoicing.extraction import ExtractedInvoice, Line, Party


@dataclass(frozen=True, slots=True)
class Dialect:
    """Element names of one CII schema generation (namespaces already removed)."""

    document: str
    transaction: str
    agreement: str
    settlement: str
    summation: str
    line_agreement: str
    line_delivery: str
    line_settlement: str
    line_summation: str
    rate: str


#: CII D16B as used by Factur-X, ZUGFeRD 2.x and XRechnung.
D16B = Dialect(
    document="ExchangedDocument",
    transaction="SupplyChainTradeTransaction",
    agreement="ApplicableHeaderTradeAgreement",
    settlement="ApplicableHeaderTradeSettlement",
    summation="SpecifiedTradeSettlementHeaderMonetarySummation",
    line_agreement="SpecifiedLineTradeAgreement",
    line_delivery="SpecifiedLineTradeDelivery",
    line_settlement="SpecifiedLineTradeSettlement",
    line_summation="SpecifiedTradeSettlementLineMonetarySummation",
    rate="RateApplicablePercent",
)

#: ZUGFeRD 1.0 (`urn:ferd:CrossIndustryDocument:invoice:1p0`) and its pre-release schema.
ZUGFERD1 = Dialect(
    document="HeaderExchangedDocument",
    transaction="SpecifiedSupplyChainTradeTransaction",
    agreement="ApplicableSupplyChainTradeAgreement",
    settlement="ApplicableSupplyChainTradeSettlement",
    summation="SpecifiedTradeSettlementMonetarySummation",
    line_agreement="SpecifiedSupplyChainTradeAgreement",
    line_delivery="SpecifiedSupplyChainTradeDelivery",
    line_settlement="SpecifiedSupplyChainTradeSettlement",
    line_summation="SpecifiedTradeSettlementMonetarySummation",
    rate="ApplicablePercent",
)


def read_cii(root: etree._Element, dialect: Dialect) -> ExtractedInvoice:
    """Return the invoice described by a namespace-stripped CII root element."""
    warnings: list[str] = []
    document = root.find(dialect.document)
    transaction = root.find(dialect.transaction)
    agreement = _child(transaction, dialect.agreement)
    settlement = _child(transaction, dialect.settlement)
    summation = _child(settlement, dialect.summation)
    currency = text(settlement, "InvoiceCurrencyCode")
    currency = currency.upper() if currency else None
    invoice = ExtractedInvoice(
        invoice_number=text(document, "ID"),
        issue_date=cii_date(document, "IssueDateTime", warnings),
        due_date=cii_date(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime", warnings),
        currency=currency,
        total=amount(summation, "GrandTotalAmount", warnings),
        net_total=amount(summation, "TaxBasisTotalAmount", warnings),
        tax_total=_tax_total(settlement, summation, currency, warnings),
        seller=_seller(agreement, settlement),
        buyer=Party(name=party_name(agreement, "BuyerTradeParty/Name")),
        lines=_lines(transaction, dialect, warnings),
        document_type=text(document, "TypeCode"),
        payment_reference=text(settlement, "PaymentReference"),
    )
    return finish(invoice, warnings)


def _tax_total(
    settlement: etree._Element | None,
    summation: etree._Element | None,
    currency: str | None,
    warnings: list[str],
) -> Decimal | None:
    """Return BT-110: the TaxTotalAmount in the invoice currency.

    With a separate tax currency (BT-6) there are two TaxTotalAmount elements told apart by
    `currencyID`; one without `currencyID` is taken to be in the invoice currency. Without any,
    the VAT breakdown (BG-23) is summed, as BT-110 is optional where every rate is zero.
    """
    candidates = [] if summation is None else summation.findall("TaxTotalAmount")
    if not candidates:
        return _tax_breakdown_sum(settlement, warnings)
    chosen = next((e for e in candidates if _same_currency(e.get("currencyID"), currency)), None)
    if chosen is None:
        chosen = next((e for e in candidates if not e.get("currencyID")), None)
    if chosen is None:
        warnings.append(f"no TaxTotalAmount in the invoice currency {currency}")
        return None
    return to_decimal(chosen, warnings)


def _tax_breakdown_sum(settlement: etree._Element | None, warnings: list[str]) -> Decimal | None:
    """Return the sum of the header VAT breakdown amounts (BT-117), or None without any."""
    amounts = [
        to_decimal(e, warnings)
        for e in _children(settlement, "ApplicableTradeTax/CalculatedAmount")
    ]
    known = [value for value in amounts if value is not None]
    return sum(known, Decimal(0)) if known and len(known) == len(amounts) else None


def _seller(agreement: etree._Element | None, settlement: etree._Element | None) -> Party:
    """Return the seller's name, VAT ID (schemeID VA) and first IBAN-shaped payee account."""
    party = _child(agreement, "SellerTradeParty")
    vat_id = None
    for registration in _children(party, "SpecifiedTaxRegistration/ID"):
        if (registration.get("schemeID") or "").strip().upper() == "VA":
            vat_id = compact_id(registration.text)
            if vat_id:
                break
    accounts = texts(
        settlement,
        "SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/IBANID",
    )
    return Party(
        name=party_name(party, "Name"),
        vat_id=vat_id,
        iban=next((found for found in map(iban, accounts) if found), None),
    )


def _lines(
    transaction: etree._Element | None, dialect: Dialect, warnings: list[str]
) -> tuple[Line, ...]:
    """Return the invoice lines, leaving out ZUGFeRD 1.0 free-text lines (a note, no goods)."""
    lines = (
        _line(item, dialect, warnings)
        for item in _children(transaction, "IncludedSupplyChainTradeLineItem")
    )
    return tuple(
        line
        for line in lines
        if line.description or line.quantity is not None or line.amount is not None
    )


def _line(item: etree._Element, dialect: Dialect, warnings: list[str]) -> Line:
    """Return one invoice line: BT-153 name, quantity, net unit price, net amount, VAT rate."""
    agreement = item.find(dialect.line_agreement)
    settlement = item.find(dialect.line_settlement)
    product = item.find("SpecifiedTradeProduct")
    description = text(product, "Name") or text(product, "Description") or ""
    return Line(
        description=description,
        quantity=amount(item, f"{dialect.line_delivery}/BilledQuantity", warnings),
        unit_price=_unit_price(_child(agreement, "NetPriceProductTradePrice"), warnings),
        amount=amount(settlement, f"{dialect.line_summation}/LineTotalAmount", warnings),
        tax_rate=amount(settlement, f"ApplicableTradeTax/{dialect.rate}", warnings),
    )


def _unit_price(price: etree._Element | None, warnings: list[str]) -> Decimal | None:
    """Return the net price of one unit: BT-146 divided by its base quantity BT-149 if any."""
    charge = amount(price, "ChargeAmount", warnings)
    base = amount(price, "BasisQuantity", warnings)
    if charge is None or base is None or base == 0 or base == 1:
        return charge
    return charge / base


def _same_currency(declared: str | None, currency: str | None) -> bool:
    return currency is not None and (collapse(declared) or "").upper() == currency


def _child(el: etree._Element | None, path: str) -> etree._Element | None:
    return None if el is None else el.find(path)


def _children(el: etree._Element | None, path: str) -> list[etree._Element]:
    return [] if el is None else el.findall(path)
