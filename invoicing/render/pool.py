"""Render invoices in a few warm worker processes, never on the event loop.

What is printed comes from customers, so a document that makes WeasyPrint loop or eat memory
must cost one worker, not the service: each worker runs under an address-space limit
(`RLIMIT_AS`), each render has a deadline, and a worker that overruns it, dies or runs out of
memory is killed and replaced by a fresh one. Workers load fonts, the stylesheet and the
templates once and then serve one document at a time; they are retired after a number of
renders so that caches cannot grow without end.

Workers are started with "spawn" by default: a clean interpreter, independent of the fork
server the readers of incoming documents use, and safe in a threaded service.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from invoicing.document import InvoiceDocument
from invoicing.render.pdf import RenderedInvoice, RenderError, RenderOptions, renderer
from invoicing.render.preview import DEFAULT_WIDTH, PreviewError, preview_png
from invoicing.render.rules import InvalidDocument
from invoicing.render.samples import warm_up_document

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerLimits:
    #: Address space one worker may map (WeasyPrint with fonts loaded maps about 400 MB).
    memory_bytes: int = 1536 * 2**20
    #: A render that takes longer is stopped and its worker replaced.
    timeout_seconds: float = 30.0
    #: How long a new worker may take to load fonts, stylesheet and templates.
    start_seconds: float = 60.0
    #: Renders after which a worker is replaced by a fresh one.
    max_jobs: int = 500


class RenderFailed(RenderError):
    """The worker could not render the document: too slow, out of memory, or it died."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serve(conn: Connection, options: RenderOptions, memory_bytes: int) -> None:
    """Run in a worker: load everything once, then answer render and preview jobs until told to stop."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    try:
        work = renderer(options)
        work.render(warm_up_document())  # loads fonts into pango and imports what renders lazily
    except BaseException as e:  # noqa: BLE001 - told to the parent, which raises it
        conn.send(("error", f"{type(e).__name__}: {e}"))
        return
    _tune_garbage_collection()
    conn.send(("ready", os.getpid()))
    jobs: dict[str, Callable[..., Any]] = {"render": work.render, "preview": preview_png}
    for done in itertools.count(1):
        if done % _FULL_COLLECTION_EVERY == 0:
            gc.collect()
        try:
            kind, args = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "stop":
            return
        try:
            result = jobs[kind](*args)
        except MemoryError:
            conn.send(("memory", f"needed more than {memory_bytes // 2**20} MB of memory"))
            return  # a worker that ran out of memory is not trusted with the next job
        except (InvalidDocument, PreviewError) as e:
            conn.send(("refused", e))
        except Exception as e:  # noqa: BLE001 - reported to the parent with the document
            conn.send(("error", f"{type(e).__name__}: {e}"))
        else:
            conn.send(("ok", result))


#: Jobs between two full garbage collections in a worker.
_FULL_COLLECTION_EVERY = 25


def _tune_garbage_collection() -> None:
    """Collect less often in a worker: rendering allocates boxes by the hundred thousand.

    What the warm-up loaded (fonts, stylesheet, templates) is frozen out of every collection,
    the young generations are collected ten times less often than by default, and full
    collections happen every few jobs (`_serve`) instead of whenever Python decides. Measured on
    invoices: 25 ms of collection per render before, 10 ms after.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 1_000_000)


class _Worker:
    def __init__(self, context: Any, options: RenderOptions, limits: WorkerLimits) -> None:
        self.limits = limits
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, options, limits.memory_bytes), name="invoice-renderer", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        self.jobs = 0

    def _wait_ready(self) -> None:
        if self.ready:
            return
        status, value = self._answer(self.limits.start_seconds, "starting the renderer")
        if status != "ready":
            raise RenderFailed(f"the renderer could not start: {value}")
        self.ready = True

    def _answer(self, timeout: float, what: str) -> tuple[str, Any]:
        if not self.conn.poll(timeout):
            self.kill()
            raise RenderFailed(f"{what} took longer than {timeout:g} s and was stopped")
        try:
            return self.conn.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError):
            self.process.join(5)
            raise RenderFailed(_death(self.process.exitcode)) from None

    def call(self, kind: str, args: tuple[Any, ...]) -> Any:
        self._wait_ready()
        self.jobs += 1
        try:
            self.conn.send((kind, args))
        except OSError:  # it died since it was last seen alive
            self.process.join(5)
            raise RenderFailed(_death(self.process.exitcode)) from None
        status, value = self._answer(self.limits.timeout_seconds, "rendering")
        if status == "ok":
            return value
        if status == "refused":
            raise value
        if status == "memory":
            self.process.join(5)
        raise RenderFailed(value if status == "memory" else f"the renderer failed: {value}")

    def stop(self) -> None:
        try:
            self.conn.send(("stop", ()))
        except OSError:
            pass
        self.process.join(2)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _death(exitcode: int | None) -> str:
    if exitcode == -signal.SIGKILL:
        return "the renderer was killed (out of memory?)"
    if exitcode is not None and exitcode < 0:
        return f"the renderer died of signal {-exitcode}"
    return f"the renderer process died (exit code {exitcode})"


class InvoiceRenderer:
    """A pool of warm rendering processes: `render` blocks, `arender` awaits; `close` ends them."""

    def __init__(
        self,
        workers: int = 2,
        options: RenderOptions | None = None,
        limits: WorkerLimits | None = None,
        method: str = "spawn",
    ) -> None:
        if workers < 1:
            raise ValueError("at least one rendering worker")
        self.options = options or RenderOptions()
        self.limits = limits or WorkerLimits()
        self._context = multiprocessing.get_context(method)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render")
        for _ in range(workers):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.options, self.limits)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool) -> _Worker:
        with self._lock:
            self._all.discard(worker)
        if kill:
            worker.kill()
        else:
            worker.stop()
        return self._start()

    def _run(self, kind: str, args: tuple[Any, ...]) -> Any:
        if self._closed:
            raise RenderError("the invoice renderer is closed")
        worker = self._idle.get()
        try:
            if not worker.process.is_alive():  # died while idle: not the document's fault
                worker = self._retire(worker, kill=True)
            try:
                return worker.call(kind, args)
            except RenderFailed as e:
                log.warning("invoice renderer %s replaced: %s", worker.process.pid, e.reason)
                worker = self._retire(worker, kill=True)
                raise
        finally:
            if worker.jobs >= self.limits.max_jobs:
                # Replaced now, so that the new one warms up before the next document comes.
                worker = self._retire(worker, kill=False)
            self._idle.put(worker)

    def render(self, document: InvoiceDocument) -> RenderedInvoice:
        """Return the rendered invoice; raise `InvalidDocument` or `RenderFailed`."""
        return self._run("render", (document,))  # type: ignore[no-any-return]

    async def arender(self, document: InvoiceDocument) -> RenderedInvoice:
        """Return the rendered invoice without blocking the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, self.render, document)

    def preview(self, pdf: bytes, page: int = 0, width: int = DEFAULT_WIDTH) -> bytes:
        """Return a page of a rendered PDF as PNG, drawn in a worker (pdfium is not thread-safe)."""
        return self._run("preview", (pdf, page, width))  # type: ignore[no-any-return]

    async def apreview(self, pdf: bytes, page: int = 0, width: int = DEFAULT_WIDTH) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self.preview, pdf, page, width)

    @property
    def pids(self) -> tuple[int, ...]:
        """Return the process ids of the workers (for monitoring and tests)."""
        with self._lock:
            return tuple(w.process.pid for w in self._all if w.process.pid is not None)

    def close(self) -> None:
        """Stop the workers; renders still running get their deadline to finish first."""
        self._closed = True
        self._threads.shutdown(wait=True)
        deadline = time.monotonic() + self.limits.timeout_seconds
        while True:
            with self._lock:
                if not self._all:
                    return
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            with self._lock:
                self._all.discard(worker)
            worker.stop()
        with self._lock:
            remaining, self._all = self._all, set()
        for worker in remaining:
            worker.kill()

    def __enter__(self) -> InvoiceRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
