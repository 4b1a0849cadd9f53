"""Run one reading job in a child process with limits on memory, CPU time and wall time.

Documents come from strangers. A decompression bomb, a PDF that makes the parser loop or a file
that exhausts memory must cost one child process, never the service: each document is read in
its own process (forked from a pre-loaded server, so starting one costs milliseconds), with
`RLIMIT_AS` and `RLIMIT_CPU` set and a wall-clock deadline after which the child and everything
it started (tesseract) are killed.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from intake.errors import IntakeError

T = TypeVar("T")

#: Modules the fork server imports once, so that each child starts warm (documents, and mails,
#: which are parsed in a child too).
PRELOAD = ["intake.pipeline", "intake.mail.mime"]


@dataclass(frozen=True, slots=True)
class Limits:
    wall_seconds: float = 60.0
    cpu_seconds: int = 60
    memory_bytes: int = 2 * 1024**3


class LimitExceeded(IntakeError):
    """The reading child was stopped: too slow, too much CPU or memory, or it crashed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> None:
    os.setsid()  # its own process group, so tesseract dies with it on a deadline
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    try:
        result = fn(*args)
    except MemoryError:
        conn.send(("limit", f"needed more than {limits.memory_bytes // 2**20} MB of memory"))
    except BaseException as e:  # noqa: BLE001 - everything goes back to the parent
        conn.send(("error", f"{type(e).__name__}: {e}"))
    else:
        conn.send(("ok", result))
    finally:
        conn.close()


def _context(method: str) -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(PRELOAD)  # type: ignore[attr-defined]
    return context


def run_limited(fn: Callable[..., T], args: tuple[Any, ...], limits: Limits, method: str = "forkserver") -> T:
    """Return `fn(*args)` computed in a child process within `limits`; raise `LimitExceeded`.

    `fn` and its arguments must be picklable. Use "forkserver" in a threaded process (the
    service); "fork" is faster where nothing else runs (the CLI).
    """
    context = _context(method)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, fn, args, limits), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.wall_seconds):
            raise LimitExceeded(f"reading took longer than {limits.wall_seconds:g} s and was stopped")
        try:
            status, value = receiver.recv()
        except EOFError:
            child.join(5)
            raise LimitExceeded(_death(child.exitcode, limits)) from None
    finally:
        receiver.close()
        _kill_group(child)
    if status == "ok":
        return value  # type: ignore[no-any-return]
    if status == "limit":
        raise LimitExceeded(value)
    raise LimitExceeded(f"the reader failed: {value}")


def _death(exitcode: int | None, limits: Limits) -> str:
    if exitcode == -signal.SIGXCPU:
        return f"reading used more than {limits.cpu_seconds} s of CPU and was stopped"
    if exitcode == -signal.SIGKILL:
        return "the reader was killed (out of memory?)"
    return f"the reader process died (exit code {exitcode})"


def _kill_group(child: multiprocessing.process.BaseProcess) -> None:
    if child.pid is not None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    child.join(5)
