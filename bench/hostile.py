"""Hostile input against the running service: 100+ broken or malicious files and mails at once.

The service (`serve`: drop folder, job worker, Telegram polling against the fake Bot API) reads
the generated files (`tests.hostile`) from its drop folder and a dozen more sent to the bot,
while the hostile mails go through the mail intake the IMAP watcher calls. Each must end refused
with its reason (a failed/ file with its .error.txt, a chat answer, a processed_mail row) or,
for the good invoices among them, read; /tasks is asked every second meanwhile. Reported: the
cases, those that went wrong, errors logged, the readers' peak resident memory against their
limit, and how long /tasks waited.

    python -m bench.hostile [--seeds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bot.service import serve
from bot.wiring import App
from intake.mail.inbox import MailInbox, MailPolicy
from intake.mail.ledger import MailKey
from intake.mail.mime import MailCaps
from invoicing import directory
from invoicing.config import Settings
from invoicing.db.models import ProcessedMail
from invoicing.domain import MailState, Role
from tests.hostile import Case
from tests.hostile.files import files
from tests.hostile.mails import mails
from tests.integration.fake_telegram import FakeTelegram

USER = 4711
MEMORY_MB = 1024
DOCUMENT_LIMIT = 16 * 2**20
#: Words of a reason that mean a reader or the service broke rather than refused.
CRASHED = ("the reader failed", "process died", "could not read the file (", "Traceback")


def clear_refusal(case: Case, reason: str | None) -> str | None:
    """Return what is wrong with the outcome of `case` (None when it is the expected one)."""
    if reason is None:
        return None if case.expect in ("read", "either") else "was not refused"
    if case.expect == "read":
        return f"a good invoice was refused: {reason}"
    if any(word in reason for word in CRASHED):
        return f"crashed: {reason}"
    if case.reasons and not any(fragment in reason for fragment in case.reasons):
        return f"refused for an unexpected reason: {reason}"
    return None


async def until(predicate: Callable[[], bool], what: str, timeout: float) -> None:
    """Return once `predicate()` holds (checked as the service makes progress); fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


class Errors(logging.Handler):
    """Keeps every ERROR logged while it is installed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def answered(fake: FakeTelegram, command: str, expect: str) -> float:
    """Send `command` and return the seconds until the bot's answer containing `expect`."""
    sent = time.monotonic()
    before = len(fake.calls)
    await fake.send_text(USER, command)
    await fake.wait_for(lambda c: c in fake.calls[before:] and expect in (c.params.get("text") or ""), timeout=30)
    return time.monotonic() - sent


def drop(inbox: Path, cases: list[Case]) -> None:
    """Put each case's file into the inbox whole, as a client writing then renaming would."""
    for case in cases:
        (inbox / f"{case.name}.part").write_bytes(case.data)
        (inbox / f"{case.name}.part").rename(inbox / case.name)


def chat_texts(fake: FakeTelegram) -> list[str]:
    return [str(c.params.get("text") or "") for c in fake.sent("sendMessage", USER)]


async def while_running(task: Awaitable[None], fake: FakeTelegram, answers: list[float]) -> None:
    """Ask /tasks every second until `task` is done, noting how long each answer took."""
    work = asyncio.ensure_future(task)
    while not work.done():
        answers.append(await answered(fake, "/tasks", "No open tasks."))
        await asyncio.wait({work}, timeout=1.0)
    await work


@dataclass
class Storm:
    """What the storm gave."""

    cases: int
    #: Case name -> what went wrong with it (empty when each ended as it must).
    wrong: dict[str, str]
    #: ERROR lines logged meanwhile.
    errors: list[str]
    refused: int
    read: int
    #: The most memory one reader had resident, and their limit, in bytes.
    peak_resident: int
    memory_limit: int
    #: Seconds each /tasks asked during the storm waited for its answer.
    answers: list[float]
    seconds: float


async def storm(data_dir: Path, seeds: tuple[int, ...] = (20260302,), memory_mb: int = MEMORY_MB) -> Storm:
    """Run the storm against a service on `data_dir` and return what it gave."""
    folder_cases: list[Case] = []
    for seed in seeds:
        cases = await asyncio.to_thread(files, seed, oversize=DOCUMENT_LIMIT)
        folder_cases += [Case(f"{seed}-{c.name}", c.data, c.kind, c.reasons, c.expect) for c in cases]
    chat_cases = [c for c in await asyncio.to_thread(files, 7) if c.name.startswith(("truncated-", "noise-"))
                  and c.name.endswith(".pdf")]  # fmt: skip
    mail_cases = [c for seed in seeds for c in mails(seed, attachment_limit=DOCUMENT_LIMIT)]

    fake = FakeTelegram()
    await fake.start()
    settings = Settings(
        data_dir=data_dir, workers=2, log_level="WARNING", read_timeout_seconds=30,
        read_memory_mb=memory_mb, max_document_bytes=DOCUMENT_LIMIT,
        telegram_token=fake.token, telegram_api_url=fake.base_url, telegram_file_url=fake.base_file_url,
    )  # fmt: skip
    app = App(settings)
    with app.db.transaction() as s:
        directory.add_user(s, app.clock, name="Mia", role=Role.ADMIN, telegram_user_id=USER)
    errors = Errors()
    logging.getLogger().addHandler(errors)
    stop = asyncio.Event()
    service = asyncio.create_task(serve(app, stop))
    inbox = settings.inbox_dir
    answers: list[float] = []
    try:
        await fake.wait_for(lambda c: c.method == "setMyCommands", timeout=120)
        answers.append(await answered(fake, "/tasks", "No open tasks."))
        started = time.monotonic()

        async def hostile() -> None:
            await asyncio.to_thread(drop, inbox, folder_cases)
            for case in chat_cases:
                await fake.send_document(USER, case.data, f"chat-{case.name}", "application/pdf")
            mail_inbox = MailInbox(app.intake, MailPolicy(
                mail_from="invoices@example.test", caps=MailCaps(), budget_seconds=60,
                parse_memory_bytes=memory_mb * 2**20,
            ))  # fmt: skip
            for uid, case in enumerate(mail_cases, start=1):
                await mail_inbox.process(MailKey("storm@example.test", "INBOX", 1, uid), case.data)

            def filed() -> bool:
                left = [p for p in inbox.iterdir() if p.is_file()]
                chat_files = [t for t in chat_texts(fake) if t.startswith(("I could not read", "I have this file"))]
                return not left and len(chat_files) >= len(chat_cases)

            await until(filed, "every dropped file to be filed and every chat file answered", 600)

        await while_running(hostile(), fake, answers)
        seconds = time.monotonic() - started
        if service.done():
            errors.records.append(logging.makeLogRecord({"msg": "the service stopped", "levelno": logging.ERROR}))
    finally:
        stop.set()
        await asyncio.wait_for(service, 60)
        await fake.stop()
        logging.getLogger().removeHandler(errors)

    wrong: dict[str, str] = {}
    refused = read = 0
    for case in folder_cases:
        failed = inbox / "failed" / f"{case.name}.error.txt"
        reason = failed.read_text().strip() if failed.exists() else None
        if reason is None and not (inbox / "done" / case.name).exists():
            wrong[case.name] = "neither in done/ nor in failed/"
            continue
        refused, read = refused + (reason is not None), read + (reason is None)
        if problem := clear_refusal(case, reason):
            wrong[case.name] = f"{case.kind}: {problem}"
    refusals = [text for text in chat_texts(fake) if text.startswith("I could not read an invoice")]
    refused += len(refusals)
    if len(refusals) != len(chat_cases):
        wrong["chat"] = f"{len(refusals)} refusals answered for {len(chat_cases)} files sent"
    for text in refusals:
        if any(word in text for word in CRASHED) or not any(f in text for f in chat_cases[0].reasons):
            wrong[f"chat: {text}"] = "not a clear reason"
    with app.db.transaction() as s:
        rows = {row.uid: row for row in s.execute(select(ProcessedMail)).scalars()}
    for uid, case in enumerate(mail_cases, start=1):
        row = rows.get(uid)
        if row is None or row.state not in (MailState.REFUSED, MailState.NO_INVOICE):
            wrong[case.name] = f"{case.kind}: recorded as {row.state if row else 'nothing'} ({row.reason if row else ''})"
        elif problem := clear_refusal(case, row.reason) if case.reasons else None:
            wrong[case.name] = f"{case.kind}: {problem}"
        else:
            refused += 1
    return Storm(
        len(folder_cases) + len(chat_cases) + len(mail_cases), wrong, [r.getMessage() for r in errors.records],
        refused, read, app.reader.peak_resident(), memory_mb * 2**20, answers, seconds,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="how many generations of the cases, seeded 1, 2, ...")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="invoicebot-bench-") as tmp:
        result = asyncio.run(storm(Path(tmp) / "var", tuple(range(1, args.seeds + 1))))
    mb = 2**20
    print(f"Hostile input: {result.cases} files and mails ({args.seeds} seeds, 2 readers of {result.memory_limit // mb} MB):")
    print(f"  refused with a reason: {result.refused}; good invoices among them read: {result.read}; "
          f"wrong outcome: {len(result.wrong)}; errors logged (crashes): {len(result.errors)}")  # fmt: skip
    print(f"  peak resident memory of one reader: {result.peak_resident / mb:.0f} MB (limit {result.memory_limit // mb} MB)")
    print(f"  /tasks during the storm: {len(result.answers)} asked, slowest answer {max(result.answers) * 1000:.0f} ms; "
          f"storm handled in {result.seconds:.0f} s")  # fmt: skip
    for name, problem in list(result.wrong.items()) + [(e, "") for e in result.errors]:
        print("   ", name, problem)


if __name__ == "__main__":
    main()
