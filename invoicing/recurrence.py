"""When a recurring plan bills: its periods, which of them are due, and who may change it. Pure.

A plan bills on a day of the week (weekly) or a day of the month (monthly, quarterly, yearly).
A day a month lacks (the 31st; the 29th or 30th in February) is that month's last day, and the
month after is back on the day itself: every period is counted from the first one, never from
the one before, so the dates never drift. Periods missed while the service was down are all due,
oldest first; each is known by its date (ISO), the key that stops a period being issued twice.
No database and no clock here: `today` is an argument.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from invoicing.approval_rules import Person
from invoicing.domain import Role
from invoicing.errors import InvoicingError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Every(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def months(self) -> int:
        """Return how many months one step is (0 for weeks)."""
        return {Every.WEEK: 0, Every.MONTH: 1, Every.QUARTER: 3, Every.YEAR: 12}[self]


class InvalidSchedule(InvoicingError):
    """A plan's schedule cannot be followed (a day out of range, an end before its first period...)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a plan bills: every `interval` weeks or months on `day`, from `start_on` to its end."""

    every: Every
    #: The first day the plan may bill; the first period is the first matching day from it on.
    start_on: dt.date
    #: ISO weekday (1 Monday .. 7 Sunday) for weekly plans, else day of the month (1-31).
    day: int
    interval: int = 1
    #: No period after this day.
    until: dt.date | None = None
    #: No more than this many invoices in all (periods skipped while paused do not count).
    count: int | None = None

    def __post_init__(self) -> None:
        highest = 7 if self.every is Every.WEEK else 31
        if not 1 <= self.day <= highest:
            what = "weekday (1 Monday .. 7 Sunday)" if self.every is Every.WEEK else "day of the month"
            raise InvalidSchedule(f"day {self.day}: a {what} is between 1 and {highest}")
        if self.interval < 1:
            raise InvalidSchedule(f"interval {self.interval}: at least 1")
        if self.count is not None and self.count < 1:
            raise InvalidSchedule(f"count {self.count}: at least one invoice")
        if self.until is not None and self.until < self.start_on:
            raise InvalidSchedule(f"the end {self.until} is before the start {self.start_on}")


def default_day(every: Every, start_on: dt.date) -> int:
    """Return the day a plan bills on when none is given: the start's weekday or day of the month."""
    return start_on.isoweekday() if every is Every.WEEK else start_on.day


@dataclass(frozen=True, slots=True)
class Period:
    """One period of a plan: its position in the schedule (0 first) and the date it bills."""

    index: int
    on: dt.date

    @property
    def key(self) -> str:
        """Return the period's key, unique within its plan: its date, ISO."""
        return self.on.isoformat()


def _on_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _months_later(year: int, month: int, months: int) -> tuple[int, int]:
    total = year * 12 + month - 1 + months
    return total // 12, total % 12 + 1


def _first(s: Schedule) -> dt.date:
    if s.every is Every.WEEK:
        return s.start_on + dt.timedelta(days=(s.day - s.start_on.isoweekday()) % 7)
    on = _on_day(s.start_on.year, s.start_on.month, s.day)
    if on < s.start_on:
        on = _on_day(*_months_later(s.start_on.year, s.start_on.month, 1), s.day)
    return on


def period_on(s: Schedule, index: int) -> dt.date:
    """Return the date of the plan's period number `index` (0 is the first), end or no end."""
    first = _first(s)
    if s.every is Every.WEEK:
        return first + dt.timedelta(weeks=index * s.interval)
    return _on_day(*_months_later(first.year, first.month, index * s.interval * s.every.months), s.day)


def index_from(s: Schedule, day: dt.date) -> int:
    """Return the number of the plan's first period on or after `day`."""
    first = _first(s)
    if day <= first:
        return 0
    if s.every is Every.WEEK:
        return -(-(day - first).days // (7 * s.interval))
    step = s.interval * s.every.months
    index = ((day.year - first.year) * 12 + day.month - first.month) // step
    # That period is in `day`'s month or before it; the one after is in a later month.
    return index if period_on(s, index) >= day else index + 1


def periods(s: Schedule, since: dt.date | None = None) -> Iterator[Period]:
    """Yield the plan's periods in order, from the first on or after `since`, up to its end date."""
    index = index_from(s, since) if since is not None else 0
    while True:
        on = period_on(s, index)
        if s.until is not None and on > s.until:
            return
        yield Period(index, on)
        index += 1


def due(s: Schedule, *, next_on: dt.date, issued: int, today: dt.date) -> list[Period]:
    """Return the periods to issue now, oldest first: every one from `next_on` to `today`
    (those missed while nothing ran included), none after the end date, and no more than
    the plan's count of invoices in all, given `issued` so far."""
    left = None if s.count is None else max(0, s.count - issued)
    found: list[Period] = []
    for period in periods(s, since=next_on):
        if period.on > today or (left is not None and len(found) >= left):
            break
        found.append(period)
    return found


def after(s: Schedule, period: Period) -> dt.date:
    """Return the date the period after `period` bills (what the plan's next date becomes)."""
    return period_on(s, period.index + 1)


def ended(s: Schedule, *, next_on: dt.date, issued: int) -> bool:
    """Return whether the plan has nothing left to issue: its count reached or no period left."""
    if s.count is not None and issued >= s.count:
        return True
    return next(periods(s, since=next_on), None) is None


def skipped(s: Schedule, *, next_on: dt.date, today: dt.date) -> list[Period]:
    """Return the periods a plan paused until `today` did not issue (resuming does not issue them)."""
    found: list[Period] = []
    for period in periods(s, since=next_on):
        if period.on >= today:
            break
        found.append(period)
    return found


def resumed_on(s: Schedule, *, next_on: dt.date, today: dt.date) -> dt.date:
    """Return the next date of a plan resumed `today`: its first period from today on."""
    return period_on(s, index_from(s, max(next_on, today)))


def describe(s: Schedule) -> str:
    """Return the schedule in words ("every month on day 31 (or the month's last day)")."""
    unit = s.every.value if s.interval == 1 else f"{s.interval} {s.every.value}s"
    if s.every is Every.WEEK:
        return f"every {unit} on {WEEKDAYS[s.day - 1]}"
    if s.every is Every.YEAR:
        month = calendar.month_name[_first(s).month]
        return f"every {unit} on {s.day} {month}" + (" (or the month's last day)" if s.day > 28 else "")
    return f"every {unit} on day {s.day}" + (" (or the month's last day)" if s.day > 28 else "")


def may_change(person: Person, manager_id: int | None) -> bool:
    """Return whether `person` may pause or resume a plan of a customer managed by `manager_id`."""
    return person.role is Role.ADMIN or person.id == manager_id
