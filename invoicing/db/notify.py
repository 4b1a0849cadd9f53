"""Wake-ups across processes on PostgreSQL: a NOTIFY with each new job, a LISTEN per process.

`notify_new_job` runs in the transaction that inserts the job, so the notice is delivered when
(and only when) it commits. `JobNotices` keeps one connection of its own in LISTEN and sets an
`asyncio.Event` (the job worker's wake-up) at each notice; it reconnects with backoff when the
connection drops, and wakes the worker once after each (re)connection, since notices sent while
it was away are lost. The worker still polls, so a lost notice only delays a job.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: The channel of new jobs (the payload is empty: a worker claims whatever is due).
JOBS_CHANNEL = "invoicebot_jobs"
#: TCP keepalives, so that a listener on a vanished server notices within about a minute.
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 20, "keepalives_interval": 5, "keepalives_count": 4}


def notify_new_job(session: Session) -> None:
    """Send the new-job notice when `session`'s transaction commits (PostgreSQL only)."""
    session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": JOBS_CHANNEL})


def libpq_url(url: URL) -> str:
    """Return the SQLAlchemy `url` as a URL libpq (psycopg) accepts."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class JobNotices:
    """Listens on the jobs channel of the database at `url` and sets `wake` at each notice."""

    def __init__(self, url: URL, wake: asyncio.Event, check: float = 5.0, backoff_max: float = 30.0) -> None:
        self.conninfo = libpq_url(url)
        self.wake, self.check, self.backoff_max = wake, check, backoff_max
        #: Set while a connection listens (tests and health wait on it).
        self.listening = asyncio.Event()
        #: Notices received since start.
        self.received = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop` is set, reconnecting after any failure."""
        import psycopg  # loaded by the service on PostgreSQL only, not by every command

        delay = 0.5
        while not stop.is_set():
            try:
                await self._listen(stop)
                delay = 0.5
            except (psycopg.Error, OSError) as e:
                log.warning("job notices: %s; listening again in %.1f s", e, delay)
            finally:
                self.listening.clear()
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
            delay = min(delay * 2, self.backoff_max)

    async def _listen(self, stop: asyncio.Event) -> None:
        import psycopg

        connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True, **_KEEPALIVE)
        async with connection:
            await connection.execute(f"LISTEN {JOBS_CHANNEL}")
            self.listening.set()
            self.wake.set()  # what was enqueued while no one listened
            log.info("listening for new jobs (PostgreSQL NOTIFY)")
            while not stop.is_set():
                async for _notice in connection.notifies(timeout=self.check):
                    self.received += 1
                    self.wake.set()
                    if stop.is_set():
                        return
                # A quiet spell: make sure the connection still answers.
                await asyncio.wait_for(connection.execute("SELECT 1"), self.check)
