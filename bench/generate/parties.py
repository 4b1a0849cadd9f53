"""Sellers and buyers from many countries, with VAT IDs and IBANs whose check digits hold.

Check digits come from python-stdnum: a random body is drawn until the country's own module
accepts it, so every number printed is valid where a real one would be.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from stdnum import get_cc_module
from stdnum import iban as stdnum_iban


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    currency: str
    languages: tuple[str, ...]
    #: The printed country name, in English and in the country's language.
    names: tuple[str, ...]
    #: IBAN body after the country code and check digits: n = digit, a = capital, c = either.
    bban: str | None
    legal_forms: tuple[str, ...]
    postcode: str  # n digit, a capital letter; other characters as they are


COUNTRIES: dict[str, Country] = {c.code: c for c in (
    Country("DE", "EUR", ("de", "en"), ("Germany", "Deutschland"), "n" * 18, ("GmbH", "AG", "KG", "GmbH & Co. KG", "UG (haftungsbeschränkt)", "e.K."), "nnnnn"),
    Country("AT", "EUR", ("de",), ("Austria", "Österreich"), "n" * 16, ("GmbH", "AG", "OG"), "nnnn"),
    Country("FR", "EUR", ("fr", "en"), ("France",), "n" * 10 + "c" * 11 + "nn", ("SARL", "SAS", "S.A.S.", "SA", "EURL"), "nnnnn"),
    Country("BE", "EUR", ("fr", "en"), ("Belgium", "Belgique"), "n" * 12, ("SRL", "SA", "BV"), "nnnn"),
    Country("LU", "EUR", ("fr", "de"), ("Luxembourg",), "nnn" + "c" * 13, ("S.à r.l.", "SA"), "L-nnnn"),
    Country("NL", "EUR", ("en",), ("Netherlands", "Nederland"), "aaaa" + "n" * 10, ("B.V.", "N.V."), "nnnn aa"),
    Country("IT", "EUR", ("en",), ("Italy", "Italia"), "a" + "n" * 10 + "c" * 12, ("S.r.l.", "S.p.A."), "nnnnn"),
    Country("ES", "EUR", ("en",), ("Spain", "España"), "n" * 20, ("S.L.", "S.A."), "nnnnn"),
    Country("FI", "EUR", ("en",), ("Finland", "Suomi"), "n" * 14, ("Oy", "Oyj"), "nnnnn"),
    Country("IE", "EUR", ("en",), ("Ireland",), "aaaa" + "n" * 14, ("Ltd", "Limited", "DAC"), "aan aaan"),
    Country("DK", "DKK", ("da", "en"), ("Denmark", "Danmark"), "n" * 14, ("ApS", "A/S", "I/S"), "nnnn"),
    Country("CH", "CHF", ("de", "fr", "en"), ("Switzerland", "Schweiz", "Suisse"), "nnnnn" + "n" * 12, ("AG", "GmbH", "SA", "Sàrl"), "nnnn"),
    Country("GB", "GBP", ("en",), ("United Kingdom", "UK"), "aaaa" + "n" * 14, ("Ltd", "Ltd.", "Limited", "PLC", "LLP"), "aan naa"),
    Country("NO", "NOK", ("da", "en"), ("Norway", "Norge"), "n" * 11, ("AS", "ASA"), "nnnn"),
    Country("SE", "SEK", ("en", "da"), ("Sweden", "Sverige"), "n" * 20, ("AB",), "nnn nn"),
    Country("PL", "PLN", ("en",), ("Poland", "Polska"), "n" * 24, ("Sp. z o.o.", "S.A."), "nn-nnn"),
    Country("US", "USD", ("en",), ("USA", "United States"), None, ("Inc.", "LLC", "Corp."), "aa nnnnn"),
)}

#: VAT ID shapes before the check: n digit; the number is redrawn until stdnum accepts it.
_VAT_SHAPES = {
    "DE": "DEnnnnnnnnn", "AT": "ATUnnnnnnnn", "FR": "FRnnnnnnnnnnn", "BE": "BE0nnnnnnnnn",
    "LU": "LUnnnnnnnn", "NL": "NLnnnnnnnnnB01", "IT": "ITnnnnnnnnnnn", "ES": "ESBnnnnnnnn",
    "FI": "FInnnnnnnn", "IE": "IEnnnnnnnWH", "DK": "DKnnnnnnnn", "CH": "CHEnnnnnnnnnMWST",
    "GB": "GBnnnnnnnnn", "NO": "NOnnnnnnnnnMVA", "SE": "SEnnnnnnnnnn01", "PL": "PLnnnnnnnnnn",
}

_NAME_WORDS = (
    "Nordlicht Alpenglow Bluewave Kestrel Harbour Lindqvist Fjordline Maison Atelier Brightline Oakridge "
    "Sonnenfeld Grünwald Vestergaard Falkenberg Rivière Beaumont Halvorsen Sandvik Copperleaf Elmstead "
    "Tannenhof Ravenmoor Lysholm Marchetti Duval Keller Bergmann Østergaard Whitfield Calder Novak"
).split()
_TRADES = (
    "Consulting Software Logistics Design Handel Technik Services Solutions Studio Conseil Import Systems "
    "Media Engineering Trading Partners Analytics Werkstatt Bureau Digital Foods Print"
).split()
_STREETS = {
    "de": ("Hauptstraße", "Bahnhofstraße", "Lindenweg", "Am Markt", "Industriestraße", "Gartenstraße"),
    "fr": ("rue de la Paix", "avenue Victor Hugo", "boulevard Voltaire", "rue du Commerce", "place de la Gare"),
    "da": ("Vestergade", "Nørregade", "Strandvejen", "Havnegade", "Industrivej"),
    "en": ("High Street", "Station Road", "Market Square", "Mill Lane", "Park Avenue", "Harbour Road"),
}
#: The state a US city's address names beside its ZIP code.
_US_STATES = {"Boston": "MA", "Austin": "TX", "Denver": "CO"}
_CITIES = {
    "DE": ("Berlin", "Hamburg", "München", "Köln", "Leipzig"), "AT": ("Wien", "Graz", "Linz"),
    "FR": ("Paris", "Lyon", "Nantes", "Lille"), "BE": ("Bruxelles", "Liège", "Namur"),
    "LU": ("Luxembourg", "Esch-sur-Alzette"), "NL": ("Amsterdam", "Utrecht"), "IT": ("Milano", "Torino"),
    "ES": ("Madrid", "Valencia"), "FI": ("Helsinki", "Espoo"), "IE": ("Dublin", "Cork"),
    "DK": ("København", "Aarhus", "Odense"), "CH": ("Zürich", "Bern", "Genève", "Basel"),
    "GB": ("London", "Leeds", "Bristol", "Manchester"), "NO": ("Oslo", "Bergen"),
    "SE": ("Stockholm", "Göteborg"), "PL": ("Warszawa", "Kraków"), "US": ("Boston", "Austin", "Denver"),
}
PEOPLE = ("Anna Schmidt", "Jonas Weber", "Claire Martin", "Lucas Bernard", "Mette Jensen",
           "Søren Nielsen", "Emily Clarke", "James Walker", "Sofia Rossi", "Lars Andersen")


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    street: str
    city_line: str
    country: Country
    country_name: str
    vat_id: str | None  # compact, as the truth holds it
    vat_printed: str | None
    iban: str | None
    iban_printed: str | None
    email: str
    phone: str


def _fill(rng: random.Random, shape: str) -> str:
    out = []
    for ch in shape:
        if ch == "n":
            out.append(rng.choice(string.digits))
        elif ch == "a":
            out.append(rng.choice(string.ascii_uppercase))
        elif ch == "c":
            out.append(rng.choice(string.digits + string.ascii_uppercase))
        else:
            out.append(ch)
    return "".join(out)


def vat_id(rng: random.Random, code: str) -> str | None:
    """Return a VAT ID of the country (compact, with its prefix) that stdnum accepts, or None."""
    shape = _VAT_SHAPES.get(code)
    if shape is None:
        return None
    module = get_cc_module(code.lower(), "vat")
    for _ in range(20000):
        candidate = _fill(rng, shape)
        if module.is_valid(candidate):
            return candidate
    raise RuntimeError(f"no valid VAT ID drawn for {code}")


def iban(rng: random.Random, country: Country) -> str | None:
    """Return an IBAN of the country that stdnum accepts (country rules included), or None."""
    if country.bban is None:
        return None
    for _ in range(20000):
        body = _fill(rng, country.bban)
        number = country.code + "00" + body
        number = country.code + stdnum_iban.calc_check_digits(number) + body
        if stdnum_iban.is_valid(number):
            return number
    raise RuntimeError(f"no valid IBAN drawn for {country.code}")


def print_vat(rng: random.Random, code: str, value: str) -> str:
    """Return the VAT ID as the country prints it, in one of its usual spellings."""
    digits = value[2:]
    if code == "CH":
        n = value[3:12]
        return f"CHE-{n[:3]}.{n[3:6]}.{n[6:]} {value[12:]}"
    if code == "NO":
        n = value[2:11]
        return rng.choice((f"NO {n[:3]} {n[3:6]} {n[6:]} MVA", f"NO{n}MVA"))
    if code == "GB" and rng.random() < 0.5:
        return f"GB {digits[:3]} {digits[3:7]} {digits[7:]}"
    if code == "DE" and rng.random() < 0.3:
        return f"DE {digits[:3]} {digits[3:6]} {digits[6:]}"
    if code == "AT" and rng.random() < 0.4:
        return f"ATU {digits[1:]}"
    if code == "DK" and rng.random() < 0.4:
        return f"DK {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
    return value


def print_iban(rng: random.Random, value: str) -> str:
    """Return the IBAN in groups of four (the last group may hold one character) or compact."""
    if rng.random() < 0.2:
        return value
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


#: The characters of an Irish Eircode (no B, G, I, J, L, M, O, Q, S, U, Z).
_EIRCODE_CHARS = "0123456789ACDEFHKNPRTVWXY"


def postcode(rng: random.Random, country: Country) -> str:
    code = _fill(rng, country.postcode)
    if country.code == "IE":
        # An Eircode ("A65 F4E2": a letter and two digits, then four characters) made of the
        # characters drawn, so that the draws stay those of the sets made before it.
        head, tail = code.split()
        letters = _EIRCODE_CHARS[10:]
        key = letters[ord(head[0]) % len(letters)] + str(ord(head[1]) % 10) + head[2]
        return key + " " + "".join(_EIRCODE_CHARS[ord(ch) % len(_EIRCODE_CHARS)] for ch in tail)
    return code


def company_name(rng: random.Random, country: Country) -> str:
    words = rng.sample(_NAME_WORDS, rng.choice((1, 1, 2)))
    return " ".join([*words, rng.choice(_TRADES), rng.choice(country.legal_forms)])


def party(rng: random.Random, country: Country, language: str, *, person: bool = False) -> Party:
    """Return a company (or, with `person`, a private buyer) of `country` with its numbers."""
    name = rng.choice(PEOPLE) if person else company_name(rng, country)
    streets = _STREETS.get(language, _STREETS["en"])
    number = rng.randint(1, 180)
    street = f"{number} {rng.choice(streets)}" if language in ("fr", "en") else f"{rng.choice(streets)} {number}"
    city = rng.choice(_CITIES[country.code])
    code = postcode(rng, country)
    if country.code == "US":
        city_line = f"{city}, {_US_STATES[city]} {code.split()[-1]}"  # the state the city is in, not the letters drawn
    else:
        city_line = f"{city} {code}" if country.code in ("GB", "IE") else f"{code} {city}"
    vat = None if person else vat_id(rng, country.code)
    if vat is not None and country.code == "CH":
        vat = vat[:12] + rng.choice(("MWST", "TVA", "MWST"))  # the suffix printed is the truth's too
    account = None if person else iban(rng, country)
    slug = "".join(ch for ch in name.split()[0].lower() if ch.isascii() and ch.isalpha()) or "mail"
    return Party(
        name=name,
        street=street,
        city_line=city_line,
        country=country,
        country_name=rng.choice(country.names),
        vat_id=vat,
        vat_printed=None if vat is None else print_vat(rng, country.code, vat),
        iban=account,
        iban_printed=None if account is None else print_iban(rng, account),
        email=f"billing@{slug}.example",
        phone=f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000, 99999)}",
    )
