"""Content-addressed storage of original documents under the data dir: nothing is overwritten.

The store's folders are created with mode 0700 and its files with 0600: invoices are private.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

#: Folders of the data dir: only the service's user may enter them, whatever the umask.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def private_dir(path: Path) -> None:
    """Create the folder and its missing parents with mode 0700; leave existing ones alone."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # made by another process meanwhile
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode passes through the umask


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
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            os.fchmod(fd, PRIVATE_FILE_MODE)  # mkstemp's 0600 passes through the umask
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
