"""Reminders go out by schedule: one level per day at most, never twice, never downwards, none for paid invoices."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.dunning import (
    DEFAULT_SCHEDULE,
    DunningLevel,
    DunningSchedule,
    DunningState,
    InvalidSchedule,
    final_notice_tomorrow,
    level_to_send,
)

DUE = dt.date(2026, 3, 31)


def day(offset: int) -> dt.date:
    return DUE + dt.timedelta(days=offset)


def state(sent: set[int] = frozenset(), **changes: object) -> DunningState:  # type: ignore[assignment]
    return DunningState(**{"due_date": DUE, "sent": frozenset(sent), "open": True, **changes})  # type: ignore[arg-type]


def test_default_schedule_numbers_the_heads_up_below_zero_and_the_reminders_from_one():
    """GIVEN the default schedule THEN the heads-up is level -1, the reminders 1..3, and only the last is final."""
    assert [(lv.number, lv.days, lv.template, lv.fee, lv.task, lv.final) for lv in DEFAULT_SCHEDULE.levels] == [
        (-1, -3, "heads_up", False, False, False),
        (1, 7, "reminder_1", False, False, False),
        (2, 14, "reminder_2", True, False, False),
        (3, 30, "final_notice", False, True, True),
    ]
    assert DunningSchedule.parse(DEFAULT_SCHEDULE.to_text()) == DEFAULT_SCHEDULE


def test_the_same_schedule_reads_from_toml_tables_in_any_order():
    """GIVEN the levels as TOML tables, out of order WHEN read THEN they are the compact schedule's levels."""
    tables = [
        {"days": 30, "template": "final_notice", "task": True, "final": True},
        {"days": -3, "template": "heads_up"},
        {"days": 14, "template": "reminder_2", "fee": True},
        {"days": 7, "template": "reminder_1"},
    ]
    assert DunningSchedule.from_config(tables) == DEFAULT_SCHEDULE


def test_several_heads_ups_count_down_to_minus_one():
    schedule = DunningSchedule.parse("-7:early,0:due_today,-2:soon,5:late")
    assert [(lv.number, lv.template) for lv in schedule.levels] == [
        (-3, "early"), (-2, "soon"), (-1, "due_today"), (1, "late"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no levels"),
        ("7 reminder", "write DAYS:TEMPLATE"),
        ("seven:reminder", "'seven' is not a whole number"),
        ("7:reminder+fees", "unknown option 'fees'"),
        ("7:reminder+fee+fee", "written twice"),
        ("7:Reminder One", "lower-case letters"),
        ("7:a,7:b", "two levels on day 7"),
        ("-3:heads_up+fee", "can charge no fee"),
        ("30:final+final,45:after", "must be the last one"),
        ("7:a+final,30:b+final", "more than one final"),
        ("400:far", "more than 366 days"),
    ],
)
def test_a_bad_compact_schedule_says_what_is_wrong(text: str, message: str):
    with pytest.raises(InvalidSchedule, match=message):
        DunningSchedule.parse(text)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"days": "7", "template": "a"}, "days must be a whole number"),
        ({"days": True, "template": "a"}, "days must be a whole number"),
        ({"days": 7}, "needs a template"),
        ({"days": 7, "template": "a", "fee": "yes"}, "fee must be true or false"),
        ({"days": 7, "template": "a", "cost": 5}, "unknown key 'cost'"),
    ],
)
def test_a_bad_toml_level_names_its_position(table: dict[str, object], message: str):
    with pytest.raises(InvalidSchedule, match=message) as raised:
        DunningSchedule.from_config([{"days": 1, "template": "ok"}, table])
    assert raised.value.position == 2


def test_each_level_is_sent_on_its_day():
    """GIVEN an open invoice ticked daily WHEN each level's day comes THEN exactly that level is due, once."""
    sent: set[int] = set()
    log = []
    for offset in range(-10, 60):
        level = level_to_send(DEFAULT_SCHEDULE, state(sent), day(offset))
        if level is not None:
            sent.add(level.number)
            log.append((offset, level.template))
    assert log == [(-3, "heads_up"), (7, "reminder_1"), (14, "reminder_2"), (30, "final_notice")]


def test_a_level_missed_while_down_is_sent_late_once():
    """GIVEN the service was down on day 7 WHEN it ticks on day 9 THEN reminder 1 goes out then, and not again."""
    assert level_to_send(DEFAULT_SCHEDULE, state({-1}), day(9)).number == 1
    assert level_to_send(DEFAULT_SCHEDULE, state({-1, 1}), day(10)) is None


def test_of_several_missed_levels_only_the_highest_is_sent_and_the_lower_count_as_done():
    """GIVEN nothing sent and the service down until day 20 THEN reminder 2 (with its fee) goes out, and
    reminder 1 never does after it."""
    level = level_to_send(DEFAULT_SCHEDULE, state(), day(20))
    assert (level.number, level.fee) == (2, True)
    assert all(level_to_send(DEFAULT_SCHEDULE, state({2}), day(d)) is None for d in range(20, 30))


def test_a_missed_heads_up_is_not_sent_once_the_invoice_is_late():
    """GIVEN the heads-up was missed WHEN the service ticks on day 2 (late, before reminder 1) THEN nothing
    goes out: "due in 3 days" would be wrong now."""
    assert level_to_send(DEFAULT_SCHEDULE, state(), day(-1)).template == "heads_up"
    assert level_to_send(DEFAULT_SCHEDULE, state(), day(0)).template == "heads_up"
    assert level_to_send(DEFAULT_SCHEDULE, state(), day(2)) is None


def test_nothing_is_sent_for_a_paid_invoice_a_paused_contact_or_while_held():
    assert level_to_send(DEFAULT_SCHEDULE, state(open=False), day(14)) is None
    assert level_to_send(DEFAULT_SCHEDULE, state(paused=True), day(14)) is None
    assert level_to_send(DEFAULT_SCHEDULE, state(held_until=day(20)), day(19)) is None
    assert level_to_send(DEFAULT_SCHEDULE, state(held_until=day(20)), day(20)).number == 2


def test_the_manager_is_told_the_day_before_the_final_notice():
    """GIVEN reminders 1 and 2 sent WHEN it is day 29 THEN the final notice is announced for tomorrow;
    on day 30 (it goes out) and on day 28 nothing is announced."""
    sent = {-1, 1, 2}
    assert final_notice_tomorrow(DEFAULT_SCHEDULE, state(sent), day(29)).template == "final_notice"
    assert final_notice_tomorrow(DEFAULT_SCHEDULE, state(sent), day(28)) is None
    assert final_notice_tomorrow(DEFAULT_SCHEDULE, state(sent), day(30)) is None
    assert final_notice_tomorrow(DEFAULT_SCHEDULE, state(sent, open=False), day(29)) is None
    assert final_notice_tomorrow(DEFAULT_SCHEDULE, state(sent | {3}), day(29)) is None


def test_the_final_notice_announcement_follows_a_hold():
    """GIVEN the invoice is held until day 40 WHEN it is day 39 THEN the final notice is announced for day 40."""
    held = state({-1, 1, 2}, held_until=day(40))
    assert final_notice_tomorrow(DEFAULT_SCHEDULE, held, day(29)) is None
    assert final_notice_tomorrow(DEFAULT_SCHEDULE, held, day(39)).number == 3


def test_no_announcement_without_a_final_level():
    schedule = DunningSchedule.parse("7:reminder_1,14:reminder_2")
    assert final_notice_tomorrow(schedule, state(), day(13)) is None


# --- properties over any schedule and any ticking ------------------------------------------------


@st.composite
def schedules(draw: st.DrawFn) -> DunningSchedule:
    days = draw(st.lists(st.integers(-20, 90), min_size=1, max_size=6, unique=True))
    days.sort()
    levels = [
        DunningLevel(0, d, f"level_{i}", fee=d > 0 and draw(st.booleans()), task=draw(st.booleans()))
        for i, d in enumerate(days)
    ]
    if levels[-1].days > 0 and draw(st.booleans()):
        last = levels[-1]
        levels[-1] = DunningLevel(0, last.days, last.template, fee=last.fee, task=last.task, final=True)
    return DunningSchedule.of(levels)


@given(
    schedule=schedules(),
    gaps=st.lists(st.integers(1, 25), min_size=1, max_size=40),
    start=st.integers(-30, 10),
    paid_after=st.none() | st.integers(0, 40),
)
def test_any_ticking_sends_each_level_at_most_once_upwards_and_catches_up(
    schedule: DunningSchedule, gaps: list[int], start: int, paid_after: int | None
):
    """GIVEN any schedule and ticks on increasing days with gaps (the service down in between) THEN each level
    is sent at most once, on or after its day (a heads-up only until the due date), in increasing order; after
    each tick the highest level whose day has passed is sent or overtaken; nothing after payment."""
    sent: list[int] = []
    today = day(start)
    for tick, gap in enumerate(gaps):
        today += dt.timedelta(days=gap)
        is_open = paid_after is None or tick < paid_after
        level = level_to_send(schedule, state(set(sent), open=is_open), today)
        if level is not None:
            assert is_open
            assert level.due_on(DUE) <= today
            assert not level.before_due or today <= DUE
            assert not sent or level.number > sent[-1]
            sent.append(level.number)
        reached = [lv for lv in schedule.levels if lv.due_on(DUE) <= today]
        if is_open and reached and (not reached[-1].before_due or today <= DUE):
            assert sent and sent[-1] >= reached[-1].number
    assert len(sent) == len(set(sent))


@given(schedule=schedules(), offset=st.integers(-40, 120), sent=st.frozensets(st.integers(-6, 6)))
def test_the_announcement_comes_exactly_one_day_before_the_final_notice_is_sent(
    schedule: DunningSchedule, offset: int, sent: frozenset[int]
):
    """GIVEN any state WHEN the final notice is announced on a day THEN it is what goes out the next day."""
    announced = final_notice_tomorrow(schedule, state(sent), day(offset))
    if announced is not None:
        assert announced.final
        assert level_to_send(schedule, state(sent), day(offset + 1)) == announced
        assert level_to_send(schedule, state(sent), day(offset)) != announced
