"""The cash flow projection: expected days, ISO weeks, currencies kept apart, running balances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.cashflow import (
    DaysToPay,
    Kind,
    Payable,
    Plan,
    Receivable,
    days_to_pay_of,
    expected_on,
    project,
)
from invoicing.recurrence import Every, Schedule

TODAY = dt.date(2026, 3, 4)  # a Wednesday in ISO week 10


def test_days_to_pay_average_over_all_and_the_last_five_newest_first():
    """GIVEN six paid invoices WHEN summarised THEN the average is over all six (one decimal) and
    the last five are the most recently paid, newest first; one paid before issue counts 0."""
    paid = [(dt.date(2026, 1, 1), dt.date(2026, 1, 11)), (dt.date(2026, 1, 5), dt.date(2026, 2, 4)),
            (dt.date(2026, 2, 1), dt.date(2026, 2, 15)), (dt.date(2026, 2, 10), dt.date(2026, 2, 9)),
            (dt.date(2025, 12, 1), dt.date(2025, 12, 21)), (dt.date(2026, 2, 20), dt.date(2026, 3, 1))]  # fmt: skip
    summary = days_to_pay_of(paid)
    assert summary == DaysToPay(D("13.8"), (9, 14, 0, 30, 10), 6)
    assert summary.to_json() == {"average": "13.8", "last": [9, 14, 0, 30, 10], "count": 6}
    assert days_to_pay_of([]) == DaysToPay(None, (), 0)


def test_expected_day_is_the_due_date_or_later_when_the_customer_pays_later_never_in_the_past():
    issue, due = dt.date(2026, 3, 1), dt.date(2026, 3, 15)
    assert expected_on(TODAY, issue=issue, due=due, average=None) == due
    assert expected_on(TODAY, issue=issue, due=due, average=D("10")) == due  # pays within terms
    assert expected_on(TODAY, issue=issue, due=due, average=D("20.2")) == dt.date(2026, 3, 22)  # whole days, up
    assert expected_on(TODAY, issue=dt.date(2026, 1, 1), due=dt.date(2026, 1, 31), average=None) == TODAY
    assert expected_on(TODAY, issue=None, due=None, average=D("5")) == TODAY


def test_weeks_run_monday_to_sunday_with_in_out_and_a_running_balance_per_currency():
    """GIVEN receivables and payables in EUR and one receivable in USD WHEN projected over 14 days
    from a Wednesday THEN there are three ISO weeks (W10..W12), EUR and USD are never added, the
    balance runs on, and the overdue payable is paid in the first week."""
    receivables = [
        Receivable(1, 10, "EUR", D("1000.00"), dt.date(2026, 2, 20), dt.date(2026, 3, 6)),
        Receivable(2, 11, "USD", D("500.00"), dt.date(2026, 3, 1), dt.date(2026, 3, 10)),
        Receivable(3, 10, "EUR", D("99.00"), dt.date(2026, 3, 1), dt.date(2026, 4, 30)),  # after the window
    ]
    payables = [Payable(4, "EUR", D("300.00"), dt.date(2026, 3, 1)), Payable(5, "EUR", D("50.00"), dt.date(2026, 3, 16))]
    p = project(TODAY, days=14, currency="EUR", receivables=receivables, payables=payables)

    assert [w.label for w in p.weeks] == ["2026-W10", "2026-W11", "2026-W12"]
    assert [w.start for w in p.weeks] == [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16)]
    assert p.until == dt.date(2026, 3, 17) and p.currencies == ("EUR", "USD")
    eur = p.series("EUR")
    assert [(f.money_in, f.money_out, f.balance) for f in eur] == [
        (D("1000.00"), D("300.00"), D("700.00")), (D("0.00"), D("0.00"), D("700.00")),
        (D("0.00"), D("50.00"), D("650.00"))]  # fmt: skip
    assert [f.money_in for f in p.series("USD")] == [D("0.00"), D("500.00"), D("0.00")]
    assert p.overdue["EUR"].money_out == D("300.00") and "USD" not in p.overdue
    assert p.later["EUR"].money_in == D("99.00")
    assert p.to_json()["weeks"][0]["figures"]["EUR"] == {"in": "1000.00", "out": "300.00", "net": "700.00",
                                                          "balance": "700.00"}  # fmt: skip


def test_a_late_payer_moves_its_money_to_a_later_week():
    """GIVEN a customer who takes 30 days on average and an invoice due in 14 WHEN projected THEN
    the money is expected 30 days after issue, two weeks later than its due date."""
    receivable = Receivable(1, 10, "EUR", D("100.00"), TODAY, TODAY + dt.timedelta(days=14))
    p = project(TODAY, days=60, currency="EUR", receivables=[receivable], averages={10: D("30")})
    [flow] = p.flows
    assert flow.on == dt.date(2026, 4, 3) and flow.kind is Kind.RECEIVABLE
    assert p.weeks[4].figures["EUR"].money_in == D("100.00")  # 30 Mar - 5 Apr


def test_recurring_plans_bill_their_periods_in_the_window_and_are_paid_after_terms():
    """GIVEN a monthly plan of 120 EUR whose March period is due but not issued yet, terms of 14
    days and a customer who pays in 20 WHEN projected for 70 days THEN the March invoice counts as
    issued today, April's on 2 April; each is expected 20 days after issue; May's falls outside."""
    schedule = Schedule(Every.MONTH, dt.date(2026, 1, 2), 2)
    plan = Plan(7, 10, "EUR", D("120.00"), schedule, next_on=dt.date(2026, 3, 2), issued=2, terms_days=14)
    p = project(TODAY, days=70, currency="EUR", plans=[plan], averages={10: D("20")})
    assert [(f.on, f.kind, f.ref) for f in p.flows] == [
        (dt.date(2026, 3, 24), Kind.RECURRING, 7), (dt.date(2026, 4, 22), Kind.RECURRING, 7)]  # fmt: skip
    assert p.later["EUR"].money_in == D("120.00")  # May's invoice, paid after the window


def test_a_plan_with_a_count_stops_after_its_last_invoice():
    schedule = Schedule(Every.WEEK, dt.date(2026, 2, 2), 1, count=5)
    plan = Plan(8, 10, "EUR", D("10.00"), schedule, next_on=dt.date(2026, 3, 2), issued=4, terms_days=0)
    p = project(TODAY, days=60, currency="EUR", plans=[plan])
    assert [f.on for f in p.flows] == [TODAY]


def test_the_business_currency_is_charted_even_without_money_and_an_opening_balance_carries():
    p = project(TODAY, days=7, currency="DKK", payables=[Payable(1, "EUR", D("10.00"), TODAY)],
                opening={"DKK": D("5000.00")})  # fmt: skip
    assert p.currencies == ("DKK", "EUR")
    assert [f.balance for f in p.series("DKK")] == [D("5000.00"), D("5000.00")]
    assert p.series("EUR")[0].money_out == D("10.00")
    with pytest.raises(ValueError):
        project(TODAY, days=0, currency="EUR")


amounts = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
days_off = st.integers(min_value=-60, max_value=200)


@given(st.lists(st.tuples(amounts, days_off, st.booleans()), max_size=40), st.integers(min_value=1, max_value=120))
def test_every_amount_lands_in_exactly_one_week_or_after_the_window(items, days):
    """Property: money in and out over the weeks plus what comes later is all the money given, and
    the last week's balance is the net of the window."""
    receivables, payables = [], []
    for index, (amount, offset, incoming) in enumerate(items):
        due = TODAY + dt.timedelta(days=offset)
        if incoming:
            receivables.append(Receivable(index, None, "EUR", amount, None, due))
        else:
            payables.append(Payable(index, "EUR", amount, due))
    p = project(TODAY, days=days, currency="EUR", receivables=receivables, payables=payables)
    series = p.series("EUR")
    later = p.later.get("EUR")
    money_in = sum((f.money_in for f in series), D(0)) + (later.money_in if later else 0)
    money_out = sum((f.money_out for f in series), D(0)) + (later.money_out if later else 0)
    assert money_in == sum((r.amount for r in receivables), D(0))
    assert money_out == sum((q.amount for q in payables), D(0))
    assert series[-1].balance == sum((f.net for f in series), D(0))
    assert all(w.start.weekday() == 0 for w in p.weeks) and p.weeks[0].start <= TODAY <= p.weeks[0].end
