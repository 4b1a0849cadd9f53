"""Issuing outgoing invoices: gapless numbers, frozen content, tasks, credit notes."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from invoicing import issuing, tasks
from invoicing.billing import parse_line
from invoicing.config import load_settings
from invoicing.db.models import Invoice, Job, Task
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.document import DocumentKind
from invoicing.domain import InvoiceStatus, Role, TaskState
from invoicing.errors import InvoicingError
from invoicing.issuing import InvoiceRequest, IssuingPolicy
from invoicing.parties import MissingDetails, seller_from_settings

SELLER = dict(seller_name="Muster Software GmbH", seller_address="Hauptstraße 1\n10115 Berlin", seller_country="DE",
              seller_vat_id="DE123456788", seller_iban="DE02 1203 0000 0000 2020 51", seller_bic="BYLADEM1001",
              seller_registration_id="HRB 12345, Amtsgericht Berlin")  # fmt: skip


@pytest.fixture
def policy() -> IssuingPolicy:
    return IssuingPolicy(seller_from_settings(load_settings(**SELLER)))


@pytest.fixture
def customer(db, clock) -> int:
    with db.transaction() as s:
        manager = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=77)
        contact = add_contact(s, clock, ContactInput(
            name="ACME SARL", is_customer=True, address="1 rue de la Paix", postcode="75002", city="Paris",
            country="fr", vat_id="FR40303265045", email="billing@acme.example", manager_id=manager.id,
            payment_terms_days=14, discount_terms="2% 10", language="fr",
        ))  # fmt: skip
        return contact.id


def _request(customer: int, *lines: str) -> InvoiceRequest:
    return InvoiceRequest(customer, tuple(parse_line(line) for line in lines or ("Consulting;10;120;20",)))


def test_issuing_numbers_freezes_and_opens_a_collect_payment_task(db, clock, policy, customer):
    """GIVEN a customer with 14-day terms WHEN an invoice is issued THEN it gets the first number of
    the year, its due date, its frozen document, a task for the manager and a render job."""
    with db.transaction() as s:
        invoice_id = issuing.issue_new(s, clock, _request(customer, "Consulting;10;120;20", "Book;2;9.99;5.5"),
                                       policy, "cli")  # fmt: skip
    with db.transaction() as s:
        invoice = s.get(Invoice, invoice_id)
        assert (invoice.number, invoice.status) == ("INV-2026-0001", InvoiceStatus.ISSUED)
        assert (invoice.net_total, invoice.tax_total, invoice.total) == (D("1219.98"), D("241.10"), D("1461.08"))
        assert invoice.due_date == dt.date(2026, 3, 16) and invoice.language == "fr"
        document = issuing.document_of(invoice)
        assert document.kind is DocumentKind.INVOICE and document.buyer.address.city == "Paris"
        assert document.payment_reference == "RF16INV20260001" and document.discount is not None
        [task] = s.execute(select(Task)).scalars()
        assert (task.kind, task.state, task.due_on) == (tasks.COLLECT_PAYMENT, TaskState.OPEN, invoice.due_date)
        assert task.assignee_id is not None
        assert [j.kind for j in s.execute(select(Job)).scalars()] == [issuing.INVOICE_RENDER]


def test_drafts_have_no_number_and_take_the_next_one_when_issued(db, clock, policy, customer):
    with db.transaction() as s:
        draft = issuing.issue_new(s, clock, _request(customer), policy, "cli", draft=True)
        first = issuing.issue_new(s, clock, _request(customer), policy, "cli")
    with db.transaction() as s:
        assert s.get(Invoice, draft).number is None and s.get(Invoice, draft).status is InvoiceStatus.DRAFT
        issued = issuing.issue(s, clock, draft, policy, "cli")
        assert (s.get(Invoice, first).number, issued.number) == ("INV-2026-0001", "INV-2026-0002")
    clock.advance(dt.timedelta(days=365))
    with db.transaction() as s:
        next_year = issuing.issue_new(s, clock, _request(customer), policy, "cli")
        assert s.get(Invoice, next_year).number == "INV-2027-0001"


def test_a_failed_issue_leaves_no_gap(db, clock, policy, customer):
    with pytest.raises(RuntimeError):
        with db.transaction() as s:
            issuing.issue_new(s, clock, _request(customer), policy, "cli")
            raise RuntimeError("crash before commit")
    with db.transaction() as s:
        assert s.get(Invoice, issuing.issue_new(s, clock, _request(customer), policy, "cli")).number == "INV-2026-0001"


def test_an_issued_invoice_cannot_be_changed_even_by_sql(db, clock, policy, customer):
    with db.transaction() as s:
        invoice_id = issuing.issue_new(s, clock, _request(customer), policy, "cli")
    for change in ("total = 1", "number = 'INV-2026-0099'", "currency = 'USD'"):
        with pytest.raises(DBAPIError, match="issued invoice cannot be changed"):
            with db.transaction() as s:
                s.execute(text(f"UPDATE invoices SET {change} WHERE id = :id"), {"id": invoice_id})
    with db.transaction() as s:  # what happens to it afterwards (sent, paid) still can
        s.execute(text("UPDATE invoices SET status = 'sent', amount_paid = 5 WHERE id = :id"), {"id": invoice_id})


def test_a_credit_note_references_its_invoice_and_has_its_own_series(db, clock, policy, customer):
    with db.transaction() as s:
        invoice_id = issuing.issue_new(s, clock, _request(customer, "A;1;100;20", "B;1;50;20"), policy, "cli")
        number = s.get(Invoice, invoice_id).number
        credit = issuing.credit_note(s, clock, number, policy, "cli", [parse_line("B;1;50;20")])
    with db.transaction() as s:
        note = s.get(Invoice, credit.invoice_id)
        assert (note.number, note.document_type, note.total) == ("CN-2026-0001", "381", D("60.00"))
        assert note.preceding_invoice_id == invoice_id
        document = issuing.document_of(note)
        assert document.preceding_number == number and document.due_date is None
        assert s.execute(select(Task).where(Task.invoice_id == note.id)).scalar() is None
        with pytest.raises(InvoicingError, match="more than"):
            issuing.credit_note(s, clock, number, policy, "cli", [parse_line("X;1;1000;20")])


def test_issuing_is_refused_clearly_while_details_are_missing(db, clock, customer):
    with pytest.raises(MissingDetails, match="address, country missing.*INVOICEBOT_SELLER_ADDRESS"):
        seller_from_settings(load_settings(seller_name="Solo"))
    no_vat = IssuingPolicy(seller_from_settings(load_settings(**{**SELLER, "seller_vat_id": None})))
    with db.transaction() as s, pytest.raises(MissingDetails, match="VAT id"):
        issuing.issue_new(s, clock, _request(customer), no_vat, "cli")
    with db.transaction() as s:
        bare = add_contact(s, clock, ContactInput(name="No Country Ltd", is_customer=True)).id
    with db.transaction() as s, pytest.raises(MissingDetails, match="country"):
        issuing.issue_new(s, clock, _request(bare), IssuingPolicy(seller_from_settings(load_settings(**SELLER))), "cli")


def test_reverse_charge_needs_the_customers_vat_id(db, clock, policy):
    with db.transaction() as s:
        customer = add_contact(s, clock, ContactInput(name="Kunde AT", is_customer=True, country="AT", city="Wien")).id
    with db.transaction() as s, pytest.raises(MissingDetails, match="VAT id"):
        issuing.issue_new(s, clock, _request(customer, "Service;1;100;AE"), policy, "cli")


@pytest.mark.slow
def test_concurrent_issuers_leave_no_gap_and_no_duplicate(db, clock, policy, customer):
    """GIVEN 8 threads issuing 25 invoices each at once WHEN all are done THEN the 200 numbers are
    exactly 1..200: no gap, no duplicate (SQLite and PostgreSQL)."""
    errors: list[BaseException] = []

    def issuer() -> None:
        try:
            for _ in range(25):
                with db.transaction() as s:
                    issuing.issue_new(s, clock, _request(customer), policy, "cli")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=issuer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    with db.transaction() as s:
        numbers = sorted(s.execute(select(Invoice.number)).scalars())
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, 201)]
