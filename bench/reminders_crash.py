"""Reminders under SIGKILL: simulated days of `invoicebot tick --at T`, two processes at once
each time, killed at random moments, mailing a real SMTP server (aiosmtpd on loopback).

Invoices are issued (the real issuing transaction, a stand-in PDF attached instead of a
rendering) on days before the first simulated day, due on days spread over the simulation; a
fifth are paid in full on a random simulated day (at 23:30, after that day's ticks). Each
simulated `--every` hours two tick processes start together. Kills are spread over random days
(not the last) and aimed at that day's ticks from its first on: a third of them the moment the SMTP server has
taken a reminder from the process (after DATA, before the process could record it: the job is
left `unknown`, by design never resent), the others after a random delay. A timed kill that finds
its tick ended is tried again at the same moment, up to three times; a kill that still finds no
process to kill moves to the next tick. After the last day one clean tick drains what is left;
then every (invoice, level) is counted: mails received (by Message-ID), the decisions in
`reminders`, and what the dunning schedule says was due for the invoice's due and paid days.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from bench.numbering import SELLER, database
from invoicing import issuing, payments
from invoicing.billing import parse_line
from invoicing.clock import FixedClock
from invoicing.config import load_settings
from invoicing.db.engine import Database
from invoicing.db.models import Invoice, Job, Reminder
from invoicing.directory import ContactInput, add_contact
from invoicing.domain import JobState
from invoicing.dunning import DEFAULT_SCHEDULE, DunningState, level_to_send
from invoicing.files import FileStore
from invoicing.issuing import INVOICE_RENDER, InvoiceRequest, IssuingPolicy
from invoicing.mailer import message_id_for
from invoicing.outgoing import attach_pdf
from invoicing.parties import seller_from_settings
from invoicing.reminders import REMINDER_SEND
from tests.integration.dovecot import free_port

START = dt.date(2026, 6, 1)
#: How a kill is timed: the moment the SMTP server has taken a mail from the process, or a delay.
AFTER_DATA, TIMED = "after-data", "timed"
MAIL_FROM = "billing@bench.example"
#: Seconds a day's first tick is taken to last before one has been measured.
_FIRST_GUESS_SECONDS = 4.0
#: Pairs of ticks started at one moment to land a timed kill.
_TIMED_TRIES = 3
#: Stands in for each invoice's PDF: the reminder attaches it, nobody reads it.
PDF = b"%PDF-1.4\n% a stand-in for the invoice's rendering\n%%EOF\n"


@dataclass
class Smtp:
    """An aiosmtpd handler that keeps each mail's Message-ID and can kill the process sending one."""

    message_ids: list[str] = field(default_factory=list)
    #: Kill the tick process that sends the n-th mail from now (0: off); pids it may be one of.
    kill_at: int = 0
    pids: tuple[int, ...] = ()
    killed: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = email.parser.BytesHeaderParser().parsebytes(envelope.content)
        with self.lock:
            self.message_ids.append(str(headers["Message-ID"]).strip())
            if self.kill_at:
                self.kill_at -= 1
                sender = _owner(session.peer[1], self.pids) if self.kill_at == 0 else None
                if sender is not None:
                    os.kill(sender, signal.SIGKILL)  # it dies before it hears the 250
                    self.killed.append(sender)
        return "250 Message accepted"


def _owner(port: int, pids: tuple[int, ...]) -> int | None:
    """Return which of `pids` holds the loopback TCP connection from local port `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            if any(os.readlink(fd) in inodes for fd in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
        except OSError:
            continue  # it has just exited
    return None


@dataclass(frozen=True, slots=True)
class Book:
    #: invoice id -> (due date, day paid or None)
    invoices: dict[int, tuple[dt.date, dt.date | None]]


def issue_book(db: Database, store: FileStore, count: int, days: int, rng: random.Random) -> Book:
    """Issue `count` invoices to 20 customers on days before START; choose a fifth to be paid."""
    policy = IssuingPolicy(seller_from_settings(load_settings(**SELLER)))
    clock = FixedClock(dt.datetime.combine(START - dt.timedelta(days=40), dt.time(9), dt.UTC))
    with db.transaction() as s:
        customers = [add_contact(s, clock, ContactInput(
            name=f"Customer {i}", is_customer=True, country="DE", city="Berlin", email=f"ap{i}@customer.example",
            payment_terms_days=rng.choice([14, 30]))).id for i in range(20)]  # fmt: skip
    invoices = {}
    for issued_on in sorted(START - dt.timedelta(days=rng.randint(1, 30)) for _ in range(count)):
        clock.at = dt.datetime.combine(issued_on, dt.time(9), dt.UTC)
        with db.transaction() as s:
            request = InvoiceRequest(rng.choice(customers), (parse_line(f"Service;1;{rng.randint(50, 900)};19"),))
            invoice_id = issuing.issue_new(s, clock, request, policy, "bench")
            due = s.get(Invoice, invoice_id).due_date
        attach_pdf(db, clock, store, invoice_id, PDF, "invoice.pdf")
        paid_on = START + dt.timedelta(days=rng.randrange(days)) if rng.random() < 0.2 else None
        invoices[invoice_id] = (due, paid_on)
    with db.transaction() as s:  # the PDFs are attached: nothing is left to render
        s.execute(update(Job).where(Job.kind == INVOICE_RENDER).values(state=JobState.DONE))
    return Book(invoices)


def expected(book: Book, days: int) -> set[tuple[int, int]]:
    """Return the (invoice, level) pairs the schedule says are due by a tick on each simulated day."""
    due_pairs = set()
    for invoice_id, (due, paid_on) in book.invoices.items():
        sent: set[int] = set()
        for offset in range(days):
            day = START + dt.timedelta(days=offset)
            state = DunningState(due_date=due, sent=sent, open=paid_on is None or day <= paid_on)
            level = level_to_send(DEFAULT_SCHEDULE, state, day)
            if level is not None:
                sent.add(level.number)
                due_pairs.add((invoice_id, level.number))
    return due_pairs


@dataclass(frozen=True, slots=True)
class CrashReport:
    invoices: int
    paid: int
    days: int
    every_hours: int
    tick_processes: int
    kills_planned: int
    #: Kills that landed on a running tick process, and of them those right after DATA.
    kills: int
    kills_after_data: int
    #: Tick processes that ended other than by success or SIGKILL (with the end of their log).
    failures: list[str]
    due: int
    decided: int
    decisions_missing: int
    decisions_unexpected: int
    mails: int
    #: (invoice, level) pairs that received more than one mail.
    twice: int
    delivered: int
    #: Jobs left `unknown` by a kill after the send, never resent; how many of them did arrive.
    unknown: int
    unknown_arrived: int
    #: Decided, then paid before the mail went: no mail, by design.
    paid_meanwhile: int
    #: Decided and neither mailed, nor unknown, nor paid meanwhile: lost.
    lost: int
    seconds: float


@dataclass
class Ticks:
    """Runs the two tick processes of each simulated moment and kills them as planned."""

    env: dict[str, str]
    root: Path
    smtp: Smtp
    rng: random.Random
    started: int = 0
    planned: int = 0
    kills: int = 0
    failures: list[str] = field(default_factory=list)
    #: Wall seconds of the unkilled first ticks of a day (a kill's random delay is drawn within it).
    work_seconds: list[float] = field(default_factory=list)
    logs: dict[int, str] = field(default_factory=dict)

    def run(self, at: dt.datetime, kill: str | None, processes: int = 2) -> bool:
        """Run `processes` ticks at `at`, one of them killed if `kill` says how (AFTER_DATA or
        TIMED); return whether a kill landed. A timed kill that came after its tick had ended is
        tried again at the same moment (ticks are idempotent), its delay drawn within the tick
        lengths measured meanwhile, up to `_TIMED_TRIES` times."""
        for _ in range(_TIMED_TRIES if kill == TIMED else 1):
            if self._run_once(at, kill, processes):
                return True
        return False

    def _run_once(self, at: dt.datetime, kill: str | None, processes: int) -> bool:
        began = time.monotonic()
        running = [self._start(at) for _ in range(processes)]
        pids = tuple(p.pid for p in running)
        landed = False
        if kill == AFTER_DATA:
            with self.smtp.lock:
                self.smtp.kill_at, self.smtp.pids = self.rng.randint(1, 2), pids
        elif kill == TIMED:
            target = self.rng.choice(running)
            try:
                target.wait(self.rng.uniform(0, 0.8 * self._typical_seconds()))  # mostly before it ends
            except subprocess.TimeoutExpired:
                target.kill()
                landed = True
        codes = [p.wait() for p in running]
        if kill == AFTER_DATA:
            with self.smtp.lock:
                landed = any(pid in self.smtp.killed for pid in pids)
                self.smtp.kill_at, self.smtp.pids = 0, ()
        for process, code in zip(running, codes, strict=True):
            log = Path(self.logs.pop(process.pid))
            if code not in (0, -signal.SIGKILL):
                self.failures.append(f"{at}: exit {code}: {log.read_text()[-600:]}")
            log.unlink()
        if at.hour == 0 and -signal.SIGKILL not in codes:
            self.work_seconds.append(time.monotonic() - began)
        self.kills += landed
        return landed

    def _typical_seconds(self) -> float:
        """Return how long a day's first tick takes here: the median of those measured, or a
        guess for a loaded machine before any is (a guess alone made kills on a quiet machine
        come after the tick had ended)."""
        return statistics.median(self.work_seconds) if self.work_seconds else _FIRST_GUESS_SECONDS

    def _start(self, at: dt.datetime) -> subprocess.Popen[bytes]:
        self.started += 1
        command = [str(Path(sys.executable).with_name("invoicebot")), "tick", "--at", at.isoformat()]
        with open(self.root / f"tick-{self.started}.log", "wb") as log:
            process = subprocess.Popen(command, env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT)
        self.logs[process.pid] = log.name
        return process


def simulate(server_url: str | None, count: int, days: int, kills: int, seed: int, every: int = 1) -> CrashReport:
    """Run the simulation on a scratch database (SQLite, or on the PostgreSQL server at `server_url`)."""
    rng, began = random.Random(seed), time.monotonic()
    smtp = Smtp()
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-reminders-") as folder, database(server_url) as db:
            root = Path(folder)
            book = issue_book(db, FileStore(root / "var" / "files"), count, days, rng)
            env = {**os.environ, "INVOICEBOT_DATA_DIR": str(root / "var"), "INVOICEBOT_TIMEZONE": "UTC",
                   "INVOICEBOT_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                   "INVOICEBOT_SMTP_HOST": "127.0.0.1", "INVOICEBOT_SMTP_PORT": str(controller.port),
                   "INVOICEBOT_SMTP_SECURITY": "none", "INVOICEBOT_MAIL_FROM": MAIL_FROM,
                   "INVOICEBOT_LOG_LEVEL": "WARNING"}  # fmt: skip
            ticks = Ticks(env, root, smtp, rng)
            run_days(db, book, ticks, days, kills, every, rng)
            return count_outcome(db, book, ticks, smtp, days, every, time.monotonic() - began)
    finally:
        controller.stop()


def run_days(db: Database, book: Book, ticks: Ticks, days: int, kills: int, every: int, rng: random.Random) -> None:
    """Tick every `every` hours for `days` days with `kills` kills, book the payments, then drain."""
    ways = [AFTER_DATA if i % 3 == 0 else TIMED for i in range(kills)]
    ticks.planned = kills
    rng.shuffle(ways)
    on_day = Counter(rng.randrange(max(days - 1, 1)) for _ in range(kills))  # the last day catches up
    owed: list[str] = []
    for offset in range(days):
        day = START + dt.timedelta(days=offset)
        owed += [ways.pop() for _ in range(on_day[offset])]
        for hour in range(0, 24, every):
            at = dt.datetime.combine(day, dt.time(hour), dt.UTC)
            if ticks.run(at, owed[-1] if owed else None):
                owed.pop()
        clock = FixedClock(dt.datetime.combine(day, dt.time(23, 30), dt.UTC))
        with db.transaction() as s:
            for invoice_id, (_, paid_on) in book.invoices.items():
                if paid_on == day:
                    payments.record_payment(s, clock, s.get(Invoice, invoice_id).number or "", actor="bench")
    ticks.run(dt.datetime.combine(START + dt.timedelta(days=days - 1), dt.time(23, 59), dt.UTC), None, processes=1)


def count_outcome(db: Database, book: Book, ticks: Ticks, smtp: Smtp, days: int, every: int,
                  seconds: float) -> CrashReport:  # fmt: skip
    """Count mails, decisions and jobs per (invoice, level) against what was due."""
    with db.transaction() as s:
        decided = {(i, n) for i, n in s.execute(select(Reminder.invoice_id, Reminder.level))}
        states = {k: v for k, v in s.execute(select(Job.idempotency_key, Job.state).where(Job.kind == REMINDER_SEND))}
        paid = {i for i, status in s.execute(select(Invoice.id, Invoice.status)) if status.value == "paid"}
    mails = Counter(smtp.message_ids)
    due = expected(book, days)
    delivered = unknown = unknown_arrived = paid_meanwhile = lost = 0
    for invoice_id, level in decided:
        key = f"{REMINDER_SEND}:{invoice_id}:{level}"
        arrived = mails[message_id_for(key, MAIL_FROM)] > 0
        state = states.get(key)
        if state is JobState.UNKNOWN:
            unknown += 1
            unknown_arrived += arrived
        elif arrived:
            delivered += 1
        elif state is JobState.DONE and invoice_id in paid:
            paid_meanwhile += 1
        else:
            lost += 1
    return CrashReport(
        invoices=len(book.invoices), paid=sum(1 for _, p in book.invoices.values() if p), days=days,
        every_hours=every, tick_processes=ticks.started, kills_planned=ticks.planned, kills=ticks.kills, kills_after_data=len(smtp.killed),
        failures=ticks.failures, due=len(due), decided=len(decided), decisions_missing=len(due - decided),
        decisions_unexpected=len(decided - due), mails=sum(mails.values()),
        twice=sum(1 for n in mails.values() if n > 1), delivered=delivered, unknown=unknown,
        unknown_arrived=unknown_arrived, paid_meanwhile=paid_meanwhile, lost=lost, seconds=round(seconds, 1),
    )  # fmt: skip


def print_report(r: CrashReport) -> None:
    print(f"  {r.invoices} invoices ({r.paid} paid along the way), {r.days} days, two `invoicebot tick` processes "
          f"every {r.every_hours} h ({r.tick_processes} started), {r.kills} SIGKILLs of {r.kills_planned} planned "
          f"({r.kills_after_data} right after the SMTP server took a mail), {r.seconds} s")  # fmt: skip
    print(f"  due by the schedule {r.due}, decided {r.decided}: missing {r.decisions_missing}, "
          f"unexpected {r.decisions_unexpected}")  # fmt: skip
    print(f"  mails {r.mails}: (invoice, level) mailed twice {r.twice}; delivered {r.delivered}, "
          f"left unknown by a kill {r.unknown} ({r.unknown_arrived} of them arrived), "
          f"paid before the send {r.paid_meanwhile}, lost {r.lost}")  # fmt: skip
    for failure in r.failures:
        print(f"  tick failed: {failure}")
