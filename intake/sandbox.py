"""Run reading jobs in child processes with limits on memory, CPU time and wall time.

Documents come from strangers. A decompression bomb, a PDF that makes the parser loop or a file
that exhausts memory must cost one child process, never the service: reading runs in children
with `RLIMIT_AS` and `RLIMIT_CPU` set, each the leader of its own process group, and a wall-clock
deadline after which the child and everything it started (tesseract) are killed.

`run_limited` reads once in a fresh child; `intake.workers.WorkerPool` keeps such children
running and gives each one document at a time (the service and `invoicebot extract`).
"""

from __future__ import annotations

import math
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

#: What a fork server imports once, so that its children start with the reading code loaded
#: (documents, and mails, which are parsed in a child too). Each child still runs the program's
#: main script again, and imports what that imports: on Python 3.11 a fork server never preloads
#: "__main__". That, with every cache cold, made a fresh child cost several times the reading of
#: a text PDF: hence `intake.workers`.
PRELOAD = ["intake.reading", "intake.pipeline", "intake.mail.mime", "pytesseract"]


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


def limit_this_process(limits: Limits, jobs: int = 1) -> None:
    """Make this child the leader of its own process group and cap its memory and CPU time.

    `jobs` documents may be read here one after the other: the hard CPU limit is their total,
    and `limit_next_job` lowers the soft limit to one document's share before each.
    """
    os.setsid()  # its own process group, so tesseract dies with it on a deadline
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    used = math.ceil(_cpu_used())
    hard = used + jobs * limits.cpu_seconds + 5
    resource.setrlimit(resource.RLIMIT_CPU, (min(used + limits.cpu_seconds, hard), hard))


def limit_next_job(limits: Limits) -> None:
    """Let the next job use `limits.cpu_seconds` of CPU from now, within the hard limit.

    Past it the kernel sends SIGXCPU, which ends the process.
    """
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(_cpu_used()) + limits.cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def call_reporting(fn: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> tuple[str, Any]:
    """Return ("ok", fn(*args)), or ("limit" | "error", what went wrong), for the parent."""
    try:
        return "ok", fn(*args)
    except MemoryError:
        return "limit", f"needed more than {limits.memory_bytes // 2**20} MB of memory"
    except BaseException as e:  # noqa: BLE001 - everything goes back to the parent
        return "error", f"{type(e).__name__}: {e}"


def unwrap(status: str, value: Any) -> Any:
    """Return the child's result, or raise `LimitExceeded` with what stopped it."""
    if status == "ok":
        return value
    if status == "limit":
        raise LimitExceeded(value)
    raise LimitExceeded(f"the reader failed: {value}")


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> None:
    limit_this_process(limits)
    try:
        conn.send(call_reporting(fn, args, limits))
    finally:
        conn.close()


def context(method: str) -> multiprocessing.context.BaseContext:
    """Return the multiprocessing context: "forkserver" in threaded processes, else "fork"."""
    found = multiprocessing.get_context(method)
    if method == "forkserver":
        found.set_forkserver_preload(PRELOAD)  # type: ignore[attr-defined]
    return found


def run_limited(fn: Callable[..., T], args: tuple[Any, ...], limits: Limits, method: str = "forkserver") -> T:
    """Return `fn(*args)` computed in a fresh child process within `limits`; raise `LimitExceeded`.

    `fn` and its arguments must be picklable. Use "forkserver" in a threaded process (the
    service); "fork" is faster where nothing else runs (the CLI).
    """
    mp = context(method)
    receiver, sender = mp.Pipe(duplex=False)
    child = mp.Process(target=_child, args=(sender, fn, args, limits), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.wall_seconds):
            raise LimitExceeded(overran(limits))
        try:
            status, value = receiver.recv()
        except EOFError:
            child.join(5)
            raise LimitExceeded(death_reason(child.exitcode, limits)) from None
    finally:
        receiver.close()
        kill_group(child)
    return unwrap(status, value)  # type: ignore[no-any-return]


def overran(limits: Limits) -> str:
    return f"reading took longer than {limits.wall_seconds:g} s and was stopped"


def death_reason(exitcode: int | None, limits: Limits) -> str:
    """Return why a reading child ended without an answer, from its exit code."""
    if exitcode == -signal.SIGXCPU:
        return f"reading used more than {limits.cpu_seconds} s of CPU and was stopped"
    if exitcode == -signal.SIGKILL:
        return "the reader was killed (out of memory?)"
    return f"the reader process died (exit code {exitcode})"


def kill_group(child: multiprocessing.process.BaseProcess) -> None:
    """Kill the child and every process it started, and reap it."""
    if child.pid is not None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            child.kill()  # not the leader of its own group yet
    child.join(5)
