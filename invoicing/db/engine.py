"""Engines and transactions: SQLite in WAL mode with a busy timeout, or PostgreSQL.

On SQLite every transaction starts with `BEGIN IMMEDIATE`, so two writers queue on the busy
timeout instead of failing half-way when both read before writing (the audit chain does that).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from invoicing.files import PRIVATE_FILE_MODE, private_dir

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Return an engine for `url`, creating the SQLite file (mode 0600) and its folder (0700)
    when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            _create_private_file(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _create_private_file(path: Path) -> None:
    """Create an empty database file only its owner may read, whatever the umask; SQLite gives
    its -wal and -shm files the same mode."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: Execution option of a transaction that only reads (see `Database.reading`).
READ_ONLY = "invoicebot_read_only"


def _sqlite_begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


class Database:
    """The unit of work factory: `with db.transaction() as session:` commits or rolls back."""

    def __init__(self, engine: Engine, audit_key: bytes | None = None, info: dict[str, Any] | None = None) -> None:
        self.engine = engine
        # Every session carries the audit key, so audit events are sealed with it (see `audit`),
        # and what else the core reads per session (`info`: the webhook endpoints).
        self._sessions = sessionmaker(engine, expire_on_commit=False, info={**(info or {}), "audit_key": audit_key})

    @classmethod
    def from_url(cls, url: str, audit_key: bytes | None = None, info: dict[str, Any] | None = None) -> Database:
        return cls(make_engine(url), audit_key, info)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session inside one transaction, committed when the block ends without error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """Yield a session for a transaction that only reads: on SQLite it does not take the write
        lock (`BEGIN` instead of `BEGIN IMMEDIATE`), so readers (API calls, exports) run side by side
        with each other and with a writer."""
        with self._sessions() as session, session.begin():
            session.connection(execution_options={READ_ONLY: True})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
