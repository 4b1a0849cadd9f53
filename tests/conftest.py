"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (whenever one answers).

PostgreSQL runs against `INVOICEBOT_TEST_DATABASE_URL` when it is set (a server that does not
answer there fails the run), else against a local PostgreSQL on 127.0.0.1:5432 when one answers
(user postgres, database test). The suite creates its own database there, migrates it once and
empties it between tests.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from invoicing.clock import FixedClock
from invoicing.db import migrate
from invoicing.db.engine import Database, make_engine
from invoicing.db.models import Base
from invoicing.files import FileStore
from tests.scratch_db import scratch_postgres

PG_ENV = "INVOICEBOT_TEST_DATABASE_URL"
LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_base() -> str:
    """Return the PostgreSQL server URL to test against; skip only when none is set or answers."""
    named = os.environ.get(PG_ENV)
    url = named or LOCAL_PG
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure to connect decides the same way
        if named:
            pytest.fail(f"{PG_ENV} is set but PostgreSQL does not answer there: {e}", pytrace=False)
        pytest.skip(f"no PostgreSQL answers at {LOCAL_PG}; set {PG_ENV} to run the PostgreSQL tests")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time is slower)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a fresh, migrated PostgreSQL database for this test session."""
    with scratch_postgres(_postgres_base(), "invoicebot_test", migrated=True) as url:
        yield url


def _empty_postgres(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A migrated, empty database: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        path = tmp_path / "invoicebot.sqlite3"
        shutil.copy(sqlite_template, path)
        database = Database.from_url(f"sqlite:///{path}")
    else:
        database = Database.from_url(request.getfixturevalue("postgres_url"))
        _empty_postgres(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A migrated, empty SQLite database (for tests that are about one engine only)."""
    path = tmp_path / "invoicebot.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC))


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")
