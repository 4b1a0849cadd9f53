"""The reminder (dunning) schedule of outgoing invoices, and which reminder to send today. Pure.

A schedule is a list of levels, each a number of days relative to the due date (negative:
before it), the name of the template to send and three options: `fee` (the reminder charges
the invoice's late fee), `task` (it opens a "call the customer" task for the manager) and
`final` (it is the final notice; the manager is told the day before). Written compactly as

    -3:heads_up,7:reminder_1,14:reminder_2+fee,30:final_notice+task+final

or as a TOML array of tables (`[[dunning.levels]] days = 14, template = "reminder_2", fee = true`).

Levels are numbered by position, as the `reminders` table keeps them: the levels on or before
the due date -n..-1 (earliest first), the levels after it 1..m, so a higher number is always a
later level. Changing a schedule renumbers the levels after the change for invoices in flight:
append levels rather than insert them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace

from invoicing.errors import InvoicingError

#: Furthest a level may lie from the due date, either way.
MAX_DAYS = 366
_TEMPLATE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_FLAGS = ("fee", "task", "final")
_CONFIG_KEYS = frozenset({"days", "template", *_FLAGS})


class InvalidSchedule(InvoicingError):
    """A dunning schedule that cannot be used; `position` is the 1-based level it concerns (0: all)."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"dunning level {position}: {reason}" if position else f"dunning schedule: {reason}")
        self.position = position
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DunningLevel:
    #: -n..-1 for levels on or before the due date, 1..m after it (see the module docstring).
    number: int
    #: Days after the due date on which the level is due; negative before it.
    days: int
    #: Name of the message template (lower-case letters, digits, underscores).
    template: str
    #: The reminder charges the invoice's late fee.
    fee: bool = False
    #: The reminder opens a "call the customer" task for the customer's manager.
    task: bool = False
    #: The final notice: nothing follows it, and the manager is told the day before.
    final: bool = False

    @property
    def before_due(self) -> bool:
        """Return whether this is a heads-up on or before the due date (not a reminder of a late payment)."""
        return self.days <= 0

    def due_on(self, due_date: dt.date) -> dt.date:
        """Return the day this level is due for an invoice due on `due_date`."""
        return due_date + dt.timedelta(days=self.days)

    def to_text(self) -> str:
        flags = "".join(f"+{flag}" for flag in _FLAGS if getattr(self, flag))
        return f"{self.days}:{self.template}{flags}"


@dataclass(frozen=True, slots=True)
class DunningSchedule:
    """Levels in order of days; build it with `parse`, `from_config` or `of` (they check it)."""

    levels: tuple[DunningLevel, ...]

    @classmethod
    def of(cls, levels: Iterable[DunningLevel]) -> DunningSchedule:
        """Return the schedule of `levels` (in any order, numbers ignored), numbered and checked."""
        ordered = sorted(levels, key=lambda level: level.days)
        _check(ordered)
        before = sum(1 for level in ordered if level.before_due)
        numbered = [
            replace(level, number=i - before if i < before else i - before + 1) for i, level in enumerate(ordered)
        ]
        return cls(tuple(numbered))

    @classmethod
    def parse(cls, text: str) -> DunningSchedule:
        """Return the schedule written as "-3:heads_up,7:reminder_1,14:reminder_2+fee,30:final_notice+task+final"."""
        items = [item.strip() for item in text.split(",")]
        if not any(items):
            raise InvalidSchedule(0, "no levels; write them as DAYS:TEMPLATE[+fee][+task][+final], comma-separated")
        return cls.of(_parse_level(item, position) for position, item in enumerate(items, start=1))

    @classmethod
    def from_config(cls, items: Sequence[Mapping[str, object]]) -> DunningSchedule:
        """Return the schedule of TOML tables: `{days = 14, template = "reminder_2", fee = true}` each."""
        if not items:
            raise InvalidSchedule(0, "no levels")
        return cls.of(_config_level(item, position) for position, item in enumerate(items, start=1))

    def to_text(self) -> str:
        return ",".join(level.to_text() for level in self.levels)

    def level(self, number: int) -> DunningLevel:
        """Return the level numbered `number`; KeyError when there is none."""
        for level in self.levels:
            if level.number == number:
                return level
        raise KeyError(number)

    @property
    def final(self) -> DunningLevel | None:
        return next((level for level in self.levels if level.final), None)


def _parse_level(item: str, position: int) -> DunningLevel:
    days_text, colon, rest = item.partition(":")
    name, *flags = [part.strip() for part in rest.split("+")]
    if not colon:
        raise InvalidSchedule(position, f"{item!r}: write DAYS:TEMPLATE[+fee][+task][+final], e.g. 14:reminder_2+fee")
    try:
        days = int(days_text.strip())
    except ValueError:
        raise InvalidSchedule(position, f"{item!r}: {days_text.strip()!r} is not a whole number of days") from None
    unknown = [flag for flag in flags if flag not in _FLAGS]
    if unknown:
        raise InvalidSchedule(position, f"{item!r}: unknown option {unknown[0]!r} (options: fee, task, final)")
    if len(set(flags)) != len(flags):
        raise InvalidSchedule(position, f"{item!r}: an option is written twice")
    return _level(position, days, name, fee="fee" in flags, task="task" in flags, final="final" in flags)


def _config_level(item: Mapping[str, object], position: int) -> DunningLevel:
    unknown = sorted(set(item) - _CONFIG_KEYS)
    if unknown:
        raise InvalidSchedule(position, f"unknown key {unknown[0]!r} (keys: days, template, fee, task, final)")
    days, name = item.get("days"), item.get("template")
    if not isinstance(days, int) or isinstance(days, bool):
        raise InvalidSchedule(position, f"days must be a whole number, not {days!r}")
    if not isinstance(name, str):
        raise InvalidSchedule(position, "needs a template name")
    flags = {flag: item.get(flag, False) for flag in _FLAGS}
    for flag, value in flags.items():
        if not isinstance(value, bool):
            raise InvalidSchedule(position, f"{flag} must be true or false, not {value!r}")
    return _level(position, days, name, **flags)  # type: ignore[arg-type]


def _level(position: int, days: int, template: str, *, fee: bool, task: bool, final: bool) -> DunningLevel:
    if not -MAX_DAYS <= days <= MAX_DAYS:
        raise InvalidSchedule(position, f"{days} days is more than {MAX_DAYS} days from the due date")
    if not _TEMPLATE.fullmatch(template):
        raise InvalidSchedule(position, f"template {template!r}: lower-case letters, digits and _ (at most 40)")
    if days <= 0 and (fee or final):
        raise InvalidSchedule(position, "a level on or before the due date can charge no fee and is no final notice")
    return DunningLevel(0, days, template, fee=fee, task=task, final=final)


def _check(ordered: Sequence[DunningLevel]) -> None:
    if not ordered:
        raise InvalidSchedule(0, "no levels")
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier.days == later.days:
            raise InvalidSchedule(0, f"two levels on day {later.days} ({earlier.template}, {later.template})")
    finals = [level for level in ordered if level.final]
    if len(finals) > 1:
        raise InvalidSchedule(0, "more than one final level")
    if finals and finals[0] is not ordered[-1]:
        raise InvalidSchedule(0, f"the final level ({finals[0].template}) must be the last one")


#: The default: a heads-up 3 days before the due date, reminders 7 and 14 days after it (the
#: second charging the late fee), and a final notice after 30 days with a task for the manager.
DEFAULT_SCHEDULE = DunningSchedule.parse("-3:heads_up,7:reminder_1,14:reminder_2+fee,30:final_notice+task+final")


# --- what to send today --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DunningState:
    """What the decision needs to know about one outgoing invoice."""

    due_date: dt.date
    #: Numbers of the levels already sent (or counted as done).
    sent: Set[int]
    #: Whether an amount is still due (amount due > 0).
    open: bool
    #: Reminders to this invoice's contact are paused.
    paused: bool = False
    #: Reminders for this invoice wait until this day (they resume on it).
    held_until: dt.date | None = None


def level_to_send(schedule: DunningSchedule, state: DunningState, today: dt.date) -> DunningLevel | None:
    """Return the one level to send today for an invoice, or None.

    The level is the highest one whose day has come and that is above every level already
    sent: a level missed while the service was down is still sent (once), and when several
    were missed only the highest is, the lower ones counting as done. A heads-up (a level on
    or before the due date) is sent only until the due date: once the invoice is late it
    would say the wrong thing. Nothing is sent for a paid invoice, a paused contact or while
    the invoice is held.
    """
    if not state.open or state.paused:
        return None
    if state.held_until is not None and today < state.held_until:
        return None
    done = max(state.sent, default=None)
    chosen = None
    for level in schedule.levels:
        if level.due_on(state.due_date) > today:
            break
        if done is None or level.number > done:
            chosen = level
    if chosen is not None and chosen.before_due and today > state.due_date:
        return None
    return chosen


def final_notice_tomorrow(schedule: DunningSchedule, state: DunningState, today: dt.date) -> DunningLevel | None:
    """Return the final level when it will be sent tomorrow and not today (tell the manager today), else None."""
    final = schedule.final
    if final is None:
        return None
    tomorrow = today + dt.timedelta(days=1)
    if level_to_send(schedule, state, tomorrow) != final or level_to_send(schedule, state, today) == final:
        return None
    return final
