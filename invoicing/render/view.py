"""What the invoice template is given: the document, its labels, and the texts derived from both.

The template lays things out; everything that needs a rule (which notes, which payment code,
the discount's amount and deadline, how an IBAN is grouped) is decided here, once, so that a
user's own template cannot get the law or the arithmetic wrong. Values stay plain strings: the
template autoescapes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from babel import Locale

from invoicing.billing import LateFeeKind, LateFeeTerms, TaxCategory
from invoicing.document import Address, DocumentKind, InvoiceDocument, PartyDetails
from invoicing.render import payment_codes
from invoicing.render.cii import exempt_reason_text
from invoicing.render.labels import labels_for
from invoicing.templating import fill, format_day, format_money, format_percent, locale_of


@dataclass(frozen=True, slots=True)
class PartyView:
    name: str
    lines: tuple[str, ...]
    vat_id: str | None
    party: PartyDetails


def grouped(text: str, size: int = 4) -> str:
    """Return an IBAN or creditor reference in groups of four, as printed for people.

    A last group of one character joins the one before ("CH44 3199 9123 0008 89012"): readers
    of invoices, ours among them, take IBANs as groups of two to four and would drop it.
    """
    compact = "".join(text.split())
    groups = [compact[i : i + size] for i in range(0, len(compact), size)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return " ".join(groups)


def _address_lines(address: Address, language: str, show_country: bool) -> tuple[str, ...]:
    lines = [line for line in address.lines if line.strip()]
    lines.append(" ".join(part for part in (address.postcode, address.city) if part))
    if show_country:
        lines.append(Locale.parse(locale_of(language)).territories.get(address.country, address.country))
    return tuple(lines)


def _party(party: PartyDetails, language: str, show_country: bool) -> PartyView:
    return PartyView(party.name, _address_lines(party.address, language, show_country), party.vat_id, party)


def payment_terms(document: InvoiceDocument, labels: dict[str, Any]) -> tuple[str, ...]:
    """Return the sentences of the payment terms, as printed and as written into the XML (BT-20)."""
    language, currency, total = document.language, document.currency, document.totals.total
    if document.kind is DocumentKind.CREDIT_NOTE:
        return (labels["refund"],)
    amount = format_money(total, currency, language)
    terms = []
    if document.bank is not None:
        key = "pay_by" if document.due_date is not None else "pay_now"
        due = format_day(document.due_date, language) if document.due_date else ""
        reference = document.payment_reference or document.number
        terms.append(fill(labels[key], amount=amount, date=due, reference=reference))
    elif document.due_date is not None:
        terms.append(fill(labels["pay_no_bank"], amount=amount, date=format_day(document.due_date, language)))
    if document.discount is not None:
        discounted = total - document.discount.amount(total)
        terms.append(fill(
            labels["discount"], percent=format_percent(document.discount.percent, language),
            date=format_day(document.discount.deadline(document.issue_date), language),
            amount=format_money(discounted, currency, language),
        ))  # fmt: skip
    if document.late_fee is not None:
        terms.append(_late_fee(document.late_fee, document, labels))
    return tuple(terms) or (labels["pay_on_receipt"],)


def _late_fee(fee: LateFeeTerms, document: InvoiceDocument, labels: dict[str, Any]) -> str:
    language = document.language
    if fee.kind is LateFeeKind.EU_DIRECTIVE or fee.value is None:
        return str(labels["late_fee_eu"])
    if fee.kind is LateFeeKind.FIXED:
        return fill(labels["late_fee_fixed"], amount=format_money(fee.value, document.currency, language))
    key = "late_fee_percent" if fee.kind is LateFeeKind.PERCENT else "late_fee_interest"
    return fill(labels[key], percent=format_percent(fee.value, language))


def exemption_notes(document: InvoiceDocument, labels: dict[str, Any]) -> tuple[str, ...]:
    """Return the notes that say why VAT is not charged, one per category that needs one."""
    notes = []
    for category in document.exempt_categories:
        note = exempt_reason_text(document, category, labels["exemption"])
        if note and note not in notes:
            notes.append(note)
    return tuple(notes)


def context(document: InvoiceDocument, templates_dir: Path | None, logo_url: str | None) -> dict[str, Any]:
    """Return the variables of the invoice template for `document`."""
    language = document.language
    labels = labels_for(language, templates_dir)
    credit = document.kind is DocumentKind.CREDIT_NOTE
    abroad = document.seller.address.country != document.buyer.address.country
    epc = payment_codes.epc_code(document)
    swiss = payment_codes.swiss_bill(document)
    kind = "credit_note" if credit else "invoice"
    return {
        "language": language,
        "labels": labels,
        "qrbill_labels": labels["qrbill"],
        "document": document,
        "credit_note": credit,
        "title": labels[f"title_{kind}"],
        "number_label": labels[f"number_{kind}"],
        "date_label": labels[f"date_{kind}"],
        "total_label": labels[f"total_{kind}"],
        "seller": _party(document.seller, language, abroad),
        "buyer": _party(document.buyer, language, abroad),
        "delivery_date": document.delivery_date or document.issue_date,
        "lines": document.totals.lines,
        "units": labels["units"],
        "groups": document.totals.groups,
        "categories": labels["categories"],
        "zero_rated": {c.value for c in TaxCategory if c.zero_rated},
        #: Categories marked beside a line's rate ("0 % AE"): zero-rated for a reason the notes give.
        "exempt_codes": {c.value for c in TaxCategory if c.needs_exemption_note},
        "exemption_notes": exemption_notes(document, labels),
        "preceding": _preceding(document, labels),
        "payment_terms": payment_terms(document, labels),
        "iban": grouped(document.bank.iban) if document.bank else None,
        "payment_reference": payment_codes.printed_reference(document.payment_reference)
        if document.payment_reference else None,
        "epc_qr": _picture(epc) if epc is not None else None,
        "swiss": swiss,
        "swiss_qr": _picture(payment_codes.swiss_code(swiss)) if swiss else None,
        "swiss_iban": payment_codes.grouped_in_fours(swiss.iban) if swiss else None,
        "logo": logo_url,
        "page_of": _page_of(labels["page"]),
    }


def _picture(code: segno.QRCode) -> str:
    """Return a QR code as a PNG data URL, four pixels a module.

    A picture, not SVG: WeasyPrint draws an SVG code module by module, which cost a fifth of the
    whole invoice; the stylesheet keeps the picture sharp (image-rendering: pixelated).
    """
    return code.png_data_uri(scale=4, border=0)  # type: ignore[no-any-return]


def _page_of(label: str) -> tuple[str, str, str]:
    """Return the words before, between and after the page number and count ("Page", "of", "")."""
    before, _, rest = label.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    return before.strip(), middle.strip(), after.strip()


def _preceding(document: InvoiceDocument, labels: dict[str, Any]) -> str | None:
    if not document.preceding_number:
        return None
    if document.preceding_date is None:
        return f"{labels['preceding']} {document.preceding_number}"
    day = format_day(document.preceding_date, document.language)
    return fill(labels["preceding_dated"], number=document.preceding_number, date=day)
