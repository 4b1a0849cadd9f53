"""A watcher process killed with SIGKILL after a mail's row is committed and before the mail is
flagged: the next process flags it and takes nothing twice."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import aioimaplib

from intake.mail.imap import ImapAccount, ImapWatcher
from invoicing.db.models import Document, Invoice, ProcessedMail
from tests.integration.dovecot import Dovecot, mailbox
from tests.integration.test_imap import TIMING, invoice_mail, rows

#: A watcher whose `_mark` (the step right after the commit) kills its own process.
CHILD = """
import asyncio, os, signal, sys
from pathlib import Path
from intake.mail.imap import ImapAccount, ImapWatcher, WatchTiming
from intake.mail.inbox import MailInbox, MailPolicy
from intake.pipeline import DocumentReader, Intake
from invoicing.clock import SystemClock
from invoicing.db.engine import Database
from invoicing.files import FileStore
from invoicing.receiving import ReceivingPolicy

url, files, port, user, password, folder = sys.argv[1:]

async def die(self, client, uid):
    os.kill(os.getpid(), signal.SIGKILL)

async def main():
    ImapWatcher._mark = die
    intake = Intake(Database.from_url(url), SystemClock(), FileStore(Path(files)), DocumentReader(1),
                    ReceivingPolicy(), 10 * 1024 * 1024)
    account = ImapAccount("127.0.0.1", user, password, port=int(port), security="none", folder=folder)
    watcher = ImapWatcher(account, MailInbox(intake, MailPolicy(mail_from="bot@example.test")),
                          WatchTiming(timeout=5, backoff_first=0.2, backoff_max=1))
    await asyncio.wait_for(watcher.run(asyncio.Event()), 60)

asyncio.run(main())
"""


async def flags(client: aioimaplib.IMAP4, folder: str) -> list[bytes]:
    await client.select(folder)
    response = await client.uid("fetch", "1:*", "(FLAGS)")
    return [bytes(line) for line in response.lines if b"FETCH" in bytes(line)]


async def test_sigkill_between_commit_and_flag_loses_nothing_and_takes_nothing_twice(
    db, dovecot: Dovecot, inbox, folder, store
):
    """GIVEN a watcher process that dies by SIGKILL right after committing a mail's row
    WHEN a new watcher starts THEN the mail is flagged, with one row, one document, one invoice."""
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(invoice_mail("RE-KILL-1").as_bytes(), mailbox=folder)
    url = db.engine.url.render_as_string(hide_password=False)
    args = [url, str(store.root), str(dovecot.port), dovecot.user, dovecot.password, folder]
    child = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", CHILD, *args], capture_output=True, timeout=120
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    assert len(rows(db, ProcessedMail)) == 1
    async with mailbox(dovecot) as client:
        [line] = await flags(client, folder)
        assert b"$InvoicebotProcessed" not in line  # died before the flag

        account = ImapAccount(
            "127.0.0.1", dovecot.user, dovecot.password, port=dovecot.port, security="none", folder=folder
        )
        stop = asyncio.Event()
        task = asyncio.create_task(ImapWatcher(account, inbox, TIMING).run(stop))
        try:
            for _ in range(100):
                [line] = await flags(client, folder)
                if b"$InvoicebotProcessed" in line:
                    break
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
    assert b"$InvoicebotProcessed" in line
    assert len(rows(db, ProcessedMail)) == 1 and len(rows(db, Document)) == 1
    assert [i.number for i in rows(db, Invoice)] == ["RE-KILL-1"]
