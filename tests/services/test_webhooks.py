"""Webhook events: written as outbox jobs in the transaction of the change, once per event and endpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from invoicing import decisions, issuing, payments
from invoicing.billing import parse_line
from invoicing.db.engine import Database
from invoicing.db.models import Invoice, Job
from invoicing.directory import ContactInput, add_contact
from invoicing.domain import InvoiceStatus
from invoicing.dunning import DunningSchedule
from invoicing.issuing import InvoiceRequest
from invoicing.outgoing import SendHandler
from invoicing.reminders import DunningPolicy, send_due_reminders
from invoicing.webhook_rules import ENDPOINTS_INFO, make_endpoint
from invoicing.webhooks import WEBHOOK_DELIVER
from tests.books import issuing_policy, supplier_invoice

ERP = make_endpoint("https://erp.example/hooks", "erp-secret-0123456789")
CHAT = make_endpoint("https://chat.example/in", "chat-secret-0123456789", ["invoice.paid"])


@pytest.fixture
def hooked(db: Database) -> Iterator[Database]:
    """The test database, its sessions told of two endpoints (one wants only `invoice.paid`)."""
    yield Database(db.engine, None, {ENDPOINTS_INFO: (ERP, CHAT)})


@pytest.fixture
def customer(hooked, clock) -> int:
    with hooked.transaction() as s:
        return add_contact(s, clock, ContactInput(
            name="ACME GmbH", is_customer=True, address="Weg 1", postcode="80331", city="München", country="DE",
            email="ap@acme.example", payment_terms_days=14,
        )).id  # fmt: skip


def _events(db: Database) -> list[tuple[str, str, str]]:
    """Return (event type, event id, endpoint URL) of every webhook job, in order."""
    with db.transaction() as s:
        rows = s.execute(select(Job).where(Job.kind == WEBHOOK_DELIVER).order_by(Job.id)).scalars()
        return [(j.payload["event"]["type"], j.payload["event"]["id"], j.payload["url"]) for j in rows]


def _issue(db: Database, clock, customer: int) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return issuing.issue_new(s, clock, InvoiceRequest(customer, (parse_line("Beratung;10;100;19"),)),
                                 issuing_policy(), "cli")  # fmt: skip


def test_receiving_and_deciding_tell_the_endpoints_that_want_it(hooked, clock, store):
    """GIVEN two endpoints, one for payments only WHEN a supplier invoice is received and approved,
    another rejected THEN the first endpoint gets one job per event, with the invoice as it was."""
    first = supplier_invoice(hooked, clock, store, number="R-1", total="119.00", due=None,
                             issued=dt.date(2026, 3, 1), approver=None)  # fmt: skip
    second = supplier_invoice(hooked, clock, store, number="R-2", total="50.00", due=None,
                              issued=dt.date(2026, 3, 1), approver=None)  # fmt: skip
    with hooked.transaction() as s:
        decisions.decide(s, clock, first, approve=True, actor="cli")
        decisions.decide(s, clock, second, approve=False, actor="cli", reason="not ours")
    assert _events(hooked) == [
        ("invoice.received", f"invoice.received:{first}", ERP.url),
        ("invoice.received", f"invoice.received:{second}", ERP.url),
        ("invoice.approved", f"invoice.approved:{first}:1", ERP.url),
        ("invoice.rejected", f"invoice.rejected:{second}:1", ERP.url),
    ]
    with hooked.transaction() as s:
        job = s.execute(select(Job).where(Job.kind == WEBHOOK_DELIVER).order_by(Job.id.desc())).scalars().first()
        invoice = job.payload["event"]["data"]["invoice"]
        assert (invoice["id"], invoice["status"], invoice["number"]) == (second, "rejected", "R-2")
        assert job.payload["event"]["created_at"] == clock.now().isoformat()


def test_issuing_sending_and_paying_are_told_once_each(hooked, clock, customer):
    """GIVEN an issued invoice WHEN it is sent (twice, as a retried job would) and paid in two parts
    THEN issued, sent and paid are each told once; the paid event goes to both endpoints."""
    invoice_id = _issue(hooked, clock, customer)
    handler = SendHandler(hooked, clock, None, None, None, "bot@example.com")  # type: ignore[arg-type]
    handler._sent(invoice_id, "ap@acme.example")
    handler._sent(invoice_id, "ap@acme.example")
    with hooked.transaction() as s:
        payments.record_payment(s, clock, f"#{invoice_id}", amount=Decimal("100.00"), actor="cli")
    assert [e[0] for e in _events(hooked)] == ["invoice.issued", "invoice.sent"]
    with hooked.transaction() as s:
        payments.record_payment(s, clock, f"#{invoice_id}", actor="cli")
        assert s.get(Invoice, invoice_id).status is InvoiceStatus.PAID
    assert _events(hooked)[2:] == [("invoice.paid", f"invoice.paid:{invoice_id}", ERP.url),
                                   ("invoice.paid", f"invoice.paid:{invoice_id}", CHAT.url)]  # fmt: skip


def test_the_tick_tells_an_invoice_overdue_on_its_first_day_overdue_once(hooked, clock, customer):
    """GIVEN an invoice due in 14 days and a schedule whose first reminder is 7 days after WHEN the
    tick runs daily THEN on the first day after the due date one overdue event is written, and
    no more on the days after."""
    invoice_id = _issue(hooked, clock, customer)
    policy = DunningPolicy(DunningSchedule.parse("7:reminder_1"), issuing_policy())
    with hooked.transaction() as s:
        due = s.get(Invoice, invoice_id).due_date
    for days in range(0, 20):
        clock.at = dt.datetime.combine(clock.today() + dt.timedelta(days=1 if days else 0), dt.time(9), dt.UTC)
        send_due_reminders(hooked, clock, policy)
        overdue = [e for e in _events(hooked) if e[0] == "invoice.overdue"]
        assert len(overdue) == (1 if clock.today() > due else 0), clock.today()
        if overdue and clock.today() == due + dt.timedelta(days=1):
            assert overdue == [("invoice.overdue", f"invoice.overdue:{invoice_id}", ERP.url)]


def test_a_change_rolled_back_tells_no_one_and_without_endpoints_nothing_is_written(db, hooked, clock, customer):
    class Undone(Exception):
        pass

    with pytest.raises(Undone), hooked.transaction() as s:
        issuing.issue_new(s, clock, InvoiceRequest(customer, (parse_line("X;1;1;19"),)), issuing_policy(), "cli")
        raise Undone
    assert _events(hooked) == []
    _issue(db, clock, customer)  # the plain database: no endpoints configured
    assert _events(db) == []
