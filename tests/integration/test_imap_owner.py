"""One mailbox, several processes on PostgreSQL: only the owner of the advisory lock watches it,
and another takes over when the owner's connection (so its lock) is gone."""

from __future__ import annotations

import asyncio

import aioimaplib
import pytest
from sqlalchemy import text

from intake.mail import watcher_from_settings
from intake.mail.imap import ImapAccount, ImapWatcher
from intake.mail.inbox import MailInbox, MailPolicy
from intake.pipeline import Intake
from invoicing.config import load_settings
from invoicing.db.engine import Database
from invoicing.db.models import Invoice, ProcessedMail
from invoicing.db.owner import OwnerLock
from invoicing.receiving import ReceivingPolicy
from tests.integration.dovecot import BOT, Dovecot, mailbox, until
from tests.integration.test_imap import TIMING, in_idle, invoice_mail, rows

pytestmark = pytest.mark.postgres


class CountingWatcher(ImapWatcher):
    """Counts its IMAP logins: a process that does not own the mailbox must have none."""

    connects = 0

    async def _connect(self) -> aioimaplib.IMAP4:
        self.connects += 1
        return await super()._connect()




class CountingLock(OwnerLock):
    """Counts the tries that found the lock taken by another process."""

    refused = 0

    async def _try_take(self) -> bool:
        taken = await super()._try_take()
        self.refused += not taken
        return taken


def _watcher(db: Database, clock, store, reader, server: Dovecot, folder: str) -> CountingWatcher:  # type: ignore[no-untyped-def]
    intake = Intake(db, clock, store, reader, ReceivingPolicy(), 10 * 1024 * 1024)
    account = ImapAccount("127.0.0.1", server.user, server.password, port=server.port, security="none", folder=folder)
    owner = CountingLock(db, f"test imap {folder}", retry=0.2, check=0.2)
    return CountingWatcher(account, MailInbox(intake, MailPolicy(mail_from=BOT)), TIMING, owner)


async def refused_twice_more(lock: OwnerLock | None) -> None:
    """Wait until `lock` has found the mailbox owned by the other process twice more."""
    assert isinstance(lock, CountingLock)
    seen = lock.refused
    await until(lambda: lock.refused >= seen + 2)


def _lock_holders(db: Database, key: int) -> list[int]:
    with db.engine.connect() as conn:
        query = text(  # a bigint key shows as its high (classid) and low (objid) 32 bits
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid::text::bigint = :high AND objid::text::bigint = :low AND objsubid = 1"
        )
        halves = {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF}
        return [int(pid) for pid in conn.execute(query, halves).scalars()]


async def test_only_the_lock_owner_watches_and_the_other_takes_over_when_it_is_gone(
    two_processes, clock, store, reader, dovecot, folder
):
    """GIVEN two watchers of one folder on PostgreSQL WHEN mail arrives THEN only the first, which
    owns the lock, logs in and takes it; WHEN the owner's lock connection is killed THEN the
    first stops watching, the second takes over and takes the next mail, each mail once."""
    db_a, db_b = two_processes
    a = _watcher(db_a, clock, store, reader, dovecot, folder)
    b = _watcher(db_b, clock, store, reader, dovecot, folder)
    assert a.owner is not None and b.owner is not None
    async with mailbox(dovecot) as client:
        await client.create(folder)
    stop = asyncio.Event()
    task_a = asyncio.create_task(a.run(stop))
    await asyncio.wait_for(a.watching.wait(), 20)  # a owns the mailbox and watches it
    task_b = asyncio.create_task(b.run(stop))
    try:
        await in_idle(a)
        async with mailbox(dovecot) as client:
            await client.append(invoice_mail("RE-OWN-1").as_bytes(), mailbox=folder)
        await until(lambda: len(rows(db_a, ProcessedMail)) == 1)
        await refused_twice_more(b.owner)  # b tried to take over meanwhile, and could not
        assert (a.connects, b.connects) == (1, 0) and not b.watching.is_set()

        [holder] = await asyncio.to_thread(_lock_holders, db_a, a.owner.key)
        with db_a.engine.connect() as conn:  # the owner's connection dies, as with the process
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
        await asyncio.wait_for(b.watching.wait(), 20)  # b took the lock over
        await until(lambda: not a.watching.is_set() and a._client is None)  # a noticed and stopped watching
        await in_idle(b)
        async with mailbox(dovecot) as client:
            await client.append(invoice_mail("RE-OWN-2").as_bytes(), mailbox=folder)
        await until(lambda: len(rows(db_a, ProcessedMail)) == 2)
        await refused_twice_more(a.owner)  # a tried to take it back meanwhile, and could not
        assert (a.connects, b.connects) == (1, 1) and not a.watching.is_set()
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(task_a, task_b), 10)
        a.owner.dispose()
        b.owner.dispose()
    assert sorted(i.number for i in rows(db_a, Invoice)) == ["RE-OWN-1", "RE-OWN-2"]
    # The server frees a session's lock when its backend has seen the connection close: soon after.
    await until(lambda: _lock_holders(db_a, a.owner.key) == [])


def test_the_watcher_takes_the_lock_on_postgresql_only(postgres_url, sqlite_db, clock, store, reader):
    settings = load_settings(imap_host="127.0.0.1", imap_user="u", imap_password="p", imap_folder="INBOX")
    for db, locked in ((sqlite_db, False), (Database.from_url(postgres_url), True)):
        intake = Intake(db, clock, store, reader, ReceivingPolicy(), 1024)
        watcher = watcher_from_settings(settings, intake)
        assert watcher.owner is not None and watcher.owner.shared == locked
        watcher.owner.dispose()
