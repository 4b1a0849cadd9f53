"""`invoicebot backup DIR` and `restore DIR`: the database and the file store, verified both ways.

A backup folder holds the database as one file (SQLite's backup API, or `pg_dump` custom
format), `files/` (a copy of the content-addressed file store, added to on each backup) and
`manifest.json`: the SHA-256 of every file, the schema revision, the audit chain's head and the
rows per table. A restore checks every hash before it touches anything, loads into an empty
database only (unless forced), and afterwards proves the result: the same facts, an intact
audit chain ending in the same head, and every stored document's file in place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.backup_files import (
    FILES,
    BackupError,
    Manifest,
    copy_file,
    copy_store,
    read_manifest,
    sha256_file,
    write_manifest,
)
from invoicing.db import dump
from invoicing.db.models import Document

__all__ = ["BackupError", "BackupReport", "RestoreReport", "backup", "restore", "verify_backup"]


@dataclass(frozen=True, slots=True)
class BackupReport:
    manifest: Manifest
    files_copied: int
    bytes_copied: int
    #: Stored files whose content no longer matches their name (copied as they are, and listed).
    damaged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RestoreReport:
    manifest: Manifest
    files_copied: int
    #: Everything found wrong after loading; empty when the restore is proven good.
    problems: tuple[str, ...]


def backup(database_url: str, files_dir: Path, target: Path, now: dt.datetime, version: str = "") -> BackupReport:
    """Copy the database and the file store into the folder `target` and write its manifest.

    The database is copied first: a file is stored before the row that names it commits, so
    the file copy taken afterwards has every file the database copy names.
    """
    if target.resolve().is_relative_to(files_dir.resolve()):
        raise BackupError(f"{target} is inside the file store; back up to a folder outside {files_dir}")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)  # the books are nobody else's business
    try:
        previous = read_manifest(target).stored_files()
    except BackupError:
        previous = {}
    url = make_url(database_url)
    engine = url.get_backend_name()
    if engine == "sqlite":
        name, found = dump.SQLITE_FILE, dump.dump_sqlite(Path(url.database or ""), target / dump.SQLITE_FILE)
    elif engine == "postgresql":
        name, found = dump.POSTGRES_FILE, dump.dump_postgresql(database_url, target / dump.POSTGRES_FILE)
    else:
        raise BackupError(f"backups of {engine} databases are not supported (SQLite and PostgreSQL are)")
    stored = copy_store(files_dir, target / FILES, previous)
    hashes = {name: sha256_file(target / name)} | {f"{FILES}/{k}": v for k, v in sorted(stored.hashes.items())}
    manifest = Manifest(
        created_at=now.astimezone(dt.UTC).isoformat(timespec="seconds"), engine=engine, database_file=name,
        schema_revision=found.revision, audit_head=found.audit_head, tables=found.tables, hashes=hashes,
        invoicebot_version=version,
    )  # fmt: skip
    write_manifest(target, manifest)
    return BackupReport(manifest, stored.copied, stored.copied_bytes, tuple(stored.damaged))


def verify_backup(source: Path) -> Manifest:
    """Return the manifest of the backup in `source` once every file it lists has its hash."""
    manifest = read_manifest(source)
    problems = []
    for relative, digest in manifest.hashes.items():
        path = source / relative
        if not path.is_file():
            problems.append(f"{relative}: missing")
        elif sha256_file(path) != digest:
            problems.append(f"{relative}: content differs from the manifest (damaged?)")
    if problems:
        raise BackupError(f"the backup in {source} is damaged: " + "; ".join(problems[:10]) +
                          (f"; and {len(problems) - 10} more" if len(problems) > 10 else ""))  # fmt: skip
    return manifest


def restore(
    source: Path, database_url: str, files_dir: Path, *, force: bool = False, audit_key: bytes | None = None
) -> RestoreReport:
    """Load the backup in `source` into the database of `database_url` and `files_dir`.

    Refuses a damaged backup, one of another engine or of a newer schema, and a database that
    holds rows unless `force`; then checks what was loaded (see `RestoreReport.problems`).
    """
    manifest = verify_backup(source)
    url = make_url(database_url)
    engine_name = url.get_backend_name()
    if engine_name != manifest.engine:
        raise BackupError(f"this backup is of a {manifest.engine} database and cannot be restored into "
                          f"{engine_name}; restore it into {manifest.engine}, then move it with `invoicebot db copy`")  # fmt: skip
    _refuse_unknown_revision(manifest.schema_revision)
    database = source / manifest.database_file
    if engine_name == "sqlite":
        path = Path(url.database or "")
        existing = _facts_of(database_url) if path.is_file() else None
        _refuse_rows(existing, force)
        dump.restore_sqlite(database, path)
    else:
        existing = _facts_of(database_url)
        _refuse_rows(existing, force)
        dump.restore_postgresql(database, database_url, clean=bool(existing.tables))
    copied = 0
    for relative, digest in manifest.stored_files().items():
        target = files_dir / relative
        if target.is_file() and sha256_file(target) == digest:
            continue
        if copy_file(source / FILES / relative, target) != digest:
            raise BackupError(f"{FILES}/{relative} changed while it was restored")
        copied += 1
    return RestoreReport(manifest, copied, tuple(_check_restored(manifest, database_url, files_dir, audit_key)))


def _refuse_unknown_revision(revision: str | None) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from invoicing.db import migrate

    if revision is None:
        return
    try:
        known = ScriptDirectory(str(migrate.MIGRATIONS)).get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(f"the backup's schema is at revision {revision}, which this invoicebot does not know "
                          f"(it knows up to {migrate.HEAD}): restore it with the version that made it")  # fmt: skip


def _refuse_rows(existing: dump.DatabaseFacts | None, force: bool) -> None:
    if existing is not None and existing.rows and not force:
        busy = ", ".join(f"{name} {count}" for name, count in existing.tables.items() if count)
        raise BackupError(f"the database is not empty ({busy}); restore into an empty one, or pass --force "
                          "to replace what it holds")  # fmt: skip


def _facts_of(database_url: str) -> dump.DatabaseFacts:
    engine = create_engine(database_url)
    try:
        return dump.engine_facts(engine)
    finally:
        engine.dispose()


def _check_restored(manifest: Manifest, database_url: str, files_dir: Path, key: bytes | None) -> list[str]:
    """Return what differs between the restored installation and the manifest, and any break
    in its audit chain or stored document missing."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            found = dump.facts(connection)
            with Session(bind=connection) as session:
                report = audit.verify_chain(session, key)
            paths = connection.execute(select(Document.storage_path)).scalars().all()
    finally:
        engine.dispose()
    problems = []
    if found.revision != manifest.schema_revision:
        problems.append(f"schema revision {found.revision}, the backup says {manifest.schema_revision}")
    if found.audit_head != manifest.audit_head:
        problems.append(f"audit head {found.audit_head}, the backup says {manifest.audit_head}")
    for name, count in manifest.tables.items():
        if found.tables.get(name) != count:
            problems.append(f"{name}: {found.tables.get(name)} rows, the backup says {count}")
    problems += [f"audit event {event}: {problem}" for event, problem in report.problems]
    if report.problems and key is None:
        problems.append("if the trail was sealed with an audit key, set INVOICEBOT_AUDIT_KEY and run `audit verify`")
    missing = [p for p in paths if not (files_dir / p).is_file()]
    if missing:
        problems.append(f"{len(missing)} stored documents have no file, e.g. {missing[0]}")
    return problems
