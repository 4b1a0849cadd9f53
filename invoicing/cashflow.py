"""The cash flow projection: money expected in and out, week by week, per currency. Pure.

Money in is what customers owe (open receivables) and what the recurring plans will bill in the
window; money out is what we owe suppliers (approved payables). Each amount is placed on the day
it is expected: a payable on its due date; a receivable on its due date, or later when the
customer's average days to pay (issue to full payment) go beyond it. Nothing is expected before
today, so what is overdue lands in the first week. Weeks are ISO weeks (Monday to Sunday); the
running balance starts at the opening balance (zero unless given). Currencies are never added
together: every figure belongs to one currency.

No database and no clock here: `today` and every input are plain values (`invoicing.forecast`
reads them).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from invoicing import recurrence
from invoicing.money import quantize
from invoicing.recurrence import Schedule

ZERO = Decimal("0.00")
#: How many of a customer's most recent payments `DaysToPay.last` keeps.
LAST_PAYMENTS = 5
WEEK = dt.timedelta(days=7)


# --- days to pay ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DaysToPay:
    """How long a customer takes to pay: days from an invoice's issue to its full payment."""

    #: Over every paid invoice, to one decimal; None when none is paid yet.
    average: Decimal | None
    #: The most recently paid invoices' days, the newest first (at most `LAST_PAYMENTS`).
    last: tuple[int, ...]
    #: How many paid invoices the average is over.
    count: int

    def to_json(self) -> dict[str, object]:
        average = None if self.average is None else str(self.average)
        return {"average": average, "last": list(self.last), "count": self.count}


def days_to_pay_of(paid: Iterable[tuple[dt.date, dt.date]]) -> DaysToPay:
    """Return the days to pay of (issue date, paid in full on) pairs; paid before issue counts as 0."""
    ordered = sorted(paid, key=lambda pair: pair[1], reverse=True)
    days = [max((paid_on - issued).days, 0) for issued, paid_on in ordered]
    if not days:
        return DaysToPay(None, (), 0)
    return DaysToPay(quantize(Decimal(sum(days)) / len(days), 1), tuple(days[:LAST_PAYMENTS]), len(days))


def expected_on(today: dt.date, *, issue: dt.date | None, due: dt.date | None, average: Decimal | None) -> dt.date:
    """Return the day a customer's payment is expected: the due date, or later when their average
    days to pay from `issue` go beyond it; today when that day is past."""
    day = due or issue or today
    if average is not None and issue is not None:
        day = max(day, issue + dt.timedelta(days=math.ceil(average)))
    return max(day, today)


# --- inputs --------------------------------------------------------------------------------------


class Kind(StrEnum):
    RECEIVABLE = "receivable"  # an issued invoice not paid in full
    RECURRING = "recurring"  # an invoice a recurring plan will issue
    PAYABLE = "payable"  # an approved supplier invoice not paid in full

    @property
    def incoming(self) -> bool:
        """Return whether this kind brings money in."""
        return self is not Kind.PAYABLE


@dataclass(frozen=True, slots=True)
class Receivable:
    invoice_id: int
    customer_id: int | None
    currency: str
    #: What is still open (total less payments and credit notes).
    amount: Decimal
    issue_date: dt.date | None
    due_date: dt.date | None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Payable:
    invoice_id: int
    currency: str
    amount: Decimal
    due_date: dt.date | None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """An active recurring plan: what each invoice comes to and when the next ones are issued."""

    plan_id: int
    customer_id: int
    currency: str
    amount: Decimal
    schedule: Schedule
    #: The next period still to issue (`RecurringPlan.next_run_on`) and how many were issued.
    next_on: dt.date
    issued: int
    #: Days from issue to due date (the customer's terms, else the business's).
    terms_days: int
    label: str = ""


@dataclass(frozen=True, slots=True)
class Flow:
    """One amount expected to move on one day."""

    on: dt.date
    kind: Kind
    currency: str
    amount: Decimal
    #: The invoice (receivables, payables) or plan (recurring) it comes from.
    ref: int
    label: str
    #: Its due date lies before today (it is placed on today).
    overdue: bool = False


def receivable_flows(today: dt.date, receivables: Iterable[Receivable], averages: Mapping[int, Decimal]) -> list[Flow]:
    """Return when each open receivable is expected to be paid."""
    flows = []
    for r in receivables:
        average = averages.get(r.customer_id) if r.customer_id is not None else None
        on = expected_on(today, issue=r.issue_date, due=r.due_date, average=average)
        overdue = r.due_date is not None and r.due_date < today
        flows.append(Flow(on, Kind.RECEIVABLE, r.currency, r.amount, r.invoice_id, r.label, overdue))
    return flows


def payable_flows(today: dt.date, payables: Iterable[Payable]) -> list[Flow]:
    """Return when each payable goes out: on its due date (today when that is past or unknown)."""
    return [
        Flow(max(p.due_date or today, today), Kind.PAYABLE, p.currency, p.amount, p.invoice_id, p.label,
             p.due_date is not None and p.due_date < today)  # fmt: skip
        for p in payables
    ]


def plan_flows(today: dt.date, until: dt.date, plans: Iterable[Plan], averages: Mapping[int, Decimal]) -> list[Flow]:
    """Return the payments of the invoices each plan will issue up to `until`.

    A period already due is issued at the next tick, so it counts as issued today; the invoice
    is due its terms later and paid as the customer's habits say (`expected_on`).
    """
    flows = []
    for plan in plans:
        left = None if plan.schedule.count is None else plan.schedule.count - plan.issued
        for number, period in enumerate(recurrence.periods(plan.schedule, since=plan.next_on)):
            if period.on > until or (left is not None and number >= left):
                break
            issue = max(period.on, today)
            due = issue + dt.timedelta(days=plan.terms_days)
            on = expected_on(today, issue=issue, due=due, average=averages.get(plan.customer_id))
            flows.append(Flow(on, Kind.RECURRING, plan.currency, plan.amount, plan.plan_id, plan.label))
    return flows


# --- the projection ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """One week's money of one currency, and the running balance at its end."""

    money_in: Decimal
    money_out: Decimal
    balance: Decimal

    @property
    def net(self) -> Decimal:
        return self.money_in - self.money_out

    def to_json(self) -> dict[str, str]:
        return {"in": str(self.money_in), "out": str(self.money_out), "net": str(self.net), "balance": str(self.balance)}


@dataclass(frozen=True, slots=True)
class Week:
    #: Its Monday.
    start: dt.date
    #: Currency -> figures, for every currency of the projection.
    figures: Mapping[str, Figures]

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        """Return the ISO week, as "2026-W10"."""
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class Totals:
    money_in: Decimal = ZERO
    money_out: Decimal = ZERO

    def to_json(self) -> dict[str, str]:
        return {"in": str(self.money_in), "out": str(self.money_out)}


@dataclass(frozen=True, slots=True)
class Projection:
    today: dt.date
    #: The last day of the window.
    until: dt.date
    #: The business currency (charted); it comes first in `currencies`.
    currency: str
    currencies: tuple[str, ...]
    weeks: tuple[Week, ...]
    #: What falls in the window, by day.
    flows: tuple[Flow, ...]
    #: Per currency: what was due before today (and is counted in the first week).
    overdue: Mapping[str, Totals]
    #: Per currency: what is expected after the window (not in the weeks).
    later: Mapping[str, Totals]

    def series(self, currency: str) -> tuple[Figures, ...]:
        """Return one currency's figures, week by week."""
        return tuple(week.figures[currency] for week in self.weeks)

    def to_json(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(), "until": self.until.isoformat(), "currency": self.currency,
            "currencies": list(self.currencies),
            "weeks": [{"week": w.label, "start": w.start.isoformat(), "end": w.end.isoformat(),
                       "figures": {c: f.to_json() for c, f in w.figures.items()}} for w in self.weeks],
            "overdue": {c: t.to_json() for c, t in self.overdue.items()},
            "later": {c: t.to_json() for c, t in self.later.items()},
        }  # fmt: skip


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def project(
    today: dt.date, *, days: int, currency: str, receivables: Sequence[Receivable] = (),
    payables: Sequence[Payable] = (), plans: Sequence[Plan] = (), averages: Mapping[int, Decimal] | None = None,
    opening: Mapping[str, Decimal] | None = None,
) -> Projection:  # fmt: skip
    """Return the weeks from today's to the one `days` days on, with money in, out and the running
    balance per currency; `averages` are the customers' average days to pay (by contact id)."""
    if days < 1:
        raise ValueError("a projection covers at least one day")
    until = today + dt.timedelta(days=days - 1)
    averages = averages or {}
    flows = receivable_flows(today, receivables, averages) + payable_flows(today, payables)
    flows += plan_flows(today, until, plans, averages)
    inside = sorted((f for f in flows if f.on <= until), key=lambda f: (f.on, f.kind, f.ref))
    currencies = (currency, *sorted({f.currency for f in flows} - {currency}))
    first = monday_of(today)
    count = (monday_of(until) - first).days // 7 + 1
    sums = {c: [[ZERO, ZERO] for _ in range(count)] for c in currencies}
    for flow in inside:
        sums[flow.currency][(flow.on - first).days // 7][0 if flow.kind.incoming else 1] += flow.amount
    balances = {c: (opening or {}).get(c, ZERO) for c in currencies}
    weeks = []
    for index in range(count):
        figures = {}
        for c in currencies:
            money_in, money_out = sums[c][index]
            balances[c] += money_in - money_out
            figures[c] = Figures(money_in, money_out, balances[c])
        weeks.append(Week(first + index * WEEK, figures))
    return Projection(today, until, currency, currencies, tuple(weeks), tuple(inside),
                      _totals(f for f in inside if f.overdue), _totals(f for f in flows if f.on > until))  # fmt: skip


def _totals(flows: Iterable[Flow]) -> dict[str, Totals]:
    found: dict[str, list[Decimal]] = {}
    for flow in flows:
        sums = found.setdefault(flow.currency, [ZERO, ZERO])
        sums[0 if flow.kind.incoming else 1] += flow.amount
    return {c: Totals(money_in, money_out) for c, (money_in, money_out) in sorted(found.items())}
