"""Time as a port: services ask a `Clock`, so tests can stand still or jump 30 days ahead."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Return the current instant, timezone-aware UTC."""
        ...

    def today(self) -> dt.date:
        """Return today's date in the business time zone."""
        ...


class SystemClock:
    def __init__(self, zone: ZoneInfo | None = None) -> None:
        self.zone = zone or ZoneInfo("UTC")

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(self.zone).date()


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, at: dt.datetime, zone: ZoneInfo | None = None) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware instant")
        self.at = at
        self.zone = zone or ZoneInfo("UTC")

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.astimezone(self.zone).date()

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta
