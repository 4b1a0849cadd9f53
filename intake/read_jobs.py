"""Documents waiting to be read, as jobs: reading capacity added by processes on other machines.

With `read_in_jobs` (PostgreSQL, several processes), the drop folder does not read a file itself:
it stores the file in the shared file store and enqueues a `document.read` job in one step,
keyed by the file's hash, so a file dropped twice is read once. Any process running the
`readers` role claims those jobs (one per free reading process) and reads and records the
document as the folder would have. A reader that dies leaves its job to another after the lease.
"""

from __future__ import annotations

import asyncio
import logging

from intake.pipeline import Intake
from invoicing import jobs
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.domain import Channel
from invoicing.files import FileStore

log = logging.getLogger(__name__)

DOCUMENT_READ = "document.read"


def queue_document(
    db: Database, clock: Clock, store: FileStore, data: bytes, filename: str, *,
    channel: Channel, source_ref: str | None, actor: str,
) -> bool:  # fmt: skip
    """Store `data` and enqueue the job that reads it; return whether the job is new."""
    digest, path = store.put(data)
    payload = {"path": path, "filename": filename, "channel": channel.value, "source_ref": source_ref, "actor": actor}
    with db.transaction() as session:
        return jobs.enqueue(session, clock, kind=DOCUMENT_READ, key=f"{DOCUMENT_READ}:{digest}", payload=payload)


class ReadHandler:
    """Performs `document.read` jobs: reads the stored file and records what it says."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake

    async def __call__(self, job: jobs.ClaimedJob) -> None:
        payload = job.payload
        try:
            data = await asyncio.to_thread(self.intake.store.read, str(payload["path"]))
        except FileNotFoundError as e:
            raise jobs.PermanentFailure(f"the stored file {payload['path']} is gone") from e
        received = await self.intake.ingest(
            data, str(payload["filename"]), channel=Channel(payload["channel"]),
            source_ref=payload.get("source_ref"), actor=str(payload.get("actor") or "reader"),
        )  # fmt: skip
        if received.error and not received.already_known:
            log.warning("%s could not be read: %s", payload["filename"], received.error, extra={"job_id": job.id})
        else:
            log.info("%s recorded as invoice %s (%s)", payload["filename"], received.invoice_id, received.status)
