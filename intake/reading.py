"""Reading documents: each one in a pool of limited child processes, never on the event loop.

No database here: `invoicebot extract` reads files without one, and starts faster without
loading it. Recording what was read is `intake.pipeline`'s job.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from intake.errors import IntakeError
from intake.extract import extract_document
from intake.readers import MAX_PAGES, OcrOptions
from intake.sandbox import LimitExceeded, Limits
from intake.words import Page
from intake.workers import WorkerPool
from invoicing.extraction import ExtractedInvoice

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReadOutcome:
    extraction: ExtractedInvoice | None
    error: str | None
    #: The pages read (words with positions), so that learnt vendor hints can be applied.
    pages: tuple[Page, ...] = ()


def read_outcome(
    data: bytes, filename: str, ocr: OcrOptions = OcrOptions(), companion_xml: bytes | None = None,
    max_pages: int = MAX_PAGES,
) -> ReadOutcome:  # fmt: skip
    """Return the extraction of `data`, or the reason it could not be read (runs in a child)."""
    try:
        extraction, pages = extract_document(data, filename, ocr, companion_xml, max_pages)
        return ReadOutcome(extraction, None, pages)
    except IntakeError as e:
        return ReadOutcome(None, str(e))
    except Exception as e:  # noqa: BLE001 - a reader bug must not lose the document
        log.exception("reading %s failed unexpectedly", filename)
        return ReadOutcome(None, f"could not read the file ({type(e).__name__}: {e})")


def read_file_outcome(path: str, ocr: OcrOptions, max_pages: int) -> ReadOutcome:
    """Return the extraction of the file at `path` (without its pages), or why it could not be
    read (runs in a child)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        reason = "not a file" if os.path.exists(path) else "no such file"
        return ReadOutcome(None, f"{reason}: {path}")
    outcome = read_outcome(data, Path(path).name, ocr, None, max_pages)
    return ReadOutcome(outcome.extraction, outcome.error)  # the pages are not wanted here


class DocumentReader:
    """Reads documents in a pool of limited child processes (`intake.workers`), a few at a time."""

    def __init__(
        self, workers: int = 0, ocr: OcrOptions = OcrOptions(), limits: Limits = Limits(),
        max_pages: int = MAX_PAGES,
    ) -> None:  # fmt: skip
        self.workers = workers or max(1, os.cpu_count() or 1)
        #: How pictures are read (languages, engine); the same for every document.
        self.ocr = ocr
        self.limits = limits
        self.max_pages = max_pages
        self._slots = asyncio.Semaphore(self.workers)  # replaced for each new event loop
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        # Forked from a server process: this process has threads, and forking them is unsafe.
        self._pool = WorkerPool(self.workers, limits, method="forkserver")

    def start(self) -> None:
        """Start the reading processes now rather than at the first document (blocking)."""
        self._pool.start()

    def read_now(self, data: bytes, filename: str, companion_xml: bytes | None = None) -> ReadOutcome:
        """Return what the document says, or why it could not be read (blocking)."""
        arguments = (data, filename, self.ocr, companion_xml, self.max_pages)
        try:
            return self._pool.run(read_outcome, arguments)
        except LimitExceeded as e:
            log.warning("reading %s stopped: %s", filename, e.reason)
            return ReadOutcome(None, e.reason)

    async def read(self, data: bytes, filename: str, companion_xml: bytes | None = None) -> ReadOutcome:
        """Return what the document says, or why it could not be read."""
        loop = asyncio.get_running_loop()
        if self._slots_loop is not loop:  # a semaphore serves one event loop
            self._slots, self._slots_loop = asyncio.Semaphore(self.workers), loop
        async with self._slots:
            return await asyncio.to_thread(self.read_now, data, filename, companion_xml)

    def read_files(self, paths: Sequence[Path]) -> Iterator[ReadOutcome]:
        """Yield what each file says, or why it could not be read, in order (blocking).

        The reading processes are forked from this one, which must have no other threads and
        end soon after (`invoicebot extract`).
        """
        jobs = ((str(path), self.ocr, self.max_pages) for path in paths)
        # What this process holds stays until it ends; the collector leaves it alone, so the
        # forked readers do not copy the memory it would walk (half their page faults).
        gc.freeze()
        with WorkerPool(max(1, min(self.workers, len(paths))), self.limits, method="fork") as pool:
            for path, result in zip(paths, pool.map(read_file_outcome, jobs), strict=True):
                if isinstance(result, LimitExceeded):
                    log.warning("reading %s stopped: %s", path, result.reason)
                    result = ReadOutcome(None, result.reason)
                yield result

    def peak_resident(self) -> int:
        """Return the most memory one reading process has had resident so far, in bytes."""
        return self._pool.peak_resident()

    def close(self) -> None:
        """Stop the reading processes."""
        self._pool.close()
