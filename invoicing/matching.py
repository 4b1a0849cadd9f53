"""Bank statement entries matched to open receivables, only where it is certain. Pure.

In order: (1) a payment reference (RF creditor reference or Swiss QR reference, structured or in
the text) that names one open invoice; (2) the invoice number in the remittance text; (3) the
payer's IBAN, known for one customer, with exactly the amount due of one of their invoices (or
the amount due less the early-payment discount, paid in time). A payment below the amount due
named by (1) or (2) is a partial payment; above it, the rest is overpaid; but a number has no
check digit, so a partial or over-payment by number must come from the customer's own account.
Whatever is not certain is left for a person with the candidates: debits, reversals, pending
entries, other currencies, several invoices named whose dues do not add up to the payment, a
number that names one customer's invoice paid by another customer (account or name), a known IBAN
whose amount fits several invoices or none, a reference we did not issue.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from invoicing.billing import DiscountTerms
from invoicing.money import CENT
from invoicing.remittance import NumberKey, is_payment_reference, references_in, windows
from invoicing.statements import Side, StatementEntry, compact_reference

ZERO = Decimal("0.00")
#: Candidates listed for a person at most.
MAX_CANDIDATES = 10


class MatchHow(StrEnum):
    REFERENCE = "reference"
    NUMBER = "number"
    IBAN_AMOUNT = "iban_amount"


class Why(StrEnum):
    """Why an entry is left for a person."""

    DEBIT = "debit"
    REVERSAL = "reversal"
    NOT_BOOKED = "not_booked"
    #: It names an invoice in another currency.
    CURRENCY = "currency"
    #: It quotes a valid payment reference of no open invoice.
    UNKNOWN_REFERENCE = "unknown_reference"
    #: It names several invoices and their dues do not add up to the payment.
    SEVERAL_INVOICES = "several_invoices"
    #: Its text names one customer's invoice, but its account or its payer's name is another customer's,
    #: or its amount is exactly what another invoice of the same customer is due.
    CONFLICT = "conflict"
    #: Its text names an invoice, but neither the amount (not the amount due) nor the account confirms it.
    UNCONFIRMED = "unconfirmed"
    #: It names an invoice an earlier entry has paid in full.
    ALREADY_PAID = "already_paid"
    #: Its account and amount fit several invoices.
    AMBIGUOUS = "ambiguous"
    NO_MATCH = "no_match"


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An issued invoice with an amount still due, as the matcher needs it."""

    id: int
    number: str
    amount_due: Decimal
    currency: str
    #: The structured reference printed on it (compact or not).
    payment_reference: str | None = None
    #: The IBANs the customer has paid from or registered (compact).
    customer_ibans: frozenset[str] = frozenset()
    customer_name: str | None = None
    due_date: dt.date | None = None
    #: The invoice's gross total (the discount is a share of it); default: the amount due.
    total: Decimal | None = None
    discount: DiscountTerms | None = None
    issue_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Match:
    entry: StatementEntry
    invoice_id: int
    how: MatchHow
    #: What this entry pays of the invoice.
    applied: Decimal
    #: What it pays beyond the amount due (to refund or keep as credit).
    overpaid: Decimal = ZERO
    #: The early-payment discount it takes: the invoice is settled, `applied` + `discount` = the amount due.
    discount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Unmatched:
    entry: StatementEntry
    #: Open invoices a person may want to look at first (ids).
    candidates: tuple[int, ...]
    why: Why


Result = Match | Unmatched


def match_entries(entries: Iterable[StatementEntry], invoices: Iterable[OpenInvoice]) -> list[Result]:
    """Return, for each entry in order, one `Unmatched` or one `Match` per invoice it pays (several when it
    names several invoices whose dues add up to it). Entries are booked in order against what is due."""
    book = _Book(invoices)
    results: list[Result] = []
    for entry in entries:
        found = _match(entry, book)
        for result in found:
            if isinstance(result, Match):
                book.remaining[result.invoice_id] -= result.applied + result.discount
        results.extend(found)
    return results


class _Book:
    """The open invoices indexed by reference, number and IBAN, with what each still has due."""

    def __init__(self, invoices: Iterable[OpenInvoice]) -> None:
        self.invoices = {invoice.id: invoice for invoice in invoices}
        self.remaining = {i.id: i.amount_due for i in self.invoices.values()}
        self.by_reference: dict[str, list[int]] = defaultdict(list)
        self.by_number: dict[str, list[tuple[NumberKey, int]]] = defaultdict(list)
        self.by_iban: dict[str, list[int]] = defaultdict(list)
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.max_runs = 1
        for invoice in self.invoices.values():
            if invoice.payment_reference:
                self.by_reference[compact_reference(invoice.payment_reference)].append(invoice.id)
            if key := NumberKey.of(invoice.number):
                self.by_number[key.compact].append((key, invoice.id))
                self.max_runs = max(self.max_runs, key.runs)
            for iban in invoice.customer_ibans:
                self.by_iban[iban].append(invoice.id)
            if name := _name(invoice.customer_name):
                self.by_name[name].append(invoice.id)

    def numbers_in(self, text: str) -> set[int]:
        return {
            invoice_id for window in windows(text, self.max_runs)
            for key, invoice_id in self.by_number.get(window.compact, ()) if window.cuts <= key.cuts
        }  # fmt: skip


def _match(entry: StatementEntry, book: _Book) -> list[Result]:
    if entry.side is Side.DEBIT:
        return [Unmatched(entry, (), Why.DEBIT)]
    if entry.reversal:
        return [Unmatched(entry, (), Why.REVERSAL)]
    if not entry.booked:
        return [Unmatched(entry, (), Why.NOT_BOOKED)]
    if entry.amount <= 0:
        return [Unmatched(entry, (), Why.NO_MATCH)]
    valid = [ref for ref in entry.references if is_payment_reference(ref)]
    # A structured field holding something else (an invoice number, often) is read as text.
    text = " ".join([entry.remittance, *(ref for ref in entry.references if ref not in valid)])
    quoted = set(valid) | references_in(text, book.by_reference)
    by_reference = {i for ref in quoted for i in book.by_reference.get(ref, ())}
    by_number = book.numbers_in(text)
    unknown = [ref for ref in valid if ref not in book.by_reference]
    if unknown:
        return [_unmatched(entry, by_reference | by_number | set(_by_iban(entry, book)), Why.UNKNOWN_REFERENCE)]
    if len(by_reference) == 1:
        [invoice_id] = by_reference
        others = by_number - by_reference
        if others and entry.amount > book.remaining[invoice_id]:
            return _several(entry, book, by_reference | others, MatchHow.REFERENCE)
        return [_pay(entry, book, invoice_id, MatchHow.REFERENCE)]
    if by_reference:
        return _several(entry, book, by_reference, MatchHow.REFERENCE)
    if by_number:
        return _by_number(entry, book, by_number)
    return _by_payer_and_amount(entry, book)


def _by_number(entry: StatementEntry, book: _Book, named: set[int]) -> list[Result]:
    """Return the match of invoice numbers in the text, unless the payer or the amount points elsewhere.

    A number has no check digit: a typo can name another open invoice. So the payer's account, and
    the payer's name when it is exactly a customer's, must not be another customer's; and a payment
    that is not the amount due must come from the customer's own account and not be exactly what
    another of their invoices is due.
    """
    owners = set(_by_iban(entry, book, any_currency=True))
    named_ibans = {iban for i in named for iban in book.invoices[i].customer_ibans}
    if owners and entry.counterparty_iban not in named_ibans:
        return [_unmatched(entry, named | owners, Why.CONFLICT)]
    payer = _name(entry.counterparty_name)
    if payer in book.by_name and payer not in {_name(book.invoices[i].customer_name) for i in named}:
        namesakes = {i for i in book.by_name[payer] if book.remaining[i] > 0}
        return [_unmatched(entry, named | namesakes, Why.CONFLICT)]
    if len(named) > 1:
        return _several(entry, book, named, MatchHow.NUMBER)
    [invoice_id] = named
    due = book.remaining[invoice_id]
    if due > 0 and not _fits(book.invoices[invoice_id], due, entry):
        if entry.counterparty_iban not in named_ibans:
            return [_unmatched(entry, named, Why.UNCONFIRMED)]
        fits = {i for i in owners if i != invoice_id and book.remaining[i] == entry.amount}
        if fits:
            return [_unmatched(entry, named | fits, Why.CONFLICT)]
    return [_pay(entry, book, invoice_id, MatchHow.NUMBER)]


def _pay(entry: StatementEntry, book: _Book, invoice_id: int, how: MatchHow) -> Result:
    invoice, due = book.invoices[invoice_id], book.remaining[invoice_id]
    if invoice.currency != entry.currency:
        return Unmatched(entry, (invoice_id,), Why.CURRENCY)
    if due <= 0:
        return Unmatched(entry, (invoice_id,), Why.ALREADY_PAID)
    if entry.amount >= due:
        return Match(entry, invoice_id, how, due, entry.amount - due)
    return Match(entry, invoice_id, how, entry.amount, ZERO, _discount(invoice, due, entry))


def _several(entry: StatementEntry, book: _Book, ids: set[int], how: MatchHow) -> list[Result]:
    """Return one match per invoice when the named invoices' dues add up to the payment exactly."""
    ordered = sorted(ids)
    same_currency = all(book.invoices[i].currency == entry.currency for i in ordered)
    dues = [book.remaining[i] for i in ordered]
    if same_currency and all(due > 0 for due in dues) and sum(dues) == entry.amount:
        return [Match(entry, i, how, due) for i, due in zip(ordered, dues, strict=True)]
    return [_unmatched(entry, ids, Why.SEVERAL_INVOICES)]


def _by_payer_and_amount(entry: StatementEntry, book: _Book) -> list[Result]:
    ids = _by_iban(entry, book)
    if not ids:
        fits = [i for i, due in book.remaining.items() if due == entry.amount and book.invoices[i].currency == entry.currency]
        return [_unmatched(entry, set(fits), Why.NO_MATCH)]
    exact = [i for i in ids if _fits(book.invoices[i], book.remaining[i], entry)]
    if len(exact) == 1:
        return [_pay(entry, book, exact[0], MatchHow.IBAN_AMOUNT)]
    if len(exact) > 1:
        return [_unmatched(entry, set(exact), Why.AMBIGUOUS)]
    if len(ids) > 1 and sum(book.remaining[i] for i in ids) == entry.amount:
        return [Match(entry, i, MatchHow.IBAN_AMOUNT, book.remaining[i]) for i in sorted(ids)]
    return [_unmatched(entry, set(ids), Why.NO_MATCH)]


def _by_iban(entry: StatementEntry, book: _Book, *, any_currency: bool = False) -> list[int]:
    """Return the invoices still due of the customer(s) who pay from the entry's account."""
    if not entry.counterparty_iban:
        return []
    return [
        i for i in book.by_iban.get(entry.counterparty_iban, ())
        if book.remaining[i] > 0 and (any_currency or book.invoices[i].currency == entry.currency)
    ]  # fmt: skip


def _fits(invoice: OpenInvoice, due: Decimal, entry: StatementEntry) -> bool:
    """Return whether the payment is exactly the amount due, or the amount due less the discount (to the cent), in time."""
    if entry.amount == due:
        return True
    discount = _discount(invoice, due, entry)
    return bool(discount) and abs(discount - _full_discount(invoice)) <= CENT


def _full_discount(invoice: OpenInvoice) -> Decimal:
    if invoice.discount is None:
        return ZERO
    return invoice.discount.amount(invoice.total if invoice.total is not None else invoice.amount_due)


def _discount(invoice: OpenInvoice, due: Decimal, entry: StatementEntry) -> Decimal:
    """Return the early-payment discount a payment below `due` takes (0 when it is a partial payment)."""
    terms, issued = invoice.discount, invoice.issue_date
    if terms is None or issued is None or entry.booking_date > terms.deadline(issued) or entry.amount >= due:
        return ZERO
    discount = _full_discount(invoice)
    # One cent short is still the discounted amount (rounding), as in `fees.settle_with_discount`.
    return due - entry.amount if entry.amount >= due - discount - CENT else ZERO


def _name(text: str | None) -> str:
    """Return a name compared loosely: accents, case, punctuation and spacing ignored."""
    if not text:
        return ""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in plain.casefold()).split())


def _unmatched(entry: StatementEntry, candidates: Iterable[int], why: Why) -> Unmatched:
    return Unmatched(entry, tuple(sorted(candidates))[:MAX_CANDIDATES], why)

