"""The seller's country and the currency it implies, for invoices that print amounts bare. Pure.

Many invoices print "1.234,56" with no currency anywhere. The seller's country then says which
currency is meant, and is read from what identifies the seller most surely: its IBAN's country,
else its VAT ID's prefix, else a country named in its address, else its postcode's shape where
that is one country's own (a US state and ZIP code, a UK postcode).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from stdnum.eu import at_02

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


_US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
)
#: Postcodes whose shape names their country: a town, a US state and a ZIP code at the end of a line
#: ("Denver, CO 80202", "Austin TX 78701-1234"); a UK postcode, outward and inward part ("EC1A 1BB",
#: "M1 1AE"), at the end of a line; an Irish Eircode after the town ("Cork T12 X7YH": a letter and
#: two digits, then four of the letters and digits Eircodes use); a Polish postcode before its town
#: ("47-681 Warszawa"), at a line's start or after a comma.
_POSTCODE_SHAPES = (
    ("US", re.compile(rf"[A-Za-z],?\s+(?:{'|'.join(_US_STATES.split())})\s+\d{{5}}(?:-\d{{4}})?\s*$")),
    ("GB", re.compile(r"(?<![\w-])[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\s*$")),
    ("IE", re.compile(r"[a-z],?\s+(?:[AC-FHKNPRTV-Y]\d\d|D6W)\s?[\dAC-FHKNPRTV-Y]{4}\s*$")),
    ("PL", re.compile(r"(?:^|,\s*)\d{2}-\d{3}\s+[A-ZÀ-Ž][a-zà-ž]")),
)


def is_country_name(text: str) -> bool:
    """Return whether `text` is only a country's name ("France", "Deutschland"), an address's last line."""
    return _NAME_RE.fullmatch(fold(text).strip(" ,.")) is not None


def address_country(lines: Sequence[TextLine]) -> str | None:
    """Return the country the first country name in `lines` names, else the first postcode of a
    shape only one country uses, or None."""
    for line in lines:
        m = _NAME_RE.search(fold(line.text))
        if m is not None:
            return _NAME_TO_CODE[m.group(1)]
    for line in lines:
        for country, shape in _POSTCODE_SHAPES:
            if shape.search(line.text):
                return country
    return None


def seller_currency(
    iban: str | None, vat_id: str | None, address: str | None, creditor: str | None = None
) -> tuple[str, str] | None:
    """Return the currency the seller's country implies and what told it ("IBAN", "VAT ID",
    "creditor ID", "address"): the first of those whose country has a known currency, or None.
    `creditor` is the country of the SEPA creditor identifier a direct-debit note prints
    (`creditor_country`)."""
    for what, country in (
        ("IBAN", iban[:2].upper() if iban else None),
        ("VAT ID", vat_country(vat_id) if vat_id else None),
        ("creditor ID", creditor),
        ("address", address),
    ):
        code = currency_of(country)
        if code is not None:
            return code, what
    return None


# A SEPA creditor identifier: country, check digits, a business code ("ZZZ" where none) and the
# national identifier ("DE98ZZZ09999999999", "ICS FR12ZZZ123456").
_CREDITOR_ID = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\d{2}[A-Z]{3}[A-Z0-9]{5,28})(?![A-Z0-9])")


#: A payment by one of SEPA's schemes, a transfer or a direct debit ("SEPA-Lastschrift",
#: "prélèvement SEPA"): they move euros only, whatever the country of either party.
_SEPA = re.compile(r"\bsepa\b")


def sepa_payment(lines: Sequence[TextLine]) -> bool:
    """Return whether the page names a SEPA payment: its amounts are in euros."""
    return any(_SEPA.search(line.folded) for line in lines)


def creditor_country(lines: Sequence[TextLine]) -> str | None:
    """Return the country of the SEPA creditor identifier the page prints, whose checksum holds
    (python-stdnum's AT-02): the creditor who collects a direct debit is the seller."""
    for line in lines:
        for m in _CREDITOR_ID.finditer(line.text.upper()):
            if at_02.is_valid(m.group(1)):
                return m.group(1)[:2]
    return None
