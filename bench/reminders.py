"""Getting paid, measured: the reminder tick over a large book, and reminders under SIGKILL.

    python -m bench.reminders tick [--invoices 100000] [--days 3] [--idle 5] [--database URL]
    python -m bench.reminders crash [--invoices 500] [--days 60] [--kills 50] [--every 1] [--database URL]

`tick` writes a book of open invoices with Core bulk inserts (see `bench.reminders_book` for
its shape and how many fall due on a day), shows the query plan of the tick's selection, and
times the reminders part of the tick on consecutive days: the first tick of the day, which
decides and queues that day's reminders, and the idle ticks after it (what the service runs
every minute for the rest of the day). `crash` is `bench.reminders_crash`. Without
`--database`, both run on a scratch SQLite file and a scratch database on the local
PostgreSQL; with it, on that server only (a scratch database is made there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from sqlalchemy import text

from bench.numbering import database
from bench.reminders_book import TODAY, fill, selection_plan
from invoicing.clock import FixedClock
from invoicing.db.engine import Database
from invoicing.dunning import DEFAULT_SCHEDULE
from invoicing.reminders import DunningPolicy, due_invoice_ids, send_due_reminders

LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def timed_tick(db: Database, policy: DunningPolicy, at: dt.datetime) -> tuple[float, int]:
    """Run the reminders part of the tick at `at`; return (seconds, reminders decided)."""
    started = time.perf_counter()
    run = send_due_reminders(db, FixedClock(at), policy)
    seconds = time.perf_counter() - started
    if run.problems:
        raise SystemExit(f"the tick reported problems: {run.problems[:3]}")
    return seconds, len(run.sent)


def tick_bench(db: Database, invoices: int, days: int, idle: int) -> None:
    started = time.perf_counter()
    fill(db, invoices)
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # what autovacuum does after a load this size
    print(f"  {invoices:,} open invoices written in {time.perf_counter() - started:.1f} s")
    for line in selection_plan(db, TODAY):
        print(f"  plan: {line}")
    policy = DunningPolicy(DEFAULT_SCHEDULE)
    first, per_invoice, idles, selections = [], [], [], []
    for offset in range(days):
        day = TODAY + dt.timedelta(days=offset)
        at = dt.datetime.combine(day, dt.time(6), dt.UTC)
        with db.transaction() as session:
            began = time.perf_counter()
            due = len(due_invoice_ids(session, day))
            selections.append(time.perf_counter() - began)
        seconds, decided = timed_tick(db, policy, at)
        first.append(seconds)
        per_invoice.append(seconds / max(due, 1))
        for minute in range(1, idle + 1):
            idle_seconds, again = timed_tick(db, policy, at + dt.timedelta(minutes=minute))
            if again:
                raise SystemExit(f"an idle tick decided {again} reminder(s) again")
            idles.append(idle_seconds)
        print(f"  {day}: {due:,} invoices due a look, {decided:,} reminders decided, first tick {seconds:.1f} s, "
              f"idle ticks median {statistics.median(idles[-idle:]) * 1000:.1f} ms")  # fmt: skip
    print(f"  selection query (the day's due ones) median {statistics.median(selections) * 1000:.1f} ms; "
          f"first tick of the day median {statistics.median(first):.1f} s "
          f"({statistics.median(per_invoice) * 1000:.1f} ms per invoice looked at); "
          f"idle tick median {statistics.median(idles) * 1000:.1f} ms")  # fmt: skip


def engines(url: str | None) -> list[tuple[str, str | None]]:
    """Return the (label, server URL) pairs to run on: SQLite (None) and PostgreSQL, or `url`'s."""
    if url is None:
        return [("SQLite", None), ("PostgreSQL", LOCAL_PG)]
    return [("PostgreSQL", url)] if url.startswith("postgresql") else [("SQLite", None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    tick = commands.add_parser("tick", help="the tick's median time over a large book")
    tick.add_argument("--invoices", type=int, default=100_000)
    tick.add_argument("--days", type=int, default=3, help="consecutive days ticked")
    tick.add_argument("--idle", type=int, default=5, help="idle ticks timed after each day's first")
    tick.add_argument("--database", help="a PostgreSQL server URL, or 'sqlite' (default: both)")
    crash = commands.add_parser("crash", help="reminder mails under SIGKILL, two tick processes at once")
    crash.add_argument("--invoices", type=int, default=500)
    crash.add_argument("--days", type=int, default=60)
    crash.add_argument("--kills", type=int, default=50)
    crash.add_argument("--every", type=int, default=1, help="simulated hours between ticks")
    crash.add_argument("--seed", type=int, default=1)
    crash.add_argument("--database", help="a PostgreSQL server URL, or 'sqlite' (default: both)")
    args = parser.parse_args()
    if args.command == "tick":
        for label, url in engines(args.database):
            print(f"{label}:")
            with database(url) as db:
                tick_bench(db, args.invoices, args.days, args.idle)
    else:
        from bench.reminders_crash import print_report, simulate

        for label, url in engines(args.database):
            print(f"{label}:")
            print_report(simulate(url, args.invoices, args.days, args.kills, args.seed, args.every))


if __name__ == "__main__":
    main()
