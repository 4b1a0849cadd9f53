"""Several `invoicebot run` processes on one PostgreSQL: what a second process adds.

    python -m bench.scaleout [--jobs 500] [--mails 20] [--documents 24] [--json]

- jobs per second: N `mail.send` jobs (written as .eml files to the outbox) committed in one
  transaction, run by 1 or 2 processes started with `--only jobs`; the clock runs from the
  commit (the NOTIFY wakes them) to the last job done.
- mail -> approval request: a mail appended to a real Dovecot folder until its approval request
  reaches the fake Bot API server, one mail at a time, with 1 or 2 full processes (one owns the
  mailbox, either sends the request). With 2, the owner of the Telegram updates is then killed
  with SIGKILL and the time until the other owns the updates, the scheduler and the mailbox is
  measured (INVOICEBOT_TAKEOVER_SECONDS at its default, 5 s).
- documents per second: N one-page PDFs dropped at once into the drop folder of a process started
  with `--only folder` and INVOICEBOT_READ_IN_JOBS (it queues them as jobs), read by 1 or 2
  processes started with `--only readers` (INVOICEBOT_WORKERS=1 each), until all are recorded.

Needs PostgreSQL (INVOICEBOT_BENCH_DATABASE_URL, else postgres@127.0.0.1:5432/test; a scratch
database is made and dropped), and root with Dovecot for the mail figure, as the tests do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.mail_latency import dovecot_server
from bench.mails import invoice_mail
from invoicing import directory
from invoicing.clock import SystemClock
from invoicing.db.engine import Database
from invoicing.db.models import Document, Job
from invoicing.domain import JobState, Role
from invoicing.mailer.message import enqueue_mail
from tests.factories import simple_invoice_pdf
from tests.integration.cli import INVOICEBOT, cli_env
from tests.integration.dovecot import Dovecot, mailbox
from tests.integration.fake_telegram import FakeTelegram
from tests.scratch_db import scratch_postgres

SERVER = os.environ.get("INVOICEBOT_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MANAGER = 5001


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """Yield the URL of a fresh, migrated database, dropped afterwards."""
    with scratch_postgres(SERVER, "invoicebot_bench_scaleout", migrated=True) as url:
        yield url


class Processes:
    """`count` processes of `invoicebot run ARGS`, each logging to a file of its own."""

    def __init__(self, root: Path, env: dict[str, str], count: int, *args: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.logs = [root / f"run-{n}.log" for n in range(count)]
        self.processes = []
        for log in self.logs:
            with log.open("wb") as out:
                self.processes.append(subprocess.Popen([INVOICEBOT, "run", *args], cwd=root, env=env,
                                                       stdout=out, stderr=subprocess.STDOUT))  # fmt: skip

    def all_said(self, fragment: str) -> bool:
        return all(fragment in log.read_text(errors="replace") for log in self.logs)

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


async def until(check: Callable[[], Any], timeout: float, step: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(check)
        if value:
            return value
        await asyncio.sleep(step)
    raise TimeoutError("not reached in time")


def _count(db: Database, query: Any) -> int:
    with db.transaction() as s:
        return int(s.execute(query).scalar() or 0)


async def jobs_per_second(processes: int, count: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    with scratch_database() as url:
        db = Database.from_url(url)
        running = Processes(root, cli_env(root / "var", url), processes, "--only", "jobs")
        try:
            await until(lambda: running.all_said("listening for new jobs"), 120, 0.2)
            clock = SystemClock()
            with db.transaction() as session:
                for n in range(count):
                    enqueue_mail(session, clock, key=f"bench-{n}", mail_from="bot@example.test",
                                 to=["someone@example.test"], subject=f"Bench {n}", body="Hello")  # fmt: skip
            started = time.monotonic()
            first = await until(lambda: _count(db, select(func.count()).where(Job.state == JobState.DONE)), 60, 0.005)
            first_at = time.monotonic() - started
            done = select(func.count()).where(Job.state == JobState.DONE)
            await until(lambda: _count(db, done) == count, 600)
            elapsed = time.monotonic() - started
        finally:
            running.stop()
            db.dispose()
            shutil.rmtree(root, ignore_errors=True)
    assert first
    return {"processes": processes, "jobs": count, "seconds": elapsed, "jobs_per_s": count / elapsed,
            "first_job_done_s": first_at}  # fmt: skip


def _people(db: Database) -> None:
    with db.transaction() as s:
        user = directory.add_user(s, SystemClock(), name="Mia Manager", role=Role.MANAGER, telegram_user_id=MANAGER)
        directory.add_contact(s, SystemClock(), directory.ContactInput(
            name="Muster Software GmbH", vat_id="DE123456788", manager_id=user.id, is_vendor=True))  # fmt: skip


async def mail_to_approval(processes: int, mails: int, server: Dovecot) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    folder = f"Bench-{uuid.uuid4().hex[:8]}"
    fake = FakeTelegram()
    await fake.start()
    async with mailbox(server) as client:
        await client.create(folder)
    with scratch_database() as url:
        db = Database.from_url(url)
        _people(db)
        env = {**cli_env(root / "var", url),
               "INVOICEBOT_TELEGRAM_TOKEN": fake.token, "INVOICEBOT_TELEGRAM_API_URL": fake.base_url,
               "INVOICEBOT_TELEGRAM_FILE_URL": fake.base_file_url,
               "INVOICEBOT_IMAP_HOST": "127.0.0.1", "INVOICEBOT_IMAP_PORT": str(server.port),
               "INVOICEBOT_IMAP_USER": server.user, "INVOICEBOT_IMAP_PASSWORD": server.password,
               "INVOICEBOT_IMAP_SECURITY": "none", "INVOICEBOT_IMAP_FOLDER": folder}  # fmt: skip
        running = Processes(root, env, processes)
        latencies = []
        try:
            await until(lambda: running.all_said(" for invoices") and any(
                "IMAP watching" in log.read_text() for log in running.logs), 120, 0.2)  # fmt: skip
            async with mailbox(server) as client:
                for n in range(mails):
                    number = f"LAT-{n:04d}"
                    raw = invoice_mail(number, simple_invoice_pdf(number=number), f"{number}.pdf")
                    sent = time.monotonic()
                    await client.append(raw, mailbox=folder)
                    [call] = await fake.wait_for(
                        lambda c, number=number: number in str(c.params.get("caption") or c.params.get("text") or "")
                        and len(c.buttons) == 3, timeout=60,
                    )  # fmt: skip
                    latencies.append(call.at - sent)
            takeover = await _takeover(running) if processes > 1 else {}
        finally:
            running.stop()
            await fake.stop()
            db.dispose()
            shutil.rmtree(root, ignore_errors=True)
    ordered = sorted(latencies)
    return {"processes": processes, "mails": mails, "p50_s": statistics.median(ordered),
            "p95_s": ordered[max(0, round(0.95 * len(ordered)) - 1)], "max_s": ordered[-1], **takeover}  # fmt: skip


OWNED = {"telegram": "invoicebot telegram updates", "scheduler": "invoicebot scheduler", "mailbox": "invoicebot imap"}


async def _takeover(running: Processes) -> dict[str, float]:
    """SIGKILL the process owning the Telegram updates; return the seconds until the other owns
    each piece of single-owner work."""

    def owns(log: Path, name: str) -> bool:
        return f"this process now owns {name}" in log.read_text(errors="replace")

    victim = next(n for n, log in enumerate(running.logs) if owns(log, OWNED["telegram"]))
    survivor = running.logs[1 - victim]
    running.processes[victim].kill()
    killed = time.monotonic()
    taken: dict[str, float] = {}
    while len(taken) < len(OWNED) and time.monotonic() - killed < 60:
        for key, name in OWNED.items():
            if key not in taken and owns(survivor, name):
                taken[key] = time.monotonic() - killed
        await asyncio.sleep(0.02)
    return {f"takeover_{key}_s": seconds for key, seconds in taken.items()}


async def documents_per_second(readers: int, count: int) -> dict[str, float]:
    """Drop `count` PDFs at once into a folder whose process queues them (`read_in_jobs`); time
    until `readers` processes of the `readers` role (one reading process each) recorded them all."""
    root = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    with scratch_database() as url:
        db = Database.from_url(url)
        env = {**cli_env(root / "var", url), "INVOICEBOT_READ_IN_JOBS": "true"}
        folder = Processes(root / "folder", env, 1, "--only", "folder")
        reading = Processes(root / "readers", env, readers, "--only", "readers")
        inbox = root / "var" / "inbox"
        try:
            await until(lambda: folder.all_said(" for invoices") and reading.all_said("ready for queued"), 120, 0.2)
            files = [(f"DOC-{n:04d}.pdf", simple_invoice_pdf(number=f"DOC-{n:04d}")) for n in range(count)]
            for name, data in files:
                (inbox / f".{name}").write_bytes(data)
            started = time.monotonic()
            for name, _ in files:
                (inbox / f".{name}").rename(inbox / name)
            await until(lambda: _count(db, select(func.count()).select_from(Document)) == count, 600, 0.05)
            elapsed = time.monotonic() - started
        finally:
            folder.stop()
            reading.stop()
            db.dispose()
            shutil.rmtree(root, ignore_errors=True)
    return {"readers": readers, "documents": count, "seconds": elapsed, "documents_per_s": count / elapsed}


async def measure(jobs: int, mails: int, documents: int) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {"jobs": [], "mail": [], "documents": []}
    for processes in (1, 2) if jobs else ():
        results["jobs"].append(await jobs_per_second(processes, jobs))
    for readers in (1, 2) if documents else ():
        results["documents"].append(await documents_per_second(readers, documents))
    if mails:
        with dovecot_server() as server:
            for processes in (1, 2):
                results["mail"].append(await mail_to_approval(processes, mails, server))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=500, help="0 leaves the jobs figure out")
    parser.add_argument("--mails", type=int, default=20, help="0 leaves the mail figure out (no Dovecot needed)")
    parser.add_argument("--documents", type=int, default=24, help="0 leaves the drop-folder figure out")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(measure(args.jobs, args.mails, args.documents))
    if args.json:
        print(json.dumps(results))
        return
    print(f"PostgreSQL, {os.cpu_count()} CPUs; processes share one database")
    for r in results["jobs"]:
        print(f"  jobs (mail.send to the outbox), {r['processes']} process(es): {r['jobs_per_s']:.0f} jobs/s "
              f"({r['jobs']} in {r['seconds']:.2f} s; first done {r['first_job_done_s'] * 1000:.0f} ms after the commit)")
    for r in results["mail"]:
        print(f"  mail -> approval request, {r['processes']} process(es): p50 {r['p50_s']:.2f} s  "
              f"p95 {r['p95_s']:.2f} s  max {r['max_s']:.2f} s ({r['mails']} mails, one at a time)")
        if "takeover_telegram_s" in r:
            print("    after SIGKILL of the owner, the other owns: " + ", ".join(
                f"{key} in {r[f'takeover_{key}_s']:.1f} s" for key in OWNED if f"takeover_{key}_s" in r))  # fmt: skip
    for r in results["documents"]:
        print(f"  documents read from the drop folder, {r['readers']} process(es) --only readers x 1 reading process: "
              f"{r['documents_per_s']:.2f} documents/s ({r['documents']} in {r['seconds']:.1f} s)")


if __name__ == "__main__":
    main()
