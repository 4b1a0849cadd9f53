"""Supplier invoices to pay: the list by due date with discounts, paying twice, reminders once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from invoicing import payable_reminders, payables, payments
from invoicing.db.models import Contact, Invoice, Job, User
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import Role
from invoicing.errors import NotFound
from invoicing.extraction import Party
from invoicing.payable_rules import DiscountSource, ReminderEvent, WarningKind
from tests.books import customer_invoice, on_day, supplier_invoice

MIA, OTTO, ADA = 71, 72, 73
OTHER = Party(name="Druckerei Nord", vat_id="DE811907980", iban="DE89370400440532013000")


@pytest.fixture
def people(db, clock) -> dict[str, int]:
    """Mia manages the supplier Lieferant GmbH; Otto manages nobody; Ada is an admin."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        otto = add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTTO)
        ada = add_user(s, clock, name="Ada", role=Role.ADMIN, telegram_user_id=ADA)
        add_contact(s, clock, ContactInput(name="Lieferant GmbH", vat_id="DE123456788", is_vendor=True,
                                           manager_id=mia.id))  # fmt: skip
        return {"mia": mia.id, "otto": otto.id, "ada": ada.id}


def test_approved_unpaid_supplier_invoices_are_listed_soonest_due_first_with_discount_and_iban(db, clock, store, people):
    """GIVEN approved supplier invoices due 20 and 10 March and one without a due date, one still
    pending and one paid WHEN listed on 2 March THEN the undated one comes first, then 10 and 20
    March; the one whose line offers 2 % Skonto within 10 days of 26 Feb shows it (pay 98.00 by
    8 March); with --days 7 only what is due by 9 March (and the undated one) is left."""
    today = clock.today()
    late = supplier_invoice(db, clock, store, number="L-3", total="300.00", due=dt.date(2026, 3, 20),
                            issued=dt.date(2026, 2, 20), approver=MIA)  # fmt: skip
    soon = supplier_invoice(db, clock, store, number="L-2", total="100.00", due=dt.date(2026, 3, 10),
                            issued=dt.date(2026, 2, 26), approver=MIA,
                            lines=("Toner", "2 % Skonto bei Zahlung innerhalb von 10 Tagen"))  # fmt: skip
    undated = supplier_invoice(db, clock, store, number="N-1", total="50.00", due=None, issued=dt.date(2026, 2, 1),
                               approver=ADA, seller=OTHER)  # fmt: skip
    supplier_invoice(db, clock, store, number="L-4", total="10.00", due=dt.date(2026, 3, 5), issued=dt.date(2026, 3, 1),
                     approver=None)  # fmt: skip
    paid = supplier_invoice(db, clock, store, number="L-1", total="20.00", due=dt.date(2026, 3, 3),
                            issued=dt.date(2026, 2, 1), approver=MIA)  # fmt: skip
    with db.transaction() as s:
        payments.record_payment(s, clock, f"#{paid}", method="cli", actor="test")

    with db.transaction() as s:
        listed = payables.list_payables(s, today)
        soon_only = payables.list_payables(s, today, within_days=8)
    assert [p.invoice_id for p in listed] == [undated, soon, late]
    item = listed[1]
    assert (item.supplier, item.total, item.open_amount, item.days_left, item.iban) == (
        "Lieferant GmbH", D("100.00"), D("100.00"), 8, "DE02120300000000202051")  # fmt: skip
    assert item.discount is not None and item.discount.source is DiscountSource.LINES
    assert (item.discount.pay, item.discount.until) == (D("98.00"), dt.date(2026, 3, 8))
    assert listed[0].discount is None and listed[0].supplier == "Druckerei Nord" and listed[0].days_left is None
    assert [p.invoice_id for p in soon_only] == [undated, soon]
    assert item.to_json()["discount"] == {"percent": "2", "amount": "2.00", "pay": "98.00", "until": "2026-03-08",
                                          "source": "lines"}  # fmt: skip


def test_the_supplier_s_recorded_discount_counts_until_its_last_day(db, clock, store, people):
    with db.transaction() as s:
        s.execute(select(Contact).where(Contact.name == "Lieferant GmbH")).scalar_one().discount_terms = "3% 14"
    invoice_id = supplier_invoice(db, clock, store, number="L-9", total="200.00", due=dt.date(2026, 3, 30),
                                  issued=dt.date(2026, 2, 16), approver=MIA)  # fmt: skip
    with db.transaction() as s:
        [item] = payables.list_payables(s, clock.today())
    assert item.invoice_id == invoice_id and item.discount.source is DiscountSource.SUPPLIER
    assert (item.discount.amount, item.discount.until) == (D("6.00"), dt.date(2026, 3, 2))  # today is the last day
    with on_day(clock, dt.date(2026, 3, 3)), db.transaction() as s:
        assert payables.list_payables(s, clock.today())[0].discount is None


def test_paying_twice_is_flagged_paid_exported_or_its_twin_paid(db, clock, store, people):
    """GIVEN a supplier invoice paid on 1 March and put into a transfer file on 28 February, and the
    same invoice received again as another file and approved WHEN the warnings are asked THEN the
    first is "already paid on 2026-03-01" and "already in a transfer file on 2026-02-28"; the copy
    names the first as paid and exported; /topay's list shows the copy with those warnings."""
    first = supplier_invoice(db, clock, store, number="L-7", total="119.00", due=dt.date(2026, 3, 15),
                             issued=dt.date(2026, 2, 25), approver=MIA)  # fmt: skip
    with db.transaction() as s:
        s.get(Invoice, first).payment_exported_at = dt.datetime(2026, 2, 28, 16, 0, tzinfo=dt.UTC)
    with db.transaction() as s:
        payments.record_payment(s, clock, f"#{first}", paid_on=dt.date(2026, 3, 1), method="cli", actor="test")
    copy = supplier_invoice(db, clock, store, number="L 7", total="119.00", due=dt.date(2026, 3, 15),
                            issued=dt.date(2026, 2, 25), approver=MIA, lines=("again",))  # fmt: skip
    with db.transaction() as s:
        on_first = payables.payable_warnings(s, first)
        on_copy = payables.payable_warnings(s, copy)
        [listed] = payables.list_payables(s, clock.today())
        with pytest.raises(NotFound):
            payables.payable_warnings(s, 999)
    assert [w.text() for w in on_first] == ["already paid on 2026-03-01", "already in a transfer file on 2026-02-28"]
    assert [(w.kind, w.invoice_id) for w in on_copy] == [(WarningKind.SAME_PAID, first), (WarningKind.SAME_EXPORTED, first)]
    assert listed.invoice_id == copy and listed.warnings == on_copy


def test_an_outgoing_invoice_has_no_payable_warnings(db, clock, store, people):
    with db.transaction() as s:
        customer = add_contact(s, clock, ContactInput(name="ACME SARL", is_customer=True, country="FR", city="Paris")).id
    invoice_id = customer_invoice(db, clock, customer, issued=clock.today())
    with db.transaction() as s, pytest.raises(NotFound):
        payables.payable_warnings(s, invoice_id)


def _reminders(db) -> list[tuple[str, int, str]]:
    with db.transaction() as s:
        found = s.execute(select(Job).where(Job.kind == "chat.notify").order_by(Job.id)).scalars()
        return [(j.payload["event"], j.payload["chat_id"], j.idempotency_key) for j in found]


def test_approvers_are_reminded_once_days_before_the_due_date_and_a_discount_s_last_day(db, clock, store, people):
    """GIVEN (on 2 March, 3 days' notice) an invoice approved by Ada due 5 March, one approved by
    Mia due 4 March with 2 % within 10 days of 23 Feb (last day 5 March), one due 5 March already
    in a transfer file, and one due 20 March WHEN the reminders run twice THEN Ada is reminded of
    the first, Mia of the discount and the due date of the second, once each; nothing else."""
    to_ada = supplier_invoice(db, clock, store, number="R-1", total="80.00", due=dt.date(2026, 3, 5),
                              issued=dt.date(2026, 2, 5), approver=ADA)  # fmt: skip
    to_mia = supplier_invoice(db, clock, store, number="R-2", total="100.00", due=dt.date(2026, 3, 4),
                              issued=dt.date(2026, 2, 23), approver=MIA, extra={"discount_terms": "2% 10"})  # fmt: skip
    exported = supplier_invoice(db, clock, store, number="R-3", total="30.00", due=dt.date(2026, 3, 5),
                                issued=dt.date(2026, 2, 5), approver=MIA)  # fmt: skip
    supplier_invoice(db, clock, store, number="R-4", total="30.00", due=dt.date(2026, 3, 20),
                     issued=dt.date(2026, 2, 20), approver=MIA)  # fmt: skip
    with db.transaction() as s:
        s.get(Invoice, exported).payment_exported_at = clock.now()

    with db.transaction() as s:
        first = payable_reminders.remind_due_payables(s, clock, days=3)
    with db.transaction() as s:
        again = payable_reminders.remind_due_payables(s, clock, days=3)

    assert [(r.invoice_id, r.event, r.day, r.chat_ids) for r in first] == [
        (to_ada, ReminderEvent.DUE, dt.date(2026, 3, 5), (ADA,)),
        (to_mia, ReminderEvent.DISCOUNT, dt.date(2026, 3, 5), (MIA,)),
        (to_mia, ReminderEvent.DUE, dt.date(2026, 3, 4), (MIA,)),
    ]  # fmt: skip
    assert again == []
    assert _reminders(db) == [
        ("payable.due", ADA, f"chat.notify:payable.due:{to_ada}:2026-03-05:{people['ada']}"),
        ("payable.discount", MIA, f"chat.notify:payable.discount:{to_mia}:2026-03-05:{people['mia']}"),
        ("payable.due", MIA, f"chat.notify:payable.due:{to_mia}:2026-03-04:{people['mia']}"),
    ]  # fmt: skip
    with db.transaction() as s:
        job = s.execute(select(Job).where(Job.payload["event"].as_string() == "payable.discount")).scalar_one()
        assert job.payload["details"]["discount"]["pay"] == "98.00" and job.payload["details"]["open"] == "100.00"


def test_a_moved_due_date_is_reminded_again_and_a_gone_approver_hands_over_to_the_manager(db, clock, store, people):
    """GIVEN an invoice Ada approved, reminded for 4 March WHEN its due date moves to 5 March and
    Ada has left THEN the supplier's manager Mia is reminded of the new date."""
    invoice_id = supplier_invoice(db, clock, store, number="R-5", total="80.00", due=dt.date(2026, 3, 4),
                                  issued=dt.date(2026, 2, 5), approver=ADA)  # fmt: skip
    with db.transaction() as s:
        assert [r.chat_ids for r in payable_reminders.remind_due_payables(s, clock, days=3)] == [(ADA,)]
    with db.transaction() as s:
        s.get(Invoice, invoice_id).due_date = dt.date(2026, 3, 5)
        s.get(User, people["ada"]).archived_at = clock.now()
    with db.transaction() as s:
        [reminded] = payable_reminders.remind_due_payables(s, clock, days=3)
    assert (reminded.day, reminded.chat_ids) == (dt.date(2026, 3, 5), (MIA,))


def test_a_discount_in_a_line_or_on_the_supplier_s_record_is_reminded_before_its_last_day(db, clock, store, people):
    """GIVEN (on 2 March) an invoice whose line offers 3 % Skonto within 8 days of 24 February and
    one from a supplier whose record says 2 % within 10 days of 21 February, both due in April
    WHEN the reminders run THEN each gets a discount reminder for its last day, 4 and 3 March."""
    in_line = supplier_invoice(db, clock, store, number="D-1", total="100.00", due=dt.date(2026, 4, 1),
                               issued=dt.date(2026, 2, 24), approver=MIA,
                               lines=("Papier", "Zahlbar in 30 Tagen, 3 % Skonto innerhalb 8 Tagen"))  # fmt: skip
    with db.transaction() as s:
        add_contact(s, clock, ContactInput(name="Druckerei Nord", vat_id=OTHER.vat_id, is_vendor=True,
                                           discount_terms="2% 10"))  # fmt: skip
    on_record = supplier_invoice(db, clock, store, number="N-2", total="50.00", due=dt.date(2026, 4, 1),
                                 issued=dt.date(2026, 2, 21), approver=ADA, seller=OTHER)  # fmt: skip
    with db.transaction() as s:
        reminded = payable_reminders.remind_due_payables(s, clock, days=3)
    assert sorted((r.invoice_id, r.event, r.day) for r in reminded) == [
        (in_line, ReminderEvent.DISCOUNT, dt.date(2026, 3, 4)), (on_record, ReminderEvent.DISCOUNT, dt.date(2026, 3, 3))]

