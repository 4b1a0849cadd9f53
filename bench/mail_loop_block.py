"""How long a hostile mail holds the event loop: the longest stall of the loop that runs the IMAP
watcher (as `invoicebot run` does, beside Telegram, the drop folder and the job worker) while
it takes each mail from a real Dovecot.

    python -m bench.mail_loop_block [--json] [--subject-kb 500] [--nesting 2000]

The mails, in order: an ordinary invoice mail (the baseline), a mail whose subject is
`--subject-kb` KB of RFC 2047 encoded words, and one of `--nesting` multiparts nested in each
other. A probe task asks the loop to wake it every 10 ms; a stall is how much later than asked
it woke. Each mail's figure is the longest stall between its APPEND and its row in
`processed_mail`, with the state and reason it was recorded with. Needs root and Dovecot (as
the tests do); SQLite in a temporary data dir; everything stays on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select

from bench.mail_latency import dovecot_server
from bench.mails import invoice_mail
from bot.wiring import App
from intake.mail import watcher_from_settings
from intake.mail.imap import ImapWatcher, WatchTiming
from invoicing.config import load_settings
from invoicing.db.models import ProcessedMail
from tests.factories import simple_invoice_pdf
from tests.hostile_mail import encoded_subject_mail, nested_multipart_mail
from tests.integration.dovecot import BOT, Dovecot, mailbox

FOLDER = "INBOX"
PROBE_SECONDS = 0.01


class StallProbe:
    """Samples how late the loop wakes a task that sleeps `PROBE_SECONDS` at a time."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []  # (woken at, stall)
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(PROBE_SECONDS)
            woken = time.perf_counter()
            self.samples.append((woken, max(0.0, woken - asked - PROBE_SECONDS)))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def longest(self, start: float, end: float) -> float:
        return max((stall for woken, stall in self.samples if start <= woken <= end), default=0.0)


@dataclass(frozen=True, slots=True)
class MailFigure:
    mail: str
    size_bytes: int
    longest_stall_s: float
    taken_in_s: float
    state: str
    reason: str | None


def recorded_count(app: App) -> int:
    with app.db.transaction() as session:
        return len(list(session.execute(select(ProcessedMail.id)).scalars()))


async def take_one(
    app: App, server: Dovecot, watcher: ImapWatcher, probe: StallProbe, name: str, raw: bytes, timeout: float
) -> MailFigure:  # fmt: skip
    before = await asyncio.to_thread(recorded_count, app)
    await asyncio.wait_for(watcher.idling.wait(), timeout)  # in IDLE: the mail is pushed at once
    started = time.perf_counter()
    async with mailbox(server) as client:
        await client.append(raw, mailbox=FOLDER)
    deadline = time.monotonic() + timeout
    while await asyncio.to_thread(recorded_count, app) == before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} was not recorded within {timeout:g} s")
        await asyncio.sleep(0.05)
    ended = time.perf_counter()
    with app.db.transaction() as session:
        row = session.execute(select(ProcessedMail).order_by(ProcessedMail.id.desc()).limit(1)).scalar_one()
        state, reason = str(row.state), row.reason
    return MailFigure(
        name, len(raw), round(probe.longest(started, ended), 3), round(ended - started, 3), state,
        (reason or "")[:160] or None,
    )  # fmt: skip


async def measure(subject_kb: int, nesting: int, timeout: float) -> list[MailFigure]:
    root = Path(tempfile.mkdtemp(prefix="bench-loop-"))
    try:
        with dovecot_server() as server:
            return await _measure(root, server, subject_kb, nesting, timeout)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def _measure(root: Path, server: Dovecot, subject_kb: int, nesting: int, timeout: float) -> list[MailFigure]:
    settings = load_settings(
        data_dir=root / "var", imap_host="127.0.0.1", imap_port=server.port, imap_user=server.user,
        imap_password=server.password, imap_security="none", imap_folder=FOLDER, mail_from=BOT, workers=1,
    )  # fmt: skip
    app = App(settings)
    mails = [
        ("ordinary invoice mail", invoice_mail("LOOP-1", simple_invoice_pdf(number="LOOP-1"), "LOOP-1.pdf")),
        (f"{subject_kb} KB subject of encoded words", encoded_subject_mail(subject_kb)),
        (f"{nesting} nested multiparts", nested_multipart_mail(nesting)),
    ]
    watcher = watcher_from_settings(settings, app.intake)
    watcher.timing = WatchTiming(timeout=120, idle=60)
    stop = asyncio.Event()
    probe = StallProbe()
    probe.start()
    task = asyncio.create_task(watcher.run(stop))
    try:
        figures = [await take_one(app, server, watcher, probe, name, raw, timeout) for name, raw in mails]
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await probe.stop()
        app.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subject-kb", type=int, default=500)
    parser.add_argument("--nesting", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=300, help="give up on one mail after this many seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.subject_kb, args.nesting, args.timeout))
    if args.json:
        print(json.dumps([asdict(f) for f in figures]))
        return
    for f in figures:
        print(f"{f.mail:<34} {f.size_bytes:>8} B  longest loop stall {f.longest_stall_s:>7.3f} s"
              f"  taken in {f.taken_in_s:>7.3f} s  {f.state}: {f.reason or '-'}")  # fmt: skip


if __name__ == "__main__":
    main()
