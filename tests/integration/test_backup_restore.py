"""`invoicebot backup` and `restore` on books made by the product, on SQLite and on PostgreSQL,
and `db copy` from SQLite to PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from invoicing import audit
from invoicing import backup as backups
from invoicing.clock import SystemClock
from invoicing.db import migrate
from invoicing.db.engine import Database, make_engine
from invoicing.db.models import Contact
from tests.integration.cli import invoicebot, invoicebot_json
from tests.integration.installation import (
    Books,
    audit_state,
    listing,
    make_books,
    pdf_of,
    scratch_postgres,
)
from tests.integration.test_cli_billing import SELLER

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def made_books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Books]:
    """Books made once with the CLI on SQLite (issuing renders PDFs: this takes half a minute)."""
    data_dir = tmp_path_factory.mktemp("books") / "var"
    return data_dir, make_books(data_dir)


@pytest.fixture
def installation(made_books: tuple[Path, Books], tmp_path: Path) -> tuple[Path, Books]:
    """A copy of the made books in a data dir of this test's own."""
    data_dir = tmp_path / "var"
    shutil.copytree(made_books[0], data_dir)
    return data_dir, made_books[1]


def _store(data_dir: Path) -> dict[str, bytes]:
    root = data_dir / "files"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _hashes_hold(backup_dir: Path) -> bool:
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    return all(hashlib.sha256((backup_dir / path).read_bytes()).hexdigest() == digest
               for path, digest in manifest["hashes"].items())  # fmt: skip


def test_sqlite_books_backed_up_and_restored_into_a_new_data_dir_are_the_same(installation, tmp_path):
    """GIVEN books made with the CLI on SQLite WHEN backed up, then restored into a new data dir
    THEN invoices list, audit verify and audit head match, every stored file (the PDFs) is
    there byte for byte, the manifest's hashes hold; a second backup copies no file again."""
    data_dir, books = installation
    backup_dir = tmp_path / "backup"
    made = invoicebot_json(data_dir, "backup", str(backup_dir))
    verify, head = audit_state(data_dir)
    assert (made["engine"], made["schema_revision"], made["audit_head"]) == ("sqlite", migrate.HEAD, head)
    assert made["tables"]["invoices"] == 4 and made["tables"]["payments"] == 2
    assert made["files"] == made["files_copied"] == made["tables"]["documents"] == 4
    assert _hashes_hold(backup_dir)
    assert invoicebot_json(data_dir, "backup", str(backup_dir))["files_copied"] == 0

    restored = tmp_path / "elsewhere"
    report = invoicebot_json(restored, "restore", str(backup_dir))
    assert report["problems"] == [] and report["files_copied"] == 4
    assert listing(restored) == listing(data_dir)
    assert audit_state(restored) == (verify, head) and verify["ok"] and verify["events"] > 10
    assert _store(restored) == _store(data_dir)
    assert pdf_of(restored, books.credit_note)[:5] == b"%PDF-"


def test_restore_refuses_a_database_with_rows_unless_forced(installation, tmp_path):
    """GIVEN a backup and a contact added after it WHEN restored over the same installation THEN
    it is refused (exit 1, nothing changed); with --force the books are as at the backup."""
    data_dir, _ = installation
    backup_dir = tmp_path / "backup"
    invoicebot(data_dir, "backup", str(backup_dir))
    before = listing(data_dir)
    invoicebot(data_dir, "contacts", "add", "--name", "Added Later Ltd", "--customer")
    refused = invoicebot(data_dir, "restore", str(backup_dir), check=False)
    assert refused.returncode == 1 and "the database is not empty" in refused.stderr and "--force" in refused.stderr
    assert "Added Later Ltd" in invoicebot(data_dir, "contacts", "list").stdout
    forced = invoicebot_json(data_dir, "restore", "--force", str(backup_dir))
    assert forced["problems"] == []
    assert "Added Later Ltd" not in invoicebot(data_dir, "contacts", "list").stdout
    assert listing(data_dir) == before


def test_a_damaged_backup_is_refused_before_anything_is_written(installation, tmp_path):
    """GIVEN a backup one of whose stored PDFs lost a byte WHEN restored into a new data dir THEN
    restore exits 1 naming that file, and no database was created."""
    data_dir, _ = installation
    backup_dir = tmp_path / "backup"
    invoicebot(data_dir, "backup", str(backup_dir))
    victim = sorted((backup_dir / "files").rglob("*"))[-1]
    victim.chmod(victim.stat().st_mode | stat.S_IWUSR)
    victim.write_bytes(victim.read_bytes()[:-1])
    restored = tmp_path / "elsewhere"
    refused = invoicebot(restored, "restore", str(backup_dir), check=False)
    assert refused.returncode == 1
    assert "is damaged" in refused.stderr and victim.name in refused.stderr
    assert not (restored / "invoicebot.sqlite3").exists()


@pytest.mark.postgres
def test_a_sqlite_backup_is_not_restored_into_postgresql(installation, tmp_path, postgres_url):
    """GIVEN a backup of a SQLite installation WHEN restored with a PostgreSQL URL THEN it is
    refused, pointing to `db copy`."""
    data_dir, _ = installation
    invoicebot(data_dir, "backup", str(tmp_path / "backup"))
    refused = invoicebot(tmp_path / "elsewhere", "restore", str(tmp_path / "backup"), check=False,
                         database_url=postgres_url)  # fmt: skip
    assert refused.returncode == 1
    assert "is of a sqlite database and cannot be restored into postgresql" in refused.stderr
    assert "invoicebot db copy" in refused.stderr


@pytest.mark.postgres
def test_postgresql_books_backed_up_and_restored_into_another_database_are_the_same(
    installation, tmp_path, postgres_url, monkeypatch
):
    """GIVEN the books moved to PostgreSQL with `db copy` and one more invoice issued there, and a
    database password in the URL WHEN backed up (pg_dump) and restored (pg_restore) into a new
    database and data dir THEN the books, the audit chain and the PDFs match; pg_dump got the
    password through its environment and never on its command line. The new database had its
    schema already (set up, no rows): restore replaced it."""
    data_dir, books = installation
    spy_log = tmp_path / "pg_dump.log"
    _spy_on_pg_dump(tmp_path / "bin", spy_log, monkeypatch)
    with scratch_postgres(postgres_url) as source, scratch_postgres(postgres_url) as target:
        invoicebot(data_dir, "db", "copy", "--to", source)
        source_pw = source.replace("postgres@", "postgres:Pw-4u9x!@", 1)  # local trust: any password passes
        customer = str(listing(data_dir)[0]["contact_id"])
        invoicebot(data_dir, "invoice", "new", "--customer", customer, "--line", "Support;2;80;19", "--draft",
                   database_url=source_pw, env=SELLER)  # fmt: skip
        backup_dir = tmp_path / "backup"
        made = invoicebot(data_dir, "backup", "--json", str(backup_dir), database_url=source_pw)
        assert "Pw-4u9x" not in made.stdout + made.stderr
        assert json.loads(made.stdout)["tables"]["invoices"] == 5 and _hashes_hold(backup_dir)
        argv, password = spy_log.read_text().split("\n")[:2]
        assert "Pw-4u9x" not in argv and password == "Pw-4u9x!" and "--format=custom" in argv

        restored = tmp_path / "elsewhere"
        invoicebot(restored, "db", "upgrade", database_url=target)  # set up, and still empty: restore may go on
        report = invoicebot_json(restored, "restore", str(backup_dir), database_url=target)
        assert report["problems"] == []
        assert listing(restored, target) == listing(data_dir, source)
        assert audit_state(restored, target) == audit_state(data_dir, source)
        assert _store(restored) == _store(data_dir)
        assert pdf_of(restored, books.issued[0], target) == pdf_of(data_dir, books.issued[0], source)


def _spy_on_pg_dump(folder: Path, log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put a pg_dump first on PATH that writes down its arguments and PGPASSWORD, then runs the real one."""
    real = shutil.which("pg_dump")
    if real is None:
        pytest.fail("pg_dump is not installed (postgresql-client): the PostgreSQL backup cannot run")
    folder.mkdir()
    spy = folder / "pg_dump"
    spy.write_text(f'#!/bin/sh\nprintf "%s\\n%s\\n" "$*" "$PGPASSWORD" > "{log}"\nexec "{real}" "$@"\n')
    spy.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def restore_target(db: Database, tmp_path: Path) -> Iterator[str]:
    """An empty database of the engine under test to restore into."""
    if db.dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'invoicebot.sqlite3'}"
        return
    with scratch_postgres(db.engine.url.render_as_string(hide_password=False)) as url:
        yield url


def test_a_backup_taken_while_the_service_writes_is_consistent(db: Database, tmp_path, restore_target):
    """GIVEN a writer adding a contact and its audit event in one transaction, again and again
    WHEN a backup is taken meanwhile THEN the manifest counts exactly what the database copy
    holds (restore finds no difference), the restored chain verifies, and the writer went on
    past the backup."""
    stop, started = threading.Event(), threading.Event()
    written = []

    clock = SystemClock()

    def write() -> None:
        for i in range(5000):  # bounded: stops by itself even if the test fails
            if stop.is_set():
                return
            with db.transaction() as session:
                contact = Contact(name=f"Busy {i}", is_customer=True, created_at=clock.now())
                session.add(contact)
                session.flush()
                audit.record(session, clock, actor="test", action="contact.added", entity_type="contact",
                             entity_id=contact.id, after={"name": contact.name})  # fmt: skip
            written.append(i)
            if i == 20:
                started.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert started.wait(60), "the writer did not get going"
        url = db.engine.url.render_as_string(hide_password=False)
        made = backups.backup(url, tmp_path / "files", tmp_path / "backup", clock.now())
        went_on = _wait_until(lambda: len(written) > made.manifest.tables["contacts"] + 2)
    finally:
        stop.set()
        writer.join(60)
    backed_up = made.manifest.tables["contacts"]
    assert backed_up >= 21 and made.manifest.tables["audit_events"] == backed_up
    assert went_on, "the writer was held up by the backup"
    report = backups.restore(tmp_path / "backup", restore_target, tmp_path / "restored" / "files")
    assert report.problems == ()
    restored = make_engine(restore_target)
    try:
        with restored.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM contacts")).scalar() == backed_up
    finally:
        restored.dispose()


def _wait_until(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Return once `condition` holds (True) or `seconds` have passed (False)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.postgres
def test_sqlite_books_moved_to_postgresql_stay_the_same_and_go_on(installation, tmp_path, postgres_url):
    """GIVEN books made on SQLite WHEN `db copy --to` a new PostgreSQL database (3 rows a batch)
    THEN there invoices list, audit verify and audit head match with exact amounts; a new
    invoice gets the next id; audit events still cannot be changed; and the stored PDFs are
    found where they were."""
    data_dir, books = installation
    with scratch_postgres(postgres_url) as target:
        copied = invoicebot_json(data_dir, "db", "copy", "--to", target, "--batch", "3")
        assert copied["tables"]["invoices"] == 4 and copied["audit_head"] == audit_state(data_dir)[1]
        assert listing(data_dir, target) == listing(data_dir)
        assert audit_state(data_dir, target) == audit_state(data_dir)
        assert pdf_of(data_dir, books.issued[1], target)[:5] == b"%PDF-"
        customer = str(listing(data_dir)[0]["contact_id"])
        draft = invoicebot_json(data_dir, "invoice", "new", "--customer", customer, "--line", "Support;1;80;19",
                                "--draft", database_url=target, env=SELLER)  # fmt: skip
        assert draft["id"] == 5  # the id sequence was set past the copied ids
        assert audit_state(data_dir, target)[0]["ok"]
        engine = make_engine(target)
        try:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE id = 1"))
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_db_copy_refuses_a_target_with_rows_or_another_schema(installation, tmp_path, postgres_url):
    """GIVEN a target that already holds the books, then one at an older schema THEN `db copy`
    exits 1 saying why, and neither target changes."""
    data_dir, _ = installation
    with scratch_postgres(postgres_url) as full, scratch_postgres(postgres_url) as older:
        invoicebot(data_dir, "db", "copy", "--to", full)
        again = invoicebot(data_dir, "db", "copy", "--to", full, check=False)
        assert again.returncode == 1 and "the target database is not empty" in again.stderr
        assert len(listing(data_dir, full)) == 4
        engine = make_engine(older)
        migrate.upgrade(engine, "0003")
        engine.dispose()
        refused = invoicebot(data_dir, "db", "copy", "--to", older, check=False)
        assert refused.returncode == 1 and "at revision 0003" in refused.stderr
        engine = make_engine(older)
        try:
            assert migrate.current_revision(engine) == "0003"
        finally:
            engine.dispose()
