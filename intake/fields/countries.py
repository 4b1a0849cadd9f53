"""The seller's country and the currency it implies, for invoices that print amounts bare. Pure.

Many invoices print "1.234,56" with no currency anywhere. The seller's country then says which
currency is meant, and is read from what identifies the seller most surely: its IBAN's country,
else its VAT ID's prefix, else a country named in its address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from intake.fields.dates import fold
from intake.fields.layout import TextLine

EURO_AREA = frozenset(
    "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK MC SM VA AD ME XK".split()
)
_NATIONAL = {
    "CH": "CHF", "LI": "CHF", "GB": "GBP", "DK": "DKK", "FO": "DKK", "GL": "DKK", "SE": "SEK",
    "NO": "NOK", "IS": "ISK", "PL": "PLN", "CZ": "CZK", "HU": "HUF", "RO": "RON", "BG": "BGN",
    "US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "JP": "JPY", "IN": "INR", "MY": "MYR",
    "SG": "SGD", "HK": "HKD", "ZA": "ZAR", "BR": "BRL", "CN": "CNY",
}
#: Country names as addresses print them (folded), English and the country's own languages.
_NAMES = {
    "CH": "switzerland schweiz suisse svizzera", "LI": "liechtenstein",
    "GB": "united kingdom|great britain|england|scotland|wales|uk", "DK": "denmark danmark danemark danemark",
    "SE": "sweden sverige suede schweden", "NO": "norway norge norvege norwegen", "PL": "poland polska pologne polen",
    "US": "usa|u.s.a.|united states|united states of america|etats-unis", "DE": "germany deutschland allemagne",
    "AT": "austria osterreich autriche", "FR": "france frankreich frankrig", "BE": "belgium belgique belgie belgien",
    "NL": "netherlands nederland pays-bas niederlande holland", "LU": "luxembourg luxemburg",
    "IT": "italy italia italie italien", "ES": "spain espana espagne spanien", "FI": "finland suomi finnland",
    "IE": "ireland irlande irland", "PT": "portugal", "CZ": "czech republic|czechia",
}
_NAME_TO_CODE = {
    name: code for code, names in _NAMES.items()
    for name in (names.split("|") if "|" in names else names.split())
}
_NAME_RE = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(n) for n in sorted(_NAME_TO_CODE, key=len, reverse=True)) + r")(?![\w])"
)
#: VAT ID prefixes that are not the ISO country code.
_VAT_COUNTRY = {"EL": "GR", "XI": "GB", "CHE": "CH"}


def currency_of(country: str | None) -> str | None:
    """Return the currency of a country (ISO 3166 alpha-2), or None when not known here."""
    if country is None:
        return None
    return "EUR" if country in EURO_AREA else _NATIONAL.get(country)


def vat_country(vat_id: str) -> str:
    """Return the country a VAT ID's prefix names ("CHE..." -> CH, "EL..." -> GR)."""
    prefix = vat_id[:3].upper()
    return _VAT_COUNTRY.get(prefix) or _VAT_COUNTRY.get(prefix[:2]) or prefix[:2]


def address_country(lines: Sequence[TextLine]) -> str | None:
    """Return the country the first country name in `lines` names, or None."""
    for line in lines:
        m = _NAME_RE.search(fold(line.text))
        if m is not None:
            return _NAME_TO_CODE[m.group(1)]
    return None


def seller_currency(
    iban: str | None, vat_id: str | None, address: str | None
) -> tuple[str, str] | None:
    """Return the currency the seller's country implies and what told it ("IBAN", "VAT ID",
    "address"): the first of those whose country has a known currency, or None."""
    for what, country in (
        ("IBAN", iban[:2].upper() if iban else None),
        ("VAT ID", vat_country(vat_id) if vat_id else None),
        ("address", address),
    ):
        code = currency_of(country)
        if code is not None:
            return code, what
    return None
