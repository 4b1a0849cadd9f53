"""The incoming pipeline every channel shares: recognise, read (in a child process), record.

Reading is CPU-bound (PDF parsing, OCR) and runs in a pool of limited child processes, never on the
event loop; recording runs in a thread because the database driver is synchronous.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from intake import media
from intake.errors import DocumentTooLarge, IntakeError
from intake.extract import extract_document
from intake.learning import apply_hints, hints_from_json
from intake.readers import DEFAULT_LANGUAGES, MAX_PAGES, OcrOptions
from intake.sandbox import LimitExceeded, Limits
from intake.words import Page
from intake.workers import WorkerPool
from invoicing import learning
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.domain import Channel
from invoicing.extraction import ExtractedInvoice
from invoicing.files import FileStore
from invoicing.receiving import IncomingFile, Received, ReceivingPolicy, known_document, receive

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReadOutcome:
    extraction: ExtractedInvoice | None
    error: str | None
    #: The pages read (words with positions), so that learnt vendor hints can be applied.
    pages: tuple[Page, ...] = ()


def read_outcome(
    data: bytes, filename: str, ocr_languages: str = DEFAULT_LANGUAGES, companion_xml: bytes | None = None,
    max_pages: int = MAX_PAGES,
) -> ReadOutcome:  # fmt: skip
    """Return the extraction of `data`, or the reason it could not be read (runs in a child)."""
    try:
        options = OcrOptions(languages=ocr_languages)
        extraction, pages = extract_document(data, filename, options, companion_xml, max_pages)
        return ReadOutcome(extraction, None, pages)
    except IntakeError as e:
        return ReadOutcome(None, str(e))
    except Exception as e:  # noqa: BLE001 - a reader bug must not lose the document
        log.exception("reading %s failed unexpectedly", filename)
        return ReadOutcome(None, f"could not read the file ({type(e).__name__}: {e})")


def read_file_outcome(path: str, ocr_languages: str, max_pages: int) -> ReadOutcome:
    """Return the extraction of the file at `path` (without its pages), or why it could not be
    read (runs in a child)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        reason = "not a file" if os.path.exists(path) else "no such file"
        return ReadOutcome(None, f"{reason}: {path}")
    outcome = read_outcome(data, Path(path).name, ocr_languages, None, max_pages)
    return ReadOutcome(outcome.extraction, outcome.error)  # the pages are not wanted here


class DocumentReader:
    """Reads documents in a pool of limited child processes (`intake.workers`), a few at a time."""

    def __init__(
        self, workers: int = 0, ocr_languages: str = DEFAULT_LANGUAGES, limits: Limits = Limits(),
        max_pages: int = MAX_PAGES,
    ) -> None:  # fmt: skip
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.ocr_languages = ocr_languages
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
        arguments = (data, filename, self.ocr_languages, companion_xml, self.max_pages)
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
        jobs = ((str(path), self.ocr_languages, self.max_pages) for path in paths)
        # What this process holds stays until it ends; the collector leaves it alone, so the
        # forked readers do not copy the memory it would walk (half their page faults).
        gc.freeze()
        with WorkerPool(max(1, min(self.workers, len(paths))), self.limits, method="fork") as pool:
            for path, result in zip(paths, pool.map(read_file_outcome, jobs), strict=True):
                if isinstance(result, LimitExceeded):
                    log.warning("reading %s stopped: %s", path, result.reason)
                    result = ReadOutcome(None, result.reason)
                yield result

    def close(self) -> None:
        """Stop the reading processes."""
        self._pool.close()


class Intake:
    """Feeds documents from any channel through reading and into the invoicing core."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        store: FileStore,
        reader: DocumentReader,
        policy: ReceivingPolicy,
        max_bytes: int,
    ) -> None:
        self.db, self.clock, self.store, self.reader = db, clock, store, reader
        self.policy = policy
        self.max_bytes = max_bytes

    async def ingest(
        self, data: bytes, filename: str, *, channel: Channel, source_ref: str | None = None,
        sender: str | None = None, actor: str = "system", companion_xml: tuple[str, bytes] | None = None,
    ) -> Received:  # fmt: skip
        """Record one document and the invoice read from it; return what happened.

        `companion_xml` (name, bytes) is the e-invoice XML that came with this PDF: its values
        win as an embedded one's would, and it is kept with the invoice, not as a second one.
        """
        incoming = IncomingFile(
            data=data,
            filename=filename,
            media_type=media.sniff_media_type(data, filename),
            channel=channel,
            source_ref=source_ref,
            sender=sender,
        )
        # Hashing a large file takes a while: off the event loop with the query.
        known = await asyncio.to_thread(lambda: known_document(self.db, incoming.sha256))
        if known is not None:
            log.info("%s: same bytes as document %s, not recorded again", filename, known.document_id)
            return known
        outcome = await self._read(data, filename, companion_xml[1] if companion_xml else None)
        extraction = await self._with_learnt(outcome)
        companions = []
        if companion_xml is not None and extraction is not None:
            name, xml = companion_xml
            companions.append(IncomingFile(xml, name, media.XML, channel, source_ref, sender))
        return await asyncio.to_thread(
            receive, self.db, self.clock, self.store, incoming, extraction,
            error=outcome.error, policy=self.policy, actor=actor, companions=companions,
        )  # fmt: skip

    async def _with_learnt(self, outcome: ReadOutcome) -> ExtractedInvoice | None:
        """Return the extraction read again with what corrections taught about its vendor."""
        extraction = outcome.extraction
        if extraction is None or not outcome.pages:
            return extraction

        def stored_hints() -> list[dict[str, object]]:
            with self.db.transaction() as session:
                return learning.hints_for(session, extraction)

        hints = hints_from_json(await asyncio.to_thread(stored_hints))
        if not hints:
            return extraction
        return await asyncio.to_thread(apply_hints, outcome.pages, extraction, hints)

    async def _read(self, data: bytes, filename: str, companion_xml: bytes | None) -> ReadOutcome:
        if len(data) > self.max_bytes:
            return ReadOutcome(None, str(DocumentTooLarge("file", len(data), self.max_bytes)))
        return await self.reader.read(data, filename, companion_xml)
