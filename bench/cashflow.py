"""How long the cash flow projection takes on a large book: 10,000 open invoices (7,000 owed by
1,000 customers, 3,000 approved supplier invoices, a fifth of them offering a discount), 5,000 paid
ones behind the customers' days to pay, and 200 recurring plans, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.cashflow [--open 10000] [--plans 200] [--runs 5] [--postgres URL]

Prints the median of `--runs` runs of reading and projecting (`forecast.cash_flow`), of drawing
the chart, of the whole `invoicebot cashflow -o chart.png` command (a fresh process each run),
and of the tick's payables reminders: the first of the day (enqueueing) and the steady ones after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from bench.numbering import database
from invoicing import forecast
from invoicing.cashflow_chart import render_chart
from invoicing.clock import FixedClock
from invoicing.db.engine import Database
from invoicing.db.models import Contact, Invoice, Payment, RecurringPlan, User
from invoicing.domain import Direction, InvoiceStatus, Role
from invoicing.payable_reminders import remind_due_payables

TODAY = dt.date.today()
NOW = dt.datetime.now(dt.UTC)


def fill(db: Database, open_count: int, plans: int, seed: int = 7) -> None:
    """Write the book: customers, open and paid invoices, payments, suppliers' invoices, plans."""
    rng = random.Random(seed)
    customers = 1000
    with db.transaction() as s:
        s.execute(insert(Contact), [
            {"name": f"Customer {i}", "is_customer": True, "is_vendor": False, "payment_terms_days": rng.choice([14, 30]),
             "learned": {}, "reminders_paused": False, "created_at": NOW} for i in range(customers)])  # fmt: skip

    def invoice(i: int, direction: Direction, status: InvoiceStatus, issued: dt.date, total: Decimal, paid: Decimal) -> dict[str, object]:
        return {
            "direction": direction, "status": status, "number": f"{direction.value.upper()}-{i}",
            "contact_id": rng.randint(1, customers) if direction is Direction.OUT else None,
            "issue_date": issued, "due_date": issued + dt.timedelta(days=30), "currency": rng.choice(["EUR"] * 9 + ["USD"]),
            "total": total, "net_total": total, "tax_total": Decimal("0.00"), "amount_paid": paid,
            "seller_name": f"Supplier {i % 300}", "confidence": {}, "warnings": [], "document_type": "380",
            "extracted": {"discount_terms": "2% 14"} if direction is Direction.IN and i % 5 == 0 else None,
            "approval_round": 1, "created_at": NOW, "updated_at": NOW,
        }  # fmt: skip

    def amount() -> Decimal:
        return Decimal(rng.randint(5000, 500000)) / 100

    receivables = open_count * 7 // 10
    rows = [invoice(i, Direction.OUT, rng.choice([InvoiceStatus.SENT, InvoiceStatus.ISSUED]),
                    TODAY - dt.timedelta(days=rng.randint(0, 60)), amount(), Decimal("0.00")) for i in range(receivables)]  # fmt: skip
    rows += [invoice(i, Direction.IN, InvoiceStatus.APPROVED, TODAY - dt.timedelta(days=rng.randint(0, 40)), amount(),
                     Decimal("0.00")) for i in range(open_count - receivables)]  # fmt: skip
    paid = []
    for i in range(5000):
        total = amount()
        paid.append(invoice(100000 + i, Direction.OUT, InvoiceStatus.PAID, TODAY - dt.timedelta(days=rng.randint(60, 400)),
                            total, total))  # fmt: skip
    with db.transaction() as s:
        s.execute(insert(User), [{"name": "Ada", "role": Role.ADMIN, "telegram_user_id": 1, "created_at": NOW}])
        s.execute(insert(Invoice), rows)
        ids = s.execute(insert(Invoice).returning(Invoice.id, Invoice.issue_date, Invoice.total), paid).all()
        s.execute(insert(Payment), [
            {"invoice_id": invoice_id, "amount": total, "currency": "EUR", "method": "bank", "created_at": NOW,
             "paid_on": issued + dt.timedelta(days=rng.randint(3, 60)), "discount": Decimal("0.00"), "days_late": 0}
            for invoice_id, issued, total in ids])  # fmt: skip
        s.execute(insert(RecurringPlan), [
            {"contact_id": rng.randint(1, customers), "currency": "EUR", "interval_unit": unit, "interval_count": 1,
             "day": 1 if unit == "week" else rng.randint(1, 28), "start_on": TODAY, "next_run_on": TODAY,
             "issued_count": 0, "send": False, "active": True, "created_at": NOW,
             "lines": [{"description": "Service", "quantity": "1", "unit_price": str(amount()), "tax_rate": "19",
                        "category": "S", "unit": "C62"}]}
            for unit in (rng.choice(["week", "month", "month", "quarter"]) for _ in range(plans))])  # fmt: skip


def timed(function, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(db: Database, url: str, runs: int) -> None:
    def project():  # type: ignore[no-untyped-def]
        with db.transaction() as s:
            return forecast.cash_flow(s, TODAY, days=90, currency="EUR", terms_days=30)

    seconds, projection = timed(project, runs)
    print(f"  read + project (90 days): median {seconds * 1000:.0f} ms; {len(projection.flows)} flows in "
          f"{len(projection.weeks)} weeks, currencies {', '.join(projection.currencies)}")  # fmt: skip
    seconds, _ = timed(lambda: render_chart(projection), runs)
    print(f"  chart (PNG): median {seconds * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as folder:
        command = [str(Path(sys.executable).with_name("invoicebot")), "cashflow", "-o", str(Path(folder) / "c.png")]
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("INVOICEBOT_")},
               "INVOICEBOT_DATABASE_URL": url, "INVOICEBOT_DATA_DIR": folder}  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds, _ = timed(lambda: subprocess.run(command, env=env, check=True, capture_output=True), runs)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / runs
    print(f"  invoicebot cashflow -o chart.png (whole process): median {seconds * 1000:.0f} ms wall, "
          f"{cpu * 1000:.0f} ms CPU on average")  # fmt: skip
    clock = FixedClock(NOW)

    def remind():  # type: ignore[no-untyped-def]
        with db.transaction() as s:
            return remind_due_payables(s, clock, days=3)

    seconds, reminded = timed(remind, 1)
    print(f"  payables reminders, first tick of the day: {seconds * 1000:.0f} ms, {len(reminded)} reminders enqueued")
    seconds, reminded = timed(remind, runs)
    print(f"  payables reminders, every tick after: median {seconds * 1000:.0f} ms ({len(reminded)} new)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=10000)
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to measure on as well")
    args = parser.parse_args()
    for engine in ["sqlite"] + (["postgresql"] if args.postgres else []):
        with database(args.postgres if engine == "postgresql" else None) as db:
            started = time.perf_counter()
            fill(db, args.open, args.plans)
            url = db.engine.url.render_as_string(hide_password=False)
            print(f"{engine}: {args.open} open invoices, 5000 paid, {args.plans} plans "
                  f"(written in {time.perf_counter() - started:.1f} s)")  # fmt: skip
            measure(db, url, args.runs)


if __name__ == "__main__":
    main()
