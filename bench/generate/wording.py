"""What a generated document says and how it prints numbers and dates, per language.

Several labels per field and language, long and short ("Invoice number", "No.", "Due:"), so
that a reader is measured on labels in general, not on one spelling.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from bench.generate.phrases import PHRASES

LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "title": ("INVOICE", "Invoice", "Tax Invoice"),
        "number": ("Invoice number", "Invoice No.", "Invoice #", "No.", "Number", "Invoice ID"),
        "date": ("Invoice date", "Date", "Date of issue", "Issue date"),
        "due": ("Due date", "Due", "Payment due", "Due by"),
        "bill_to": ("Bill to", "Invoice to", "Customer", "Billed to"),
        "net": ("Subtotal", "Net amount", "Total excl. VAT", "Net total"),
        "tax": ("VAT {rate}%", "VAT ({rate}%)", "Tax {rate}%", "VAT"),
        "total": ("Total", "Total due", "Amount due", "Total incl. VAT", "Grand total"),
        "qty": ("Qty", "Quantity"), "desc": ("Description", "Item"), "price": ("Unit price", "Price"),
        "amount": ("Amount", "Line total"), "vat_id": ("VAT No.", "VAT number", "VAT reg. no.", "VAT ID"),
        "bank": ("Bank details", "Payment details"), "currency": ("Currency",),
        "terms": ("Payment within {days} days.", "Please pay within {days} days."),
        "thanks": ("Thank you for your business.", "We appreciate your prompt payment."),
        "page": ("Page 1 of 1",),
    },
    "de": {
        "title": ("RECHNUNG", "Rechnung"),
        "number": ("Rechnungsnummer", "Rechnung Nr.", "Rechnungs-Nr.", "Nr.", "Belegnummer"),
        "date": ("Rechnungsdatum", "Datum", "Ausstellungsdatum"),
        "due": ("Fällig am", "Fällig", "Zahlbar bis", "Fälligkeitsdatum"),
        "bill_to": ("Rechnungsempfänger", "Kunde", "Rechnungsadresse"),
        "net": ("Nettobetrag", "Summe netto", "Zwischensumme"),
        "tax": ("MwSt. {rate}%", "USt. {rate} %", "zzgl. {rate}% MwSt."),
        "total": ("Gesamtbetrag", "Rechnungsbetrag", "Endbetrag", "Summe brutto", "Zu zahlen"),
        "qty": ("Menge", "Anzahl"), "desc": ("Beschreibung", "Bezeichnung", "Artikel"),
        "price": ("Einzelpreis", "E-Preis"), "amount": ("Betrag", "Gesamt", "Gesamtpreis"),
        "vat_id": ("USt-IdNr.", "USt.-ID", "UID-Nr.", "MwSt-Nr."), "bank": ("Bankverbindung",),
        "currency": ("Währung",),
        "terms": ("Zahlbar innerhalb von {days} Tagen.", "Bitte überweisen Sie den Betrag innerhalb {days} Tagen."),
        "thanks": ("Vielen Dank für Ihren Auftrag.",), "page": ("Seite 1 von 1",),
    },
    "fr": {
        "title": ("FACTURE", "Facture"),
        "number": ("Facture n°", "Numéro de facture", "N°", "Facture N°"),
        "date": ("Date de facture", "Date", "Date d'émission"),
        "due": ("Échéance", "Date d'échéance", "À payer avant le"),
        "bill_to": ("Facturé à", "Client", "Adresse de facturation"),
        "net": ("Total HT", "Montant HT", "Sous-total"),
        "tax": ("TVA {rate} %", "TVA ({rate}%)", "Montant TVA"),
        "total": ("Total TTC", "Net à payer", "Montant TTC", "Total à payer"),
        "qty": ("Qté", "Quantité"), "desc": ("Désignation", "Description"),
        "price": ("Prix unitaire", "P.U. HT"), "amount": ("Montant", "Total HT"),
        "vat_id": ("N° TVA", "TVA intracommunautaire", "N° de TVA"), "bank": ("Coordonnées bancaires",),
        "currency": ("Devise",),
        "terms": ("Paiement à {days} jours.", "Payable sous {days} jours."),
        "thanks": ("Merci de votre confiance.",), "page": ("Page 1/1",),
    },
    "da": {
        "title": ("FAKTURA", "Faktura"),
        "number": ("Fakturanr.", "Fakturanummer", "Faktura nr.", "Nr."),
        "date": ("Fakturadato", "Dato"),
        "due": ("Forfaldsdato", "Forfald", "Betales senest"),
        "bill_to": ("Faktureres til", "Kunde", "Modtager"),
        "net": ("Subtotal", "Beløb ekskl. moms", "Total ekskl. moms"),
        "tax": ("Moms {rate}%", "Moms ({rate}%)", "Moms"),
        "total": ("I alt", "Total inkl. moms", "At betale", "Total"),
        "qty": ("Antal",), "desc": ("Beskrivelse", "Varebeskrivelse"), "price": ("Enhedspris", "Stk. pris"),
        "amount": ("Beløb", "I alt"), "vat_id": ("CVR-nr.", "CVR", "Moms-nr."), "bank": ("Bankoplysninger",),
        "currency": ("Valuta",),
        "terms": ("Netto {days} dage.", "Betaling inden {days} dage."),
        "thanks": ("Tak for handlen.",), "page": ("Side 1 af 1",),
    },
}

ITEMS = {
    "en": ("Consulting services", "Software licence (annual)", "Website maintenance", "Office chairs",
           "Printer toner", "Training workshop", "Cloud hosting", "Travel expenses", "Design work"),
    "de": ("Beratungsleistung", "Softwarelizenz (jährlich)", "Wartung Webseite", "Bürostühle", "Druckerpatronen",
           "Schulung", "Hosting-Paket", "Reisekosten", "Montagearbeiten"),
    "fr": ("Prestation de conseil", "Licence logicielle", "Maintenance du site", "Fauteuils de bureau",
           "Cartouches d'encre", "Formation", "Hébergement", "Frais de déplacement"),
    "da": ("Konsulentydelser", "Softwarelicens", "Vedligeholdelse af hjemmeside", "Kontorstole", "Toner",
           "Kursus", "Hosting", "Rejseudgifter"),
}

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "da": "januar februar marts april maj juni juli august september oktober november december",
}
DATE_STYLES = {
    "en": ("iso", "slashed", "day-month", "month-day", "abbrev"),
    "de": ("dotted", "dotted", "day-month", "iso"),
    "fr": ("slashed", "slashed", "day-month", "dotted"),
    "da": ("dotted", "day-month", "dashed"),
}
#: Number styles: (thousands separator, decimal mark).
NUMBER_STYLES = {
    "en": ((",", "."), ("", ".")),
    "de": ((".", ","), ("", ",")),
    "fr": ("\u00a0,", "\u202f,", " ,", ("", ",")),
    "da": ((".", ","),),
    "CH": (("'", "."), ("’", "."), ("'", ",")),
}


def format_date(value: dt.date, style: str, language: str) -> str:
    """Return `value` printed in `style` with `language`'s month names."""
    name = _MONTHS[language].split()[value.month - 1]
    dot = "." if language in ("de", "da") else ""
    return {
        "iso": value.isoformat(),
        "dotted": f"{value.day:02d}.{value.month:02d}.{value.year}",
        "slashed": f"{value.day:02d}/{value.month:02d}/{value.year}",
        "dashed": f"{value.day:02d}-{value.month:02d}-{value.year}",
        "day-month": f"{value.day}{dot} {name} {value.year}",
        "month-day": f"{name} {value.day}, {value.year}",
        "abbrev": f"{value.day:02d}-{name[:3].title()}-{value.year}",
    }[style]


def format_number(value: Decimal, style: tuple[str, str] | str) -> str:
    """Return `value` with two decimals, grouped and marked as `style` (group, decimal mark) says."""
    group, mark = (style[:-1], style[-1]) if isinstance(style, str) else style
    sign = "-" if value < 0 else ""
    whole, _, cents = f"{abs(value):.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{group.join(groups)}{mark}{cents}"


def pick(rng: random.Random, language: str, key: str, **values: object) -> str:
    """Return one of the language's wordings for `key`, with its placeholders filled."""
    table = LABELS[language] if key in LABELS[language] else PHRASES[language]
    return rng.choice(table[key]).format(**values)
