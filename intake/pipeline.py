"""The incoming pipeline every channel shares: recognise, read (in a child process), record.

Reading is CPU-bound (PDF parsing, OCR) and runs in a pool of limited child processes, never on the
event loop; recording runs in a thread because the database driver is synchronous.
"""

from __future__ import annotations

import asyncio
import logging

from intake import media
from intake.errors import DocumentTooLarge
from intake.learning import apply_hints, hints_from_json
from intake.reading import DocumentReader, ReadOutcome, read_outcome
from invoicing import learning
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.domain import Channel
from invoicing.extraction import ExtractedInvoice
from invoicing.files import FileStore
from invoicing.receiving import IncomingFile, Received, ReceivingPolicy, known_document, receive

log = logging.getLogger(__name__)

__all__ = ["DocumentReader", "Intake", "ReadOutcome", "read_outcome"]


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
        size: int | None = None,
    ) -> Received:  # fmt: skip
        """Record one document and the invoice read from it; return what happened.

        `size` is the file's real size when `data` is only its beginning (a file over the limit
        is read no further than that).

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
        outcome = await self._read(data, filename, companion_xml[1] if companion_xml else None, size)
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

    async def _read(
        self, data: bytes, filename: str, companion_xml: bytes | None, size: int | None
    ) -> ReadOutcome:
        if len(data) > self.max_bytes:
            return ReadOutcome(None, str(DocumentTooLarge("file", max(len(data), size or 0), self.max_bytes)))
        return await self.reader.read(data, filename, companion_xml)
