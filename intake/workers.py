"""A pool of running reading processes, each limited as `intake.sandbox` describes.

Starting a process for each document cost more than reading a one-page text PDF (the child had
to unpickle itself, import the program again and warm every cache), so the service and
`invoicebot extract` keep `size` limited children running and give each one document at a time.
The guarantee stays that of a child per document; a hostile document costs at most the child
that reads it:

- every child has its own `RLIMIT_AS`, and before each document its soft `RLIMIT_CPU` is moved
  to one document's share from its current use (past it, SIGXCPU ends the child);
- the parent keeps each document's wall-clock deadline and kills the child's whole process group
  (tesseract included) when it passes;
- a child that died, overran, ran out of memory or failed is never given another document: a
  fresh one takes its place, so the next document is read as if by a child of its own. So is a
  child that has read `max_jobs` documents, or whose address space has grown past its warm size
  by more than half the room that warm size leaves under the memory limit.

A child's warm size is the smallest address space it has had between documents (and before the
first) since it last loaded a native library it had not loaded before. Growth that comes with a
library starts the warm size again, because libraries can be big and are no leak: the first
picture a child reads with RapidOCR loads onnxruntime, OpenCV and some fifty other libraries,
and takes its address space from about 0.2 GiB to 0.8-1.2 GiB. Judged from zero against half
the limit, such a child was replaced after nearly every receipt and the next one loaded the
libraries again: reading 20 corpus receipts with engine "rapidocr" in one child under the
default 2 GiB cost 15 replacements; judged from its warm size, one (after the 13th receipt, by
which the child had grown from 1.05 to 1.57 GiB). Leaks and fragmentation grow the address
space without loading a library, so they count as growth and never raise the warm size.

So, with W a child's warm size and M the memory limit, every document is given a child whose
address space is at most W + (M - W) / 2: at least half of what the limit leaves beside the
program and its libraries is free for it, whatever the documents before it left behind. The one
exception is the document that loads a library: what it leaves cannot be told apart from what
the library needs, so it counts in W. That happens at most once for each library in each child,
and only with the libraries the reading code uses. (Libraries are counted only after a document
that grew the address space; one loaded by a document that freed more than it mapped is seen at
the next growth, which then starts W again.)

What a reused child no longer gives is a process that has seen nothing but this document. That
was never isolation worth the name: a child that a document takes over runs as the service's
user in the service's file system either way.
"""

from __future__ import annotations

import math
import os
import queue
import resource
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from intake.sandbox import (
    LimitExceeded,
    Limits,
    call_reporting,
    context,
    death_reason,
    kill_group,
    limit_next_job,
    limit_this_process,
    overran,
    unwrap,
)

T = TypeVar("T")

#: A child is replaced after reading this many documents.
MAX_JOBS = 200


def _serve(conn: Connection, limits: Limits, max_jobs: int) -> None:
    """Run jobs sent by the parent one at a time until told to stop or one fails (in the child)."""
    limit_this_process(limits, max_jobs)
    idle = _usage()
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the parent is gone
            return
        if job is None:
            return
        fn, args = job
        limit_next_job(limits)
        status, value = call_reporting(fn, args, limits)
        before, idle = idle, _usage(idle)
        conn.send((status, value, before, idle, _peak_resident()))
        if status != "ok":
            return


def _usage(last: tuple[int, int] | None = None) -> tuple[int, int]:
    """Return this process's address space and how many native libraries it has loaded.

    Loading a library maps it, so the libraries are counted again (reading `/proc/self/maps`,
    about 0.6 ms) only when the address space has grown since `last`; most documents leave it
    as it was, and their count is `last`'s."""
    address_space = _address_space()
    if last is not None and address_space <= last[0]:
        return address_space, last[1]
    return address_space, _libraries()


def _address_space() -> int:
    """Return this process's address space in bytes (what `RLIMIT_AS` limits), 0 if unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _libraries() -> int:
    """Return how many files this process has mapped as code (executable, shared libraries), 0 if
    unknown: the count grows when a library is loaded, not when memory is allocated."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            rows = [line.split() for line in f]
    except OSError:
        return 0
    return len({row[5] for row in rows if len(row) > 5 and "x" in row[1]})


def _peak_resident(pid: int | None = None) -> int:
    """Return the most memory the process has had resident, in bytes (0 if unknown)."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class _Worker:
    """One running child and the parent's end of its pipe."""

    def __init__(self, mp: Any, limits: Limits, max_jobs: int) -> None:
        self.conn, child_end = mp.Pipe()
        self.process = mp.Process(target=_serve, args=(child_end, limits, max_jobs), daemon=True)
        self.process.start()
        child_end.close()
        self.limits, self.max_jobs = limits, max_jobs
        self.jobs = 0
        self.deadline = math.inf
        #: True once it must not be given another document.
        self.spent = False
        #: The most memory the child has had resident, as last seen.
        self.peak_resident = 0
        #: The child's warm size in bytes (the module docstring says why), and how many native
        #: libraries it had loaded when last seen (-1: not seen yet).
        self.warm, self.libraries = 0, -1

    def send(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.jobs += 1
        self.deadline = time.monotonic() + self.limits.wall_seconds
        try:
            self.conn.send((fn, args))
        except OSError:
            pass  # the child died since it was last seen: `receive` tells how

    def wait(self) -> bool:
        """Return True when the answer (or the child's end) came before the deadline."""
        return self.conn.poll(max(0.0, self.deadline - time.monotonic()))

    def receive(self) -> tuple[str, Any]:
        """Return the child's (status, value), noting whether it may read again."""
        try:
            status, value, before, after, peak = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            self.spent = True
            return "limit", death_reason(self.process.exitcode, self.limits)
        self.peak_resident = max(self.peak_resident, peak)
        if status != "ok":
            self.spent = True
            return status, value
        self._between_documents(*before)
        self._between_documents(*after)
        grown, room = after[0] - self.warm, self.limits.memory_bytes - self.warm
        self.spent = self.jobs >= self.max_jobs or grown > room // 2
        return status, value

    def _between_documents(self, address_space: int, libraries: int) -> None:
        """Take the child's address space between two documents into its warm size: the smallest
        since it last loaded a library it had not loaded before."""
        if libraries > self.libraries:
            self.warm, self.libraries = address_space, libraries
        else:
            self.warm = min(self.warm, address_space)

    def overran(self) -> tuple[str, Any]:
        self.peak_resident = max(self.peak_resident, _peak_resident(self.process.pid))  # before it is killed
        self.spent = True
        return "limit", overran(self.limits)

    def stop(self) -> None:
        kill_group(self.process)
        self.conn.close()


class WorkerPool:
    """`size` limited children that read one document at a time each, replaced as needed.

    `run` may be called from several threads at once (the service); `map` drives the pool from
    one thread (`invoicebot extract`, where children are forked from the main thread).
    """

    def __init__(self, size: int, limits: Limits, *, method: str = "forkserver", max_jobs: int = MAX_JOBS) -> None:
        self.size, self.limits, self.max_jobs = size, limits, max_jobs
        self._mp = context(method)
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        for _ in range(size):
            self._idle.put(None)  # a slot whose child starts at first use
        self._lock = threading.Lock()
        self._live: set[_Worker] = set()
        self._closed = False
        #: The most memory any child has had resident while reading, in bytes: what the
        #: memory limit must leave room for (a child that dies unanswered is not counted).
        self._retired_peak = 0

    def start(self) -> None:
        """Start every child now instead of at its first document."""
        for _ in range(self.size):
            worker = self._idle.get()
            try:
                worker = self._ready(worker)
            finally:
                self._idle.put(worker)

    def run(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        """Return `fn(*args)` computed by one of the children; raise `LimitExceeded`."""
        worker = self._idle.get()
        try:
            worker = self._ready(worker)
            worker.send(fn, args)
            status, value = worker.receive() if worker.wait() else worker.overran()
        finally:
            self._idle.put(self._renewed(worker))
        return unwrap(status, value)  # type: ignore[no-any-return]

    def map(self, fn: Callable[..., T], jobs: Iterable[tuple[Any, ...]]) -> Iterator[T | LimitExceeded]:
        """Yield `fn(*args)` for each job in order, or the `LimitExceeded` that stopped it.

        Jobs are taken from `jobs` only as children become free. Call from one thread only.
        """
        pending = enumerate(jobs)
        busy: dict[Connection, tuple[_Worker, int]] = {}
        done: dict[int, T | LimitExceeded] = {}
        following = 0
        while True:
            while len(busy) < self.size and (job := next(pending, None)) is not None:
                worker = self._ready(self._idle.get())
                worker.send(fn, job[1])
                busy[worker.conn] = (worker, job[0])
            if not busy:
                return
            first_deadline = min(worker.deadline for worker, _ in busy.values())
            answered = wait(list(busy), max(0.0, first_deadline - time.monotonic()))
            now = time.monotonic()
            for conn, (worker, index) in list(busy.items()):
                if conn in answered or worker.deadline <= now:
                    del busy[conn]
                    status, value = worker.receive() if conn in answered else worker.overran()
                    done[index] = _result(status, value)
                    self._idle.put(self._renewed(worker))
            while following in done:
                yield done.pop(following)
                following += 1

    def peak_resident(self) -> int:
        """Return the most memory any child of the pool has had resident so far, in bytes."""
        with self._lock:
            return max([self._retired_peak, *(w.peak_resident for w in self._live)])

    def close(self) -> None:
        """Stop every child, busy or not; the pool cannot be used afterwards."""
        with self._lock:
            self._closed = True
            workers, self._live = self._live, set()
            self._retired_peak = max([self._retired_peak, *(w.peak_resident for w in workers)])
        for worker in workers:
            worker.stop()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _ready(self, worker: _Worker | None) -> _Worker:
        """Return `worker` if its child still runs, else a new one in its place."""
        if worker is not None and worker.process.is_alive():
            return worker
        if worker is not None:
            self._retire(worker)
        with self._lock:
            if self._closed:
                raise LimitExceeded("the reading processes have been shut down")
            fresh = _Worker(self._mp, self.limits, self.max_jobs)
            self._live.add(fresh)
        return fresh

    def _renewed(self, worker: _Worker | None) -> _Worker | None:
        """Return the worker to go back into its slot: itself, or a fresh one if it is spent."""
        if worker is None or not worker.spent:
            return worker
        self._retire(worker)
        try:
            return self._ready(None)
        except LimitExceeded:
            return None  # closed

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._live.discard(worker)
            self._retired_peak = max(self._retired_peak, worker.peak_resident)
        worker.stop()


def _result(status: str, value: Any) -> Any:
    try:
        return unwrap(status, value)
    except LimitExceeded as e:
        return e
