"""Two real `invoicebot run` processes on one PostgreSQL, one killed with SIGKILL mid-work.

Work comes in by every door at once: mails in a real Dovecot folder, files in the shared drop
folder (queued as reading jobs that either process takes), documents sent to the bot through the
fake Bot API server; each becomes an invoice whose approval request is a job. The process that owns the mailbox, the Telegram updates and the
scheduler is killed while documents are being read; the other takes them over within seconds
and nothing is lost or done twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from invoicing import directory
from invoicing.clock import SystemClock
from invoicing.db.engine import Database
from invoicing.db.models import Approval, Document, Invoice, Job, ProcessedMail
from invoicing.domain import JobState, Role
from tests.conftest import _empty_postgres
from tests.factories import simple_invoice_pdf
from tests.integration.cli import INVOICEBOT, cli_env
from tests.integration.dovecot import Dovecot, mailbox, until
from tests.integration.fake_telegram import Call, FakeTelegram
from tests.integration.test_imap import invoice_mail

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MANAGER = 5001
MAILS, FILES, CHATS = 3, 6, 2
OWNED = ("invoicebot telegram updates", "invoicebot scheduler", "invoicebot imap")


@dataclass
class Service:
    """One `invoicebot run` process and the file its log goes to."""

    process: subprocess.Popen[bytes]
    log: Path

    def owns(self, *names: str) -> bool:
        text = self.log.read_text(errors="replace")
        return all(f"this process now owns {name}" in text for name in names)

    def said(self, fragment: str) -> bool:
        return fragment in self.log.read_text(errors="replace")


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    db = Database.from_url(postgres_url)
    _empty_postgres(db)
    with db.transaction() as s:
        manager = directory.add_user(s, SystemClock(), name="Mia Manager", role=Role.MANAGER, telegram_user_id=MANAGER)
        vendor = directory.ContactInput(name="Muster Software GmbH", vat_id="DE123456788", manager_id=manager.id,
                                        is_vendor=True)  # fmt: skip
        directory.add_contact(s, SystemClock(), vendor)
    yield db
    db.dispose()


def _start(name: str, tmp_path: Path, env: dict[str, str]) -> Service:
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([INVOICEBOT, "run"], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Service(process, log)


def _count(db: Database, what: Callable[[], object]) -> int:
    with db.transaction() as s:
        return int(s.execute(what()).scalar() or 0)  # type: ignore[call-overload]


def _drop(inbox: Path, name: str, data: bytes) -> None:
    (inbox / f"{name}.part").write_bytes(data)
    (inbox / f"{name}.part").rename(inbox / name)


def _is_request(call: Call) -> bool:
    return call.method in ("sendPhoto", "sendMessage") and call.chat_id == MANAGER and len(call.buttons) == 3


def _all_owned(services: list[Service]) -> bool:
    return all(any(s.owns(name) for s in services) for name in OWNED)


def _all_settled(db: Database, expected: int) -> bool:
    with db.transaction() as s:
        invoices = s.execute(select(func.count()).select_from(Invoice)).scalar()
        open_jobs = s.execute(select(func.count()).where(Job.state.in_([JobState.PENDING, JobState.RUNNING]))).scalar()
        return invoices == expected and open_jobs == 0


def _rerun(db: Database) -> list[str]:
    """Return the kinds of the jobs that took more than one attempt (a killed worker's)."""
    with db.transaction() as s:
        return list(s.execute(select(Job.kind).where(Job.attempts > 1)).scalars())


def _state(db: Database) -> str:
    """Return what was recorded, for a failure's message."""
    with db.transaction() as s:
        numbers = sorted(str(n) for n in s.execute(select(Invoice.number)).scalars())
        jobs = s.execute(select(Job.kind, Job.state, Job.attempts, Job.last_error)).all()
    return f"invoices {numbers}; jobs {jobs}"


async def test_two_processes_one_killed_mid_work_lose_nothing_and_do_nothing_twice(
    database: Database, postgres_url: str, dovecot: Dovecot, folder: str, tmp_path: Path
):
    """GIVEN two `invoicebot run` on one PostgreSQL WHEN mails, files and chat documents arrive and
    the process owning the Telegram updates is killed with SIGKILL while they are read THEN the
    other owns the updates, the mailbox and the scheduler within seconds, every document
    is recorded once, each approval request is sent at most once (once, unless its send was cut
    off, which leaves it marked as begun) and no job is left waiting."""
    fake = FakeTelegram()
    await fake.start()
    async with mailbox(dovecot) as client:
        await client.create(folder)
    data_dir = tmp_path / "var"
    env = {
        **cli_env(data_dir, postgres_url),
        "INVOICEBOT_TELEGRAM_TOKEN": fake.token, "INVOICEBOT_TELEGRAM_API_URL": fake.base_url,
        "INVOICEBOT_TELEGRAM_FILE_URL": fake.base_file_url,
        "INVOICEBOT_IMAP_HOST": "127.0.0.1", "INVOICEBOT_IMAP_PORT": str(dovecot.port),
        "INVOICEBOT_IMAP_USER": dovecot.user, "INVOICEBOT_IMAP_PASSWORD": dovecot.password,
        "INVOICEBOT_IMAP_SECURITY": "none", "INVOICEBOT_IMAP_FOLDER": folder,
        "INVOICEBOT_TAKEOVER_SECONDS": "1", "INVOICEBOT_JOB_LEASE_SECONDS": "4",
        "INVOICEBOT_READ_IN_JOBS": "true",  # dropped files are read by either process, as jobs
    }  # fmt: skip
    services = [_start("first", tmp_path, env), _start("second", tmp_path, env)]
    try:
        ready = ("for invoices", "ready for queued documents")
        await until(lambda: all(s.said(r) for s in services for r in ready) and _all_owned(services), 90)
        victim = next(s for s in services if s.owns("invoicebot telegram updates"))
        survivor = next(s for s in services if s is not victim)

        inbox = data_dir / "inbox"
        numbers = [f"RE-M-{n}" for n in range(MAILS)] + [f"RE-F-{n}" for n in range(FILES)]
        numbers += [f"RE-C-{n}" for n in range(CHATS)]
        async with mailbox(dovecot) as client:
            for n in range(MAILS):
                await client.append(invoice_mail(f"RE-M-{n}").as_bytes(), mailbox=folder)
        for n in range(FILES):
            await asyncio.to_thread(_drop, inbox, f"RE-F-{n}.pdf", simple_invoice_pdf(f"RE-F-{n}"))
        for n in range(CHATS):
            await fake.send_document(MANAGER, simple_invoice_pdf(f"RE-C-{n}"), f"RE-C-{n}.pdf", "application/pdf")

        await until(lambda: _count(database, lambda: select(func.count()).select_from(Invoice)) >= 2, 60)
        victim.process.kill()
        killed_at = time.monotonic()
        at_kill = _count(database, lambda: select(func.count()).select_from(Invoice))
        assert victim.process.wait(10) == -signal.SIGKILL
        assert at_kill < len(numbers), "the work was over before the kill"

        await until(lambda: survivor.owns(*OWNED), 15)
        takeover = time.monotonic() - killed_at
        assert takeover < 10, f"took {takeover:.1f} s to take over"
        print(f"takeover of {', '.join(OWNED)} after SIGKILL: {takeover:.1f} s")
        # The survivor receives the chat now: a document sent after the kill is read and asked about.
        numbers.append("RE-C-9")
        await fake.send_document(MANAGER, simple_invoice_pdf("RE-C-9"), "RE-C-9.pdf", "application/pdf")

        try:
            await until(lambda: _all_settled(database, len(numbers)), 90)
        except AssertionError as e:
            raise AssertionError(f"{_state(database)}\n{survivor.log.read_text()[-4000:]}") from e
    finally:
        for service in services:
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        codes = {service.process.wait(30) for service in services}
        await fake.stop()
    assert codes == {-signal.SIGKILL, 0}, survivor.log.read_text()[-3000:]
    print(f"invoices at the kill: {at_kill} of {len(numbers) - 1}; jobs run again: {_rerun(database)}")

    with database.transaction() as s:
        recorded = s.execute(select(Invoice.number, Invoice.id)).all()
        approvals = s.execute(select(Approval.invoice_id, Approval.chat_id, Approval.message_id)).all()
        states = set(s.execute(select(Job.state)).scalars())
        documents = s.execute(select(func.count()).select_from(Document)).scalar()
        mails = s.execute(select(func.count()).select_from(ProcessedMail)).scalar()
    assert sorted(number for number, _ in recorded) == sorted(numbers)  # each once
    assert documents == len(numbers) and mails == MAILS
    assert states <= {JobState.DONE, JobState.UNKNOWN}
    assert sorted(name for name in os.listdir(inbox / "done")) == sorted(f"RE-F-{n}.pdf" for n in range(FILES))
    assert not [p for p in inbox.iterdir() if p.is_file()]

    number_of = dict((i, n) for n, i in recorded)
    requests = [c for c in fake.calls if _is_request(c)]
    assert len(approvals) == len(numbers)
    for invoice_id, chat_id, message_id in approvals:
        sent = [c for c in requests if number_of[invoice_id] in str(c.params.get("caption") or c.params.get("text"))]
        assert chat_id == MANAGER  # the send began
        assert len(sent) == 1 if message_id is not None else len(sent) <= 1, number_of[invoice_id]
    assert sum(1 for _, _, m in approvals if m is not None) >= len(numbers) - 1  # at most the one cut off
