"""The drop folder with a real database, store and reading processes: what it takes, what it
leaves alone, and that the event loop stays free while it reads."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.folder import DropFolder
from intake.pipeline import DocumentReader, Intake
from invoicing.db.models import Document, Invoice
from invoicing.receiving import ReceivingPolicy
from tests.factories import packed_words_pdf, simple_invoice_pdf


@pytest.fixture(scope="module")
def two_readers() -> Iterator[DocumentReader]:
    reader = DocumentReader(2)
    yield reader
    reader.close()


@pytest.fixture
def folder(db, clock, store, two_readers, tmp_path: Path) -> DropFolder:  # type: ignore[no-untyped-def]
    intake = Intake(db, clock, store, two_readers, ReceivingPolicy(), max_bytes=5 * 1024 * 1024)
    drop = DropFolder(tmp_path / "var" / "inbox", intake)
    drop.prepare()
    return drop


def _settled(path: Path) -> None:
    """Date the file a minute back, as if it had been dropped a while ago."""
    past = time.time() - 60
    os.utime(path, (past, past), follow_symlinks=False)


def _count(folder: DropFolder, model: type) -> int:
    with folder.intake.db.transaction() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


async def test_a_symlink_to_a_secret_is_left_in_place_unread_and_logged(folder, tmp_path, caplog):
    """GIVEN a link in the inbox to a file elsewhere, beside a real invoice WHEN the folder is
    scanned THEN the invoice is recorded, the link stays where it is, and nothing of the secret
    reaches the store."""
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(simple_invoice_pdf(number="SECRET-1"))
    _settled(secret)
    (folder.inbox / "link.pdf").symlink_to(secret)
    (folder.inbox / "invoice.pdf").write_bytes(simple_invoice_pdf())
    _settled(folder.inbox / "invoice.pdf")
    _settled(folder.inbox / "link.pdf")

    with caplog.at_level(logging.WARNING, logger="intake.folder"):
        handled = await folder.scan()

    assert handled == 1
    assert (folder.inbox / "link.pdf").is_symlink()
    assert (folder.done / "invoice.pdf").exists() and not (folder.done / "link.pdf").exists()
    assert _count(folder, Document) == 1
    assert not list(folder.intake.store.root.rglob(secret.name))
    stored = [p.read_bytes() for p in folder.intake.store.root.rglob("*") if p.is_file()]
    assert secret.read_bytes() not in stored
    assert "link.pdf is a symbolic link or not a regular file" in caplog.text


async def test_a_pipe_in_the_inbox_is_left_alone_without_blocking(folder, caplog):
    os.mkfifo(folder.inbox / "pipe.pdf")
    with caplog.at_level(logging.WARNING, logger="intake.folder"):
        assert await asyncio.wait_for(folder.scan(), timeout=10) == 0
    assert stat.S_ISFIFO((folder.inbox / "pipe.pdf").lstat().st_mode)
    assert "pipe.pdf is a symbolic link or not a regular file" in caplog.text


async def test_a_file_still_open_for_writing_waits_until_its_writer_closes_it(folder):
    """GIVEN half an invoice written to a file that its writer still holds open (and whose date
    says it has not changed for a minute) WHEN the folder is scanned THEN it is left alone; once
    the writer has finished and closed it, it is recorded whole."""
    data = simple_invoice_pdf()
    path = folder.inbox / "slow.pdf"
    with path.open("wb") as writer:
        writer.write(data[: len(data) // 2])
        writer.flush()
        _settled(path)
        assert await folder.scan() == 0
        writer.write(data[len(data) // 2 :])
    _settled(path)

    deadline = time.monotonic() + 10  # a busy file is looked at again a moment later
    while not await folder.scan() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert (folder.done / "slow.pdf").read_bytes() == data
    assert _count(folder, Invoice) == 1


async def test_files_dropped_while_watching_are_all_recorded_and_moved(folder):
    """GIVEN the folder being watched WHEN six invoices are dropped at once THEN each becomes an
    invoice and moves to done/."""
    stop = asyncio.Event()
    watching = asyncio.create_task(folder.watch(stop))
    try:
        for n in range(6):
            (folder.inbox / f"invoice-{n}.pdf").write_bytes(simple_invoice_pdf(number=f"RE-{n}"))
        deadline = time.monotonic() + 60
        while len(list(folder.done.glob("*.pdf"))) < 6 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(watching, timeout=30)
    assert sorted(p.name for p in folder.done.glob("*.pdf")) == [f"invoice-{n}.pdf" for n in range(6)]
    assert _count(folder, Invoice) == 6 and not list(folder.inbox.glob("*.pdf"))


async def test_the_event_loop_keeps_ticking_while_documents_are_read(folder):
    """GIVEN documents that take a while to read WHEN the folder reads them THEN a timer on the
    event loop is never held up for long: reading happens elsewhere."""
    for n in range(3):
        path = folder.inbox / f"long-{n}.pdf"
        path.write_bytes(packed_words_pdf(4 + n, words=300))
        _settled(path)
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    assert await folder.scan() == 3
    done.set()
    await ticking
    assert max(gaps) < 0.5, f"the event loop was held for {max(gaps):.2f} s"


async def test_a_file_over_the_size_limit_is_refused_without_being_read_whole(folder):
    path = folder.inbox / "huge.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(6 * 1024 * 1024))
    _settled(path)
    assert await folder.scan() == 1
    assert "too large" in (folder.failed / "huge.pdf.error.txt").read_text()


def test_preparing_the_folder_creates_a_private_data_dir(folder):
    assert stat.S_IMODE(folder.inbox.parent.stat().st_mode) == 0o700


def test_only_regular_files_left_alone_a_moment_are_ready_oldest_first(folder):
    """GIVEN a listing of the inbox WHEN sorted out THEN folders, links, pipes, hidden and partial
    files are not ready, a file changed 50 ms ago is ready 50 ms later, and older files are
    ready now, oldest first."""
    now = 1_000_000.0
    regular, link, fifo, folder_mode = stat.S_IFREG | 0o644, stat.S_IFLNK | 0o777, stat.S_IFIFO | 0o644, stat.S_IFDIR
    listing = [
        ("done", folder_mode, now - 99), ("b.pdf", regular, now - 5), ("a.pdf", regular, now - 9),
        ("new.pdf", regular, now - 0.05), ("link.pdf", link, now - 9), ("pipe.pdf", fifo, now - 9),
        (".hidden.pdf", regular, now - 9), ("upload.pdf.part", regular, now - 9),
    ]  # fmt: skip

    ready, soonest = folder.waiting(listing, now)

    assert [p.name for p in ready] == ["a.pdf", "b.pdf"]
    assert soonest == pytest.approx(0.05)


async def test_a_refused_file_dropped_again_goes_to_failed_with_its_reason_not_to_done(folder):
    """GIVEN an empty file refused from the folder WHEN the same bytes are dropped again under
    another name THEN that file too lands in failed/ with an .error.txt naming the first
    document and the reason (it went to done/, as if recorded)."""
    (folder.inbox / "first.pdf").write_bytes(b"")
    _settled(folder.inbox / "first.pdf")
    assert await folder.scan() == 1
    (folder.inbox / "again.pdf").write_bytes(b"")
    _settled(folder.inbox / "again.pdf")

    assert await folder.scan() == 1

    assert not (folder.done / "again.pdf").exists()
    reason = (folder.failed / "again.pdf.error.txt").read_text()
    assert "the same file as document 1, which could not be read: empty file (0 bytes)" in reason
    assert _count(folder, Document) == 1


async def test_a_file_over_the_size_limit_is_refused_with_its_real_size(folder):
    """GIVEN a 6 MB file in a folder that takes at most 5 MB WHEN scanned THEN it lands in
    failed/ with a reason naming its size (it named the limit plus one byte, all that was read)."""
    (folder.inbox / "big.pdf").write_bytes(simple_invoice_pdf() + b"%" * 6 * 1024 * 1024)
    size = (folder.inbox / "big.pdf").stat().st_size
    _settled(folder.inbox / "big.pdf")

    assert await folder.scan() == 1

    assert (folder.failed / "big.pdf.error.txt").read_text().strip() == f"file too large: {size} > {5 * 1024 * 1024}"
