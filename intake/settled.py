"""Reading a dropped file once its writer is done with it, and never through a link.

Whether a writer is done is asked of the kernel where it can tell: a Linux read lease is granted
only while no process has the file open for writing, and held while the file is read, a writer
that opens it meanwhile waits until the lease is given back. Where no lease can be had (a file
of another owner without CAP_LEASE, a file system without leases, another system), a file counts
as written once it has not changed for `SETTLE_SECONDS`.
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import stat
import time
from pathlib import Path

#: Even with no writer, a file changed this recently is left a moment (a writer may open it
#: again to add to it).
QUIET_SECONDS = 0.1
#: Without a lease, a file must not have changed for this long.
SETTLE_SECONDS = 1.0
#: A file someone writes to is looked at again after this long.
BUSY_RETRY_SECONDS = 0.25

# The signal that tells a lease holder to give the lease back is SIGIO by default, which would
# end the service; SIGURG is ignored unless handled, and the lease is given back anyway.
_LEASE_SIGNAL = signal.SIGURG
_NO_LEASE_HERE = (errno.EACCES, errno.EPERM, errno.EINVAL, errno.ENOLCK, errno.ENOSYS, errno.ENOTSUP)


class NotYet(Exception):
    """The file may still be written: look again in `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"still being written; again in {seconds:.2f} s")
        self.seconds = seconds


class NotRegular(Exception):
    """The name is a symbolic link or something else that is not a regular file."""


def read_settled(path: Path, limit: int, now: float | None = None) -> bytes | None:
    """Return the file's bytes (at most `limit`) once no one writes to it; None if it is gone.

    Raises `NotYet` while it may still be written and `NotRegular` for a symbolic link, a
    folder, a pipe or a device, which are never followed or opened for reading.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:  # the name is a symbolic link
            raise NotRegular(str(path)) from e
        raise
    with open(fd, "rb", closefd=True) as f:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegular(str(path))
        leased = _take_read_lease(fd)
        try:
            if leased is False:
                raise NotYet(BUSY_RETRY_SECONDS)
            age = (time.time() if now is None else now) - status.st_mtime
            wanted = QUIET_SECONDS if leased else SETTLE_SECONDS
            if age < wanted:
                raise NotYet(wanted - age)
            return f.read(limit)
        finally:
            if leased:
                fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)


def _take_read_lease(fd: int) -> bool | None:
    """Take a read lease on the open file: True when taken (no writer has the file open),
    False when a writer has it open, None when leases cannot tell here."""
    setlease = getattr(fcntl, "F_SETLEASE", None)
    if setlease is None:
        return None
    try:
        fcntl.fcntl(fd, fcntl.F_SETSIG, _LEASE_SIGNAL)
        fcntl.fcntl(fd, setlease, fcntl.F_RDLCK)
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EBUSY):
            return False
        if e.errno in _NO_LEASE_HERE:
            return None
        raise
    return True
