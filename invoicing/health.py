"""What `invoicebot health` decides from what it found: pure rules, no I/O.

The probes (connecting to the database, writing into the data dir, running tesseract) live with
the service wiring; here each finding becomes a `Check` that says ok or why not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Check:
    """One thing the service needs, and whether it has it (`detail` says what was found)."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class HealthReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def reasons(self) -> list[str]:
        """Return one line per failed check."""
        return [f"{check.name}: {check.detail}" for check in self.checks if not check.ok]

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks]}


@dataclass(frozen=True, slots=True)
class WaitingJobs:
    """Jobs of one kind that were due before the cut-off and are still not done."""

    kind: str
    count: int
    #: When the longest-waiting of them fell due.
    oldest: dt.datetime


def schema_check(revision: str | None, head: str) -> Check:
    """Return whether the database's schema revision is the one this code needs."""
    if revision is None:
        return Check("database", False, "the database has no schema; run `invoicebot db upgrade`")
    if revision != head:
        return Check("database", False, f"schema at revision {revision}, this invoicebot needs {head}; "
                                        "run `invoicebot db upgrade`")  # fmt: skip
    return Check("database", True, f"answers, schema at revision {revision}")


def jobs_check(
    waiting: Sequence[WaitingJobs], now: dt.datetime, max_wait: dt.timedelta, performed: Collection[str] | None
) -> Check:
    """Return whether the job worker keeps up: no job it performs has been due longer than `max_wait`.

    `performed` lists the kinds this installation's workers run (None: all); jobs of other kinds
    (chat messages while the chat is off) wait by design and say nothing about the worker.
    """
    late = [w for w in waiting if (performed is None or w.kind in performed) and now - w.oldest > max_wait]
    if not late:
        return Check("jobs", True, f"no job due for more than {_minutes(max_wait)}")
    parts = [f"{w.count} {w.kind} (oldest due {_minutes(now - w.oldest)} ago)" for w in late]
    return Check("jobs", False, "the job worker is not keeping up: " + ", ".join(parts))


def languages_check(wanted: str, listed: str) -> Check:
    """Return whether `tesseract --list-langs` output `listed` has every language of `wanted`
    (tesseract's `-l` form, `eng+deu`)."""
    have = {line.strip() for line in listed.splitlines()[1:] if line.strip()}
    missing = [lang for lang in wanted.split("+") if lang and lang not in have]
    if missing:
        return Check("tesseract", False, f"language data missing for {', '.join(missing)} "
                                         f"(installed: {', '.join(sorted(have)) or 'none'})")  # fmt: skip
    return Check("tesseract", True, f"runs, reads {wanted}")


def _minutes(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
