"""Seeded open invoices and a camt.053 statement paying them in the ways payers do, each entry with its truth."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from invoicing.billing import DiscountTerms, creditor_reference
from invoicing.matching import OpenInvoice
from tests.bank_files import Entry, Tx, camt053

COMMON_AMOUNTS = [Decimal(a) for a in ("49.00", "99.00", "119.00", "238.00", "595.00")]
PEOPLE = ["Smith", "Meier", "Jensen", "Dubois", "Rossi", "Novak", "Larsen", "Schmidt"]
NEUTRAL = ["", "Payment", "April", "Zahlung", "Thanks", "Monthly fee", "Betaling"]
# Entries per 1,000 of each kind; "unknown", "debit" and "foreign" are meant for no invoice.
MIX = {
    "rf_structured": 190, "rf_in_text": 50, "number_clean": 100, "number_messy": 110, "number_typo": 50,
    "several_numbers": 30, "partial": 50, "overpaid": 20, "iban_unique": 90, "iban_shared_amount": 30,
    "unknown": 120, "debit": 100, "foreign": 60,
}  # fmt: skip
FIRST_DAY = dt.date(2026, 4, 1)


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    category: str
    #: The invoices the entry was meant to pay (none: it should be left alone).
    truth: tuple[int, ...]
    tx: Tx
    side: str = "CRDT"
    booking: dt.date = FIRST_DAY


def iban(rng: random.Random) -> str:
    """Return a random valid German IBAN."""
    bban = f"{rng.randrange(10**7, 10**8)}{rng.randrange(10**9, 10**10)}"
    check = 98 - int(bban + "131400") % 97
    return f"DE{check:02d}{bban}"


class _World:
    def __init__(self, rng: random.Random, invoices: int) -> None:
        self.rng = rng
        customers = max(invoices * 3 // 8, 1)
        self.ibans = [frozenset({iban(rng)} | ({iban(rng)} if rng.random() < 0.1 else set())) if rng.random() < 0.85
                      else frozenset() for _ in range(customers)]  # fmt: skip
        self.invoices: list[OpenInvoice] = []
        self.customer: dict[int, int] = {}
        for n in range(invoices):
            year, seq = (2025, n + 1) if n < invoices // 8 else (2026, n - invoices // 8 + 1)
            owner = min(int(rng.paretovariate(1.2)) - 1, customers - 1) if rng.random() < 0.3 else rng.randrange(customers)
            amount = rng.choice(COMMON_AMOUNTS) if rng.random() < 0.35 else Decimal(rng.randrange(2000, 500000)) / 100
            discount = DiscountTerms(Decimal(2), 10) if rng.random() < 0.15 else None
            number = f"INV-{year}-{seq:04d}"
            invoice = OpenInvoice(
                id=n + 1, number=number, amount_due=amount, currency="EUR", payment_reference=creditor_reference(number),
                customer_ibans=self.ibans[owner], customer_name=f"Customer {owner}", total=amount, discount=discount,
                issue_date=FIRST_DAY - dt.timedelta(days=rng.randrange(0, 40)),
            )  # fmt: skip
            self.invoices.append(invoice)
            self.customer[invoice.id] = owner
        self.free = {invoice.id for invoice in self.invoices}

    def take(self, accept=lambda invoice: True) -> OpenInvoice | None:  # noqa: ANN001
        pool = [i for i in self.invoices if i.id in self.free and accept(i)]
        if not pool:
            return None
        chosen = self.rng.choice(pool)
        self.free.discard(chosen.id)
        return chosen

    def siblings(self, invoice: OpenInvoice) -> list[OpenInvoice]:
        owner = self.customer[invoice.id]
        return [i for i in self.invoices if self.customer[i.id] == owner and i.id != invoice.id]

    def payer(self, invoice: OpenInvoice, known: float = 0.7) -> str | None:
        roll = self.rng.random()
        if roll < known and invoice.customer_ibans:
            return self.rng.choice(sorted(invoice.customer_ibans))
        return iban(self.rng) if roll < 0.95 else None

    def payer_name(self, invoice: OpenInvoice) -> str:
        """Return the account holder's name: the customer's as we have it, as the bank writes it, or a person's."""
        name = invoice.customer_name or ""
        roll = self.rng.random()
        return name if roll < 0.6 else name.upper() if roll < 0.8 else f"{self.rng.choice('ABCDEJKLMS')}. {self.rng.choice(PEOPLE)}"

    def written(self, number: str) -> str:
        year, seq = number.split("-")[1:]
        form = self.rng.choice([
            number.lower(), f"INV {year} {seq}", f"INV{year}{seq}", f"inv/{year}/{seq}", f"Rg.-Nr. inv {year} {seq} vom 03.03.2026",
            f"RE {number}", f"Rechnung: {number}; Kd-Nr 4711", f"invoice no. {number}.",
        ])  # fmt: skip
        return form

    def typo(self, number: str) -> str:
        year, seq = number.split("-")[1:]
        kind = self.rng.randrange(5)
        if kind == 0:  # two digits swapped
            i = self.rng.randrange(3)
            seq = seq[:i] + seq[i + 1] + seq[i] + seq[i + 2 :]
        elif kind == 1:  # a digit dropped
            seq = seq[1:]
        elif kind == 2:  # last year's
            year = str(int(year) - 1)
        elif kind == 3:  # letter O for zero
            seq = seq.replace("0", "O", 1) if "0" in seq else seq + "O"
        else:  # a digit more
            seq += str(self.rng.randrange(10))
        return f"INV-{year}-{seq}"


def _discounted(invoice: OpenInvoice, booking: dt.date) -> Decimal:
    if invoice.discount and invoice.issue_date and booking <= invoice.discount.deadline(invoice.issue_date):
        return invoice.amount_due - invoice.discount.amount(invoice.amount_due)
    return invoice.amount_due


def _case(w: _World, category: str, case_id: str, booking: dt.date) -> Case | None:  # noqa: C901 - one branch per kind
    rng = w.rng

    def paying(invoice: OpenInvoice, amount: Decimal, text: str = "", ref: str | None = None, known: float = 0.7) -> Case:
        tx = Tx(f"{amount:.2f}", name=w.payer_name(invoice), iban=w.payer(invoice, known), ustrd=(text,) if text else (),
                ref=ref, e2e=case_id)  # fmt: skip
        return Case(case_id, category, (invoice.id,), tx, booking=booking)

    if category == "rf_structured" and (inv := w.take()):
        amount = _discounted(inv, booking) if rng.random() < 0.5 else inv.amount_due
        return paying(inv, amount, rng.choice(NEUTRAL), ref=inv.payment_reference)
    if category == "rf_in_text" and (inv := w.take()):
        ref = inv.payment_reference or ""
        grouped = " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))
        return paying(inv, inv.amount_due, f"Ref {grouped.lower() if rng.random() < 0.3 else grouped}")
    if category == "number_clean" and (inv := w.take()):
        return paying(inv, inv.amount_due, f"Invoice {inv.number}")
    if category == "number_messy" and (inv := w.take()):
        return paying(inv, inv.amount_due, w.written(inv.number))
    if category == "number_typo" and (inv := w.take()):
        return paying(inv, inv.amount_due, f"Invoice {w.typo(inv.number)}")
    if category == "several_numbers" and (inv := w.take(lambda i: any(s.id in w.free for s in w.siblings(i)))):
        other = rng.choice([s for s in w.siblings(inv) if s.id in w.free])
        w.free.discard(other.id)
        amount = inv.amount_due + other.amount_due - (Decimal("10.00") if rng.random() < 0.2 else 0)
        case = paying(inv, amount, f"{w.written(inv.number)} and {w.written(other.number)}")
        return Case(case.id, category, tuple(sorted((inv.id, other.id))), case.tx, booking=booking)
    if category == "partial" and (inv := w.take()):
        amount = (inv.amount_due * Decimal(rng.randrange(30, 90)) / 100).quantize(Decimal("0.01"))
        if rng.random() < 0.5:
            return paying(inv, amount, ref=inv.payment_reference)
        return paying(inv, amount, f"Teilzahlung {inv.number}", known=0.6)
    if category == "overpaid" and (inv := w.take()):
        return paying(inv, inv.amount_due + Decimal(rng.randrange(100, 5000)) / 100, ref=inv.payment_reference)
    if category == "iban_unique":
        def unique(i: OpenInvoice) -> bool:
            return bool(i.customer_ibans) and all(s.amount_due != i.amount_due for s in w.siblings(i) if s.id in w.free)
        if inv := w.take(unique):
            return paying(inv, _discounted(inv, booking) if rng.random() < 0.3 else inv.amount_due, rng.choice(NEUTRAL), known=1)
    if category == "iban_shared_amount":
        def shared(i: OpenInvoice) -> bool:
            return bool(i.customer_ibans) and any(s.amount_due == i.amount_due and s.id in w.free for s in w.siblings(i))
        if inv := w.take(shared):
            twin = next(s for s in w.siblings(inv) if s.amount_due == inv.amount_due and s.id in w.free)
            w.free.discard(twin.id)
            return paying(inv, inv.amount_due, rng.choice(NEUTRAL), known=1)
    if category == "unknown":
        kind = rng.randrange(4)
        known = rng.choice([i for i in w.invoices if i.customer_ibans])
        owed = {i.amount_due for i in w.invoices if i.customer_ibans == known.customer_ibans}
        amount = rng.choice(COMMON_AMOUNTS)
        while kind != 3 and amount in owed | set(COMMON_AMOUNTS):  # kind 3: a common amount from a stranger
            amount = Decimal(rng.randrange(1000, 300000)) / 100
        ghost = f"INV-2026-{rng.randrange(5000, 9999):04d}"
        tx = Tx(f"{amount:.2f}", name="Somebody", e2e=case_id,
                iban=sorted(known.customer_ibans)[0] if kind == 2 else iban(rng),
                ref=creditor_reference(ghost) if kind == 0 else None,
                ustrd=(f"Invoice {ghost}",) if kind == 1 else (rng.choice(NEUTRAL[1:]),))  # fmt: skip
        return Case(case_id, category, (), tx, booking=booking)
    if category == "debit":
        quoted = rng.choice(w.invoices).number
        text = f"Refund {quoted}" if rng.random() < 0.2 else rng.choice(["Office rent", "Card settlement", "Supplier 0815"])
        amount = rng.choice(w.invoices).amount_due if rng.random() < 0.3 else Decimal(rng.randrange(500, 900000)) / 100
        tx = Tx(f"{amount:.2f}", name="Payee", iban=iban(rng), ustrd=(text,), e2e=case_id)
        return Case(case_id, category, (), tx, side="DBIT", booking=booking)
    if category == "foreign":
        inv = rng.choice(w.invoices)
        tx = Tx(f"{inv.amount_due:.2f}", currency=rng.choice(["USD", "CHF", "GBP"]), name=inv.customer_name,
                iban=w.payer(inv, 1), ref=inv.payment_reference, e2e=case_id)  # fmt: skip
        return Case(case_id, category, (), tx, booking=booking)
    return None


def generate(*, entries: int, invoices: int, seed: int) -> tuple[bytes, list[OpenInvoice], list[Case]]:
    """Return a camt.053 statement, the open invoices and the cases (one per transaction), from `seed`."""
    rng = random.Random(seed)
    world = _World(rng, invoices)
    kinds = [kind for kind, count in MIX.items() for _ in range(count * entries // 1000)]
    kinds += rng.choices(list(MIX), weights=list(MIX.values()), k=entries - len(kinds))
    rng.shuffle(kinds)
    cases: list[Case] = []
    for n, kind in enumerate(kinds):
        booking = FIRST_DAY + dt.timedelta(days=n * 10 // entries)
        case = _case(world, kind, f"C{n:05d}", booking) or _case(world, "unknown", f"C{n:05d}", booking)
        cases.append(case)  # type: ignore[arg-type]
    return camt053(_entries(rng, cases)), world.invoices, cases


def _entries(rng: random.Random, cases: list[Case]) -> list[Entry]:
    """Return the statement's entries: most one per case, some credits of a day booked together as a batch."""
    result: list[Entry] = []
    i = 0
    while i < len(cases):
        case = cases[i]
        size = rng.randrange(2, 6) if case.side == "CRDT" and rng.random() < 0.05 else 1
        batch = [case]
        while len(batch) < size and i + len(batch) < len(cases):
            after = cases[i + len(batch)]
            if after.side != "CRDT" or after.booking != case.booking or after.tx.currency != case.tx.currency:
                break
            batch.append(after)
        day = case.booking.isoformat()
        code = ("PMNT", "RCDT", "ESCT") if case.side == "CRDT" else ("PMNT", "ICDT", "ESCT")
        result.append(Entry(tuple(c.tx for c in batch), side=case.side, booking=day, value=day, ref=f"B{i:06d}",
                            currency=case.tx.currency, bank_code=code))  # fmt: skip
        i += len(batch)
    return result
