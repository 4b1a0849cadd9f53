"""Rules of the supplier invoices we pay: the early-payment discount a supplier offers, warnings
against paying one twice, who is reminded and when. Pure: dates are arguments.

A discount is read from what was stored with the invoice: the extraction's `discount_terms`
("2% 10", which e-invoice readers may fill), a payment-terms text in the extraction or the
lines ("2 % Skonto bei Zahlung innerhalb von 10 Tagen", "#SKONTO#TAGE=10#PROZENT=2.00#",
"2/10 net 30"), else the terms recorded on the supplier's contact. It runs from the issue date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from invoicing.approval_rules import Person
from invoicing.billing import DiscountTerms, InvalidTerms
from invoicing.money import quantize

#: Words that name an early-payment discount (not a trade discount) in en, de, fr, da.
_DISCOUNT_WORD = re.compile(r"skonto|discount|escompte|kontantrabat|early\s+payment", re.IGNORECASE)
_PERCENT = re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*(?:%|percent|prozent|pour\s*cent|procent)", re.IGNORECASE)
_DAYS = re.compile(r"(\d{1,3})\s*(?:days?|tagen?|jours?|dage)\b", re.IGNORECASE)
#: XRechnung's payment-terms convention (BT-20): "#SKONTO#TAGE=14#PROZENT=2.00#".
_XRECHNUNG = re.compile(r"#SKONTO#TAGE=(\d+)#PROZENT=(\d+(?:\.\d+)?)#", re.IGNORECASE)
#: The US shorthand "2/10 net 30": 2 % within 10 days.
_SHORTHAND = re.compile(r"\b(\d{1,2}(?:[.,]\d{1,2})?)\s*/\s*(\d{1,3})\s*,?\s*(?:net\s*|n/)\d{1,3}\b", re.IGNORECASE)
_SENTENCES = re.compile(r"[;\n]|\.\s")
_CLAUSES = re.compile(r"[;\n]|[.,]\s")
#: The extraction's keys read for a discount: its own terms ("2% 10"), then texts that may state one.
EXTRACTED_TERMS = ("discount_terms", "payment_terms", "note")
#: A line is worth reading for a discount only if it holds one of these (lower case), so that a
#: database can pick those lines out.
LINE_WORDS = ("skonto", "discount", "escompte", "kontantrabat", "early payment", "net", "n/")


class DiscountSource(StrEnum):
    INVOICE = "invoice"  # the extraction's discount terms or payment-terms text
    LINES = "lines"  # a line's text
    SUPPLIER = "supplier"  # the terms on the supplier's contact


@dataclass(frozen=True, slots=True)
class OfferedDiscount:
    terms: DiscountTerms
    source: DiscountSource


def parse_discount_text(text: str) -> DiscountTerms | None:
    """Return the early-payment discount a payment-terms text states, or None when it states none."""
    if match := _XRECHNUNG.search(text):
        return _terms(match.group(2), match.group(1))
    if match := _SHORTHAND.search(text):
        return _terms(match.group(1), match.group(2))
    # A clause ("…, 3 % Skonto innerhalb 8 Tagen") names the discount's days more surely than its
    # sentence, which may also name the net terms ("Zahlbar in 30 Tagen, …").
    for segments in (_CLAUSES.split(text), _SENTENCES.split(text)):
        for segment in segments:
            word = _DISCOUNT_WORD.search(segment)
            percents, days = list(_PERCENT.finditer(segment)), list(_DAYS.finditer(segment))
            if word is None or not percents or not days:
                continue
            percent = min(percents, key=lambda m: abs(m.start() - word.start()))
            day = min(days, key=lambda m: abs(m.start() - percent.start()))
            if (terms := _terms(percent.group(1), day.group(1))) is not None:
                return terms
    return None


def _terms(percent: str, days: str) -> DiscountTerms | None:
    try:
        return DiscountTerms.parse(f"{percent.replace(',', '.')} {days}")
    except InvalidTerms:
        return None


def offered_discount(
    extracted: Mapping[str, Any] | None, lines: Iterable[str], supplier_terms: str | None
) -> OfferedDiscount | None:
    """Return the discount a supplier invoice offers, from what was stored with it (see the module)."""
    extracted = extracted or {}
    stated = extracted.get("discount_terms")
    if isinstance(stated, str) and stated.strip():
        try:
            return OfferedDiscount(DiscountTerms.parse(stated), DiscountSource.INVOICE)
        except InvalidTerms:
            pass
    for key in EXTRACTED_TERMS[1:]:
        text = extracted.get(key)
        if isinstance(text, str) and (terms := parse_discount_text(text)) is not None:
            return OfferedDiscount(terms, DiscountSource.INVOICE)
    for line in lines:
        if (terms := parse_discount_text(line)) is not None:
            return OfferedDiscount(terms, DiscountSource.LINES)
    if supplier_terms:
        try:
            return OfferedDiscount(DiscountTerms.parse(supplier_terms), DiscountSource.SUPPLIER)
        except InvalidTerms:
            return None
    return None


@dataclass(frozen=True, slots=True)
class Discount:
    """A discount that can still be taken: pay `pay` instead of the total by `until` (inclusive)."""

    percent: Decimal
    amount: Decimal
    pay: Decimal
    until: dt.date
    source: DiscountSource

    def to_json(self) -> dict[str, str]:
        return {"percent": f"{self.percent.normalize():f}", "amount": str(self.amount), "pay": str(self.pay),
                "until": self.until.isoformat(), "source": self.source.value}  # fmt: skip


def open_discount(
    offer: OfferedDiscount | None, *, issue_date: dt.date | None, total: Decimal | None, paid: Decimal, today: dt.date
) -> Discount | None:
    """Return the discount still to be had today: offered, dated, nothing paid yet, not past its day."""
    if offer is None or issue_date is None or total is None or total <= 0 or paid > 0:
        return None
    until = offer.terms.deadline(issue_date)
    if until < today:
        return None
    amount = offer.terms.amount(total)
    return Discount(offer.terms.percent, amount, quantize(total - amount), until, offer.source)


# --- paying twice --------------------------------------------------------------------------------


class WarningKind(StrEnum):
    PAID = "paid"  # this invoice is paid in full
    PARTLY_PAID = "partly_paid"
    EXPORTED = "exported"  # in a credit-transfer file already
    SAME_PAID = "same_paid"  # the same supplier invoice, recorded again, is paid
    SAME_EXPORTED = "same_exported"


@dataclass(frozen=True, slots=True)
class PaymentState:
    """How far an incoming invoice is paid."""

    invoice_id: int
    currency: str
    total: Decimal | None
    amount_paid: Decimal
    #: The day it was paid in full (else the day of its last payment), if any.
    paid_on: dt.date | None
    #: The day it went into a credit-transfer file, if it did.
    exported_on: dt.date | None


@dataclass(frozen=True, slots=True)
class PayableWarning:
    kind: WarningKind
    #: The invoice the warning is about: the one asked about, or its twin.
    invoice_id: int
    on: dt.date | None
    amount: Decimal
    currency: str

    def text(self, day: Callable[[dt.date], str] = dt.date.isoformat,
             money: Callable[[Decimal, str], str] = lambda a, c: f"{a} {c}") -> str:  # fmt: skip
        """Return the warning in words, with dates and amounts written by `day` and `money`."""
        on = day(self.on) if self.on else "an unknown day"
        if self.kind is WarningKind.PAID:
            return f"already paid on {on}"
        if self.kind is WarningKind.PARTLY_PAID:
            return f"{money(self.amount, self.currency)} already paid (last on {on})"
        if self.kind is WarningKind.EXPORTED:
            return f"already in a transfer file on {on}"
        if self.kind is WarningKind.SAME_PAID:
            return f"the same invoice from this supplier (#{self.invoice_id}) was paid on {on}"
        return f"the same invoice from this supplier (#{self.invoice_id}) went into a transfer file on {on}"

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind.value, "invoice_id": self.invoice_id, "on": self.on.isoformat() if self.on else None,
                "amount": str(self.amount), "currency": self.currency, "text": self.text()}  # fmt: skip


def _paid_in_full(state: PaymentState) -> bool:
    return state.total is not None and state.amount_paid >= state.total and state.amount_paid > 0


def payment_warnings(invoice: PaymentState, twins: Sequence[PaymentState] = ()) -> tuple[PayableWarning, ...]:
    """Return why paying `invoice` (again) may pay twice: it is paid, partly paid or in a transfer
    file, or a twin (the same supplier and number, recorded again) is paid or in a transfer file."""
    found = []
    if _paid_in_full(invoice):
        found.append(PayableWarning(WarningKind.PAID, invoice.invoice_id, invoice.paid_on, invoice.amount_paid,
                                    invoice.currency))  # fmt: skip
    elif invoice.amount_paid > 0:
        found.append(PayableWarning(WarningKind.PARTLY_PAID, invoice.invoice_id, invoice.paid_on,
                                    invoice.amount_paid, invoice.currency))  # fmt: skip
    if invoice.exported_on is not None:
        found.append(PayableWarning(WarningKind.EXPORTED, invoice.invoice_id, invoice.exported_on,
                                    invoice.total or invoice.amount_paid, invoice.currency))  # fmt: skip
    for twin in twins:
        if twin.invoice_id == invoice.invoice_id:
            continue
        if twin.amount_paid > 0:
            found.append(PayableWarning(WarningKind.SAME_PAID, twin.invoice_id, twin.paid_on, twin.amount_paid,
                                        twin.currency))  # fmt: skip
        if twin.exported_on is not None:
            found.append(PayableWarning(WarningKind.SAME_EXPORTED, twin.invoice_id, twin.exported_on,
                                        twin.total or twin.amount_paid, twin.currency))  # fmt: skip
    return tuple(found)


# --- reminders -----------------------------------------------------------------------------------


class ReminderEvent(StrEnum):
    #: The due date is near.
    DUE = "payable.due"
    #: The last day of an early-payment discount is near.
    DISCOUNT = "payable.discount"


def reminders_due(
    today: dt.date, *, days: int, due_date: dt.date | None, discount: Discount | None
) -> list[tuple[ReminderEvent, dt.date]]:
    """Return the reminders an unpaid supplier invoice needs today, each with the day it is about:
    the due date from `days` before it until it passes, and likewise a discount's last day."""
    found = []
    if discount is not None and today <= discount.until <= today + dt.timedelta(days=days):
        found.append((ReminderEvent.DISCOUNT, discount.until))
    if due_date is not None and today <= due_date <= today + dt.timedelta(days=days):
        found.append((ReminderEvent.DUE, due_date))
    return found


def reminder_recipients(approvers: Sequence[Person], manager: Person | None, admins: Sequence[Person]) -> tuple[Person, ...]:
    """Return who is reminded of a payable: the people who approved it, else the supplier's
    manager, else every admin; only those the chat reaches, each once."""
    for group in (approvers, [manager] if manager else [], admins):
        reachable = {p.id: p for p in group if p.reachable}
        if reachable:
            return tuple(reachable.values())
    return ()

