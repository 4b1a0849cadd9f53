"""Recurring plans: adding, pausing and resuming them, and issuing each due period exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, update

from invoicing import recurring, recurring_views
from invoicing.audit import verify_chain
from invoicing.billing import InvalidLine, parse_line
from invoicing.config import load_settings
from invoicing.db.models import AuditEvent, Contact, Invoice, Job, RecurringPlan
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import InvoiceStatus, Role
from invoicing.errors import InvoicingError, NotAuthorised
from invoicing.issuing import INVOICE_SEND, IssuingPolicy
from invoicing.parties import seller_from_settings
from invoicing.recurrence import Every, InvalidSchedule
from invoicing.recurring import PlanInput, PlanStateError
from invoicing.recurring_views import PlanState
from tests.services.test_issuing import SELLER

D = dt.date
MANAGER_TG, OTHER_TG, ADMIN_TG = 71, 72, 73


@pytest.fixture
def policy() -> IssuingPolicy:
    return IssuingPolicy(seller_from_settings(load_settings(**SELLER)))


@pytest.fixture
def customer(db, clock) -> int:
    """A customer with every detail issuing needs, managed by Mia (Telegram 71)."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MANAGER_TG)
        add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTHER_TG)
        add_user(s, clock, name="Ada", role=Role.ADMIN, telegram_user_id=ADMIN_TG)
        return add_contact(s, clock, ContactInput(
            name="ACME SARL", is_customer=True, address="1 rue de la Paix", postcode="75002", city="Paris",
            country="FR", vat_id="FR40303265045", manager_id=mia.id, language="fr",
        )).id  # fmt: skip


def add(db, clock, customer: int, **kwargs) -> int:
    data = PlanInput(customer, kwargs.pop("every", Every.MONTH), (parse_line("Hosting;1;100;20"),), **kwargs)
    with db.transaction() as s:
        return recurring.add_plan(s, clock, data, "cli").id


def plan_invoices(db, plan_id: int) -> list[tuple[str, str, InvoiceStatus]]:
    with db.transaction() as s:
        query = select(Invoice).where(Invoice.recurring_plan_id == plan_id).order_by(Invoice.recurring_period)
        return [(i.recurring_period, i.number, i.status) for i in s.execute(query).scalars()]


def test_a_monthly_plan_started_three_months_ago_issues_its_three_periods_once(db, clock, policy, customer):
    """GIVEN a monthly plan from 15 December and today 2 March WHEN the scheduler runs twice THEN the
    first run issues December, January and February (numbered in order, each naming its period)
    and the second run issues nothing; the plan's next date is 15 March."""
    plan_id = add(db, clock, customer, start_on=D(2025, 12, 15))
    first = recurring.issue_due(db, clock, policy)
    assert len(first.issued) == 3 and first.failures == ()
    assert plan_invoices(db, plan_id) == [
        ("2025-12-15", "INV-2026-0001", InvoiceStatus.ISSUED),
        ("2026-01-15", "INV-2026-0002", InvoiceStatus.ISSUED),
        ("2026-02-15", "INV-2026-0003", InvoiceStatus.ISSUED),
    ]
    assert recurring.issue_due(db, clock, policy).issued == ()
    with db.transaction() as s:
        plan = s.get(RecurringPlan, plan_id)
        assert (plan.next_run_on, plan.issued_count, plan.active) == (D(2026, 3, 15), 3, True)
        assert s.get(Invoice, first.issued[0]).extracted["note"] == "Période: 2025-12-15 – 2026-01-14"
        detail = recurring_views.show_plan(s, plan_id)
        assert [i.period for i in detail.invoices] == ["2025-12-15", "2026-01-15", "2026-02-15"]
        assert verify_chain(s).problems == ()
    clock.advance(dt.timedelta(days=13))
    assert len(recurring.issue_due(db, clock, policy).issued) == 1
    assert plan_invoices(db, plan_id)[-1][:2] == ("2026-03-15", "INV-2026-0004")


def test_two_schedulers_running_at_once_issue_each_period_once(db, clock, policy, customer):
    """GIVEN three plans with three due periods each WHEN two threads run `issue_due` at the same
    moment, twice each THEN every period is issued exactly once (9 invoices, numbers 1..9)."""
    plans = [add(db, clock, customer, start_on=D(2025, 12, 10 + n)) for n in range(3)]
    results: list[recurring.DueRun] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def scheduler() -> None:
        try:
            start.wait()
            for _ in range(2):
                results.append(recurring.issue_due(db, clock, policy))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(len(r.issued) for r in results) == 9 and all(r.failures == () for r in results)
    for plan_id in plans:
        assert [p for p, _, _ in plan_invoices(db, plan_id)] == [
            f"{y}-{m:02d}-{day:02d}" for y, m, day in ((2025, 12, 10 + plans.index(plan_id)),
                                                       (2026, 1, 10 + plans.index(plan_id)),
                                                       (2026, 2, 10 + plans.index(plan_id)))]  # fmt: skip
    with db.transaction() as s:
        numbers = sorted(s.execute(select(Invoice.number)).scalars())
        assert numbers == [f"INV-2026-{n:04d}" for n in range(1, 10)]
        assert {p.issued_count for p in s.execute(select(RecurringPlan)).scalars()} == {3}


def test_a_period_issued_already_is_never_issued_again_even_when_the_plan_forgot_it(db, clock, policy, customer):
    """GIVEN a plan whose bookkeeping was put back after it issued its periods (a restored row) WHEN
    the scheduler runs THEN the unique (plan, period) key refuses the repeats, the plan catches up,
    and only the period never issued is issued."""
    plan_id = add(db, clock, customer, start_on=D(2026, 1, 5), every=Every.WEEK)
    assert len(recurring.issue_due(db, clock, policy).issued) == 9  # 5 Jan .. 2 Mar, Mondays
    with db.transaction() as s:
        s.execute(update(RecurringPlan).where(RecurringPlan.id == plan_id).values(next_run_on=D(2026, 2, 16),
                                                                                  issued_count=6))  # fmt: skip
    clock.advance(dt.timedelta(days=7))
    again = recurring.issue_due(db, clock, policy)
    assert len(again.issued) == 1 and again.failures == ()
    assert [p for p, _, _ in plan_invoices(db, plan_id)][-2:] == ["2026-03-02", "2026-03-09"]
    with db.transaction() as s:
        plan = s.get(RecurringPlan, plan_id)
        assert (plan.next_run_on, plan.issued_count) == (D(2026, 3, 16), 10)


def test_a_count_limited_plan_stops_after_its_last_invoice(db, clock, policy, customer):
    """GIVEN a weekly plan for 2 invoices with 9 weeks due and sending on WHEN the scheduler runs
    THEN it issues two, queues their e-mails, and the plan has ended; a later run issues nothing."""
    plan_id = add(db, clock, customer, start_on=D(2026, 1, 5), every=Every.WEEK, count=2, send=True)
    run = recurring.issue_due(db, clock, policy)
    assert len(run.issued) == 2
    with db.transaction() as s:
        plan = s.get(RecurringPlan, plan_id)
        assert (plan.issued_count, plan.active) == (2, False)
        assert recurring_views.show_plan(s, plan_id).state is PlanState.ENDED
        sends = s.execute(select(Job.payload).where(Job.kind == INVOICE_SEND)).scalars()
        assert sorted(p["invoice_id"] for p in sends) == sorted(run.issued)
        with pytest.raises(PlanStateError, match="ended"):
            recurring.pause(s, clock, plan_id, "cli")
    clock.advance(dt.timedelta(days=60))
    assert recurring.issue_due(db, clock, policy).issued == ()


def test_a_plan_with_an_end_date_ends_after_its_last_period(db, clock, policy, customer):
    plan_id = add(db, clock, customer, start_on=D(2026, 1, 1), until=D(2026, 2, 15))
    assert len(recurring.issue_due(db, clock, policy).issued) == 2
    with db.transaction() as s:
        view = recurring_views.show_plan(s, plan_id)
        assert (view.state, view.next_on, view.issued_count) == (PlanState.ENDED, None, 2)


def test_a_paused_plan_issues_nothing_and_resuming_skips_the_paused_periods(db, clock, policy, customer):
    """GIVEN a monthly plan paused before its periods fell due WHEN the scheduler runs THEN nothing is
    issued; resumed on 2 March it skips December to February (said so) and issues from 15 March."""
    plan_id = add(db, clock, customer, start_on=D(2025, 12, 15))
    with db.transaction() as s:
        assert recurring.pause(s, clock, plan_id, "cli").plan.state is PlanState.PAUSED
        with pytest.raises(PlanStateError, match="paused"):
            recurring.pause(s, clock, plan_id, "cli")
    assert recurring.issue_due(db, clock, policy).issued == ()
    with db.transaction() as s:
        change = recurring.resume(s, clock, plan_id, "cli")
    assert change.skipped == (D(2025, 12, 15), D(2026, 1, 15), D(2026, 2, 15))
    assert (change.plan.state, change.plan.next_on) == (PlanState.ACTIVE, D(2026, 3, 15))
    assert recurring.issue_due(db, clock, policy).issued == ()
    clock.advance(dt.timedelta(days=13))
    assert [p for p, _, _ in plan_invoices(db, plan_id)] == []
    recurring.issue_due(db, clock, policy)
    assert [p for p, _, _ in plan_invoices(db, plan_id)] == ["2026-03-15"]
    with db.transaction() as s:
        actions = s.execute(select(AuditEvent.action).where(AuditEvent.entity_type == "recurring_plan")).scalars()
        assert list(actions) == ["plan.added", "plan.paused", "plan.resumed", "plan.issued"]


def test_a_plan_resumed_after_its_last_period_has_ended(db, clock, policy, customer):
    plan_id = add(db, clock, customer, start_on=D(2026, 3, 10), until=D(2026, 4, 30))
    with db.transaction() as s:
        recurring.pause(s, clock, plan_id, "cli")
    clock.advance(dt.timedelta(days=60))
    with db.transaction() as s:
        change = recurring.resume(s, clock, plan_id, "cli")
        assert change.skipped == (D(2026, 3, 10), D(2026, 4, 10)) and change.plan.state is PlanState.ENDED
        assert s.get(RecurringPlan, plan_id).active is False
    assert recurring.issue_due(db, clock, policy).issued == ()


def test_a_plan_whose_customer_lacks_details_is_reported_and_the_others_go_on(db, clock, policy, customer):
    """GIVEN two plans, the first for a customer without a country WHEN the scheduler runs THEN the
    good plan issues its periods and the bad one is reported with the reason; once the country is
    filled in, the next run issues the bad plan's periods too."""
    with db.transaction() as s:
        bare = add_contact(s, clock, ContactInput(name="No Country Ltd", is_customer=True)).id
    bad = add(db, clock, bare, start_on=D(2026, 1, 20))
    good = add(db, clock, customer, start_on=D(2026, 1, 20))
    run = recurring.issue_due(db, clock, policy)
    assert len(run.issued) == 2 and len(plan_invoices(db, good)) == 2
    [failure] = run.failures
    assert (failure.plan_id, failure.period) == (bad, "2026-01-20") and "country" in failure.reason
    assert plan_invoices(db, bad) == []
    with db.transaction() as s:
        s.get(Contact, bare).country, s.get(Contact, bare).city = "GB", "London"
    again = recurring.issue_due(db, clock, policy)
    assert len(again.issued) == 2 and again.failures == ()
    assert [p for p, _, _ in plan_invoices(db, bad)] == ["2026-01-20", "2026-02-20"]


def test_plans_are_refused_clearly_when_they_cannot_be_followed(db, clock, customer):
    line = (parse_line("Hosting;1;100;20"),)
    with db.transaction() as s:
        with pytest.raises(InvoicingError, match="not both"):
            recurring.add_plan(s, clock, PlanInput(customer, Every.MONTH, line, until=D(2026, 9, 1), count=3), "cli")
        with pytest.raises(InvalidSchedule, match="before its first period"):
            recurring.add_plan(s, clock, PlanInput(customer, Every.MONTH, line, day=20, start_on=D(2026, 3, 21),
                                                   until=D(2026, 4, 1)), "cli")  # fmt: skip
        with pytest.raises(InvalidLine, match="quantity is zero"):
            recurring.add_plan(s, clock, PlanInput(customer, Every.MONTH, (parse_line("X;0;1;20"),)), "cli")
        with pytest.raises(InvoicingError, match="customer 999 not found"):
            recurring.add_plan(s, clock, PlanInput(999, Every.MONTH, line), "cli")
        plan = recurring.add_plan(s, clock, PlanInput(customer, Every.MONTH, line, day=31), "cli")
        assert (plan.next_run_on, plan.currency) == (D(2026, 3, 31), "EUR")


def test_admins_and_the_customers_manager_pause_and_resume_by_chat(db, clock, customer):
    plan_id = add(db, clock, customer)
    with db.transaction() as s, pytest.raises(NotAuthorised, match="Otto may not pause"):
        recurring.change_by_chat(s, clock, plan_id, OTHER_TG, active=False)
    with db.transaction() as s:
        assert recurring.change_by_chat(s, clock, plan_id, MANAGER_TG, active=False).plan.state is PlanState.PAUSED
        assert recurring.change_by_chat(s, clock, plan_id, ADMIN_TG, active=True).plan.state is PlanState.ACTIVE
        actors = s.execute(select(AuditEvent.actor).where(AuditEvent.action.like("plan.%"))).scalars()
        assert list(actors)[1:] == ["telegram:71 (Mia)", "telegram:73 (Ada)"]
