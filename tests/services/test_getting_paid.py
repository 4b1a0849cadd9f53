"""Getting paid: reminders once per level whatever happens, late fees, discounts, bank statements."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from invoicing import bank_import, issuing, payments, reminders, tasks
from invoicing.billing import parse_line
from invoicing.db.models import BankEntry, Invoice, Job, Reminder, Task
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import InvoiceStatus, Role, TaskState
from invoicing.dunning import DunningSchedule
from invoicing.issuing import InvoiceRequest, IssuingPolicy
from invoicing.reminders import DunningPolicy, send_due_reminders
from tests.bank_files import Entry, Tx, camt053
from tests.services.test_issuing import SELLER, load_settings, seller_from_settings

SCHEDULE = DunningSchedule.parse("-3:heads_up,7:reminder_1,14:reminder_2+fee,30:final_notice+task+final")


@pytest.fixture
def policy() -> IssuingPolicy:
    return IssuingPolicy(seller_from_settings(load_settings(**SELLER)))


@pytest.fixture
def dunning(policy) -> DunningPolicy:
    return DunningPolicy(SCHEDULE, policy, reference_rate=D("2.15"))


@pytest.fixture
def customer(db, clock) -> int:
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=77)
        return add_contact(s, clock, ContactInput(
            name="ACME GmbH", is_customer=True, address="Weg 1", postcode="80331", city="München", country="DE",
            email="ap@acme.example", iban="DE89370400440532013000", manager_id=mia.id, payment_terms_days=14,
            late_fee_terms="eu", discount_terms="2% 10",
        )).id  # fmt: skip


def _issue(db, clock, policy, customer, line: str = "Beratung;10;100;19") -> Invoice:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        invoice_id = issuing.issue_new(s, clock, InvoiceRequest(customer, (parse_line(line),)), policy, "cli")
        return s.get(Invoice, invoice_id)


def _levels(db, invoice_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return sorted(s.execute(select(Reminder.level).where(Reminder.invoice_id == invoice_id)).scalars())


def _tick_on(db, clock, dunning, day: dt.date):  # type: ignore[no-untyped-def]
    clock.at = dt.datetime.combine(day, dt.time(9), dt.UTC)
    return send_due_reminders(db, clock, dunning)


def test_each_level_goes_out_once_on_its_day(db, clock, policy, dunning, customer):
    """GIVEN an invoice due in 14 days WHEN the tick runs every day for 50 days THEN the heads-up
    (-3), the reminders (+7, +14 with a fee invoice) and the final notice (+30, with a call task)
    are decided once each, on their day, and the manager is asked the day before the final one."""
    invoice = _issue(db, clock, policy, customer)
    due = invoice.due_date
    decided: dict[int, dt.date] = {}
    for offset in range(0, 50):
        day = clock.today() if offset == 0 else day + dt.timedelta(days=1)  # noqa: F821 - set on the first pass
        run = _tick_on(db, clock, dunning, day)
        for invoice_id, level in run.sent:
            assert invoice_id == invoice.id and level not in decided
            decided[level] = day
    assert decided == {-1: due - dt.timedelta(days=3), 1: due + dt.timedelta(days=7), 2: due + dt.timedelta(days=14),
                       3: due + dt.timedelta(days=30)}  # fmt: skip
    with db.transaction() as s:
        fee_reminder = s.execute(select(Reminder).where(Reminder.level == 2)).scalar_one()
        fee = s.get(Invoice, fee_reminder.fee_invoice_id)
        assert fee.preceding_invoice_id == invoice.id and fee.total == fee_reminder.fee > D("40")
        assert fee.next_reminder_on is None  # a fee invoice is not dunned itself
        [call] = s.execute(select(Task).where(Task.kind == tasks.CALL_CUSTOMER)).scalars()
        assert call.invoice_id == invoice.id and call.state is TaskState.OPEN
        kinds = [j.kind for j in s.execute(select(Job).order_by(Job.id)).scalars()]
        assert kinds.count(reminders.REMINDER_SEND) == 4 and kinds.count(reminders.FINAL_TOMORROW) == 1
        assert s.get(Invoice, invoice.id).next_reminder_on is None


def test_levels_missed_while_down_send_only_the_highest_once(db, clock, policy, dunning, customer):
    invoice = _issue(db, clock, policy, customer)
    run = _tick_on(db, clock, dunning, invoice.due_date + dt.timedelta(days=20))  # down for 20 days
    assert run.sent == [(invoice.id, 2)]
    assert _tick_on(db, clock, dunning, invoice.due_date + dt.timedelta(days=20)).sent == []
    assert _levels(db, invoice.id) == [2]


def test_two_ticks_at_once_decide_each_level_once(db, clock, policy, dunning, customer):
    """GIVEN 20 overdue invoices WHEN two ticks run at the same moment THEN each gets one reminder."""
    issued = [_issue(db, clock, policy, customer) for _ in range(20)]
    clock.at = dt.datetime.combine(issued[0].due_date + dt.timedelta(days=8), dt.time(9), dt.UTC)
    runs: list[reminders.ReminderRun] = []
    threads = [threading.Thread(target=lambda: runs.append(send_due_reminders(db, clock, dunning))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(pair for run in runs for pair in run.sent) == sorted((i.id, 1) for i in issued)
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(Reminder)).scalar() == 20
        assert s.execute(select(func.count()).select_from(Job).where(Job.kind == reminders.REMINDER_SEND)).scalar() == 20


def test_paid_held_and_paused_invoices_get_no_reminder(db, clock, policy, dunning, customer):
    """GIVEN four invoices overdue by 8 days: one paid, one held, one of a paused customer and one
    plain WHEN the tick runs THEN only the plain one is reminded; the held one is after its hold."""
    paid, held, plain = (_issue(db, clock, policy, customer) for _ in range(3))
    with db.transaction() as s:
        payments.record_payment(s, clock, paid.number, actor="t")
        reminders.hold(s, clock, held.id, held.due_date + dt.timedelta(days=20), "t")
        other = add_contact(s, clock, ContactInput(name="Paused AG", is_customer=True, country="DE", city="Ulm")).id
        of_paused = issuing.issue_new(s, clock, InvoiceRequest(other, (parse_line("X;1;10;19"),)), policy, "t")
        reminders.pause_contact(s, clock, other, True, "t")
    run = _tick_on(db, clock, dunning, paid.due_date + dt.timedelta(days=8))
    assert run.sent == [(plain.id, 1)]
    assert _levels(db, of_paused) == [] and _levels(db, held.id) == [] and _levels(db, paid.id) == []
    run = _tick_on(db, clock, dunning, held.due_date + dt.timedelta(days=20))
    assert (held.id, 2) in run.sent


def test_a_discounted_payment_in_time_settles_and_stops_everything(db, clock, policy, customer):
    invoice = _issue(db, clock, policy, customer)  # 1,190.00 with 2 % within 10 days
    with db.transaction() as s:
        paid = payments.record_payment(s, clock, invoice.number, amount=D("1166.20"),
                                       paid_on=clock.today() + dt.timedelta(days=9), actor="t")  # fmt: skip
        assert (paid.status, paid.discount, paid.open_amount) == (InvoiceStatus.PAID, D("23.80"), D("0.00"))
        done = s.get(Invoice, invoice.id)
        assert done.next_reminder_on is None and done.paid_on == clock.today() + dt.timedelta(days=9)
        task = s.execute(select(Task).where(Task.kind == tasks.COLLECT_PAYMENT)).scalar_one()
        assert task.state is TaskState.DONE
    late = _issue(db, clock, policy, customer)
    with db.transaction() as s:
        part = payments.record_payment(s, clock, late.number, amount=D("1166.20"),
                                       paid_on=clock.today() + dt.timedelta(days=11), actor="t")  # fmt: skip
        assert (part.status, part.open_amount, part.discount) == (InvoiceStatus.PARTLY_PAID, D("23.80"), D("0"))


def test_a_bank_statement_books_what_matches_once_and_keeps_the_rest_for_a_person(db, clock, policy, customer):
    """GIVEN three open invoices WHEN a camt.053 pays one by its RF reference, one by its number
    twice over, and has a payment nobody can place THEN two are booked (one flagged overpaid), one
    waits for a person; importing the same file again changes nothing; assigning books it."""
    a, b, c = (_issue(db, clock, policy, customer) for _ in range(3))
    statement = camt053([
        Entry((Tx("1190.00", name="ACME GmbH", ref=a.payment_reference),), ref="R1"),
        Entry((Tx("2380.00", name="ACME GmbH", iban="DE89370400440532013000", ustrd=(f"Rechnung {b.number}",)),),
              ref="R2"),
        Entry((Tx("500.00", name="Somebody", ustrd=("Anzahlung",)),), ref="R3"),
    ])  # fmt: skip
    first = bank_import.import_statement(db, clock, statement, "stmt.xml", actor="t")
    assert sorted(i for _, i in first.matched) == [a.id, b.id] and [e for e, _ in first.left] == ["R3"]
    assert any("overpaid by 1190.00" in f for f in first.flags)
    again = bank_import.import_statement(db, clock, statement, "stmt.xml", actor="t")
    assert (again.matched, again.left, again.known) == ([], [], 3)
    with db.transaction() as s:
        [waiting] = bank_import.unmatched(s)
        bank_import.assign(s, clock, waiting.id, c.number, "t")
    with db.transaction() as s:
        assert s.get(Invoice, c.id).status is InvoiceStatus.PARTLY_PAID
        assert s.execute(select(func.count()).select_from(BankEntry)).scalar() == 3
        assert s.get(Invoice, a.id).status is s.get(Invoice, b.id).status is InvoiceStatus.PAID
