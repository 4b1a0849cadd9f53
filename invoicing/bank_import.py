"""Use cases: import a bank statement (camt.053/054 or CSV), book what matches, keep the rest for
a person, and let a person assign what was left.

Each entry is recorded once, by the bank's reference (`bank_entries.entry_ref`, unique): the
same statement imported twice, or two that overlap, change nothing the second time. Matching
follows `invoicing.matching` (a structured reference, the invoice number in the text, then the
payer's IBAN and amount; never a guess); a match books a payment (`payments.apply_payment`,
which counts discounts, flags double and over-payments and closes tasks) in the same
transaction as the entry row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.billing import DiscountTerms
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import BankEntry, Contact, Invoice
from invoicing.document import DocumentKind
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import InvalidTransition, InvoicingError, NotFound
from invoicing.matching import Match, OpenInvoice, Unmatched, match_entries
from invoicing.payments import PAYABLE, apply_payment, owed
from invoicing.statements import Side, StatementEntry, StatementRead, UnreadableStatement
from invoicing.statements.camt import read_camt
from invoicing.statements.csv import CsvMapping, read_csv

#: Paid invoices are offered to matching for this long, so a second payment is told as "paid twice".
RECENTLY_PAID = dt.timedelta(days=180)


@dataclass
class ImportReport:
    file: str
    entries: int = 0
    matched: list[tuple[str, int]] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)
    known: int = 0
    ignored: int = 0
    flags: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file, "entries": self.entries, "already_imported": self.known, "ignored": self.ignored,
            "matched": [{"entry": e, "invoice_id": i} for e, i in self.matched],
            "unmatched": [{"entry": e, "why": w} for e, w in self.left], "flags": self.flags,
            "problems": self.problems,
        }  # fmt: skip


def read_statement(data: bytes, filename: str, mapping: CsvMapping | None) -> tuple[str, StatementRead]:
    """Return the kind of statement and its entries: camt XML, or CSV with `mapping`."""
    if data.lstrip()[:1] == b"<" or filename.lower().endswith(".xml"):
        read = read_camt(data)
        kind = "camt.054" if b"BkToCstmrDbtCdtNtfctn" in data else "camt.053"
        return kind, read
    if mapping is None:
        raise UnreadableStatement("a CSV statement needs its column mapping: set [statements.csv] in invoicebot.toml")
    return "csv", read_csv(data, mapping)


def open_receivables(session: Session, today: dt.date) -> list[OpenInvoice]:
    """Return the outgoing invoices a payment may be for: the open ones, and the recently paid."""
    query = select(Invoice, Contact).outerjoin(Contact, Contact.id == Invoice.contact_id).where(
        Invoice.direction == Direction.OUT, Invoice.issued.is_not(None), Invoice.archived_at.is_(None),
        Invoice.document_type == DocumentKind.INVOICE.value,
        Invoice.status.in_([*PAYABLE, InvoiceStatus.PAID]),
        (Invoice.paid_on.is_(None)) | (Invoice.paid_on >= today - RECENTLY_PAID),
    )  # fmt: skip
    found = []
    for invoice, contact in session.execute(query):
        terms = invoice.issued.get("discount") if invoice.issued else None
        found.append(OpenInvoice(
            id=invoice.id, number=invoice.number or "", amount_due=owed(session, invoice), currency=invoice.currency,
            payment_reference=invoice.payment_reference,
            customer_ibans=frozenset({contact.iban}) if contact is not None and contact.iban else frozenset(),
            customer_name=contact.name if contact else invoice.buyer_name, due_date=invoice.due_date,
            total=invoice.total, issue_date=invoice.issue_date,
            discount=DiscountTerms(Decimal(terms["percent"]), int(terms["days"])) if terms else None,
        ))  # fmt: skip
    return found


def import_statement(
    db: Database, clock: Clock, data: bytes, filename: str, *, mapping: CsvMapping | None = None, actor: str,
) -> ImportReport:  # fmt: skip
    """Record every new entry of a statement, booking the payments that match; return what happened."""
    kind, read = read_statement(data, filename, mapping)
    report = ImportReport(filename, entries=len(read.entries))
    report.problems += [f"line {p.line}: {p.reason}" for p in read.problems]
    digest = hashlib.sha256(data).hexdigest()
    with db.transaction() as session:
        known = set(session.execute(select(BankEntry.entry_ref).where(
            BankEntry.entry_ref.in_([e.reference for e in read.entries]))).scalars())  # fmt: skip
        invoices = open_receivables(session, clock.today())
    fresh = sorted((e for e in read.entries if e.reference not in known), key=lambda e: e.booking_date)
    report.known = len(read.entries) - len(fresh)
    results = match_entries(fresh, invoices)
    for reference, group in itertools.groupby(results, key=lambda r: r.entry.reference):
        with db.transaction() as session:
            if session.execute(select(BankEntry.id).where(BankEntry.entry_ref == reference)).first():
                report.known += 1  # imported by someone else meanwhile
                continue
            _record(session, clock, list(group), kind, digest, actor, report)
    return report


def _row(entry: StatementEntry, kind: str, digest: str, now: dt.datetime, state: str, note: str | None) -> BankEntry:
    return BankEntry(
        entry_ref=entry.reference[:200], account_iban=entry.account_iban, booking_date=entry.booking_date,
        value_date=entry.value_date, amount=entry.amount, currency=entry.currency, credit=entry.side is Side.CREDIT,
        counterparty_name=(entry.counterparty_name or "")[:300] or None, counterparty_iban=entry.counterparty_iban,
        remittance=entry.remittance, structured_ref=(entry.structured_reference or "")[:64] or None,
        end_to_end_id=(entry.end_to_end_id or "")[:100] or None, state=state, note=note, source=kind,
        source_sha256=digest, imported_at=now,
    )  # fmt: skip


def _record(
    session: Session, clock: Clock, results: list[Match | Unmatched], kind: str, digest: str, actor: str,
    report: ImportReport,
) -> None:  # fmt: skip
    """Record one entry: left for a person, or booked against the invoice(s) it pays."""
    result = results[0]
    entry = result.entry
    if isinstance(result, Unmatched):
        ignored = result.why.value in ("debit", "reversal", "not_booked")
        candidates = ", ".join(f"#{c}" for c in result.candidates)
        note = f"{result.why.value}" + (f": candidates {candidates}" if candidates else "")
        session.add(_row(entry, kind, digest, clock.now(), "ignored" if ignored else "unmatched", note))
        if ignored:
            report.ignored += 1
        else:
            report.left.append((entry.reference, note))
        return
    matches = [r for r in results if isinstance(r, Match)]
    row = _row(entry, kind, digest, clock.now(), "matched", ", ".join(sorted({m.how.value for m in matches})))
    session.add(row)
    for n, match in enumerate(matches):
        invoice = session.get(Invoice, match.invoice_id)
        if invoice is None:
            raise NotFound("invoice", match.invoice_id)
        recorded = apply_payment(
            session, clock, invoice, match.applied + match.overpaid, entry.booking_date, method="bank", actor=actor,
            bank_ref=(entry.reference if n == 0 else f"{entry.reference}#{n + 1}")[:200],
            reference=entry.remittance, from_bank=True,
        )  # fmt: skip
        row.invoice_id, row.payment_id = row.invoice_id or invoice.id, row.payment_id or recorded.payment_id
        report.matched.append((entry.reference, invoice.id))
        report.flags += [f"{invoice.number}: {flag}" for flag in recorded.flags]


def unmatched(session: Session, limit: int = 100) -> list[BankEntry]:
    """Return the credits no invoice could be matched to with certainty, oldest first."""
    query = select(BankEntry).where(BankEntry.state == "unmatched").order_by(BankEntry.booking_date, BankEntry.id)
    return list(session.execute(query.limit(limit)).scalars())


def candidates_of(entry: BankEntry) -> list[int]:
    """Return the invoice ids matching suggested for an entry left for a person."""
    _, _, listed = (entry.note or "").partition("candidates ")
    return [int(part.strip().lstrip("#")) for part in listed.split(",") if part.strip().lstrip("#").isdigit()]


def assign(session: Session, clock: Clock, entry_id: int, invoice_ref: str, actor: str, user_id: int | None = None) -> BankEntry:
    """Book an entry left for a person as a payment of the invoice they chose."""
    from invoicing.payments import find_invoice

    entry = session.get(BankEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound("bank entry", entry_id)
    if entry.state != "unmatched":
        raise InvalidTransition(entry_id, entry.state, "assigned")
    invoice = find_invoice(session, invoice_ref)
    if invoice.currency != entry.currency:
        raise InvoicingError(f"the payment is in {entry.currency}, invoice {invoice.number} in {invoice.currency}")
    recorded = apply_payment(
        session, clock, invoice, entry.amount, entry.booking_date, method="bank", actor=actor,
        recorded_by_id=user_id, bank_ref=entry.entry_ref, reference=entry.remittance, from_bank=True,
    )  # fmt: skip
    entry.state, entry.invoice_id, entry.payment_id, entry.decided_by_id = "assigned", invoice.id, recorded.payment_id, user_id
    audit.record(session, clock, actor=actor, action="bank_entry.assigned", entity_type="bank_entry", entity_id=entry.id,
                 after={"invoice_id": invoice.id, "amount": entry.amount, "payment_id": recorded.payment_id})  # fmt: skip
    return entry


def ignore(session: Session, clock: Clock, entry_id: int, actor: str, why: str) -> BankEntry:
    """Set aside an entry left for a person (not a customer's payment), with the reason."""
    entry = session.get(BankEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound("bank entry", entry_id)
    if entry.state != "unmatched":
        raise InvalidTransition(entry_id, entry.state, "ignored")
    entry.state, entry.note = "ignored", f"{entry.note or ''}; set aside: {why}"[:2000]
    audit.record(session, clock, actor=actor, action="bank_entry.ignored", entity_type="bank_entry",
                 entity_id=entry.id, after={"why": why})  # fmt: skip
    return entry


def entry_dict(entry: BankEntry) -> dict[str, object]:
    return {
        "id": entry.id, "reference": entry.entry_ref, "booking_date": entry.booking_date.isoformat(),
        "amount": str(entry.amount), "currency": entry.currency, "credit": entry.credit,
        "name": entry.counterparty_name, "iban": entry.counterparty_iban, "text": entry.remittance,
        "structured_reference": entry.structured_ref, "state": entry.state, "note": entry.note,
        "invoice_id": entry.invoice_id, "candidates": candidates_of(entry),
    }  # fmt: skip

