"""The files of a backup: its manifest, and hashed copies of the content-addressed file store.

A backup folder is reused: the file store only grows and every stored file is named by its
SHA-256, so each backup copies only the files the folder does not have yet.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from invoicing.errors import InvoicingError

MANIFEST = "manifest.json"
FORMAT = 1
FILES = "files"
_CHUNK = 1024 * 1024
#: `ab/cd/<sha256>`: the path the file store gives a file (see `invoicing.files`).
_ADDRESSED = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})")


class BackupError(InvoicingError):
    """A backup could not be made, read or restored; the message says why."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a backup holds: the SHA-256 of each of its files and the facts of its database."""

    created_at: str
    #: `sqlite` or `postgresql`: the engine the database file is for.
    engine: str
    database_file: str
    schema_revision: str | None
    audit_head: str | None
    tables: dict[str, int]
    #: Path relative to the backup folder -> SHA-256, for the database file and every stored file.
    hashes: dict[str, str]
    invoicebot_version: str = ""

    def to_json(self) -> str:
        body = {"format": FORMAT, "created_at": self.created_at, "invoicebot_version": self.invoicebot_version,
                "engine": self.engine, "database_file": self.database_file,
                "schema_revision": self.schema_revision, "audit_head": self.audit_head,
                "tables": self.tables, "files": len(self.hashes) - 1, "hashes": self.hashes}  # fmt: skip
        return json.dumps(body, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            body = json.loads(text)
            if body.get("format") != FORMAT:
                raise BackupError(f"manifest format {body.get('format')!r}: this invoicebot reads format {FORMAT}")
            manifest = cls(
                created_at=str(body["created_at"]), engine=str(body["engine"]),
                database_file=str(body["database_file"]), schema_revision=body["schema_revision"],
                audit_head=body["audit_head"], tables={str(k): int(v) for k, v in body["tables"].items()},
                hashes={str(k): str(v) for k, v in body["hashes"].items()},
                invoicebot_version=str(body.get("invoicebot_version", "")),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise BackupError(f"the manifest cannot be read: {e}") from e
        if manifest.database_file not in manifest.hashes:
            raise BackupError("the manifest lists no hash for its database file")
        return manifest

    def stored_files(self) -> dict[str, str]:
        """Return the stored files' paths in the file store -> SHA-256."""
        prefix = FILES + "/"
        return {path.removeprefix(prefix): digest for path, digest in self.hashes.items() if path.startswith(prefix)}


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST}: not an invoicebot backup")
    return Manifest.from_json(path.read_text(encoding="utf-8"))


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write the manifest last and atomically: a backup interrupted earlier fails verification."""
    _write_atomically(folder / MANIFEST, manifest.to_json().encode())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def named_hash(relative: str) -> str | None:
    """Return the SHA-256 a stored file's path names, or None for a path the store did not give."""
    found = _ADDRESSED.fullmatch(relative)
    return found.group(3) if found else None


@dataclass
class StoreCopy:
    """What copying a file store did."""

    #: Path in the store -> SHA-256 of every file now in the copy.
    hashes: dict[str, str] = field(default_factory=dict)
    copied: int = 0
    copied_bytes: int = 0
    #: Stored files whose content no longer matches the hash they are named by.
    damaged: list[str] = field(default_factory=list)


def copy_store(store: Path, target: Path, known: dict[str, str]) -> StoreCopy:
    """Copy every file of `store` that `target` lacks; `known` holds the hashes the last backup
    recorded, so a file already copied and verified then is not read again."""
    result = StoreCopy()
    if not store.is_dir():
        return result
    for source in sorted(store.rglob("*")):
        if not source.is_file() or source.name.startswith("."):  # .incoming-*: a write under way
            continue
        relative = source.relative_to(store).as_posix()
        copy = target / relative
        named = named_hash(relative)
        if named and known.get(relative) == named and _same_size(copy, source):
            digest = named  # copied and verified by an earlier backup
        elif _same_size(copy, source) and (existing := sha256_file(copy)) == sha256_file(source):
            digest = existing
        else:
            digest = copy_file(source, copy)
            result.copied += 1
            result.copied_bytes += copy.stat().st_size
        if named and digest != named:
            result.damaged.append(relative)
        result.hashes[relative] = digest
    return result


def _same_size(copy: Path, source: Path) -> bool:
    return copy.is_file() and copy.stat().st_size == source.stat().st_size


def copy_file(source: Path, target: Path) -> str:
    """Copy `source` to `target` durably (a partial copy never carries the name) and return the
    SHA-256 of what was copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
