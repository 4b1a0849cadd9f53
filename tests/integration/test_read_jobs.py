"""Documents queued for reading (`read_in_jobs`): the drop folder stores each file and enqueues a
`document.read` job; a process of the `readers` role reads and records it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import func, select

from intake.folder import DropFolder
from intake.pipeline import Intake
from intake.read_jobs import DOCUMENT_READ, ReadHandler
from invoicing import jobs
from invoicing.db.models import Document, Invoice, Job
from invoicing.domain import JobState
from invoicing.receiving import ReceivingPolicy
from tests.factories import simple_invoice_pdf


def _drop(inbox: Path, name: str, data: bytes) -> None:
    path = inbox / name
    path.write_bytes(data)
    past = time.time() - 60  # dropped a while ago: settled
    os.utime(path, (past, past))


def _rows(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


async def test_queued_files_are_read_by_the_readers_once_each(db, clock, store, reader, tmp_path):
    """GIVEN a drop folder that queues WHEN an invoice, the same bytes under another name and a
    broken file are dropped THEN all three move to done at once, two reading jobs wait and nothing
    is recorded yet; WHEN a reader runs the jobs THEN the invoice is recorded once and the broken
    file as an unreadable document."""
    intake = Intake(db, clock, store, reader, ReceivingPolicy(), max_bytes=5 * 1024 * 1024)
    folder = DropFolder(tmp_path / "var" / "inbox", intake, queue=True)
    folder.prepare()
    _drop(folder.inbox, "invoice.pdf", simple_invoice_pdf("RE-Q-1"))
    _drop(folder.inbox, "again.pdf", simple_invoice_pdf("RE-Q-1"))
    _drop(folder.inbox, "broken.pdf", b"%PDF-1.7\nnot really a pdf")

    assert await folder.scan() == 3
    assert sorted(p.name for p in folder.done.iterdir()) == ["again.pdf", "broken.pdf", "invoice.pdf"]
    assert _rows(db, Job) == 2 and _rows(db, Document) == 0

    ran = await jobs.run_due(db, clock, {DOCUMENT_READ: ReadHandler(intake)}, "reader", limit=1)
    ran += await jobs.run_due(db, clock, {DOCUMENT_READ: ReadHandler(intake)}, "reader", limit=1)
    assert ran == 2
    with db.transaction() as session:
        assert list(session.execute(select(Invoice.number)).scalars()) == ["RE-Q-1"]
        errors = [d.error for d in session.execute(select(Document)).scalars()]
        assert set(session.execute(select(Job.state).where(Job.kind == DOCUMENT_READ)).scalars()) == {JobState.DONE}
    assert len(errors) == 2 and sum(1 for e in errors if e) == 1
