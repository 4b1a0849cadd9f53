"""Content-addressed storage of original documents under the data dir: nothing is overwritten."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileStore:
    """Keeps each distinct file once, at `<root>/<ab>/<cd>/<sha256>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def relative_path(self, digest: str) -> str:
        return f"{digest[:2]}/{digest[2:4]}/{digest}"

    def put(self, data: bytes) -> tuple[str, str]:
        """Store `data` durably and return its sha256 and path relative to the root."""
        digest = sha256_hex(data)
        relative = self.relative_path(digest)
        target = self.root / relative
        if target.exists() and target.stat().st_size == len(data):
            return digest, relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest, relative

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def path(self, relative: str) -> Path:
        return self.root / relative
