"""A large book of open outgoing invoices for the reminder tick, written with Core bulk inserts.

The shape: 2,000 customers (1 % with reminders paused), invoices on 30-day terms (a quarter on
14 days). Three quarters are not yet due, their due dates spread evenly over the next 30 days;
a quarter are overdue by 1 to 90 days, fewer the older (exponential, mean 20 days), as a book
looks where most invoices are paid on time. Each invoice stands as the daily ticks before
`TODAY` left it: the levels whose day has passed have their `reminders` row and a done mail
job, and `next_reminder_on` is the day the tick looks at it next. On a day, 6-8 % of such a
book is due a look (100,000 invoices: 6,349, 7,775 and 7,833 on the first three days, of which
4,250-4,475 get a reminder: ~2,500 heads-ups 3 days before the due date, the rest reminders and
final notices after it; the others are looked at on their first day overdue, which sends
nothing but the overdue webhook, or the day before a final notice).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import event, insert

from invoicing.db.engine import Database
from invoicing.db.models import Contact, Invoice, Job, Reminder
from invoicing.domain import Direction, JobState
from invoicing.dunning import DEFAULT_SCHEDULE, DunningState, level_to_send
from invoicing.reminders import CHASED, REMINDER_SEND, _overdue_first, due_invoice_ids, next_day

TODAY = dt.date(2026, 6, 1)
CUSTOMERS = 2000
BATCH = 5000


def _standing(due: dt.date, issued: dt.date) -> tuple[list[tuple[int, dt.date]], dt.date | None]:
    """Return the levels the daily ticks sent from `issued` until yesterday (with their day) and
    the `next_reminder_on` they left, by the same rules as the tick."""
    sent: list[tuple[int, dt.date]] = []
    day, yesterday = issued, TODAY - dt.timedelta(days=1)
    next_on: dt.date | None = issued
    while next_on is not None and next_on <= yesterday:
        day = next_on
        state = DunningState(due_date=due, sent={n for n, _ in sent}, open=True)
        level = level_to_send(DEFAULT_SCHEDULE, state, day)
        if level is not None:
            sent.append((level.number, day))
            state = DunningState(due_date=due, sent={n for n, _ in sent}, open=True)
        next_on = _overdue_first(next_day(DEFAULT_SCHEDULE, state, day), state, day)
    return sent, next_on


def fill(db: Database, count: int, seed: int = 11) -> None:
    """Write `count` open invoices of 2,000 customers, with the reminders already sent."""
    rng = random.Random(seed)
    now = dt.datetime.combine(TODAY, dt.time(6), dt.UTC)
    with db.transaction() as s:
        s.execute(insert(Contact), [
            {"name": f"Customer {i}", "is_customer": True, "is_vendor": False, "email": f"ap{i}@customer.example",
             "country": "DE", "payment_terms_days": 30, "learned": {}, "reminders_paused": i % 100 == 0,
             "created_at": now} for i in range(CUSTOMERS)])  # fmt: skip
    for start in range(0, count, BATCH):
        invoices, standings = [], []
        for i in range(start, min(start + BATCH, count)):
            if rng.random() < 0.75:
                due = TODAY + dt.timedelta(days=rng.randint(0, 29))
            else:
                due = TODAY - dt.timedelta(days=min(90, 1 + int(rng.expovariate(1 / 20))))
            terms = 14 if rng.random() < 0.25 else 30
            issued = due - dt.timedelta(days=terms)
            sent, next_on = _standing(due, issued)
            total = Decimal(rng.randint(5000, 500000)) / 100
            invoices.append({
                "direction": Direction.OUT, "status": rng.choice(CHASED[:2]), "number": f"INV-{i + 1:06d}",
                "contact_id": rng.randint(1, CUSTOMERS), "issue_date": issued, "due_date": due, "currency": "EUR",
                "net_total": total, "tax_total": Decimal("0.00"), "total": total, "amount_paid": Decimal("0.00"),
                "confidence": {}, "warnings": [], "document_type": "380", "approval_round": 1,
                "next_reminder_on": next_on, "created_at": now, "updated_at": now,
            })  # fmt: skip
            standings.append(sent)
        with db.transaction() as s:
            ids = s.execute(insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), invoices).scalars().all()
            reminders = [{"invoice_id": invoice_id, "level": level, "scheduled_on": day, "fee": Decimal("0.00"),
                          "sent_at": now, "created_at": now}
                         for invoice_id, sent in zip(ids, standings, strict=True) for level, day in sent]  # fmt: skip
            if reminders:
                s.execute(insert(Reminder), reminders)
                s.execute(insert(Job), [
                    {"kind": REMINDER_SEND, "payload": {}, "idempotency_key": f"{REMINDER_SEND}:{r['invoice_id']}:{r['level']}",
                     "state": JobState.DONE, "attempts": 1, "max_attempts": 8, "run_after": now, "created_at": now,
                     "finished_at": now} for r in reminders])  # fmt: skip


def selection_plan(db: Database, today: dt.date) -> list[str]:
    """Return the query plan of the tick's selection (`due_invoice_ids`) on `today`, as the
    database explains the very statement and parameters the tick sends."""
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.transaction() as session:
            due_invoice_ids(session, today)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in sent if s.lstrip().upper().startswith("SELECT"))
    explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(explain + statement, parameters)
        return [str(row[-1]) for row in cursor.fetchall()]
    finally:
        connection.close()
