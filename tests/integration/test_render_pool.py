"""Rendering in worker processes: off the event loop, limited, and a bad document costs one worker.

Real worker processes (spawned, warm), real WeasyPrint; a worker is killed with SIGKILL the way the
kernel kills one that runs out of memory. Waits poll the worker's state until a deadline, never
sleep a fixed time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from invoicing.billing import LineItem, price
from invoicing.document import InvoiceDocument
from invoicing.render import InvalidDocument, RenderError
from invoicing.render.pool import InvoiceRenderer, RenderFailed, WorkerLimits
from invoicing.render.samples import warm_up_document
from tests.integration.test_render_pdf import page_texts
from tests.invoices import sample

pytestmark = pytest.mark.slow


def big_document(lines: int = 400) -> InvoiceDocument:
    """Return an invoice long enough to keep a worker busy for seconds (tens of pages)."""
    items = [LineItem(("Posten " * 140)[:990], Decimal(1), Decimal(1), Decimal(19)) for _ in range(lines)]
    return replace(warm_up_document(), totals=price(items))


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


@pytest.fixture
def pool() -> Iterator[InvoiceRenderer]:
    renderer = InvoiceRenderer(2, limits=WorkerLimits(timeout_seconds=120))
    yield renderer
    renderer.close()


async def test_invoices_render_in_workers_while_the_event_loop_keeps_running(pool: InvoiceRenderer) -> None:
    """GIVEN two warm workers WHEN six invoices are awaited at once THEN all come back complete (their
    XML is the in-process one) and the event loop ran other tasks meanwhile."""
    documents = sample(6)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(ticker())
    results = await asyncio.gather(*(pool.arender(d) for d in documents))
    beat.cancel()
    assert ticks > 10
    for document, result in zip(documents, results):
        assert result.pdf.startswith(b"%PDF-") and document.number in page_texts(result.pdf)[0]
        assert f"<ram:ID>{document.number}</ram:ID>".encode() in result.xml.replace(b"&amp;", b"&")
    assert (await pool.apreview(results[0].pdf, width=300)).startswith(b"\x89PNG")


def test_an_invalid_document_is_refused_and_costs_no_worker(pool: InvoiceRenderer) -> None:
    """GIVEN a credit note without the invoice it corrects WHEN rendered THEN InvalidDocument with the
    problem, and the same workers serve the next invoice."""
    pids = set(pool.pids)
    note = replace(warm_up_document(), kind=warm_up_document().kind.CREDIT_NOTE)
    with pytest.raises(InvalidDocument) as caught:
        pool.render(note)
    assert caught.value.problems == ("a credit note names the invoice it corrects",)
    assert pool.render(warm_up_document()).pdf.startswith(b"%PDF-")
    assert set(pool.pids) == pids


def test_a_render_over_its_deadline_is_stopped_and_its_worker_replaced() -> None:
    """GIVEN a 3 s deadline WHEN a 400-line invoice is rendered THEN RenderFailed says so, that worker
    is gone, a new one took its place, and the next invoice renders."""
    with InvoiceRenderer(1, limits=WorkerLimits(timeout_seconds=3)) as pool:
        before = pool.pids
        with pytest.raises(RenderFailed, match="longer than 3 s"):
            pool.render(big_document())
        assert not alive(before[0]) and pool.pids != before
        assert pool.render(warm_up_document()).pdf.startswith(b"%PDF-")


async def test_a_worker_killed_mid_render_fails_that_document_only(pool: InvoiceRenderer) -> None:
    """GIVEN a worker busy with a long invoice WHEN the kernel kills it (SIGKILL) THEN that render fails
    with RenderFailed naming the kill, and the pool renders the next invoices with a new worker."""
    await asyncio.gather(pool.arender(warm_up_document()), pool.arender(warm_up_document()))  # both warm
    pids = pool.pids
    baseline = {pid: cpu_seconds(pid) for pid in pids}
    busy = asyncio.ensure_future(pool.arender(big_document()))
    await asyncio.to_thread(wait_until, lambda: any(cpu_seconds(p) > baseline[p] + 0.5 for p in pids))
    victim = next(p for p in pids if cpu_seconds(p) > baseline[p] + 0.5)
    os.kill(victim, signal.SIGKILL)
    with pytest.raises(RenderFailed, match="killed"):
        await busy
    results = await asyncio.gather(*(pool.arender(d) for d in sample(3)))
    assert all(r.pdf.startswith(b"%PDF-") for r in results)
    assert victim not in pool.pids and len(pool.pids) == 2


def test_a_worker_that_died_while_idle_is_replaced_unnoticed(pool: InvoiceRenderer) -> None:
    """GIVEN both workers killed while idle WHEN invoices are rendered THEN they render, on new workers."""
    old = pool.pids
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not any(alive(p) for p in old))
    assert pool.render(warm_up_document()).pdf.startswith(b"%PDF-")
    assert pool.render(warm_up_document()).pdf.startswith(b"%PDF-")
    assert not set(pool.pids) & set(old)


def test_workers_run_under_the_memory_limit() -> None:
    """GIVEN a 1 GiB limit WHEN the workers run THEN the kernel enforces it on them; a limit too small to
    load WeasyPrint makes every render fail with a clear error, and the caller goes on."""
    with InvoiceRenderer(1, limits=WorkerLimits(memory_bytes=2**30)) as pool:
        pool.render(warm_up_document())
        limits = Path(f"/proc/{pool.pids[0]}/limits").read_text().splitlines()
        address_space = next(line for line in limits if line.startswith("Max address space"))
        assert address_space.split()[3:5] == [str(2**30), str(2**30)]
    with InvoiceRenderer(1, limits=WorkerLimits(memory_bytes=64 * 2**20)) as starved:
        with pytest.raises(RenderFailed, match="could not start|memory|died"):
            starved.render(warm_up_document())


def test_a_worker_is_retired_after_its_share_of_renders() -> None:
    """GIVEN workers that serve two renders each WHEN three invoices are rendered THEN the third runs on
    a fresh worker."""
    with InvoiceRenderer(1, limits=WorkerLimits(max_jobs=2)) as pool:
        first = pool.pids
        pool.render(warm_up_document())
        pool.render(warm_up_document())
        pool.render(warm_up_document())
        assert pool.pids != first and not alive(first[0])


def test_close_ends_every_worker() -> None:
    """GIVEN a pool of two WHEN closed THEN its processes are gone and rendering is refused."""
    pool = InvoiceRenderer(2)
    pids = pool.pids
    pool.render(warm_up_document())
    pool.close()
    assert not any(alive(p) for p in pids)
    with pytest.raises(RenderError, match="closed"):
        pool.render(warm_up_document())
