"""Outgoing invoices made up on the spot, from a seed: every kind the renderer must handle.

`generate(seed)` returns an `InvoiceDocument` drawn from the scenarios issued invoices meet:
domestic with one or several VAT rates, zero-rated and exempt lines, reverse charge, intra-EU
supplies, exports, outside the scope of VAT, credit notes, with and without discount terms, late
fees and an IBAN, long and hostile descriptions, many lines. The same seed gives the same
document. VAT ids and IBANs carry valid check digits.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

from stdnum import iban as stdnum_iban
from stdnum.at import uid as stdnum_at_uid
from stdnum.ch import uid as stdnum_ch_uid
from stdnum.iso7064 import mod_11_10

from invoicing.billing import (
    DiscountTerms,
    LateFeeKind,
    LateFeeTerms,
    LineItem,
    TaxCategory,
    is_qr_iban,
    payment_reference,
    price,
)
from invoicing.document import Address, BankDetails, DocumentKind, InvoiceDocument, PartyDetails

SCENARIOS = ("domestic", "rates", "zero", "exempt", "reverse_charge", "intra_eu", "export", "not_subject")
RATES = {"DE": ["19", "7"], "FR": ["20", "10", "5.5"], "DK": ["25"], "AT": ["20", "13", "10"], "CH": ["8.1", "2.6"]}
LANGUAGE = {"DE": "de", "AT": "de", "CH": "de", "FR": "fr", "DK": "da"}
CITIES = {
    "DE": [("10115", "Berlin"), ("80331", "München"), ("50667", "Köln")],
    "AT": [("1010", "Wien"), ("8010", "Graz")],
    "FR": [("75002", "Paris"), ("69001", "Lyon"), ("13001", "Marseille")],
    "DK": [("1050", "København K"), ("8000", "Aarhus C")],
    "CH": [("8001", "Zürich"), ("1204", "Genève"), ("2501", "Biel/Bienne")],
    "US": [("10001", "New York")], "NO": [("0150", "Oslo")], "GB": [("EC1A 1BB", "London")],
}  # fmt: skip
STREETS = ["Hauptstraße 12", "Rue de la Paix 5", "Vesterbrogade 3", "Bahnhofstrasse 7a", "12 rue des Lilas",
           "Market Street 221", "Østergade 18, 2. sal", "Quai du Mont-Blanc 3"]  # fmt: skip
COMPANIES = ["Müller & Söhne GmbH", "Atelier Lefèvre SARL", "Nordisk Design ApS", "Weber \"Consulting\" AG",
             "O'Brien <Tech> Ltd", "Société Générale d'Édition SA", "Hansen & Co. I/S", "Alpen Treuhand AG",
             "Kühne Logistik KG", "Studio Ørsted"]  # fmt: skip
WORDS = ("consulting software licence hosting support maintenance design workshop training audit "
         "translation delivery installation review analysis Beratung Wartung conseil formation "
         "rådgivning udvikling").split()  # fmt: skip
HOSTILE = [
    '<img src="file:///etc/passwd">', "<script>alert(1)</script> https://example.com/x.png",
    '<link rel="attachment" href="file:///etc/hostname">', "{{ 7 * 7 }} {% raw %}", "</td></tr></table>",
    "a" * 300, "Zeile 1\nZeile 2\n\tZeile 3", "ümlaut € £ ¥ — “quotes” ‘single’ œ ß ø å é ñ",
]  # fmt: skip
IBANS = {
    "FR": ["FR7630006000011234567890189", "FR1420041010050500013M02606"],
    "DK": ["DK5000400440116243"], "AT": ["AT611904300234573201"],
    "CH": ["CH9300762011623852957", "CH4431999123000889012", "LI21088100002324013AA"],
}  # fmt: skip


def vat_id(country: str, rng: random.Random) -> str:
    """Return a VAT id of `country` with a valid check digit."""
    if country == "DE":
        body = str(rng.randint(10_000_000, 99_999_999))
        return f"DE{body}{mod_11_10.calc_check_digit(body)}"
    if country == "AT":
        body = f"U{rng.randint(1_000_000, 9_999_999)}"
        return f"AT{body}{stdnum_at_uid.calc_check_digit(body)}"
    if country == "FR":
        siren = str(rng.randint(10_000_000, 99_999_999))
        digits = [int(d) for d in siren]
        luhn = sum(d if i % 2 == 0 else sum(divmod(2 * d, 10)) for i, d in enumerate(reversed(digits + [0])))
        siren += str((10 - luhn % 10) % 10)
        return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    if country == "DK":
        while True:
            body = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
            last = -sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2), body)) % 11
            if last < 10:
                return "DK" + "".join(map(str, body)) + str(last)
    if country == "CH":
        while True:  # a UID whose check digit would be 10 is never issued
            body = str(rng.randint(10_000_000, 99_999_999))
            check = stdnum_ch_uid.calc_check_digit(body)
            if len(check) == 1:
                return f"CHE{body}{check}MWST"
    raise ValueError(country)


def iban(country: str, rng: random.Random) -> str:
    if country == "DE":
        bban = f"{rng.randint(10_000_000, 89_999_999)}{rng.randint(0, 9_999_999_999):010d}"
        return f"DE{stdnum_iban.calc_check_digits('DE00' + bban)}{bban}"
    return rng.choice(IBANS[country])


def party(country: str, rng: random.Random, with_vat: bool = True) -> PartyDetails:
    postcode, city = rng.choice(CITIES[country])
    lines = (rng.choice(STREETS),) if rng.random() < 0.85 else (rng.choice(STREETS), "c/o Buchhaltung")
    return PartyDetails(
        name=rng.choice(COMPANIES), address=Address(lines, postcode, city, country),
        vat_id=vat_id(country, rng) if with_vat and country in RATES else None,
        email=f"billing@{rng.choice(['example.com', 'example.org'])}" if rng.random() < 0.5 else None,
        tax_number=f"{rng.randint(10, 99)}/{rng.randint(100, 999)}/{rng.randint(10000, 99999)}"
        if country == "DE" and rng.random() < 0.3 else None,
        registration_id=f"HRB {rng.randint(1000, 99999)}" if rng.random() < 0.3 else None,
    )  # fmt: skip


def description(rng: random.Random, long: bool) -> str:
    if rng.random() < 0.08:
        return rng.choice(HOSTILE)
    words = rng.randint(60, 140) if long else rng.randint(1, 6)
    text = " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()[:990]
    return text if rng.random() < 0.9 or long else text + "\n" + " ".join(rng.sample(WORDS, 3))


def lines(rng: random.Random, rates: list[tuple[str, TaxCategory | None]], count: int, long: bool) -> list[LineItem]:
    items = []
    for _ in range(count):
        rate, category = rng.choice(rates)
        quantity = Decimal(rng.choice(["1", "2", "3", "0.5", "1.25", "10", "160", "7.5"]))
        unit_price = Decimal(rng.randint(1, 250_000)) / Decimal(rng.choice([100, 100, 10000]))
        unit = rng.choice(["C62", "C62", "HUR", "DAY", "MON", "H87", "LS"])
        items.append(LineItem(description(rng, long and rng.random() < 0.5), quantity, unit_price,
                              Decimal(rate), category, unit))  # fmt: skip
    return items


def generate(seed: int, scenario: str | None = None, kind: DocumentKind | None = None,
             line_count: int | None = None) -> InvoiceDocument:  # fmt: skip
    """Return the invoice of `seed` (a scenario, kind and line count may be forced)."""
    rng = random.Random(seed)
    scenario = scenario or rng.choice(SCENARIOS)
    home = rng.choice(["DE", "DE", "FR", "DK", "AT", "CH"]) if scenario != "intra_eu" else rng.choice(["DE", "FR", "DK"])
    abroad = rng.choice([c for c in ("DE", "FR", "DK", "AT") if c != home])
    buyer_country = {"reverse_charge": abroad, "intra_eu": abroad, "export": rng.choice(["US", "NO", "GB"])}.get(
        scenario, home
    )
    if home == "CH" and scenario in ("reverse_charge", "intra_eu"):
        home = "DE"
    standard = [(r, None) for r in RATES[home]]
    rates = {
        "domestic": standard[:1], "rates": standard, "zero": standard + [("0", TaxCategory.ZERO)],
        "exempt": standard[:1] + [("0", TaxCategory.EXEMPT)], "reverse_charge": [("0", TaxCategory.REVERSE_CHARGE)],
        "intra_eu": [("0", TaxCategory.INTRA_EU)], "export": [("0", TaxCategory.EXPORT)],
        "not_subject": [("0", TaxCategory.NOT_SUBJECT)],
    }[scenario]  # fmt: skip
    count = line_count or (rng.randint(25, 60) if rng.random() < 0.1 else rng.randint(1, 8))
    totals = price(lines(rng, rates, count, long=rng.random() < 0.15))
    seller = party(home, rng)
    if scenario == "not_subject" and seller.registration_id is None:
        seller = replace(seller, registration_id=f"HRB {rng.randint(1000, 99999)}")
    buyer = party(buyer_country, rng, with_vat=scenario in ("reverse_charge", "intra_eu") or rng.random() < 0.4)
    kind = kind or (DocumentKind.CREDIT_NOTE if rng.random() < 0.2 else DocumentKind.INVOICE)
    currency = {"CH": "CHF", "DK": "DKK"}.get(home, "EUR") if rng.random() < 0.8 else "EUR"
    issued = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
    number = rng.choice(["RE-{y}-{n:04d}", "INV/{y}/{n}", "F{y}-{n:05d}", "{y}-{n}", "CN-{y}-{n:03d}"]).format(
        y=issued.year, n=rng.randint(1, 9999)
    )
    with_bank = rng.random() < 0.8
    bank_country = home if home != "AT" or rng.random() < 0.5 else "DE"
    bank = BankDetails(
        iban(bank_country, rng), rng.choice([None, "COBADEFFXXX", "BNPAFRPPXXX", "DABADKKK"]),
        rng.choice([None, None, "Treuhandkonto Muster"]),
    ) if with_bank else None  # fmt: skip
    credit = kind is DocumentKind.CREDIT_NOTE
    return InvoiceDocument(
        kind=kind, number=number, issue_date=issued,
        due_date=None if credit and rng.random() < 0.7 else issued + dt.timedelta(days=rng.choice([0, 14, 30])),
        currency=currency, language=rng.choice([LANGUAGE[home], LANGUAGE[home], "en", "fr", "da", "de"]),
        seller=seller, buyer=buyer, totals=totals, bank=bank,
        payment_reference=payment_reference(number, bank.iban if bank else None)
        if rng.random() < 0.8 or (bank and is_qr_iban(bank.iban)) else None,
        discount=DiscountTerms(Decimal(rng.choice(["2", "3", "1.5"])), rng.choice([7, 10, 14]))
        if not credit and rng.random() < 0.35 else None,
        late_fee=_late_fee(rng) if not credit and rng.random() < 0.35 else None,
        preceding_number=f"RE-{issued.year}-{rng.randint(1, 999):04d}" if credit else None,
        preceding_date=issued - dt.timedelta(days=rng.randint(1, 60)) if credit and rng.random() < 0.7 else None,
        note=rng.choice([None, None, "Thank you for your order.", "Projekt <Alpha> & \"Beta\"\nZweite Zeile"]),
        buyer_reference=rng.choice([None, None, "PO-4711", "04011000-12345-34"]),
        delivery_date=issued - dt.timedelta(days=rng.randint(0, 20)) if rng.random() < 0.5 else None,
        exemption_reason="Kleinunternehmer gemäß § 19 UStG" if scenario == "exempt" and rng.random() < 0.5 else None,
    )  # fmt: skip


def _late_fee(rng: random.Random) -> LateFeeTerms:
    kind = rng.choice(list(LateFeeKind))
    value = None if kind is LateFeeKind.EU_DIRECTIVE else Decimal(rng.choice(["5", "9.5", "15", "1.5"]))
    return LateFeeTerms(kind, value)


def sample(count: int, start: int = 0) -> list[InvoiceDocument]:
    """Return `count` generated invoices, every scenario and both kinds among the first sixteen."""
    out = []
    for seed in range(start, start + count):
        scenario = SCENARIOS[seed % len(SCENARIOS)]
        kind = DocumentKind.CREDIT_NOTE if seed % 5 == 4 else DocumentKind.INVOICE
        out.append(generate(seed, scenario, kind))
    return out
