"""A backup's manifest and its copy of the content-addressed file store."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from invoicing.backup_files import (
    BackupError,
    Manifest,
    copy_store,
    named_hash,
    read_manifest,
    write_manifest,
)
from invoicing.files import FileStore


def _manifest(**changes: object) -> Manifest:
    values = dict(created_at="2026-03-02T09:30:00+00:00", engine="sqlite", database_file="database.sqlite3",
                  schema_revision="0004", audit_head="7:" + "a" * 64, tables={"invoices": 3, "audit_events": 7},
                  hashes={"database.sqlite3": "b" * 64, "files/ab/cd/abcd" + "0" * 60: "abcd" + "0" * 60})  # fmt: skip
    return Manifest(**{**values, **changes})  # type: ignore[arg-type]


def test_a_manifest_reads_back_as_it_was_written(tmp_path: Path):
    """GIVEN a manifest written to a folder THEN reading it gives the same manifest, and its stored
    files are listed by their path in the file store."""
    write_manifest(tmp_path, _manifest())
    assert read_manifest(tmp_path) == _manifest()
    assert read_manifest(tmp_path).stored_files() == {"ab/cd/abcd" + "0" * 60: "abcd" + "0" * 60}
    assert json.loads((tmp_path / "manifest.json").read_text())["files"] == 1


def test_a_folder_without_manifest_or_with_a_broken_one_is_refused(tmp_path: Path):
    """GIVEN no manifest, a truncated one, one of a later format and one without the database's
    hash THEN each is refused with what is wrong."""
    with pytest.raises(BackupError, match="not an invoicebot backup"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": 1, "engine": "sql')
    with pytest.raises(BackupError, match="cannot be read"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(_manifest().to_json().replace('"format": 1', '"format": 2'))
    with pytest.raises(BackupError, match="format 2"):
        read_manifest(tmp_path)
    write_manifest(tmp_path, _manifest(hashes={}))
    with pytest.raises(BackupError, match="no hash for its database file"):
        read_manifest(tmp_path)


def test_only_paths_the_file_store_gives_name_a_hash():
    digest = hashlib.sha256(b"x").hexdigest()
    assert named_hash(f"{digest[:2]}/{digest[2:4]}/{digest}") == digest
    assert named_hash(f"00/00/{digest}") is None  # the folders do not match the name
    assert named_hash("notes.txt") is None


def test_the_store_is_copied_once_and_then_only_what_is_new(tmp_path: Path):
    """GIVEN a store with two files WHEN it is copied, then copied again knowing the first hashes,
    then again after a third file is stored THEN the copies take 2, 0 and 1 files, every hash
    is listed, and a write under way (.incoming-*) is left out."""
    store = FileStore(tmp_path / "files")
    first, _ = store.put(b"%PDF-1.7 one")
    second, _ = store.put(b"%PDF-1.7 two")
    (tmp_path / "files" / first[:2] / ".incoming-x").write_bytes(b"half")
    target = tmp_path / "backup" / "files"
    copied = copy_store(store.root, target, {})
    assert (copied.copied, sorted(copied.hashes.values()), copied.damaged) == (2, sorted([first, second]), [])
    again = copy_store(store.root, target, copied.hashes)
    assert (again.copied, again.hashes) == (0, copied.hashes)
    third, relative = store.put(b"%PDF-1.7 three")
    later = copy_store(store.root, target, again.hashes)
    assert later.copied == 1 and later.hashes[relative] == third
    assert (target / relative).read_bytes() == b"%PDF-1.7 three"


def test_a_stored_file_whose_content_changed_is_copied_and_reported(tmp_path: Path):
    """GIVEN a stored file edited behind the store's back THEN the copy keeps it as it is, records
    its real hash, and names it as damaged."""
    store = FileStore(tmp_path / "files")
    digest, relative = store.put(b"original")
    store.path(relative).write_bytes(b"edited")
    copied = copy_store(store.root, tmp_path / "backup", {})
    assert copied.damaged == [relative]
    assert copied.hashes[relative] == hashlib.sha256(b"edited").hexdigest() != digest


def test_a_backup_into_the_file_store_itself_is_refused(tmp_path: Path):
    """GIVEN a backup folder inside the file store THEN backup refuses before writing anything
    (the copy would copy itself)."""
    import datetime as dt

    from invoicing.backup import backup

    with pytest.raises(BackupError, match="inside the file store"):
        backup("sqlite:///unused.sqlite3", tmp_path / "files", tmp_path / "files" / "backup", dt.datetime.now(dt.UTC))
    assert not (tmp_path / "files").exists()
