"""When recurring plans bill: periods, month ends, missed periods, ends by date and by count."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing import recurrence
from invoicing.approval_rules import Person
from invoicing.domain import Role
from invoicing.recurrence import Every, InvalidSchedule, Schedule

D = dt.date


def dates(s: Schedule, since: D | None = None, n: int = 5) -> list[D]:
    found = []
    for period in recurrence.periods(s, since):
        found.append(period.on)
        if len(found) == n:
            break
    return found


def test_monthly_on_the_31st_is_the_last_day_of_shorter_months_and_never_drifts():
    s = Schedule(Every.MONTH, D(2026, 1, 31), 31)
    assert dates(s, n=6) == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31),
                             D(2026, 6, 30)]  # fmt: skip
    leap = Schedule(Every.MONTH, D(2028, 1, 30), 30)
    assert dates(leap, n=3) == [D(2028, 1, 30), D(2028, 2, 29), D(2028, 3, 30)]


def test_the_first_period_is_the_first_matching_day_from_the_start():
    assert dates(Schedule(Every.MONTH, D(2026, 3, 20), 15), n=2) == [D(2026, 4, 15), D(2026, 5, 15)]
    assert dates(Schedule(Every.MONTH, D(2026, 2, 10), 31), n=2) == [D(2026, 2, 28), D(2026, 3, 31)]
    # 2026-03-04 is a Wednesday; Monday plans start on the 9th, Wednesday ones that day.
    assert dates(Schedule(Every.WEEK, D(2026, 3, 4), 1), n=3) == [D(2026, 3, 9), D(2026, 3, 16), D(2026, 3, 23)]
    assert dates(Schedule(Every.WEEK, D(2026, 3, 4), 3), n=1) == [D(2026, 3, 4)]


def test_quarterly_and_yearly_plans_step_three_and_twelve_months():
    assert dates(Schedule(Every.QUARTER, D(2026, 1, 31), 31), n=4) == [D(2026, 1, 31), D(2026, 4, 30), D(2026, 7, 31),
                                                                      D(2026, 10, 31)]  # fmt: skip
    assert dates(Schedule(Every.YEAR, D(2024, 2, 29), 29), n=5) == [D(2024, 2, 29), D(2025, 2, 28), D(2026, 2, 28),
                                                                   D(2027, 2, 28), D(2028, 2, 29)]  # fmt: skip


def test_every_period_missed_while_down_is_due_with_its_date_as_key():
    """GIVEN a monthly plan from 15 December whose service was down until 2 March WHEN asked what is
    due THEN December, January and February are, oldest first; March is not yet."""
    s = Schedule(Every.MONTH, D(2025, 12, 15), 15)
    due = recurrence.due(s, next_on=D(2025, 12, 15), issued=0, today=D(2026, 3, 2))
    assert [p.key for p in due] == ["2025-12-15", "2026-01-15", "2026-02-15"]
    assert recurrence.after(s, due[-1]) == D(2026, 3, 15)
    assert recurrence.due(s, next_on=D(2026, 3, 15), issued=3, today=D(2026, 3, 2)) == []
    assert [p.key for p in recurrence.due(s, next_on=D(2026, 3, 15), issued=3, today=D(2026, 3, 15))] == ["2026-03-15"]


def test_a_plan_ends_at_its_count_or_its_end_date():
    counted = Schedule(Every.WEEK, D(2026, 1, 5), 1, count=2)
    due = recurrence.due(counted, next_on=counted.start_on, issued=0, today=D(2026, 6, 1))
    assert [p.on for p in due] == [D(2026, 1, 5), D(2026, 1, 12)]
    assert recurrence.ended(counted, next_on=D(2026, 1, 19), issued=2)
    assert not recurrence.ended(counted, next_on=D(2026, 1, 19), issued=1)
    dated = Schedule(Every.MONTH, D(2026, 1, 1), 1, until=D(2026, 3, 1))
    assert dates(dated, n=10) == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert recurrence.ended(dated, next_on=D(2026, 4, 1), issued=3)


def test_resuming_skips_the_periods_missed_while_paused():
    """GIVEN a monthly plan on the 1st paused since February WHEN resumed on 10 April THEN February,
    March and April 1st are skipped and May 1st is next; resumed on a billing day, that day is next."""
    s = Schedule(Every.MONTH, D(2026, 1, 1), 1)
    skipped = recurrence.skipped(s, next_on=D(2026, 2, 1), today=D(2026, 4, 10))
    assert [p.on for p in skipped] == [D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]
    assert recurrence.resumed_on(s, next_on=D(2026, 2, 1), today=D(2026, 4, 10)) == D(2026, 5, 1)
    assert recurrence.resumed_on(s, next_on=D(2026, 2, 1), today=D(2026, 5, 1)) == D(2026, 5, 1)
    assert recurrence.resumed_on(s, next_on=D(2026, 6, 1), today=D(2026, 5, 1)) == D(2026, 6, 1)


@pytest.mark.parametrize(
    "every, day, words",
    [(Every.WEEK, 1, "every week on Monday"), (Every.MONTH, 31, "every month on day 31 (or the month's last day)"),
     (Every.QUARTER, 5, "every quarter on day 5"), (Every.YEAR, 15, "every year on 15 March")],
)  # fmt: skip
def test_a_schedule_in_words(every, day, words):
    assert recurrence.describe(Schedule(every, D(2026, 3, 1), day)) == words


def test_impossible_schedules_are_refused_clearly():
    with pytest.raises(InvalidSchedule, match="weekday"):
        Schedule(Every.WEEK, D(2026, 1, 1), 8)
    with pytest.raises(InvalidSchedule, match="day of the month"):
        Schedule(Every.MONTH, D(2026, 1, 1), 32)
    with pytest.raises(InvalidSchedule, match="at least one invoice"):
        Schedule(Every.MONTH, D(2026, 1, 1), 1, count=0)
    with pytest.raises(InvalidSchedule, match="before the start"):
        Schedule(Every.MONTH, D(2026, 1, 1), 1, until=D(2025, 12, 31))


def test_admins_and_the_customers_manager_may_pause_a_plan():
    assert recurrence.may_change(Person(1, Role.ADMIN, None), manager_id=2)
    assert recurrence.may_change(Person(2, Role.MANAGER, 20), manager_id=2)
    assert not recurrence.may_change(Person(3, Role.MANAGER, 30), manager_id=2)
    assert not recurrence.may_change(Person(3, Role.MANAGER, 30), manager_id=None)


# --- properties ---------------------------------------------------------------------------------


@st.composite
def schedules(draw: st.DrawFn, bounded: bool = False) -> Schedule:
    every = draw(st.sampled_from(list(Every)))
    start = draw(st.dates(D(1990, 1, 1), D(2090, 12, 31)))
    day = draw(st.integers(1, 7 if every is Every.WEEK else 31))
    interval = draw(st.integers(1, 4))
    count = draw(st.none() | st.integers(1, 30)) if bounded else None
    until = draw(st.none() | st.dates(start, start + dt.timedelta(days=3000))) if bounded and count is None else None
    return Schedule(every, start, day, interval, until, count)


@given(schedules())
def test_periods_keep_their_day_and_step_and_none_is_skipped_or_repeated(s):
    found = dates(s, n=40)
    assert found[0] >= s.start_on
    assert len(set(found)) == len(found) and found == sorted(found)
    for earlier, later in zip(found, found[1:], strict=False):
        if s.every is Every.WEEK:
            assert (later - earlier).days == 7 * s.interval
        else:
            months = (later.year - earlier.year) * 12 + later.month - earlier.month
            assert months == s.interval * s.every.months
    for on in found:
        if s.every is Every.WEEK:
            assert on.isoweekday() == s.day
        else:
            assert on.day == min(s.day, calendar.monthrange(on.year, on.month)[1])


@given(schedules())
def test_no_matching_day_between_the_start_and_the_first_period_is_left_out(s):
    first = dates(s, n=1)[0]
    day = s.start_on
    while day < first:
        if s.every is Every.WEEK:
            assert day.isoweekday() != s.day
        else:
            assert day.day != min(s.day, calendar.monthrange(day.year, day.month)[1])
        day += dt.timedelta(days=1)


@given(schedules(), st.dates(D(1990, 1, 1), D(2095, 12, 31)))
def test_the_period_found_from_a_day_is_the_first_on_or_after_it(s, day):
    index = recurrence.index_from(s, day)
    assert recurrence.period_on(s, index) >= day
    assert index == 0 or recurrence.period_on(s, index - 1) < day


@given(schedules(bounded=True), st.lists(st.integers(0, 400), min_size=1, max_size=12))
def test_ticks_at_any_times_issue_every_period_once_up_to_the_count_and_end_date(s, gaps):
    """GIVEN ticks at random intervals (the service down for up to 400 days between two) WHEN each
    issues what is due and moves the plan on THEN the periods issued are exactly the plan's periods
    up to the last tick, each once, no more than its count, none after its end date."""
    next_on, issued, today = recurrence.period_on(s, 0), [], s.start_on
    for gap in gaps:
        today += dt.timedelta(days=gap)
        due = recurrence.due(s, next_on=next_on, issued=len(issued), today=today)
        issued += [p.on for p in due]
        if due:
            next_on = recurrence.after(s, due[-1])
    expected = [p.on for p in itertools.takewhile(lambda p: p.on <= today, recurrence.periods(s))][: s.count]
    assert issued == expected
    assert s.count is None or len(issued) <= s.count
    assert s.until is None or all(on <= s.until for on in issued)
    if s.count is not None and len(issued) == s.count:
        assert recurrence.ended(s, next_on=next_on, issued=len(issued))
