"""Latency of e-mail intake: from APPEND to a real Dovecot to the document committed by a real
`invoicebot run` watching that folder in IDLE (SQLite in a temporary data dir).

    python -m bench.mail_latency [--mails 50] [--workers 1] [--gap 0.2] [--json]

Each mail carries a one-page text PDF with its own invoice number. A mail is appended once the
one before is committed (then `--gap` seconds later), so each figure is one mail's latency
without a queue; the clock is read just before APPEND, and the end is the document's
`received_at`, stamped in the transaction that records it. Needs root and Dovecot (as the
tests do); everything stays on loopback and stops after `--timeout` seconds at most.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.mails import invoice_mail
from tests.factories import simple_invoice_pdf
from tests.integration import dovecot as dovecot_helper
from tests.integration.cli import INVOICEBOT, cli_env
from tests.integration.dovecot import BOT, Dovecot, mailbox

FOLDER = "INBOX"


def service_env(server: Dovecot, data_dir: Path, workers: int) -> dict[str, str]:
    env = cli_env(data_dir)
    env.update({
        "INVOICEBOT_IMAP_HOST": "127.0.0.1", "INVOICEBOT_IMAP_PORT": str(server.port),
        "INVOICEBOT_IMAP_USER": server.user, "INVOICEBOT_IMAP_PASSWORD": server.password,
        "INVOICEBOT_IMAP_SECURITY": "none", "INVOICEBOT_IMAP_FOLDER": FOLDER,
        "INVOICEBOT_MAIL_FROM": BOT, "INVOICEBOT_WORKERS": str(workers),
    })  # fmt: skip
    return env


class Service:
    """`invoicebot run` as a child process; each start logs to a file of its own in `folder`."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.folder / f"service-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [INVOICEBOT, "run"], cwd=self.folder, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def watching(self) -> bool:
        """Return whether the running service has selected the folder and is watching it."""
        return self.log.exists() and "IMAP watching" in self.log.read_text(errors="replace")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> int | None:
        if self.process is None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
            return None


@contextlib.contextmanager
def dovecot_server() -> Iterator[Dovecot]:
    reason = dovecot_helper.available()
    if reason:
        sys.exit(f"Dovecot cannot run: {reason}")
    server = Dovecot.create()
    server.start()
    try:
        yield server
    finally:
        server.remove()


def read_only(database: Path) -> sqlite3.Connection:
    """A reader that never takes the write lock (the service's own engine begins IMMEDIATE)."""
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)


def received_at(database: Path, filename: str) -> dt.datetime | None:
    if not database.exists():
        return None
    with contextlib.closing(read_only(database)) as conn:
        try:
            row = conn.execute("SELECT received_at FROM documents WHERE filename = ?", (filename,)).fetchone()
        except sqlite3.OperationalError:  # not migrated yet
            return None
    return dt.datetime.fromisoformat(row[0]).replace(tzinfo=dt.UTC) if row else None


async def wait_for(check, timeout: float, step: float = 0.01):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(step)
    raise TimeoutError("not reached in time")


@dataclass(frozen=True, slots=True)
class LatencyReport:
    mails: int
    p50_s: float
    p95_s: float
    max_s: float
    mean_s: float
    #: The first mail alone (the service's first document read, colder than the rest).
    first_s: float
    workers: int


async def measure(mails: int, workers: int, gap: float, timeout: float) -> LatencyReport:
    root = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    try:
        return await _measure(root, mails, workers, gap, timeout)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def _measure(root: Path, mails: int, workers: int, gap: float, timeout: float) -> LatencyReport:
    with dovecot_server() as server:
        data_dir = root / "var"
        service = Service(service_env(server, data_dir, workers), root)
        service.start()
        try:
            await wait_for(service.watching, 60, 0.1)
            database = data_dir / "invoicebot.sqlite3"
            latencies = []
            deadline = time.monotonic() + timeout
            async with mailbox(server) as client:
                for n in range(mails):
                    number = f"LAT-{n:04d}"
                    raw = invoice_mail(number, simple_invoice_pdf(number=number), f"{number}.pdf")
                    sent = dt.datetime.now(dt.UTC)
                    await client.append(raw, mailbox=FOLDER)
                    left = deadline - time.monotonic()
                    done = await wait_for(lambda: received_at(database, f"{number}.pdf"), max(left, 0.1))
                    latencies.append((done - sent).total_seconds())
                    await asyncio.sleep(gap)
        finally:
            code = service.stop()
        if code != 0:
            print(service.log.read_text()[-3000:], file=sys.stderr)
    ordered = sorted(latencies)
    return LatencyReport(
        mails=len(ordered), p50_s=statistics.median(ordered),
        p95_s=ordered[max(0, round(0.95 * len(ordered)) - 1)], max_s=ordered[-1],
        mean_s=statistics.fmean(ordered), first_s=latencies[0], workers=workers,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="INVOICEBOT_WORKERS of the service")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between a commit and the next APPEND")
    parser.add_argument("--timeout", type=float, default=240, help="give up after this many seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = asyncio.run(measure(args.mails, args.workers, args.gap, args.timeout))
    if args.json:
        print(json.dumps(asdict(report)))
        return
    print(f"mail intake latency, APPEND -> document committed ({report.mails} mails, one-page text PDF,")
    print(f"IDLE push, SQLite, INVOICEBOT_WORKERS={report.workers}):")
    print(
        f"  p50 {report.p50_s:.3f} s   p95 {report.p95_s:.3f} s   max {report.max_s:.3f} s   "
        f"mean {report.mean_s:.3f} s   first mail {report.first_s:.3f} s"
    )
    print(f"  target p95 < 2 s: {'met' if report.p95_s < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
