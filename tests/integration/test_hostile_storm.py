"""A storm of hostile files and mails through the running service, while chat is answered.

The service (`serve`: drop folder, job worker, Telegram polling against the fake Bot API) reads
100+ generated files from its drop folder and a dozen more sent to the bot, while 30+ hostile
mails go through the mail intake the IMAP watcher calls. Each one must end refused with its
reason (a failed/ file with its .error.txt, a chat answer, a processed_mail row), none may crash
anything, the readers' peak memory must stay under their limit, and /tasks must be answered
meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.service import serve
from bot.wiring import App
from intake.mail.inbox import MailInbox, MailPolicy
from intake.mail.ledger import MailKey
from intake.mail.mime import MailCaps
from intake.reading import ReadOutcome
from invoicing import directory
from invoicing.config import Settings
from invoicing.db.models import ProcessedMail
from invoicing.domain import MailState, Role
from tests.hostile import Case
from tests.hostile.files import files
from tests.hostile.mails import mails
from tests.integration.fake_telegram import FakeTelegram, start_bot, stop_bot

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


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_a_storm_of_hostile_files_and_mails_is_refused_one_by_one_while_chat_is_answered(tmp_path: Path):
    """GIVEN the service running with two readers of 1 GB each WHEN 100+ hostile files are
    dropped, a dozen sent to the bot and 30+ hostile mails received THEN each is refused with
    its reason (good invoices among them are read), nothing crashes, no reader went past its
    memory limit, and /tasks was answered within seconds all along."""
    folder_cases = await asyncio.to_thread(files, oversize=DOCUMENT_LIMIT)
    chat_cases = [c for c in await asyncio.to_thread(files, 7) if c.name.startswith(("truncated-", "noise-")) and c.name.endswith(".pdf")]
    mail_cases = mails(attachment_limit=DOCUMENT_LIMIT)
    assert len(folder_cases) + len(chat_cases) + len(mail_cases) >= 140

    fake = FakeTelegram()
    await fake.start()
    settings = Settings(
        data_dir=tmp_path / "var", workers=2, log_level="WARNING", read_timeout_seconds=30,
        read_memory_mb=MEMORY_MB, max_document_bytes=DOCUMENT_LIMIT,
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
        await fake.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
        answers.append(await answered(fake, "/tasks", "No open tasks."))

        async def storm() -> None:
            await asyncio.to_thread(drop, inbox, folder_cases)
            for case in chat_cases:
                await fake.send_document(USER, case.data, f"chat-{case.name}", "application/pdf")
            mail_inbox = MailInbox(app.intake, MailPolicy(
                mail_from="invoices@example.test", caps=MailCaps(), budget_seconds=60,
                parse_memory_bytes=MEMORY_MB * 2**20,
            ))  # fmt: skip
            for uid, case in enumerate(mail_cases, start=1):
                await mail_inbox.process(MailKey("storm@example.test", "INBOX", 1, uid), case.data)

            def filed() -> bool:
                left = [p for p in inbox.iterdir() if p.is_file()]
                chat_files = [t for t in chat_texts(fake) if t.startswith(("I could not read", "I have this file"))]
                return not left and len(chat_files) >= len(chat_cases)

            await until(filed, "every dropped file to be filed and every chat file answered", 180)

        await while_running(storm(), fake, answers)
        assert not service.done(), "the service stopped"
    finally:
        stop.set()
        await asyncio.wait_for(service, 60)
        await fake.stop()
        logging.getLogger().removeHandler(errors)

    wrong = {}
    for case in folder_cases:
        failed = inbox / "failed" / f"{case.name}.error.txt"
        reason = failed.read_text().strip() if failed.exists() else None
        if reason is None and not (inbox / "done" / case.name).exists():
            wrong[case.name] = "neither in done/ nor in failed/"
        elif problem := clear_refusal(case, reason):
            wrong[case.name] = f"{case.kind}: {problem}"
    refusals = [text for text in chat_texts(fake) if text.startswith("I could not read an invoice")]
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
    assert not wrong, "\n".join(f"{name}: {problem}" for name, problem in wrong.items())
    assert not errors.records, [r.getMessage() for r in errors.records]
    peak = app.reader.peak_resident()
    assert 0 < peak < MEMORY_MB * 2**20, peak
    assert max(answers) < 5, answers


class HeldReader:
    """A reader that reads nothing until the test lets it: a file that takes long to read."""

    workers = 1

    def __init__(self) -> None:
        self.reading = asyncio.Event()
        self.release = asyncio.Event()

    async def read(self, data: bytes, filename: str, companion_xml: bytes | None = None) -> ReadOutcome:
        self.reading.set()
        await self.release.wait()
        return ReadOutcome(None, "the PDF is damaged or truncated and cannot be opened")


async def test_chat_is_answered_while_a_file_sent_to_the_bot_is_being_read(sqlite_db, clock, store, tmp_path):
    """GIVEN a user sent the bot a file that takes long to read (up to the reading time limit)
    WHEN they, or anyone, send /tasks meanwhile THEN it is answered at once, and the file's
    refusal follows when its reading ends (updates waited behind the file)."""
    with sqlite_db.transaction() as s:
        directory.add_user(s, clock, name="Mia", role=Role.ADMIN, telegram_user_id=USER)
    reader = HeldReader()
    bot = await start_bot(sqlite_db, clock, store, reader, tmp_path / "var")
    try:
        await bot.fake.send_document(USER, b"%PDF-1.7 slow", "slow.pdf", "application/pdf")
        await asyncio.wait_for(reader.reading.wait(), 10)

        await bot.fake.send_text(USER, "/tasks")
        await bot.fake.wait_for_text(USER, "No open tasks.", timeout=5)

        assert not reader.release.is_set()
        reader.release.set()
        await bot.fake.wait_for_text(USER, "I could not read an invoice from this file", timeout=10)
    finally:
        reader.release.set()
        await stop_bot(bot)
