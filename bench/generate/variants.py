"""Layout and content variants of a generated invoice, drawn per document.

Each is a pattern real invoices show and a reader has to see through: the seller named only in a
logo or a footer, a sender line above the address window, a delivery address beside the billing
one, the buyer's own VAT ID and a contact person under its name, customer and order numbers beside
the invoice number, service periods beside the issue date, the due date only in a sentence, and a
SEPA direct-debit note whose IBAN is the buyer's own account.

With `--layouts 3`, a VAT summary table (`tax_table`), totals printed as a band of labels over
their amounts (`totals_band`) and a long invoice's running sum carried over the page (`carry`) are
drawn from a third generator, so sets made with `--layouts 2` stay as they were.

The page's structure (`draw_structure`) is drawn from a generator of its own, so that a set made
with `--layouts 1` holds the same documents as before structures were added: the classic page; a
long invoice whose items run onto a second page, the totals there; the invoice's references and
the seller's details in a narrow column at the page's right (the references first, as in DIN
5008's information block); and a headline that repeats the amount due and its date above the
items.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from stdnum.eu import at_02

from bench.generate import totals
from bench.generate.parties import COUNTRIES, PEOPLE, Party, iban, print_iban

Say = totals.Say


def draw_layout(rng: random.Random, credit: bool) -> dict[str, object]:
    """Return where each block goes and how it is drawn (also kept in the truth's `_meta`)."""
    return {
        "meta": rng.choice(("table", "above", "inline", "title-line")),
        "meta_side": rng.choice(("left", "right")),
        "seller_top": rng.choice(("letterhead", "letterhead", "right", "logo", "footer-only")),
        "sender_line": rng.random() < 0.35,
        "buyer_label": rng.random() < 0.6,
        "ship_to": rng.random() < 0.2,
        "attention": rng.random() < 0.2,
        "buyer_vat": rng.random() < 0.2,
        "refs": rng.choice(("none", "none", "customer", "order", "both")),
        "dates": rng.choice(("issue", "issue", "delivery", "period")),
        "due_in": "none" if credit else rng.choice(("meta", "meta", "sentence")),
        "table_rules": rng.random() < 0.5,
        "columns": rng.choice(("plain", "plain", "pos", "unit", "rate", "pos-unit-rate")),
        "quantity": rng.choice(("plain", "plain", "x", "unit", "decimal")),
        "totals": rng.choice(("block", "rows")),
        "footer": rng.choice(("columns", "columns", "lines", "payment-text")),
        "vat_labelled": rng.random() < 0.8,
        "iban_label": rng.choice(("IBAN ", "IBAN: ", "IBAN: ", "")),
        "payment": "none" if credit else rng.choice(("none", "none", "none", "pay-to", "debit")),
    }


STRUCTURES = ("classic", "classic", "classic", "long", "sidebar", "headline")

#: The headline above the items ("€1,234.56 due March 3, 2025"), per language.
HEADLINES = {
    "en": ("{amount} due {date}", "Amount due: {amount} by {date}"),
    "de": ("{amount} fällig am {date}", "Zu zahlen: {amount} bis {date}"),
    "fr": ("{amount} à régler avant le {date}", "Montant dû : {amount} le {date}"),
    "da": ("{amount} forfalder {date}", "At betale: {amount} senest {date}"),
}
#: A page counter's words around the page's number and the count of pages, per language.
PAGE_COUNTERS = {"en": ("Page ", " of "), "de": ("Seite ", " von "), "fr": ("Page ", "/"), "da": ("Side ", " af ")}


def draw_structure(rng: random.Random, credit: bool) -> str:
    """Return the page's structure (see the module's docstring); a credit note has no headline."""
    structure = rng.choice(STRUCTURES)
    return "classic" if credit and structure == "headline" else structure


def brand(name: str, party: Party) -> str:
    """Return the company name without its legal form (what a logo shows), or the name as it is."""
    for form in sorted(party.country.legal_forms, key=len, reverse=True):
        if name.endswith(" " + form):
            return name[: -len(form) - 1]
    return name


def sender_line(rng: random.Random, seller: Party) -> str:
    """Return the one-line return address printed above the address window."""
    mark = rng.choice((" · ", " - ", ", ", " | "))
    return mark.join((seller.name, seller.street, seller.city_line))


@dataclass(frozen=True, slots=True)
class Address:
    label: str | None
    lines: tuple[str, ...]


def buyer_blocks(rng: random.Random, say: Say, layout: dict[str, object], buyer: Party,
                 other: Party) -> list[Address]:
    """Return the address blocks under the letterhead: the billing one, maybe a delivery one."""
    lines = [buyer.name]
    if layout["attention"] and buyer.name not in PEOPLE:
        lines.append(say("attention", name=rng.choice(PEOPLE)))
    lines += [buyer.street, buyer.city_line, buyer.country_name]
    if layout["buyer_vat"] and buyer.vat_printed:
        lines.append(say("buyer_vat", vat=buyer.vat_printed))
    bill = Address(say("bill_to") if layout["buyer_label"] or layout["ship_to"] else None, tuple(lines))
    if not layout["ship_to"]:
        return [bill]
    ship = Address(say("ship_to"), (other.name, other.street, other.city_line, other.country_name))
    return [bill, ship] if rng.random() < 0.6 else [ship, bill]


def reference_rows(rng: random.Random, say: Say, layout: dict[str, object]) -> list[tuple[str, str]]:
    """Return the customer and order numbers printed beside the invoice number (never its truth)."""
    rows = []
    if layout["refs"] in ("customer", "both"):
        shape = rng.choice(("K{n}", "{n}", "C-{n}", "{n}-01"))
        rows.append((say("customer_no"), shape.format(n=rng.randint(1000, 999999))))
    if layout["refs"] in ("order", "both"):
        shape = rng.choice(("PO-{n}", "45000{n}", "B{n}", "ORD/{n}"))
        rows.append((say("order_no"), shape.format(n=rng.randint(1000, 99999))))
    return rows


def debtor_iban(rng: random.Random, buyer: Party) -> str:
    """Return the buyer's own account as a direct-debit note prints it."""
    country = buyer.country if buyer.country.bban else COUNTRIES["DE"]
    account = iban(rng, country)
    if account is None:
        raise ValueError(f"no IBAN shape for {country.code}")
    return print_iban(rng, account)


def creditor_id(rng: random.Random, code: str) -> str:
    """Return a SEPA creditor identifier of the seller's country, its check digits right (drawn
    and then worked out, so that the random draws are those of the sets made before it was)."""
    rng.randint(10, 99)
    shape = f"{code}00ZZZ{rng.randint(10**10, 10**11 - 1)}"
    return shape[:2] + at_02.calc_check_digits(shape) + shape[4:]


def bic(rng: random.Random, code: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(rng.choice(letters) for _ in range(4)) + code + rng.choice(("XX", "2X", "MM", "FF"))


def payment_notes(rng: random.Random, say: Say, layout: dict[str, object], *, seller: Party,
                  buyer: Party, amount: str, number: str, due: str | None, bic_code: str,
                  show_iban: bool) -> list[str]:
    """Return the payment sentences under the totals: a transfer request naming the seller's IBAN,
    or a SEPA direct-debit notice naming the buyer's (the seller's own account is then not printed)."""
    if layout["payment"] == "pay-to" and show_iban and seller.iban_printed:
        return [say("pay_to", amount=amount, iban=seller.iban_printed, bic=bic_code, number=number)]
    if layout["payment"] == "debit":
        when = "" if due is None else say("debit_when", date=due)
        notes = [say("debit", amount=amount, iban=debtor_iban(rng, buyer), when=when)]
        if rng.random() < 0.6:
            ref = f"{rng.choice(('M', 'REF-', 'SEPA'))}{rng.randint(1000, 99999)}"
            notes.append(say("mandate", ref=ref, cid=creditor_id(rng, seller.country.code)))
        return notes
    return []


#: A VAT summary table's column heads per language: rate, base, tax and the base with its tax.
TAX_TABLE_HEADS = {
    "en": (("VAT rate", "Net amount", "VAT", "Gross amount"), ("Tax rate", "Taxable amount", "Tax amount", "Total")),
    "de": (("USt-Satz", "Nettobetrag", "USt-Betrag", "Bruttobetrag"), ("MwSt.-Satz", "Netto", "MwSt.", "Brutto")),
    "fr": (("Taux TVA", "Base HT", "Montant TVA", "Total TTC"), ("Taxe", "Base", "Montant", "TTC")),
    "da": (("Momssats", "Momsgrundlag", "Moms", "I alt"), ("Moms %", "Grundlag", "Momsbeløb", "Beløb inkl. moms")),
}
#: The share of invoices (with `--layouts 3`) that print their tax in a VAT summary table.
TAX_TABLE_SHARE = 0.3


def tax_table(rng: random.Random, language: str, block: totals.Totals, money: Callable[[Decimal], str],
              tax_sum: str) -> tuple[dict[str, object] | None, list[tuple[str, Decimal, bool]]]:
    """Return a VAT summary table for `block` (or None), and the totals rows printed beside it.

    As many real invoices print it: a row per rate with its base and tax (and often the two
    together), before or after the totals block, which then prints one tax sum in place of the
    rates' lines, or no tax line at all, so that the reader adds the table's tax column up.
    Drawn from `rng` alone (the document's own generator is left as it was)."""
    rows = list(block.rows)
    if not block.tax_rows or rng.random() >= TAX_TABLE_SHARE:
        return None, rows
    heads = rng.choice(TAX_TABLE_HEADS[language])
    gross = rng.random() < 0.6
    kept = [row for i, row in enumerate(rows) if i not in block.tax_rows[1:]]
    first = block.tax_rows[0]
    if block.tax_summed or rng.random() < 0.3:
        del kept[first]
    else:
        kept[first] = (tax_sum, block.tax, False)
    table_rows = [
        [f"{rate.normalize():f} %", money(base), money(tax), *([money(base + tax)] if gross else [])]
        for rate, base, tax in block.by_rate
    ]
    table = {"heads": list(heads if gross else heads[:3]), "rows": table_rows,
             "place": rng.choice(("before", "after"))}
    return table, kept


#: The share of invoices (with `--layouts 3`) whose totals of at most `BAND_ROWS` amounts are
#: printed as a band: the labels side by side in one row, their amounts in the row under them.
BAND_SHARE = 0.2
BAND_ROWS = 4


def totals_band(rng: random.Random, rows: int) -> bool:
    """Return whether the totals are printed as a band (see `BAND_SHARE`), drawn from `rng`."""
    return rng.random() < BAND_SHARE and rows <= BAND_ROWS


#: A long invoice's amount carried from its first page to the next, per language: (the label at the
#: foot of the first page, the label at the head of the next).
CARRY_LABELS = {
    "en": (("Carried forward", "Subtotal carried forward"), ("Brought forward", "Carried over")),
    "de": (("Übertrag", "Zwischensumme Übertrag"), ("Übertrag", "Übertrag von Seite 1")),
    "fr": (("À reporter", "Report à la page suivante"), ("Report", "Report de la page précédente")),
    "da": (("Transport", "Overføres"), ("Transport", "Overført")),
}
#: The share of long invoices (with `--layouts 3`) that carry their items' running sum over the page.
CARRY_SHARE = 0.6


def carry(rng: random.Random, language: str, amounts: list[Decimal], money: Callable[[Decimal], str]) -> dict[str, object] | None:
    """Return where a long invoice carries its items' running sum over to the next page, with the
    two labels and the amount (or None), drawn from `rng`: a partial sum that is neither the net
    nor the total, printed beside labels of its own and, in German, beside "Zwischensumme"."""
    if rng.random() >= CARRY_SHARE:
        return None
    after = rng.randint(8, 12)
    outs, ins = CARRY_LABELS[language]
    amount = money(sum(amounts[:after], Decimal(0)))
    return {"after": after, "out": rng.choice(outs), "in": rng.choice(ins), "amount": amount}
