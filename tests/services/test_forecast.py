"""Customers' days to pay and the cash flow projection read from the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import update

from invoicing import customers, forecast, issuing, payments, recurring
from invoicing.billing import parse_line
from invoicing.cashflow import DaysToPay, Kind
from invoicing.db.models import Invoice, Payment
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import Role
from invoicing.errors import NotFound
from invoicing.recurrence import Every
from invoicing.recurring import PlanInput
from tests.books import customer_invoice, issuing_policy, supplier_invoice

MIA = 71


@pytest.fixture
def acme(db, clock) -> int:
    """A customer on 14-day terms."""
    with db.transaction() as s:
        return add_contact(s, clock, ContactInput(name="ACME SARL", is_customer=True, country="FR", city="Paris",
                                                  payment_terms_days=14)).id  # fmt: skip


def test_days_to_pay_are_counted_from_issue_to_full_payment_newest_first(db, clock, acme):
    """GIVEN ACME paid invoices after 20 and 10 days, and one recorded as paid in full on 1 March
    (issued 10 Feb, its last payment booked on 28 Feb), plus an open invoice, a credit note and
    another customer's invoice WHEN asked THEN the average is 16.3 over three, the last 19, 10, 20."""
    with db.transaction() as s:
        other = add_contact(s, clock, ContactInput(name="Beta AG", is_customer=True, country="DE", city="Berlin")).id
    customer_invoice(db, clock, acme, issued=dt.date(2026, 1, 1), paid_on=dt.date(2026, 1, 21))
    customer_invoice(db, clock, acme, issued=dt.date(2026, 2, 1), paid_on=dt.date(2026, 2, 11))
    third = customer_invoice(db, clock, acme, issued=dt.date(2026, 2, 10), paid_on=dt.date(2026, 2, 28))
    with db.transaction() as s:
        s.get(Invoice, third).paid_on = dt.date(2026, 3, 1)  # what the payments record as paid in full
    credited = customer_invoice(db, clock, acme, issued=dt.date(2026, 2, 12))
    with db.transaction() as s:
        issuing.credit_note(s, clock, s.get(Invoice, credited).number, issuing_policy(), "test")
    customer_invoice(db, clock, other, issued=dt.date(2026, 1, 1), paid_on=dt.date(2026, 1, 2))

    with db.transaction() as s:
        assert customers.days_to_pay(s, acme) == DaysToPay(D("16.3"), (19, 10, 20), 3)
        assert customers.days_to_pay(s, other) == DaysToPay(D("1.0"), (1,), 1)
        assert customers.average_days_to_pay(s, {acme, other, 999}) == {acme: D("16.3"), other: D("1.0")}
        assert customers.average_days_to_pay(s) == {acme: D("16.3"), other: D("1.0")}
        assert customers.average_days_to_pay(s, set()) == {}
        with pytest.raises(NotFound):
            customers.days_to_pay(s, 999)


def test_the_projection_reads_receivables_plans_and_payables_and_keeps_currencies_apart(db, clock, store, acme):
    """GIVEN (on Monday 2 March) ACME, who takes 30 days, owes an invoice issued 20 Feb due 6 March
    and half of one due 9 March (less an 8 EUR discount); a credited invoice; a USD invoice; a monthly plan of 120 EUR from
    10 March for Beta (business terms, 30 days); and an approved supplier invoice of 50 EUR due 10
    March WHEN projected for 90 days THEN ACME's money comes 30 days after issue, Beta's invoices 30
    days after each 10th, the payable on 10 March (the supplier's credit note not), USD apart, and
    credited money not at all."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        add_contact(s, clock, ContactInput(name="Lieferant GmbH", vat_id="DE123456788", is_vendor=True, manager_id=mia.id))
        beta = add_contact(s, clock, ContactInput(name="Beta AG", is_customer=True, country="DE", city="Berlin")).id
        recurring.add_plan(s, clock, PlanInput(beta, Every.MONTH, (parse_line("Hosting;1;100;20"),),
                                               start_on=dt.date(2026, 3, 10)), "test")  # fmt: skip
    customer_invoice(db, clock, acme, issued=dt.date(2026, 1, 1), paid_on=dt.date(2026, 1, 31))  # 30 days
    owed = customer_invoice(db, clock, acme, issued=dt.date(2026, 2, 20), line="Consulting;1;1000;0")
    half = customer_invoice(db, clock, acme, issued=dt.date(2026, 2, 23), line="Consulting;1;400;0")
    with db.transaction() as s:
        payments.record_payment(s, clock, f"#{half}", amount=D("200.00"), method="cli", actor="test")
    with db.transaction() as s:  # as a payment that earned an early-payment discount books it
        s.execute(update(Payment).where(Payment.invoice_id == half).values(discount=D("8.00")))
    credited = customer_invoice(db, clock, acme, issued=dt.date(2026, 2, 25), line="Training;1;700;0")
    with db.transaction() as s:
        issuing.credit_note(s, clock, s.get(Invoice, credited).number, issuing_policy(), "test")
    usd = customer_invoice(db, clock, acme, issued=dt.date(2026, 2, 27), line="Licence;1;300;0", currency="USD")
    payable = supplier_invoice(db, clock, store, number="L-1", total="50.00", due=dt.date(2026, 3, 10),
                               issued=dt.date(2026, 2, 24), approver=MIA)  # fmt: skip
    refund = supplier_invoice(db, clock, store, number="G-1", total="30.00", due=dt.date(2026, 3, 10),
                              issued=dt.date(2026, 2, 24), approver=MIA)  # fmt: skip
    with db.transaction() as s:
        s.get(Invoice, refund).document_type = "381"  # the supplier's credit note: money back, not to pay

    with db.transaction() as s:
        p = forecast.cash_flow(s, clock.today(), days=90, currency="EUR", terms_days=30)

    by_ref = {(f.kind, f.ref): f for f in p.flows}
    assert by_ref[(Kind.RECEIVABLE, owed)].on == dt.date(2026, 3, 22)  # 30 days after 20 Feb, not 6 March
    assert (by_ref[(Kind.RECEIVABLE, half)].on, by_ref[(Kind.RECEIVABLE, half)].amount) == (dt.date(2026, 3, 25), D("192.00"))
    assert (Kind.PAYABLE, refund) not in by_ref
    assert (Kind.RECEIVABLE, credited) not in by_ref
    assert (by_ref[(Kind.RECEIVABLE, usd)].currency, by_ref[(Kind.RECEIVABLE, usd)].amount) == ("USD", D("300.00"))
    assert (by_ref[(Kind.PAYABLE, payable)].on, by_ref[(Kind.PAYABLE, payable)].amount) == (dt.date(2026, 3, 10), D("50.00"))
    assert [(f.on, f.amount) for f in p.flows if f.kind is Kind.RECURRING] == [
        (dt.date(2026, 4, 9), D("120.00")), (dt.date(2026, 5, 10), D("120.00"))]  # fmt: skip
    assert p.currencies == ("EUR", "USD") and len(p.weeks) == 13  # ISO weeks 10 to 22
    eur = p.series("EUR")
    assert sum((f.money_in for f in eur), D(0)) == D("1432.00") and eur[-1].balance == D("1382.00")
    assert p.later["EUR"].money_in == D("120.00")  # June's invoice, issued 10 May, paid after the window
