"""The currency of bare amounts, implied by the seller's IBAN, VAT ID or address country."""

from __future__ import annotations

import pytest

from intake.fields import extract_fields
from intake.fields.countries import currency_of, seller_currency, vat_country
from tests.unit.test_fields_layout import page


@pytest.mark.parametrize(
    ("country", "currency"),
    [("CH", "CHF"), ("GB", "GBP"), ("DK", "DKK"), ("SE", "SEK"), ("NO", "NOK"), ("PL", "PLN"),
     ("US", "USD"), ("DE", "EUR"), ("FI", "EUR"), ("XX", None)],
)
def test_currency_of_a_country(country: str, currency: str | None) -> None:
    assert currency_of(country) == currency


def test_vat_prefixes_that_are_not_country_codes() -> None:
    assert (vat_country("CHE109322551MWST"), vat_country("EL094259216"), vat_country("GB980780684")) == (
        "CH", "GR", "GB")


def test_iban_country_comes_before_vat_id_and_address() -> None:
    """GIVEN an IBAN from CH, a VAT ID from DE and an address in Norway THEN the IBAN decides."""
    assert seller_currency("CH9300762011623852957", "DE136695976", "NO") == ("CHF", "IBAN")
    assert seller_currency(None, "GB980780684", "NO") == ("GBP", "VAT ID")
    assert seller_currency(None, None, "NO") == ("NOK", "address")
    assert seller_currency(None, None, None) is None


def _bare_invoice(*footer: tuple[float, float, str]) -> list:  # type: ignore[type-arg]
    return [page([
        (50, 60, "Alpen Werkzeug AG"), (50, 74, "Bahnhofplatz 3"), (50, 88, "8001 Zürich"),
        (300, 200, "Rechnungsnummer: 2024-17"), (300, 214, "Datum: 05.03.2024"),
        (300, 500, "Total"), (450, 500, "1'234.50"), *footer,
    ])]


def test_bare_amounts_take_the_currency_of_the_sellers_iban() -> None:
    """GIVEN amounts printed without a currency and the seller's Swiss IBAN THEN the currency is
    CHF, with a warning and a lower confidence than a printed one."""
    invoice = extract_fields(_bare_invoice((50, 780, "IBAN CH93 0076 2011 6238 5295 7")))
    assert invoice.currency == "CHF"
    assert "no currency printed; CHF taken from the seller's IBAN" in invoice.warnings
    assert invoice.confidence["currency"] < 0.5


def test_bare_amounts_take_the_currency_of_the_sellers_address() -> None:
    """GIVEN bare amounts, no IBAN or VAT ID and 'Norge' in the seller's address THEN NOK."""
    pages = [page([
        (50, 60, "Fjord Verktøy AS"), (50, 74, "Strandgaten 3"), (50, 88, "5013 Bergen"), (50, 102, "Norge"),
        (300, 500, "Total"), (450, 500, "1.234,50"),
    ])]
    assert extract_fields(pages).currency == "NOK"


def test_no_country_known_leaves_the_currency_to_the_configured_default() -> None:
    """GIVEN bare amounts and nothing that names the seller's country THEN no currency is read
    (the service then applies INVOICEBOT_CURRENCY)."""
    invoice = extract_fields([page([(50, 60, "Werkzeug Handel"), (300, 500, "Total"), (450, 500, "1.234,50")])])
    assert invoice.currency is None


def test_a_shared_symbol_is_read_as_the_sellers_currency() -> None:
    """GIVEN amounts printed with 'kr' and a Norwegian seller THEN NOK, not DKK."""
    invoice = extract_fields([page([
        (50, 60, "Fjord Verktøy AS"), (50, 74, "Org.nr. NO 123 456 785 MVA"),
        (300, 500, "Total"), (450, 500, "kr 1.234,50"),
    ])])
    assert invoice.currency == "NOK"


def test_the_country_is_read_under_the_letterhead_when_a_footer_repeats_the_name() -> None:
    """GIVEN a letterhead 'Example Tools Inc.' over an address ending in 'United States', bare amounts
    and a footer repeating the name without the country THEN the currency is USD."""
    invoice = extract_fields([page([
        (50, 40, "Example Tools Inc."), (50, 54, "60 Station Road"), (50, 68, "Boston MA 02110"),
        (50, 82, "United States"), (50, 200, "Invoice # 2025-1"), (350, 400, "Total"), (480, 400, "1,250.00"),
        (50, 760, "Example Tools Inc., 60 Station Road, Boston MA 02110"),
    ])])
    assert invoice.currency == "USD"


@pytest.mark.parametrize(
    ("town_line", "currency"),
    [("Denver, CO 80202", "USD"), ("AUSTIN TX 78701-1234", "USD"), ("London EC1A 1BB", "GBP"),
     ("Manchester M1 1AE", "GBP"), ("Cork T12 X7YH", "EUR"), ("Dublin D6W 1234", "EUR"),
     ("47-681 Warszawa", "PLN")],
)
def test_a_postcode_of_one_countrys_shape_names_the_sellers_country(town_line: str, currency: str) -> None:
    """GIVEN bare amounts and a seller's address with no country name, ending in a US state and ZIP
    code, a UK postcode, an Irish Eircode or a Polish postcode THEN the currency is that country's,
    with a warning."""
    invoice = extract_fields([page([
        (50, 60, "Example Tools Inc."), (50, 74, "60 Station Road"), (50, 88, town_line),
        (300, 500, "Total"), (450, 500, "1,234.50"),
    ])])
    assert invoice.currency == currency
    assert f"no currency printed; {currency} taken from the seller's address" in invoice.warnings


def test_a_postcode_of_no_known_shape_names_no_country() -> None:
    """GIVEN a seller's town line with two letters that are no US state before five digits THEN no
    currency is implied."""
    invoice = extract_fields([page([
        (50, 60, "Example Tools Inc."), (50, 74, "60 Station Road"), (50, 88, "Denver UR 80202"),
        (300, 500, "Total"), (450, 500, "1,234.50"),
    ])])
    assert invoice.currency is None


def test_an_unlabelled_buyers_window_under_the_letterhead_does_not_name_the_sellers_country() -> None:
    """GIVEN a letterhead with only the seller's name, the buyer's unlabelled window right under it
    ending in 'Sverige', and bare amounts THEN the currency is not SEK (the seller's country is the
    footer's US address)."""
    invoice = extract_fields([page([
        (50, 40, "EXAMPLE TOOLS LLC"),
        (50, 90, "Lindgren Import AB"), (50, 104, "Storgatan 3"), (50, 118, "411 38 Göteborg"), (50, 132, "Sverige"),
        (50, 200, "INVOICE"), (50, 220, "Invoice No. 2024-17"), (300, 220, "Date: January 3, 2024"),
        (300, 500, "Amount due"), (450, 500, "254.34"),
        (150, 780, "Example Tools LLC · 43 Mill Lane · Denver, CO 80202"),
    ])])
    assert invoice.buyer.name == "Lindgren Import AB"
    assert invoice.currency == "USD"


def test_a_currency_code_inside_an_accounts_groups_is_no_currency() -> None:
    """GIVEN bare amounts, a French seller's VAT ID and an account number whose group reads '7DKK'
    THEN the currency is EUR from the VAT ID, not DKK; '12.50DKK' still reads as DKK."""
    invoice = extract_fields([page([
        (50, 60, "Exemple Conseil SARL"), (50, 74, "VAT number FR40303265045"),
        (50, 200, "Invoice No. F2024-17"), (300, 500, "Total due"), (450, 500, "1,939.20"),
        (50, 600, "will be collected from your account FR84 0725"), (50, 614, "2707 644R S0XK 7DKK A11."),
    ])])
    assert invoice.currency == "EUR"
    glued = extract_fields([page([(50, 60, "Exempel Handel ApS"), (300, 500, "Total"), (450, 500, "12.50DKK")])])
    assert glued.currency == "DKK"


def test_a_currency_symbol_ocr_read_into_an_item_description_is_no_currency() -> None:
    """GIVEN bare amounts, the seller's Swiss IBAN, and an item row OCR read as 'Cloud hosting €)'
    (for "(2)") with its amount in another cell THEN the currency is still the IBAN's CHF."""
    pages = _bare_invoice((50, 780, "IBAN CH93 0076 2011 6238 5295 7"), (50, 400, "Cloud hosting €)"), (450, 400, "140.80"))
    assert extract_fields(pages).currency == "CHF"


@pytest.mark.parametrize(("label", "code"), [("Total (RM)", "MYR"), ("Summe €:", "EUR"), ("Price in Rs", "INR")])
def test_a_currency_symbol_ending_the_cell_before_an_amount_names_the_currency(label: str, code: str) -> None:
    """GIVEN a symbol at the end of the cell before an amount ('Total (RM) | 12.00') THEN that is the currency."""
    pages = [page([(50, 60, "Kedai Buku Sdn Bhd"), (50, 300, label), (300, 300, "12.00")])]
    assert extract_fields(pages).currency == code


def test_the_buyers_vat_id_says_nothing_of_the_sellers_currency() -> None:
    """GIVEN bare amounts, a US seller and, in the buyer's block, a number that is a valid Romanian
    VAT ID THEN the currency is the seller's country's (USD), not the buyer's number's (RON)."""
    invoice = extract_fields([page([
        (50, 60, "Customer"), (300, 60, "Date of supply"),
        (50, 74, "Lindqvist Trading Corp."), (300, 74, "August 9, 2025"),
        (50, 88, "96 Station Road"), (300, 88, "Original invoice"),
        (50, 102, "Denver, CO 61938"), (300, 102, "RO74652"), (50, 116, "USA"),
        (50, 140, "Whitfield Handel LLC"), (50, 154, "153 High Street"), (50, 168, "Denver, CO 70959"),
        (50, 182, "Credit note number: INV-2025-45277"), (300, 182, "USA"),
        (50, 196, "+74 714 30960"), (50, 210, "billing@whitfield.example"),
        (300, 400, "Net total"), (450, 400, "-5091.73"), (300, 414, "VAT (8%)"), (450, 414, "-407.34"),
        (300, 428, "Total (incl. VAT)"), (450, 428, "-5499.07"),
    ])])
    assert invoice.seller.vat_id is None
    assert invoice.currency == "USD"


def test_the_sellers_country_is_read_where_its_name_wraps_before_the_legal_form() -> None:
    """GIVEN bare amounts, a side column whose seller name wraps before 'S.r.l.' and ends with
    'Italy', and a footer with the whole name but no country THEN the currency is EUR."""
    invoice = extract_fields([page([
        (50, 60, "Credit note number"), (50, 74, "2025-08630"),
        (430, 160, "Calder Falkenberg Software"), (430, 174, "S.r.l."), (430, 188, "130 High Street"),
        (430, 202, "28696 Milano"), (430, 216, "Italy"), (430, 230, "billing@calder.example"),
        (300, 400, "Total excl. VAT"), (450, 400, "-3,865.54"), (300, 414, "VAT 22%"), (450, 414, "-850.42"),
        (300, 428, "Total gross"), (450, 428, "-4,715.96"),
        (50, 760, "Calder Falkenberg Software S.r.l."), (250, 760, "billing@calder.example"),
        (50, 774, "130 High Street"), (50, 788, "28696 Milano"),
    ])])
    assert invoice.seller.name == "Calder Falkenberg Software S.r.l."
    assert invoice.currency == "EUR"


@pytest.mark.parametrize(("creditor_id", "currency"), [("CH13ZZZ73173497176", "CHF"), ("CH96ZZZ73173497176", None)])
def test_a_direct_debits_creditor_identifier_names_the_sellers_country(creditor_id: str, currency: str | None) -> None:
    """GIVEN bare amounts, a seller whose address names no country, the buyer's Swiss address
    and the payer's IBAN, and a SEPA creditor identifier whose checksum holds THEN its country
    says the currency (the creditor is the seller); GIVEN one whose checksum fails THEN none."""
    invoice = extract_fields([page([
        (50, 60, "Atelier Trading"), (50, 100, "Oakridge Analytics SA"), (50, 114, "45 avenue Victor Hugo"),
        (50, 128, "4522 Zürich"), (50, 142, "Switzerland"), (50, 170, "FACTURE N°: AB-84124/24"),
        (300, 400, "Montant HT"), (450, 400, "74'516.68"), (300, 414, "TVA totale"), (450, 414, "3'559.62"),
        (300, 428, "Net à payer"), (450, 428, "78'076.30"),
        (50, 460, "Le montant sera prélevé sur votre compte IBAN CH5254103583061966465"),
        (50, 474, f"Référence du mandat M37797, ICS {creditor_id}."),
        (50, 780, "Atelier Trading Sàrl"), (50, 794, "96 rue du Commerce"), (50, 808, "8651 Basel"),
    ])])
    assert invoice.currency == currency
    if currency:
        assert f"no currency printed; {currency} taken from the seller's creditor ID" in invoice.warnings


def test_a_sepa_payment_says_euros_where_nothing_names_the_sellers_country() -> None:
    """GIVEN bare amounts, a seller whose footer names no country, and a SEPA direct debit from
    the buyer's account THEN the currency is EUR (SEPA moves euros only), with a warning; GIVEN
    the same page without the word SEPA THEN none."""
    rows = [
        (50, 60, "Rechnungsadresse"), (50, 74, "Marchetti Consulting AG"), (50, 88, "Am Markt 130"),
        (50, 102, "1128 Graz"), (300, 400, "Nettobetrag"), (450, 400, "699,80"), (300, 414, "Summe brutto"),
        (450, 414, "788,45"), (50, 780, "Harbour Bureau AG, Industriestraße 146, 0498 Linz"),
    ]
    debit = (50, 460, "Der Betrag von 788,45 wird per SEPA-Lastschrift von Ihrem Konto eingezogen.")
    invoice = extract_fields([page([*rows, debit])])
    assert invoice.currency == "EUR"
    assert "no currency printed; EUR taken from the seller's SEPA payment (SEPA moves euros only)" in invoice.warnings
    without = extract_fields([page([*rows, (debit[0], debit[1], debit[2].replace("SEPA-", ""))])])
    assert without.currency is None
