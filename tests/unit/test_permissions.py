"""Invoices are private: the data dir and the store are created 0700, the SQLite database and
stored files 0600, whatever the umask of the process that creates them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from invoicing import files
from invoicing.db.engine import make_engine


@pytest.fixture(params=[0o000, 0o022, 0o777], ids=["umask-000", "umask-022", "umask-777"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_its_folders_are_private(tmp_path: Path, umask: int):
    """GIVEN no data dir yet WHEN the database is opened and written THEN the folders made for it
    are 0700 and the database file and its write-ahead log 0600."""
    database = tmp_path / "srv" / "var" / "invoicebot.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    try:
        assert _mode(tmp_path / "srv") == 0o700
        assert _mode(database.parent) == 0o700
        assert _mode(database) == 0o600
        assert _mode(database.with_name(database.name + "-wal")) == 0o600
    finally:
        engine.dispose()


def test_stored_documents_and_their_folders_are_private(tmp_path: Path, umask: int):
    store = files.FileStore(tmp_path / "var" / "files")
    digest, relative = store.put(b"%PDF-1.4 an invoice")
    stored = store.path(relative)
    assert _mode(stored) == 0o600
    for folder in (tmp_path / "var", store.root, stored.parent.parent, stored.parent):
        assert _mode(folder) == 0o700, folder


def test_an_existing_folder_keeps_its_mode(tmp_path: Path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    files.private_dir(shared / "var")
    assert _mode(shared) == 0o755 and _mode(shared / "var") == 0o700
