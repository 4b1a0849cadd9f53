"""Invoices and receipts drawn at random: what the template prints and the truth it implies."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bench.generate import wording
from bench.generate.parties import COUNTRIES, Country, party

CENT = Decimal("0.01")
TAX_RATES = {
    "DE": 19, "AT": 20, "FR": 20, "BE": 21, "LU": 17, "NL": 21, "IT": 22, "ES": 21, "FI": 24, "IE": 23,
    "DK": 25, "CH": Decimal("8.1"), "GB": 20, "NO": 25, "SE": 25, "PL": 23, "US": 8,
}
SYMBOLS = {"EUR": ("€",), "GBP": ("£",), "USD": ("$", "US$"), "CHF": ("CHF", "Fr."), "DKK": ("kr.",),
           "NOK": ("kr",), "SEK": ("kr",), "PLN": ("zł",)}
_NUMBERS = ("INV-{y}-{n:04d}", "{y}-{n:05d}", "R{n:06d}", "F{y}{n:04d}", "{n}", "AB-{n}/{yy}", "{y}/{n}")


def _money(value: Decimal | int | float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _number_style(rng: random.Random, language: str, country: Country) -> tuple[str, str]:
    styles = wording.NUMBER_STYLES["CH" if country.code == "CH" and rng.random() < 0.7 else language]
    style = rng.choice(styles)
    return (style[:-1], style[-1]) if isinstance(style, str) else style


class Printer:
    """Prints amounts and dates of one document in one style, with or without its currency."""

    def __init__(self, rng: random.Random, language: str, country: Country, currency_mode: str) -> None:
        self.language = language
        self.style = _number_style(rng, language, country)
        self.date_style = rng.choice(wording.DATE_STYLES[language])
        if country.code == "US" and self.date_style in ("slashed", "dotted", "dashed"):
            self.date_style = "month-day"  # a US page's numeric dates are month-first: no guessing game
        self.mode = currency_mode
        self.currency = country.currency
        self.symbol = rng.choice(SYMBOLS[country.currency])
        self.before = rng.random() < 0.5

    def money(self, value: Decimal, *, bare: bool = False) -> str:
        text = wording.format_number(value, self.style)
        if bare or self.mode in ("none", "label", "header"):
            return text
        mark = self.currency if self.mode == "code" else self.symbol
        return f"{mark} {text}" if self.before or mark in ("$", "£", "US$") else f"{text} {mark}"

    def date(self, value: dt.date) -> str:
        return wording.format_date(value, self.date_style, self.language)


def _items(rng: random.Random, language: str, big: bool) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    rows = []
    for description in rng.sample(wording.ITEMS[language], rng.randint(1, 5)):
        quantity = Decimal(rng.choice((1, 1, 2, 3, 5, 10, 12)))
        scale = 4000 if big else 300
        unit = _money(rng.uniform(5, scale))
        rows.append((description, quantity, unit, _money(quantity * unit)))
    return rows


def invoice(rng: random.Random, serial: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (template context, truth) of one invoice."""
    country = COUNTRIES[rng.choice(list(COUNTRIES))]
    language = rng.choice(country.languages)
    seller = party(rng, country, language)
    buyer_country = country if rng.random() < 0.7 else COUNTRIES[rng.choice(list(COUNTRIES))]
    buyer = party(rng, buyer_country, language, person=rng.random() < 0.15)
    currency_mode = rng.choice(("code", "symbol", "none", "none", "label", "header"))
    printer = Printer(rng, language, country, currency_mode)
    issued = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    days = rng.choice((10, 14, 30, 30, 45))
    due = issued + dt.timedelta(days=days) if rng.random() < 0.75 else None
    year = issued.year
    number = rng.choice(_NUMBERS).format(y=year, yy=year % 100, n=rng.randint(1, 99999))
    items = _items(rng, language, big=rng.random() < 0.4)
    net = sum((i[3] for i in items), Decimal(0))
    rate = TAX_RATES[country.code]
    tax = _money(net * Decimal(rate) / 100)
    total = net + tax
    show_vat = seller.vat_id is not None and rng.random() < 0.85
    show_iban = seller.iban is not None and rng.random() < 0.85
    say = lambda key, **kw: wording.pick(rng, language, key, **kw)  # noqa: E731
    layout = {
        "meta": rng.choice(("table", "above", "inline", "title-line")),
        "meta_side": rng.choice(("left", "right")),
        "seller_top": rng.choice(("letterhead", "letterhead", "right", "footer-only")),
        "buyer_label": rng.random() < 0.6,
        "table_rules": rng.random() < 0.5,
        "totals": rng.choice(("block", "rows")),
        "footer": rng.choice(("columns", "lines", "payment-text")),
        "vat_labelled": rng.random() < 0.8,
    }
    context = {
        "language": language, "layout": layout, "seller": seller, "buyer": buyer,
        "title": say("title"), "number_label": say("number"), "number": number,
        "date_label": say("date"), "date": printer.date(issued),
        "due_label": say("due"), "due": None if due is None else printer.date(due),
        "terms": say("terms", days=days) if rng.random() < 0.6 else None,
        "bill_to": say("bill_to"), "vat_label": say("vat_id"), "bank_label": say("bank"),
        "currency_label": say("currency"), "currency": country.currency,
        "currency_mode": currency_mode,
        "show_vat": show_vat, "show_iban": show_iban,
        "bic": "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(4)) + country.code + "XX",
        "heads": {k: say(k) for k in ("qty", "desc", "price", "amount")},
        "items": [(d, str(q), printer.money(u, bare=True), printer.money(a, bare=True)) for d, q, u, a in items],
        "net_label": say("net"), "tax_label": say("tax", rate=rate), "total_label": say("total"),
        "net": printer.money(net), "tax": printer.money(tax), "total": printer.money(total),
        "thanks": say("thanks"), "page": say("page"),
    }
    truth = {
        "invoice_number": number, "issue_date": issued.isoformat(),
        "due_date": None if due is None else due.isoformat(), "currency": country.currency,
        "total": str(total), "net_total": str(net), "tax_total": str(tax),
        "seller": {"name": seller.name, "vat_id": seller.vat_id if show_vat else None,
                   "iban": seller.iban if show_iban else None},
        "buyer": {"name": buyer.name},
        "source": "bench.generate", "license": "generated",
        "_meta": {"document": "invoice", "serial": serial, "language": language, "country": country.code,
                  "currency_printed": currency_mode, "number_style": printer.style,
                  "date_style": printer.date_style, **layout},
    }
    return context, truth


_MALLS = ("CITY PLAZA SHOPPING CENTRE", "RIVERSIDE MALL", "NORTHGATE GALLERIA", "HARBOUR POINT CENTRE")
_SHOP_WORDS = ("FRESH", "GOLDEN", "HAPPY", "CORNER", "SUNRISE", "GREEN", "LUCKY", "URBAN", "MORNING")
_SHOP_KINDS = ("MART", "BAKERY", "HARDWARE", "PHARMACY", "BOOKSTORE", "CAFE", "MINI MARKET", "STATIONERY")
_GOODS = ("MILK 1L", "BREAD", "EGGS 10PCS", "COFFEE BEANS", "NOTEBOOK A5", "BATTERY AA", "TEA", "RICE 5KG",
          "SOAP", "PEN BLUE", "APPLE", "WATER 1.5L", "SCREWS M4", "TAPE")


def receipt(rng: random.Random, serial: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (template context, truth) of one shop receipt."""
    country = COUNTRIES[rng.choice(("GB", "IE", "DE", "DK", "FR", "US", "CH", "NO"))]
    language = "en"
    printer = Printer(rng, language, country, rng.choice(("none", "none", "symbol", "code")))
    legal = rng.choice((*country.legal_forms, ""))
    name = f"{rng.choice(_SHOP_WORDS)} {rng.choice(_SHOP_KINDS)}" + (f" {legal.upper()}" if legal else "")
    rows = []
    gross = Decimal(0)
    for good in rng.sample(_GOODS, rng.randint(2, 7)):
        quantity = rng.choice((1, 1, 1, 2, 3, 5))
        unit = _money(rng.uniform(0.5, 25))
        gross += unit * quantity
        rows.append((quantity, good, printer.money(unit, bare=True), printer.money(unit * quantity, bare=True)))
    rate = TAX_RATES[country.code]
    tax = _money(gross * Decimal(rate) / (100 + Decimal(rate)))
    rounding = Decimal(0)
    if rng.random() < 0.4:
        rounding = (gross * 20).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 20 - gross
    total = gross + rounding
    cash = Decimal(max(5, int((total + 5) / 5) * 5 + rng.choice((0, 5, 10, 45))))
    sold = dt.datetime(2024, 1, 1, 8) + dt.timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 720))
    context = {
        "mall": rng.choice(_MALLS) if rng.random() < 0.4 else None,
        "name": name, "registration": f"({rng.randint(100000, 999999)}-{rng.choice('ADKPTUVW')})"
        if rng.random() < 0.4 else None,
        "street": f"{rng.randint(1, 200)} {rng.choice(('HIGH STREET', 'MARKET ROAD', 'KING STREET'))}",
        "city": rng.choice(("LONDON", "DUBLIN", "OSLO", "BERN", "AARHUS", "LYON", "BOSTON")),
        "phone": f"TEL: 0{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
        "tax_id": f"VAT REG NO: {rng.randint(100000000, 999999999)}" if rng.random() < 0.6 else None,
        "receipt_no": f"{rng.choice(('RECEIPT', 'INV NO', 'BILL NO'))}: {rng.randint(10000, 999999)}",
        "date": printer.date(sold.date()) if rng.random() < 0.3 else sold.strftime(
            rng.choice(("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"))),
        "time": sold.strftime("%H:%M"),
        "cashier": f"{rng.choice(('CASHIER', 'SERVED BY', 'OPERATOR'))}: {rng.choice(('ANNA', 'TOM LEE', 'MIA WONG'))}",
        "customer": f"CUSTOMER: {rng.choice(('JOHN SMITH', 'MARY TAN', 'PETER HOLM'))}" if rng.random() < 0.3 else None,
        "rows": rows, "quantity_style": rng.choice(("x", "column")),
        "subtotal": printer.money(gross, bare=True), "tax_line": f"VAT {rate}% INCL", "tax": printer.money(tax, bare=True),
        "rounding": printer.money(rounding, bare=True) if rounding else None,
        "total": printer.money(total), "cash": printer.money(cash, bare=True),
        "change": printer.money(cash - total, bare=True),
        "total_label": rng.choice(("TOTAL", "TOTAL DUE", "GRAND TOTAL", "TOTAL INCL. VAT")),
    }
    truth = {
        "issue_date": sold.date().isoformat(), "total": str(total), "due_date": None,
        "seller": {"name": name},
        "source": "bench.generate", "license": "generated",
        "_meta": {"document": "receipt", "serial": serial, "country": country.code,
                  "mall": context["mall"], "rounding": str(rounding)},
    }
    return context, truth
