"""When the daily digest is due, and how one digest is named. Pure: no database, no clock.

A person's digest goes out once per business-local day, at the configured hour or at the first
tick after it (a service that was down at 08:00 still sends it at 11:00). The day of the digest is
the business's date, so the idempotency key `digest:{user}:{day}` stays the same whichever
process, restart or `invoicebot tick` asks again that day.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DIGEST_KIND = "chat.digest"
#: What `digest_hour` may be written as to switch the digest off.
OFF_WORDS = frozenset({"", "off", "none", "no", "false"})


def due_day(now: dt.datetime, zone: ZoneInfo, hour: int | None) -> dt.date | None:
    """Return the business-local day whose digest is due at `now`, or None (too early, or off)."""
    if hour is None:
        return None
    local = now.astimezone(zone)
    return local.date() if local.hour >= hour else None


def digest_key(user_id: int, day: dt.date) -> str:
    """Return the outbox idempotency key of one person's digest of one day."""
    return f"{DIGEST_KIND}:{user_id}:{day.isoformat()}"


def parse_hour(value: object) -> int | None:
    """Return the digest hour 0-23 a setting gives, or None for off; raise ValueError otherwise."""
    if value is None or (isinstance(value, str) and value.strip().lower() in OFF_WORDS):
        return None
    if isinstance(value, bool):
        raise ValueError("the digest hour is a number 0-23, or off")
    try:
        hour = int(str(value).strip())
    except ValueError:
        raise ValueError(f"the digest hour is a number 0-23, or off, not {value!r}") from None
    if not 0 <= hour <= 23:
        raise ValueError(f"the digest hour is a number 0-23, or off, not {hour}")
    return hour
