"""Invoices and receipts drawn at random: what the template prints and the truth it implies."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bench.generate import variants, wording
from bench.generate.parties import COUNTRIES, Country, party
from bench.generate.totals import Item, Say, Variant, totals

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


REDUCED_RATES = {
    "DE": (7,), "AT": (10, 13), "FR": (10, Decimal("5.5")), "BE": (6, 12), "LU": (8, 3), "NL": (9,),
    "IT": (10, 5), "ES": (10,), "FI": (14, 10), "IE": (Decimal("13.5"), 9), "CH": (Decimal("2.6"),),
    "GB": (5,), "NO": (15, 12), "SE": (12, 6), "PL": (8, 5),
}


def _items(rng: random.Random, language: str, big: bool, rates: tuple[Decimal, ...],
           sign: Decimal) -> list[Item]:
    """Return 1-5 item lines; with several `rates`, each line gets one and at least two are used."""
    chosen = rng.sample(wording.ITEMS[language], rng.randint(2 if len(rates) > 1 else 1, 5))
    line_rates = [rates[0], rates[1], *(rng.choice(rates) for _ in chosen[2:])] if len(rates) > 1 else \
        [rates[0]] * len(chosen)
    rng.shuffle(line_rates)
    items = []
    for description, rate in zip(chosen, line_rates, strict=True):
        quantity = Decimal(rng.choice((1, 1, 2, 3, 5, 10, 12)))
        price = sign * _money(rng.uniform(5, 4000 if big else 300))
        items.append(Item(description, quantity, price, _money(quantity * price), rate))
    return items


def _totals_variant(rng: random.Random, several_rates: bool, credit: bool) -> Variant:
    if credit:
        return Variant(gross=rng.random() < 0.2, credit=True)
    return Variant(
        gross=rng.random() < 0.2,
        discount_pct=rng.choice((2, 3, 5, 10, 15)) if not several_rates and rng.random() < 0.2 else None,
        shipping=_money(rng.uniform(4, 60)) if rng.random() < 0.2 else None,
        prepaid_share=Decimal(rng.choice(("0.3", "0.5", "0.25"))) if rng.random() < 0.12 else None,
        tax_sum_line=rng.random() < 0.5,
    )


def _quantity(say: Say, style: str, quantity: Decimal, number_style: tuple[str, str]) -> str:
    if style == "x":
        return f"{quantity} x"
    if style == "unit":
        return f"{quantity} {say('unit')}"
    if style == "decimal":
        return wording.format_number(quantity, number_style)
    return str(quantity)


def _rate_text(rate: Decimal) -> str:
    return f"{int(rate) if rate == rate.to_integral() else rate} %"


def _item_rows(say: Say, columns: str, quantity_style: str, items: list[Item], printer: Printer) -> list[dict[str, str]]:
    """Return the printed cells of each item line (the template picks the columns it shows)."""
    return [
        {"pos": str(n), "desc": item.description,
         "qty": str(item.quantity) if "unit" in columns else _quantity(say, quantity_style, item.quantity,
                                                                     printer.style),
         "unit": say("unit"), "rate": _rate_text(item.rate),
         "price": printer.money(item.price, bare=True), "amount": printer.money(item.amount, bare=True)}
        for n, item in enumerate(items, 1)
    ]


def _other_dates_and_numbers(rng: random.Random, say: Say, printer: Printer, layout: dict[str, object],
                             issued: dt.date, credit: bool) -> list[tuple[str, str]]:
    """Return the rows printed beside the number and issue date: a delivery date or service period,
    the corrected invoice's number, customer and order numbers, in random order."""
    rows: list[tuple[str, str]] = []
    if layout["dates"] == "delivery":
        rows.append((say("delivery"), printer.date(issued - dt.timedelta(days=rng.randint(0, 10)))))
    elif layout["dates"] == "period":
        end = issued.replace(day=1) - dt.timedelta(days=1)
        start = (issued.replace(day=1) - dt.timedelta(days=rng.choice((1, 28)))).replace(day=1)
        rows.append((say("period"), f"{printer.date(start)} – {printer.date(end)}"))
    if credit:
        year = issued.year
        rows.append((say("original"), rng.choice(_NUMBERS).format(y=year, yy=year % 100, n=rng.randint(1, 99999))))
    rows += variants.reference_rows(rng, say, layout)
    rng.shuffle(rows)
    return rows


def _more_items(rng: random.Random, language: str, rates: tuple[Decimal, ...], sign: Decimal) -> list[Item]:
    """Return the 18-30 further item lines of a long invoice (enough for a second page)."""
    items = []
    for n in range(rng.randint(18, 30)):
        description = f"{rng.choice(wording.ITEMS[language])} ({n + 1})"
        quantity = Decimal(rng.choice((1, 1, 2, 4, 6)))
        price = sign * _money(rng.uniform(2, 150))
        items.append(Item(description, quantity, price, _money(quantity * price), rng.choice(rates)))
    return items


#: The share of invoices (with `--layouts 4`) whose seller is a small business exempt from VAT.
EXEMPT_SHARE = 0.1


def invoice(rng: random.Random, serial: int, extra: random.Random | None = None,
            tables: random.Random | None = None,
            exempt: random.Random | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (template context, truth) of one invoice; its page's structure is drawn from `extra`
    (the classic page without it), a VAT summary table, a totals band and a carried sum from `tables`
    (none without it), and whether its seller is a small business exempt from VAT from `exempt`
    (never without it): no tax rows, no VAT ID, a sentence saying why, the tax 0.00."""
    country = COUNTRIES[rng.choice(list(COUNTRIES))]
    language = rng.choice(country.languages)
    seller = party(rng, country, language)
    buyer_country = country if rng.random() < 0.7 else COUNTRIES[rng.choice(list(COUNTRIES))]
    buyer = party(rng, buyer_country, language, person=rng.random() < 0.15)
    consignee = party(rng, buyer_country, language, person=rng.random() < 0.5)
    currency_mode = rng.choice(("code", "symbol", "none", "none", "label", "header"))
    printer = Printer(rng, language, country, currency_mode)
    say = lambda key, **kw: wording.pick(rng, language, key, **kw)  # noqa: E731
    credit = rng.random() < 0.08
    layout = variants.draw_layout(rng, credit)
    issued = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    days = rng.choice((10, 14, 30, 30, 45))
    due = issued + dt.timedelta(days=days) if not credit and rng.random() < 0.75 else None
    year = issued.year
    number = rng.choice(_NUMBERS).format(y=year, yy=year % 100, n=rng.randint(1, 99999))
    standard = Decimal(TAX_RATES[country.code])
    reduced = REDUCED_RATES.get(country.code, ())
    rates = (standard, Decimal(rng.choice(reduced))) if reduced and rng.random() < 0.25 else (standard,)
    no_vat = exempt is not None and not credit and exempt.random() < EXEMPT_SHARE
    items = _items(rng, language, rng.random() < 0.4, rates, Decimal(-1) if credit else Decimal(1))
    layout["structure"] = "classic" if extra is None else variants.draw_structure(extra, credit)
    if extra is not None and layout["structure"] == "long":
        items += _more_items(extra, language, rates, Decimal(-1) if credit else Decimal(1))
    variant = _totals_variant(rng, len(rates) > 1, credit)
    block = totals(rng, language, say, items, standard, variant, exempt=no_vat)
    if no_vat:
        # Drawn at the rates of a seller charging VAT, so that the random draws are those of the
        # same invoice drawn without `exempt`; printed at none.
        items = [dataclasses.replace(item, rate=Decimal(0)) for item in items]
    tax_table, total_rows = (None, list(block.rows)) if tables is None else variants.tax_table(
        tables, language, block, printer.money, wording.pick(tables, language, "tax_total"))
    if tables is not None and variants.totals_band(tables, len(total_rows)):
        layout["totals"] = "band"
    if tax_table is not None and layout["totals"] != "block":
        tax_table["place"] = "before"  # totals in the item table or a band: the table follows the items
    carried = None
    if tables is not None and layout["structure"] == "long":
        carried = variants.carry(tables, language, [item.amount for item in items],
                                 lambda value: printer.money(value, bare=True))
    show_vat = seller.vat_id is not None and rng.random() < 0.85 and not no_vat
    show_iban = seller.iban is not None and rng.random() < 0.85 and layout["payment"] != "debit"
    bic = variants.bic(rng, country.code)
    head = [(say("credit_number") if credit else say("number"), number), (say("date"), printer.date(issued))]
    meta = head + _other_dates_and_numbers(rng, say, printer, layout, issued, credit)
    due_text = None if due is None else printer.date(due)
    if due_text and layout["due_in"] == "meta":
        meta.append((say("due"), due_text))
    if currency_mode == "label":
        meta.append((say("currency"), country.currency))
    notes = []
    if due is None or layout["due_in"] == "meta":
        if rng.random() < 0.6 and not credit:
            notes.append(say("terms", days=days))
    else:
        notes.append(say("pay_by", date=due_text))
    notes += variants.payment_notes(rng, say, layout, seller=seller, buyer=buyer,
                                    amount=printer.money(block.payable), number=number, due=due_text, bic_code=bic,
                                    show_iban=show_iban)
    if credit:
        notes.append(say("credit_note"))
    if no_vat:
        notes.append(wording.pick(exempt, language, "exempt"))  # type: ignore[arg-type]
    top = layout["seller_top"]
    context = {
        "language": language, "layout": layout, "seller": seller,
        "logo": (variants.brand(seller.name, seller) if rng.random() < 0.5 else seller.name.upper())
        if top == "logo" else None,
        "sender": variants.sender_line(rng, seller) if layout["sender_line"] else None,
        "addresses": variants.buyer_blocks(rng, say, layout, buyer, consignee),
        "title": say("credit_title") if credit else say("title"),
        "number_label": meta[0][0], "number": number,
        "meta_rows": meta[1:] if layout["meta"] == "title-line" else meta,
        "currency": country.currency, "currency_mode": currency_mode,
        "show_vat": show_vat, "show_iban": show_iban, "vat_label": say("vat_id"), "bank_label": say("bank"),
        "bank_name": say("bank_names"), "bic": bic,
        "heads": {k: say(k) for k in ("qty", "desc", "price", "amount", "pos", "rate")} | {"unit": say("unit_head")},
        "columns": layout["columns"], "items": _item_rows(say, str(layout["columns"]), str(layout["quantity"]),
                                                         items, printer),
        "totals": [(label, printer.money(value), strong) for label, value, strong in total_rows],
        "tax_table": tax_table, "carry": carried,
        "notes": notes, "thanks": say("thanks"), "page": say("page"),
        "page_counter": variants.PAGE_COUNTERS[language],
        "headline": None if due_text is None or extra is None
        else extra.choice(variants.HEADLINES[language]).format(amount=printer.money(block.payable), date=due_text),
    }
    truth = {
        "invoice_number": number, "issue_date": issued.isoformat(),
        "due_date": None if due is None else due.isoformat(), "currency": country.currency,
        "total": str(block.total), "net_total": str(block.net), "tax_total": str(block.tax),
        "seller": {"name": seller.name, "vat_id": seller.vat_id if show_vat else None,
                   "iban": seller.iban if show_iban else None},
        "buyer": {"name": buyer.name},
        "source": "bench.generate", "license": "generated",
        "_meta": {"document": "invoice", "serial": serial, "language": language, "country": country.code,
                  "currency_printed": currency_mode, "number_style": printer.style,
                  "date_style": printer.date_style, "credit": credit, "rates": [str(r) for r in rates],
                  "gross": variant.gross, "discount_pct": variant.discount_pct,
                  "shipping": None if variant.shipping is None else str(variant.shipping),
                  "prepaid": variant.prepaid_share is not None,
                  "tax_table": None if tax_table is None else tax_table["place"], "carry": carried is not None,
                  "exempt": no_vat,
                  **layout},
    }
    if block.payable != block.total:
        truth["_meta"]["amount_due"] = str(block.payable)  # as the corpus keeps it: beside the total
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
