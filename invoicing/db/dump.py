"""The database as one file and back: SQLite's online backup API, PostgreSQL's pg_dump and pg_restore.

Both copies are consistent while the service writes: SQLite copies every page in one step under
one read transaction (WAL lets writers go on), and pg_dump reads the snapshot of a transaction
that stays open meanwhile, in which the facts of the copy (revision, rows per table, audit
head) are counted too, so that what the manifest says is exactly what the file holds.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.db.libpq import UnsupportedUrl, libpq_env
from invoicing.db.models import Base
from invoicing.errors import InvoicingError

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
TOOL_TIMEOUT_SECONDS = 3600


class DumpError(InvoicingError):
    """The database could not be copied out or back in; the message says why."""


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """What a database holds, to compare a copy with its original."""

    revision: str | None
    #: The audit chain's newest event as "id:hash" (`invoicing.audit.Head`), None while empty.
    audit_head: str | None
    #: Rows per table of the schema.
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def facts(connection: Connection) -> DatabaseFacts:
    """Return the revision, audit head and rows per table of the database behind `connection`."""
    existing = set(inspect(connection).get_table_names())
    tables = {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in Base.metadata.sorted_tables
        if table.name in existing
    }
    revision = None
    if "alembic_version" in existing:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = None
    if "audit_events" in existing:
        with Session(bind=connection) as session:
            head = audit.head(session)
    return DatabaseFacts(revision, str(head) if head else None, tables)


def engine_facts(engine: Engine) -> DatabaseFacts:
    with engine.connect() as connection:
        return facts(connection)


def dump_sqlite(path: Path, target: Path) -> DatabaseFacts:
    """Copy the SQLite database at `path` into the file `target` and return what the copy holds."""
    if not path.is_file():
        raise DumpError(f"no database file at {path}")
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(part)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
    except sqlite3.Error as e:
        part.unlink(missing_ok=True)
        raise DumpError(f"SQLite backup of {path} failed: {e}") from e
    finally:
        source.close()
    found = _sqlite_facts(part)
    os.replace(part, target)
    return found


def restore_sqlite(source: Path, path: Path) -> None:
    """Replace the SQLite database at `path` (made when missing) with the copy `source`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(path, timeout=30)
        try:
            copy.backup(target)
        finally:
            target.close()
    except sqlite3.Error as e:
        raise DumpError(f"restoring {path} from {source} failed: {e}") from e
    finally:
        copy.close()


def _sqlite_facts(path: Path) -> DatabaseFacts:
    engine = create_engine(f"sqlite:///{path}")
    try:
        return engine_facts(engine)
    finally:
        engine.dispose()


def dump_postgresql(url: str, target: Path) -> DatabaseFacts:
    """Write the PostgreSQL database of `url` to `target` with `pg_dump --format=custom`, and
    return what the dump holds (counted in the snapshot pg_dump reads)."""
    pg_dump = _tool("pg_dump")
    part = target.with_name(target.name + ".part")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                found = facts(connection)
                _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={part}"], url)
    except Exception:
        part.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    os.replace(part, target)
    return found


def restore_postgresql(source: Path, url: str, *, clean: bool) -> None:
    """Load the custom-format dump `source` into the database of `url` in one transaction;
    `clean` drops the objects the dump holds first (a database that has the schema already)."""
    pg_restore = _tool("pg_restore")
    database = make_url(url).database
    if not database:
        raise DumpError("the database URL names no database to restore into")
    command = [pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
               "--no-password", f"--dbname={database}"]  # fmt: skip
    if clean:
        command += ["--clean", "--if-exists"]
    _run([*command, str(source)], url)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DumpError(f"{name} is not on PATH: install the PostgreSQL client tools "
                        "(postgresql-client), of the server's major version or newer")  # fmt: skip
    return found


def _run(command: Sequence[str], url: str) -> None:
    """Run a libpq tool against the database of `url`, its password in the environment only."""
    parsed = make_url(url)
    try:
        env = {**os.environ, **libpq_env(parsed)}
    except UnsupportedUrl as e:
        raise DumpError(str(e)) from e
    try:
        done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT_SECONDS, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DumpError(f"{Path(command[0]).name} did not finish: {e}") from e
    if done.returncode != 0:
        message = done.stderr.strip() or f"exit status {done.returncode}"
        if parsed.password:
            message = message.replace(parsed.password, "***")
        raise DumpError(f"{Path(command[0]).name} failed: {message}")
