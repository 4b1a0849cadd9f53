"""The drop folder: every file put into `<data dir>/inbox/` is ingested once, then moved.

A file goes to `inbox/done/` once recorded, or to `inbox/failed/` with a `.error.txt` beside it
saying why no invoice could be read. Several files are read at once, as many as the reader has
processes and as many again being recorded. A file is taken once its writer is done with it
(`intake.settled`); hidden or temporary files (`.name`, `*.part`, `*.tmp`, `*~`) are left alone,
and so are symbolic links and whatever else is not a regular file, with a log line: the folder
never follows a link out of itself.

With `queue` (several processes on PostgreSQL) the folder reads nothing itself: each file is
stored and becomes a `document.read` job for the processes of the `readers` role, and moves to
`inbox/done/` at once; a file that cannot be read is then recorded as unreadable, for review.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
import time
from pathlib import Path

from intake.pipeline import Intake
from intake.read_jobs import queue_document
from intake.settled import QUIET_SECONDS, NotRegular, NotYet, read_settled
from invoicing.domain import Channel
from invoicing.files import private_dir
from invoicing.receiving import Received

log = logging.getLogger(__name__)

#: The folder is scanned at least this often, whatever the change notifications say.
RESCAN_SECONDS = 5.0
_TEMPORARY_SUFFIXES = (".part", ".tmp", ".crdownload", "~", ".error.txt")


class DropFolder:
    def __init__(self, inbox: Path, intake: Intake, concurrency: int = 0, queue: bool = False) -> None:
        self.inbox = inbox
        #: Leave the reading to processes of the `readers` role: each file becomes a job (`read_jobs`).
        self.queue = queue
        self.done = inbox / "done"
        self.failed = inbox / "failed"
        self.intake = intake
        #: Files ingested at once: reading them, and as many again being recorded.
        self.concurrency = concurrency or 2 * intake.reader.workers
        self._taken: set[str] = set()
        self._tasks: set[asyncio.Task[bool]] = set()
        self._not_before: dict[str, float] = {}
        self._refused: set[str] = set()
        self._changed = asyncio.Event()

    def prepare(self) -> None:
        private_dir(self.inbox.parent)
        for folder in (self.inbox, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    def waiting(self, listing: list[tuple[str, int, float]], now: float) -> tuple[list[Path], float]:
        """Return the regular files of `listing` (name, mode, modified) that have been left alone
        a moment and are not being ingested, oldest first, and the seconds until another one may
        be ready."""
        ready: list[tuple[float, Path]] = []
        soonest = RESCAN_SECONDS
        refused: set[str] = set()
        for name, mode, modified in listing:
            if name in self._taken or name.startswith(".") or name.endswith(_TEMPORARY_SUFFIXES):
                continue
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                refused.add(name)
                continue
            wait = max(self._not_before.get(name, 0.0), modified + QUIET_SECONDS) - now
            if wait > 0:
                soonest = min(soonest, wait)
            else:
                ready.append((modified, self.inbox / name))
        self._log_refused(refused)
        for gone in self._not_before.keys() - {name for name, _, _ in listing}:
            del self._not_before[gone]
        return [path for _, path in sorted(ready)], soonest

    async def _ready_files(self) -> tuple[list[Path], float]:
        listing = await asyncio.to_thread(_listing, self.inbox)
        return self.waiting(listing, time.time())

    def _log_refused(self, refused: set[str]) -> None:
        for name in sorted(refused - self._refused):
            log.warning("drop folder: %s is a symbolic link or not a regular file; left in place, not read", name)
        self._refused = refused

    async def _settled(self, path: Path) -> bytes | None:
        """Return the file's bytes once its writer is done with it, else None (tried again later)."""
        try:
            data = await asyncio.to_thread(read_settled, path, self.intake.max_bytes + 1)
        except NotYet as e:
            self._not_before[path.name] = time.time() + e.seconds
            return None
        except NotRegular:
            self._log_refused(self._refused | {path.name})
            return None
        self._not_before.pop(path.name, None)
        return data

    async def queue_file(self, path: Path) -> bool:
        """Store one inbox file, enqueue its reading and move it to done; return whether it was taken."""
        data = await self._settled(path)
        if data is None:
            return False
        intake = self.intake
        new = await asyncio.to_thread(queue_document, intake.db, intake.clock, intake.store, data, path.name,
                                      channel=Channel.FOLDER, source_ref=path.name, actor="folder")  # fmt: skip
        target = _free_name(self.done / path.name)
        with contextlib.suppress(FileNotFoundError):  # filed by another process sharing the folder
            await asyncio.to_thread(path.replace, target)
        log.info("%s queued for reading%s", path.name, "" if new else " (queued before)")
        return True

    async def ingest_file(self, path: Path) -> Received | None:
        """Ingest one inbox file and move it away; return the outcome (None if it was not taken)."""
        data = await self._settled(path)
        if data is None:
            return None
        size = None
        if len(data) > self.intake.max_bytes:  # read no further than the limit: say how large it is
            size = await asyncio.to_thread(lambda: path.stat().st_size)
        received = await self.intake.ingest(
            data, path.name, channel=Channel.FOLDER, source_ref=path.name, actor="folder", size=size
        )
        await asyncio.to_thread(self._file_away, path, received)
        return received

    def _file_away(self, path: Path, received: Received) -> None:
        error = received.error
        if error and received.already_known:  # the same bytes came before and were refused then
            error = f"the same file as document {received.document_id}, which could not be read: {error}"
        target = _free_name((self.failed if error else self.done) / path.name)
        reason = target.with_name(target.name + ".error.txt")
        if error:
            reason.write_text(f"{error}\n", encoding="utf-8")
        try:
            path.replace(target)
        except FileNotFoundError:
            # Another process sharing the folder read it too and filed it first; the database
            # recorded the document once (by its hash).
            reason.unlink(missing_ok=True)
            log.info("%s was filed by another process", path.name)
            return
        if error:
            log.warning("%s could not be read: %s", path.name, error)
        else:
            log.info("%s recorded as invoice %s (%s)", path.name, received.invoice_id, received.status)

    async def scan(self) -> int:
        """Ingest every file ready now, a few at a time, and wait for them; return how many
        were handled."""
        ready, _ = await self._ready_files()
        slots = asyncio.Semaphore(self.concurrency)

        async def one(path: Path) -> bool:
            async with slots:
                return await self._ingest_guarded(path)

        return sum(await asyncio.gather(*(one(path) for path in ready)))

    async def _ingest_guarded(self, path: Path) -> bool:
        self._taken.add(path.name)
        try:
            if self.queue:
                return await self.queue_file(path)
            return await self.ingest_file(path) is not None
        except Exception:  # noqa: BLE001 - one bad file must not stop the folder
            log.exception("drop folder: %s failed; left in place, will retry", path.name)
            self._not_before[path.name] = time.time() + RESCAN_SECONDS
            return False
        finally:
            self._taken.discard(path.name)

    async def watch(self, stop: asyncio.Event) -> None:
        """Ingest files as they arrive until `stop` is set."""
        self.prepare()
        try:
            if not self.queue:
                await asyncio.to_thread(self.intake.reader.start)
        except Exception:  # noqa: BLE001 - they are started again with the first document
            log.exception("the reading processes could not be started ahead")
        notices = asyncio.create_task(self._notice_changes(stop), name="drop-folder-notices")
        log.info("watching %s for invoices", self.inbox)
        try:
            while not stop.is_set():
                self._changed.clear()
                wait = await self._dispatch()
                await _first_of(self._changed, stop, timeout=wait)
        finally:
            notices.cancel()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(notices, *self._tasks, return_exceptions=True)

    async def _dispatch(self) -> float:
        """Start ingesting ready files while there are free slots; return the seconds until the
        folder should be looked at again (sooner when something changes)."""
        free = self.concurrency - len(self._tasks)
        if free <= 0:
            return RESCAN_SECONDS
        ready, soonest = await self._ready_files()
        for path in ready[:free]:
            self._taken.add(path.name)
            task = asyncio.create_task(self._ingest_guarded(path))
            self._tasks.add(task)
            task.add_done_callback(self._finished)
        return soonest

    def _finished(self, task: asyncio.Task[bool]) -> None:
        self._tasks.discard(task)
        self._changed.set()

    async def _notice_changes(self, stop: asyncio.Event) -> None:
        """Set `_changed` whenever the inbox changes; without notifications the folder is still
        scanned every `RESCAN_SECONDS`."""
        from watchfiles import awatch

        while not stop.is_set():
            try:
                async for _changes in awatch(self.inbox, stop_event=stop, recursive=False, debounce=200):
                    self._changed.set()
            except Exception:  # noqa: BLE001 - fall back to scanning every few seconds
                log.exception("drop folder notifications failed; scanning every %s s", RESCAN_SECONDS)
                await asyncio.sleep(RESCAN_SECONDS)


def _listing(inbox: Path) -> list[tuple[str, int, float]]:
    """Return the name, mode and modification time of everything in the folder, links not
    followed."""
    found = []
    with os.scandir(inbox) as entries:
        for entry in entries:
            try:
                status = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            found.append((entry.name, status.st_mode, status.st_mtime))
    return found


async def _first_of(changed: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    """Return when either event is set or after `timeout` seconds."""
    waiters = [asyncio.ensure_future(changed.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*waiters, return_exceptions=True)


def _free_name(path: Path) -> Path:
    """Return `path`, or `name (2).ext`, `name (3).ext`... when it is taken."""
    if not path.exists():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)
