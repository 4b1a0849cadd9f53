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
