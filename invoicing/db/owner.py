"""`OwnerLock`: one process at a time does a piece of single-owner work (a mailbox, Telegram updates).

On PostgreSQL it is a session-level advisory lock held on a connection of its own: the lock goes
with that connection, so when the owner dies (or its connection does) another process takes
over at its next try. The connection is checked while the work runs; when it is gone the work
is stopped, because another process may already own the lock. On SQLite (one process by
design) there is nothing to take: the work just runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from invoicing.db.engine import Database

log = logging.getLogger(__name__)

#: TCP keepalives, so that the server drops a vanished owner's connection (and lock) in about a minute.
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 20, "keepalives_interval": 5, "keepalives_count": 4}


def lock_key(name: str) -> int:
    """Return the signed 64-bit advisory lock key of `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class OwnerLock:
    """A PostgreSQL session-level advisory lock named `name`, tried every `retry` seconds."""

    def __init__(self, db: Database, name: str, retry: float = 10.0, check: float = 10.0) -> None:
        self.name, self.key = name, lock_key(name)
        self.retry, self.check = retry, check
        self.shared = db.dialect == "postgresql"
        self._engine = (
            create_engine(db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args=_KEEPALIVE)
            if self.shared
            else None
        )
        self._connection: Connection | None = None

    async def run(self, stop: asyncio.Event, work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        """Run `work(inner_stop)` whenever this process owns the lock, until `stop` is set."""
        if not self.shared:
            await work(stop)
            return
        try:
            await self._run(stop, work)
        finally:
            await asyncio.to_thread(self._release)

    async def _run(self, stop: asyncio.Event, work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        waiting_said = False
        while not stop.is_set():
            if not await self._try_take():
                if not waiting_said:
                    log.info("%s is owned by another process; waiting to take over", self.name)
                    waiting_said = True
                await _wait(stop, self.retry)
                continue
            waiting_said = False
            log.info("this process now owns %s", self.name)
            inner = asyncio.Event()
            guard = asyncio.create_task(self._guard(stop, inner))
            try:
                await work(inner)
            finally:
                guard.cancel()
                await asyncio.gather(guard, return_exceptions=True)
                await asyncio.to_thread(self._release)
            if not stop.is_set():
                await _wait(stop, self.retry)

    async def _guard(self, stop: asyncio.Event, inner: asyncio.Event) -> None:
        """Set `inner` when `stop` is set or the lock's connection is lost."""
        while True:
            try:
                await asyncio.wait_for(stop.wait(), self.check)
                break
            except TimeoutError:
                pass
            try:
                await asyncio.wait_for(asyncio.to_thread(self._alive), self.check)
            except (DBAPIError, OSError, TimeoutError) as e:
                log.warning("lost the connection holding %s (%s); stopping that work", self.name, e)
                break
        inner.set()

    async def _try_take(self) -> bool:
        try:
            return await asyncio.to_thread(self._take)
        except (DBAPIError, OSError) as e:
            log.warning("could not try the lock on %s: %s", self.name, e)
            await asyncio.to_thread(self._release)
            return False

    def _take(self) -> bool:
        assert self._engine is not None
        if self._connection is None:
            self._connection = self._engine.connect()
        query = text("SELECT pg_try_advisory_lock(:key)")
        return bool(self._connection.execute(query, {"key": self.key}).scalar())

    def _alive(self) -> None:
        assert self._connection is not None
        self._connection.execute(text("SELECT 1"))

    def _release(self) -> None:
        """Close the lock's connection: the server releases the lock with it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except (DBAPIError, OSError):
                pass

    def dispose(self) -> None:
        self._release()
        if self._engine is not None:
            self._engine.dispose()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
