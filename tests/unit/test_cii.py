"""The EN 16931 XML of issued invoices: what each kind of invoice carries, checked element by element."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import facturx
from lxml import etree

from invoicing.billing import LineItem, TaxCategory, price
from invoicing.document import DocumentKind
from invoicing.render.cii import GUIDELINE, clean
from invoicing.render.pdf import einvoice_xml
from invoicing.render.samples import warm_up_document
from tests.invoices import generate, sample

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}  # fmt: skip


def _tree(document) -> etree._Element:  # type: ignore[no-untyped-def]
    return etree.fromstring(einvoice_xml(document))


def _texts(tree: etree._Element, path: str) -> list[str]:
    return [e.text for e in tree.iterfind(path, NS)]


def test_every_generated_invoice_passes_the_factur_x_xsd() -> None:
    """GIVEN invoices of every scenario and kind WHEN their XML is made THEN factur-x's own XSD check
    passes at level EN 16931 (flavor and level autodetected from the XML)."""
    for document in sample(40):
        xml = einvoice_xml(document)
        assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
        assert facturx.get_level(etree.fromstring(xml)) == "en16931"


def test_the_totals_and_ids_are_the_documents() -> None:
    """GIVEN the warm-up invoice WHEN written THEN profile, number, type, dates, totals, VAT id, IBAN and
    the RF reference are its own."""
    document = warm_up_document()
    tree = _tree(document)
    assert _texts(tree, ".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [GUIDELINE]
    assert _texts(tree, "rsm:ExchangedDocument/ram:ID") == ["WARM-UP-1"]
    assert _texts(tree, "rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert _texts(tree, ".//ram:IssueDateTime/udt:DateTimeString") == ["20250102"]
    assert _texts(tree, ".//ram:DueDateDateTime/udt:DateTimeString") == ["20250116"]
    summation = ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    assert _texts(tree, summation + "TaxBasisTotalAmount") == [str(document.totals.net)]
    assert _texts(tree, summation + "TaxTotalAmount") == [str(document.totals.tax)]
    assert _texts(tree, summation + "GrandTotalAmount") == [str(document.totals.total)]
    assert _texts(tree, ".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["DE136695976"]
    assert _texts(tree, ".//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == ["DE89370400440532013000"]
    assert _texts(tree, ".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]
    assert _texts(tree, ".//ram:PaymentReference") == [document.payment_reference]
    rates = _texts(tree, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent")
    assert rates == ["19.00", "7.00"]


def test_exempt_categories_carry_reason_text_and_code() -> None:
    """GIVEN reverse-charge, intra-EU and export invoices WHEN written THEN each VAT breakdown has the
    printed note and its VATEX code; an intra-EU supply names the country of delivery."""
    for scenario, code in (("reverse_charge", "VATEX-EU-AE"), ("intra_eu", "VATEX-EU-IC"), ("export", "VATEX-EU-G")):
        document = generate(3, scenario)
        tree = _tree(document)
        assert _texts(tree, ".//ram:ApplicableTradeTax/ram:ExemptionReasonCode") == [code]
        assert _texts(tree, ".//ram:ApplicableTradeTax/ram:ExemptionReason")[0]
        ship_to = _texts(tree, ".//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID")
        assert ship_to == ([document.buyer.address.country] if scenario == "intra_eu" else [])


def test_an_exempt_line_carries_the_sellers_own_reason() -> None:
    """GIVEN a small business's exempt invoice with its reason WHEN written THEN that reason is BT-120,
    and a zero-rated line beside it carries none (BR-Z-10)."""
    items = [LineItem("Lektorat", Decimal(1), Decimal(500), Decimal(0), TaxCategory.EXEMPT),
             LineItem("Buch", Decimal(1), Decimal(20), Decimal(0), TaxCategory.ZERO)]  # fmt: skip
    document = replace(warm_up_document(), totals=price(items), exemption_reason="Kleinunternehmer, § 19 UStG")
    tree = _tree(document)
    assert _texts(tree, ".//ram:ApplicableTradeTax/ram:ExemptionReason") == ["Kleinunternehmer, § 19 UStG"]


def test_outside_the_scope_of_vat_no_vat_ids_and_no_rates() -> None:
    """GIVEN an invoice not subject to VAT WHEN written THEN it carries no VAT id and no rate (BR-O-02..05)."""
    document = generate(5, "not_subject")
    tree = _tree(document)
    assert _texts(tree, ".//ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == []
    assert _texts(tree, ".//ram:RateApplicablePercent") == []
    assert _texts(tree, ".//ram:SpecifiedLegalOrganization/ram:ID") == [document.seller.registration_id]


def test_a_credit_note_names_its_invoice_and_carries_no_payment_instructions() -> None:
    """GIVEN a credit note WHEN written THEN type 381, the preceding invoice, refund terms, and no IBAN."""
    document = generate(4, "domestic", DocumentKind.CREDIT_NOTE)
    tree = _tree(document)
    assert _texts(tree, "rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert _texts(tree, ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [document.preceding_number]
    assert _texts(tree, ".//ram:IBANID") == [] and _texts(tree, ".//ram:PaymentReference") == []
    assert _texts(tree, ".//ram:SpecifiedTradePaymentTerms/ram:Description")[0]


def test_customer_text_with_markup_and_control_characters_stays_data() -> None:
    """GIVEN a description with markup and characters XML cannot carry WHEN written THEN it is one text
    value, the control characters dropped."""
    hostile = 'x</ram:Name><evil/>\x00\x1b & "y"'
    items = [LineItem(hostile, Decimal(1), Decimal(1), Decimal(19))]
    tree = _tree(replace(warm_up_document(), totals=price(items)))
    assert _texts(tree, ".//ram:SpecifiedTradeProduct/ram:Name") == [clean(hostile)]
    assert tree.find(".//evil") is None and "\x00" not in clean(hostile)
