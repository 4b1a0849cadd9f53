"""The drop folder: every file put into `<data dir>/inbox/` is ingested once, then moved.

A file goes to `inbox/done/` once recorded, or to `inbox/failed/` with a `.error.txt` beside it
saying why no invoice could be read. Files still being written (changed in the last second) and
hidden or temporary files (`.name`, `*.part`, `*.tmp`, `*~`) are left alone until they settle.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from intake.pipeline import Intake
from invoicing.domain import Channel
from invoicing.receiving import Received

log = logging.getLogger(__name__)

SETTLE_SECONDS = 1.0
RESCAN_SECONDS = 5.0
_TEMPORARY_SUFFIXES = (".part", ".tmp", ".crdownload", "~", ".error.txt")


class DropFolder:
    def __init__(self, inbox: Path, intake: Intake) -> None:
        self.inbox = inbox
        self.done = inbox / "done"
        self.failed = inbox / "failed"
        self.intake = intake

    def prepare(self) -> None:
        for folder in (self.inbox, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    def ready_files(self, now: float | None = None) -> list[Path]:
        """Return the files waiting in the inbox that have stopped changing, oldest first."""
        now = time.time() if now is None else now
        ready: list[tuple[float, Path]] = []
        for path in self.inbox.iterdir():
            if not path.is_file() or path.name.startswith(".") or path.name.endswith(_TEMPORARY_SUFFIXES):
                continue
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:
                continue
            if now - modified >= SETTLE_SECONDS:
                ready.append((modified, path))
        return [path for _, path in sorted(ready)]

    async def ingest_file(self, path: Path) -> Received | None:
        """Ingest one inbox file and move it away; return the outcome (None if it vanished)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        received = await self.intake.ingest(
            data, path.name, channel=Channel.FOLDER, source_ref=path.name, actor="folder"
        )
        if received.error and not received.already_known:
            target = _free_name(self.failed / path.name)
            target.with_name(target.name + ".error.txt").write_text(received.error + "\n", encoding="utf-8")
            log.warning("%s could not be read: %s", path.name, received.error)
        else:
            target = _free_name(self.done / path.name)
            log.info("%s recorded as invoice %s (%s)", path.name, received.invoice_id, received.status)
        path.replace(target)
        return received

    async def scan(self) -> int:
        """Ingest every settled file in the inbox; return how many were handled."""
        handled = 0
        for path in self.ready_files():
            try:
                if await self.ingest_file(path) is not None:
                    handled += 1
            except Exception:  # noqa: BLE001 - one bad file must not stop the folder
                log.exception("drop folder: %s failed; left in place, will retry", path.name)
        return handled

    async def watch(self, stop: asyncio.Event) -> None:
        """Ingest files as they arrive until `stop` is set."""
        from watchfiles import awatch

        self.prepare()
        await self.scan()
        log.info("watching %s for invoices", self.inbox)
        while not stop.is_set():
            try:
                async for _changes in awatch(
                    self.inbox, stop_event=stop, recursive=False, rust_timeout=int(RESCAN_SECONDS * 1000),
                    yield_on_timeout=True, debounce=200,
                ):  # fmt: skip
                    await asyncio.sleep(SETTLE_SECONDS)
                    await self.scan()
            except Exception:  # noqa: BLE001 - fall back to polling if notifications fail
                log.exception("drop folder notifications failed; polling instead")
                await asyncio.sleep(RESCAN_SECONDS)
                await self.scan()


def _free_name(path: Path) -> Path:
    """Return `path`, or `name (2).ext`, `name (3).ext`... when it is taken."""
    if not path.exists():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)
