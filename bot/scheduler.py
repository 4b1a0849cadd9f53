"""The scheduled work: what `invoicebot tick` does once and the service every minute.

One tick issues the periods of recurring plans that are due, reminds the approvers of supplier
invoices soon due (and, with the payments work, sends due reminders), and once the digest hour
has come queues each person's daily chat digest (once a day); `run_tick` then also
performs every pending outbox job, as cron's `invoicebot tick` must leave nothing waiting for a
service that may not run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from invoicing import jobs

if TYPE_CHECKING:
    from bot.wiring import App

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0


@dataclass
class TickReport:
    issued: list[int] = field(default_factory=list)
    #: (invoice id, level) of each reminder decided.
    reminded: list[tuple[int, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    jobs_run: int = 0
    #: Supplier invoices whose approvers were reminded of a due date or a discount's last day.
    payables_reminded: list[int] = field(default_factory=list)
    #: Users whose daily digest was queued by this tick.
    digests_queued: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"issued": self.issued, "reminded": [{"invoice_id": i, "level": n} for i, n in self.reminded],
                "payables_reminded": self.payables_reminded, "digests_queued": self.digests_queued,
                "jobs_run": self.jobs_run,
                "problems": self.problems}  # fmt: skip

    def summary(self) -> str:
        lines = [f"{len(self.issued)} recurring invoice(s) issued, {len(self.reminded)} reminder(s) decided, "
                 f"{self.jobs_run} job(s) run"]  # fmt: skip
        if self.payables_reminded:
            lines.append(f"approvers reminded of {len(self.payables_reminded)} supplier invoice(s) to pay")
        if self.digests_queued:
            lines.append(f"daily digest queued for {len(self.digests_queued)} user(s)")
        return "\n".join(lines + [f"problem: {p}" for p in self.problems])


async def scheduled_work(app: App) -> TickReport:
    """Do the work that is due today (in the business time zone) and return what was done."""
    report = TickReport()
    await asyncio.to_thread(_recurring, app, report)
    await asyncio.to_thread(_reminders, app, report)
    await asyncio.to_thread(_payables, app, report)
    await asyncio.to_thread(_digests, app, report)
    return report


def _reminders(app: App, report: TickReport) -> None:
    from invoicing.reminders import send_due_reminders

    run = send_due_reminders(app.db, app.clock, app.dunning_policy)
    report.reminded += run.sent
    report.problems += run.problems


def _recurring(app: App, report: TickReport) -> None:
    from invoicing.errors import InvoicingError
    from invoicing.recurring import any_due, issue_due

    with app.db.transaction() as session:
        if not any_due(session, app.clock.today()):
            return
    try:
        policy = app.issuing_policy
    except InvoicingError as e:
        report.problems.append(f"recurring invoices wait: {e}")
        return
    run = issue_due(app.db, app.clock, policy)
    report.issued += run.issued
    report.problems += [f"plan {f.plan_id} ({f.period or '-'}): {f.reason}" for f in run.failures]


def _payables(app: App, report: TickReport) -> None:
    from invoicing.payable_reminders import remind_due_payables

    with app.db.transaction() as session:
        reminded = remind_due_payables(session, app.clock, days=app.settings.payables_remind_days,
                                       zone=app.settings.zone)  # fmt: skip
    report.payables_reminded += list(dict.fromkeys(r.invoice_id for r in reminded))


def _digests(app: App, report: TickReport) -> None:
    from invoicing.digest import queue_due
    from invoicing.digest_rules import due_day

    if app.settings.telegram_token is None:
        return  # no chat to send them to; nothing piles up in the outbox
    if due_day(app.clock.now(), app.settings.zone, app.settings.digest_hour) is None:
        return  # before the hour (or off): no transaction every minute for nothing
    with app.db.transaction() as session:
        report.digests_queued += queue_due(session, app.clock, app.settings.zone, app.settings.digest_hour)


async def run_tick(app: App) -> TickReport:
    """Do the scheduled work, then every pending outbox job this process can perform."""
    report = await scheduled_work(app)
    report.jobs_run = await jobs.run_all_due(app.db, app.clock, app.job_handlers(), _worker())
    return report


async def every_minute(app: App, stop: asyncio.Event, every: float = TICK_SECONDS) -> None:
    """Run the scheduled work every `every` seconds until `stop` is set (the jobs have their worker)."""
    while not stop.is_set():
        try:
            report = await scheduled_work(app)
            if report.issued or report.reminded or report.payables_reminded or report.digests_queued or report.problems:
                log.info("scheduler: %s", report.summary())
        except Exception:  # noqa: BLE001 - the database may be briefly away; try again next time
            log.exception("scheduled work failed")
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            pass


def _worker() -> str:
    return f"tick:{socket.gethostname()}:{os.getpid()}"
