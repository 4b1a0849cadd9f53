"""Test books: supplier invoices received and approved as in life, customer invoices issued and paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from invoicing import approvals, issuing, payments
from invoicing.billing import parse_line
from invoicing.clock import FixedClock
from invoicing.config import load_settings
from invoicing.db.engine import Database
from invoicing.extraction import ExtractedInvoice, Line, Party, Source
from invoicing.files import FileStore
from invoicing.issuing import InvoiceRequest, IssuingPolicy
from invoicing.parties import seller_from_settings
from invoicing.receiving import receive
from tests.services.test_issuing import SELLER
from tests.services.test_receiving import incoming

SUPPLIER = Party(name="Lieferant GmbH", vat_id="DE123456788", iban="DE02120300000000202051")


def issuing_policy() -> IssuingPolicy:
    return IssuingPolicy(seller_from_settings(load_settings(**SELLER)))


@contextmanager
def on_day(clock: FixedClock, day: dt.date) -> Iterator[None]:
    """Run the block with the clock on `day` (at 09:30 UTC), then put it back."""
    before = clock.at
    clock.at = dt.datetime.combine(day, dt.time(9, 30), tzinfo=dt.UTC)
    try:
        yield
    finally:
        clock.at = before


def supplier_invoice(
    db: Database, clock: FixedClock, store: FileStore, *, number: str, total: str, due: dt.date | None,
    issued: dt.date, approver: int | None, seller: Party = SUPPLIER, lines: tuple[str, ...] = (),
    extra: dict[str, object] | None = None,
) -> int:  # fmt: skip
    """Receive a supplier invoice and, when `approver` (a Telegram user id) is given, approve it as
    them through their approval request; return its id."""
    amount = Decimal(total)
    extraction = ExtractedInvoice(
        source=Source.PDF_TEXT, invoice_number=number, issue_date=issued, due_date=due, currency="EUR",
        net_total=amount, tax_total=Decimal("0.00"), total=amount, seller=seller, buyer=Party(name="Muster Software GmbH"),
        lines=tuple(Line(description=text) for text in lines), confidence={"total": 0.99},
    ).model_copy(update=extra or {})  # fmt: skip
    content = f"%PDF-1.4 {number} {total} {seller.name} {lines} {extra}".encode()  # other bytes for another file
    received = receive(db, clock, store, incoming(content, f"{number}.pdf"), extraction)
    assert received.invoice_id is not None
    if approver is not None:
        with db.transaction() as s:
            approvals.open_step(s, clock, received.invoice_id)
        with db.transaction() as s:
            result = approvals.decide_by_invoice(s, clock, received.invoice_id, approver, approve=True)
            assert result.outcome is approvals.Outcome.DECIDED, result
    return received.invoice_id


def customer_invoice(
    db: Database, clock: FixedClock, customer: int, *, issued: dt.date, line: str = "Consulting;1;100;0",
    paid_on: dt.date | None = None, currency: str | None = None,
) -> int:  # fmt: skip
    """Issue an invoice to `customer` on `issued` (and pay it in full on `paid_on`); return its id."""
    with on_day(clock, issued), db.transaction() as s:
        invoice_id = issuing.issue_new(s, clock, InvoiceRequest(customer, (parse_line(line),), currency=currency),
                                       issuing_policy(), "test")  # fmt: skip
    if paid_on is not None:
        with on_day(clock, paid_on), db.transaction() as s:
            payments.record_payment(s, clock, f"#{invoice_id}", paid_on=paid_on, method="cli", actor="test")
    return invoice_id
