"""Rules of supplier invoices we pay: discounts read from stored texts, paying twice, reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from invoicing.approval_rules import Person
from invoicing.billing import DiscountTerms
from invoicing.domain import Role
from invoicing.payable_rules import (
    LINE_WORDS,
    Discount,
    DiscountSource,
    OfferedDiscount,
    PaymentState,
    ReminderEvent,
    WarningKind,
    offered_discount,
    open_discount,
    parse_discount_text,
    payment_warnings,
    reminder_recipients,
    reminders_due,
)

TODAY = dt.date(2026, 3, 4)


@pytest.mark.parametrize(("text", "percent", "days"), [
    ("2 % Skonto bei Zahlung innerhalb von 10 Tagen, 30 Tage netto", "2", 10),
    ("Zahlbar innerhalb 30 Tagen netto, innerhalb 14 Tagen mit 3% Skonto", "3", 14),
    ("2.5% discount if paid within 7 days", "2.5", 7),
    ("Early payment discount: 1,5 % within 8 days", "1.5", 8),
    ("Escompte de 2 % pour paiement sous 10 jours", "2", 10),
    ("2% kontantrabat ved betaling inden 8 dage", "2", 8),
    ("#SKONTO#TAGE=14#PROZENT=2.00#", "2.00", 14),
    ("Terms: 2/10 net 30", "2", 10),
    ("2/10, n/30", "2", 10),
    ("Zahlbar in 30 Tagen, 3 % Skonto innerhalb 8 Tagen", "3", 8),
    ("3 % discount, if paid within 8 days", "3", 8),
])  # fmt: skip
def test_discount_terms_are_read_from_payment_terms_texts(text, percent, days):
    assert parse_discount_text(text) == DiscountTerms(D(percent), days)
    assert any(word in text.lower() for word in LINE_WORDS)  # so the database picks such a line out


@pytest.mark.parametrize("text", [
    "Zahlbar innerhalb von 30 Tagen ohne Abzug",
    "Rabatt 10 % auf alle Artikel",  # a trade discount, with no days to pay in
    "Consulting 10 days at 19 %",  # no word for a discount
    "Invoice date 12/10/2026",
    "5% discount",  # no days
])  # fmt: skip
def test_texts_without_an_early_payment_discount_give_none(text):
    assert parse_discount_text(text) is None


def test_the_invoice_s_own_terms_come_first_then_its_lines_then_the_supplier_s_record():
    lines = ["Hosting March", "Bei Zahlung innerhalb 7 Tagen 2 % Skonto"]
    assert offered_discount({"discount_terms": "3% 14"}, lines, "1% 5") == OfferedDiscount(
        DiscountTerms(D(3), 14), DiscountSource.INVOICE)  # fmt: skip
    assert offered_discount({"discount_terms": None}, lines, "1% 5") == OfferedDiscount(
        DiscountTerms(D(2), 7), DiscountSource.LINES)  # fmt: skip
    assert offered_discount(None, ["Hosting"], "1% 5") == OfferedDiscount(DiscountTerms(D(1), 5), DiscountSource.SUPPLIER)
    assert offered_discount({"note": "2% discount within 10 days"}, [], None).source is DiscountSource.INVOICE
    assert offered_discount({"discount_terms": "nonsense"}, ["Hosting"], "not terms") is None


def test_a_discount_can_be_taken_until_its_last_day_and_only_while_nothing_is_paid():
    """GIVEN 2 % within 10 days of 24 Feb on 119.00 THEN until 6 March 116.62 settles it; after that,
    or once something was paid, there is no discount to take."""
    offer = OfferedDiscount(DiscountTerms(D(2), 10), DiscountSource.SUPPLIER)
    issue = dt.date(2026, 2, 24)
    taken = open_discount(offer, issue_date=issue, total=D("119.00"), paid=D(0), today=TODAY)
    assert taken == Discount(D(2), D("2.38"), D("116.62"), dt.date(2026, 3, 6), DiscountSource.SUPPLIER)
    assert taken.to_json() == {"percent": "2", "amount": "2.38", "pay": "116.62", "until": "2026-03-06",
                               "source": "supplier"}  # fmt: skip
    assert open_discount(offer, issue_date=issue, total=D("119.00"), paid=D(0), today=dt.date(2026, 3, 7)) is None
    assert open_discount(offer, issue_date=issue, total=D("119.00"), paid=D("10.00"), today=TODAY) is None
    assert open_discount(offer, issue_date=None, total=D("119.00"), paid=D(0), today=TODAY) is None
    assert open_discount(None, issue_date=issue, total=D("119.00"), paid=D(0), today=TODAY) is None


def _state(invoice_id: int, paid: str = "0", paid_on=None, exported_on=None) -> PaymentState:
    return PaymentState(invoice_id, "EUR", D("119.00"), D(paid), paid_on, exported_on)


def test_paying_twice_is_flagged_for_the_invoice_and_for_its_twin():
    """GIVEN an invoice paid in full and exported, and a twin recorded again WHEN the twin is checked
    THEN it says the same invoice was paid and went into a transfer file, naming the first."""
    first = _state(1, "119.00", dt.date(2026, 3, 1), dt.date(2026, 2, 27))
    again = _state(2)
    assert [(w.kind, w.on) for w in payment_warnings(first)] == [
        (WarningKind.PAID, dt.date(2026, 3, 1)), (WarningKind.EXPORTED, dt.date(2026, 2, 27))]  # fmt: skip
    texts = [w.text() for w in payment_warnings(again, [first, again])]
    assert texts == ["the same invoice from this supplier (#1) was paid on 2026-03-01",
                     "the same invoice from this supplier (#1) went into a transfer file on 2026-02-27"]  # fmt: skip
    assert payment_warnings(first)[0].text(day=lambda d: d.strftime("%d.%m.%Y")) == "already paid on 01.03.2026"
    partly = payment_warnings(_state(3, "19.00", dt.date(2026, 3, 2)))
    assert [w.text() for w in partly] == ["19.00 EUR already paid (last on 2026-03-02)"]
    assert payment_warnings(_state(4), [_state(5)]) == ()
    assert payment_warnings(first)[0].to_json()["text"] == "already paid on 2026-03-01"


def test_reminders_fall_due_days_before_the_due_date_and_before_a_discount_s_last_day():
    discount = Discount(D(2), D("2.38"), D("116.62"), dt.date(2026, 3, 6), DiscountSource.INVOICE)
    due = dt.date(2026, 3, 7)
    assert reminders_due(TODAY, days=3, due_date=due, discount=discount) == [
        (ReminderEvent.DISCOUNT, dt.date(2026, 3, 6)), (ReminderEvent.DUE, due)]  # fmt: skip
    assert reminders_due(TODAY, days=2, due_date=due, discount=None) == []
    assert reminders_due(TODAY, days=3, due_date=dt.date(2026, 3, 3), discount=None) == []  # past: /overdue's business
    assert reminders_due(TODAY, days=0, due_date=TODAY, discount=None) == [(ReminderEvent.DUE, TODAY)]
    assert reminders_due(TODAY, days=3, due_date=None, discount=None) == []


def test_the_approvers_are_reminded_else_the_manager_else_the_admins_whom_the_chat_reaches():
    mia, otto = Person(1, Role.MANAGER, 71), Person(2, Role.MANAGER, None)
    ada, bob = Person(3, Role.ADMIN, 73), Person(4, Role.ADMIN, 74)
    assert reminder_recipients([mia, ada, mia], otto, [ada, bob]) == (mia, ada)
    assert reminder_recipients([otto], mia, [ada]) == (mia,)
    assert reminder_recipients([], otto, [ada, bob]) == (ada, bob)
    assert reminder_recipients([], None, []) == ()
