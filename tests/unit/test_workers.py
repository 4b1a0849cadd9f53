"""The pool of reading processes: reused while healthy, replaced as soon as one is in doubt.

A hostile job costs at most the process that ran it: the job after it is answered by a fresh
process, and the limits (wall time, CPU time, memory) hold for each job, not for the process's
life.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from intake.sandbox import LimitExceeded, Limits
from intake.workers import WorkerPool, _address_space

#: Forked from a clean server, not from the test process: earlier tests load libraries (an ONNX
#: runtime, say) that grow this process's address space past the workers' own limit.
METHOD = "forkserver"


def _pid() -> int:
    return os.getpid()


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _burn(cpu_seconds: float) -> int:
    """Use about this much CPU time (user and system), then return the pid."""
    start = time.process_time()
    while time.process_time() - start < cpu_seconds:
        pass
    return os.getpid()


def _spin() -> None:
    while True:
        pass


def _hog() -> bytes:
    return bytes(2 * 1024**3)


#: What the jobs below keep in the child, as loaded models or a document's leftovers would be.
_kept: list[object] = []


def _keep(size: int, library: str | None = None) -> int:
    """Keep `size` more bytes (touched) and load `library` if given, then return the pid."""
    if library is not None:
        _kept.append(ctypes.CDLL(library))
    _kept.append(bytearray(size))
    return os.getpid()


def _keep_once(size: int, library: str) -> int:
    """Load `library` and keep `size` bytes on the first call in a process only, as a reader
    loads its models for its first picture; return the pid."""
    return os.getpid() if _kept else _keep(size, library)


def _explode() -> None:
    raise ValueError("bad bytes")


def _start_grandchild_and_hang(pid_file: str) -> None:
    """Start a long-running program (as tesseract would be), note its pid, and hang."""
    child = subprocess.Popen(["sleep", "60"])
    Path(pid_file).write_text(str(child.pid))
    time.sleep(60)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_one_process_reads_one_document_after_another():
    with WorkerPool(1, Limits(), method=METHOD) as pool:
        assert pool.run(_pid, ()) == pool.run(_pid, ()) != os.getpid()


def test_a_job_past_its_wall_deadline_is_killed_and_the_next_job_gets_a_fresh_process():
    """GIVEN a pool of one WHEN a job overruns its deadline THEN it is stopped promptly and the
    next job runs in another process."""
    with WorkerPool(1, Limits(wall_seconds=0.5), method=METHOD) as pool:
        before = pool.run(_pid, ())
        started = time.monotonic()
        with pytest.raises(LimitExceeded, match="longer than 0.5 s"):
            pool.run(_sleep, (30,))
        assert time.monotonic() - started < 5
        assert not _alive(before)
        assert pool.run(_pid, ()) != before


def test_the_cpu_limit_is_per_job_not_per_process_life():
    """GIVEN a CPU limit of 2 s WHEN one process runs two jobs of 1.2 s each, then a runaway THEN
    the first two pass (together they are over the limit) and the runaway is stopped."""
    with WorkerPool(1, Limits(wall_seconds=30, cpu_seconds=2), method=METHOD) as pool:
        first = pool.run(_burn, (1.2,))
        assert pool.run(_burn, (1.2,)) == first
        with pytest.raises(LimitExceeded, match="CPU"):
            pool.run(_spin, ())
        assert pool.run(_pid, ()) != first


def test_a_memory_hog_is_stopped_and_its_process_replaced():
    with WorkerPool(1, Limits(memory_bytes=512 * 2**20), method=METHOD) as pool:
        before = pool.run(_pid, ())
        with pytest.raises(LimitExceeded, match="memory"):
            pool.run(_hog, ())
        assert pool.run(_pid, ()) != before


def test_an_exception_is_reported_and_the_process_is_not_trusted_again():
    with WorkerPool(1, Limits(), method=METHOD) as pool:
        before = pool.run(_pid, ())
        with pytest.raises(LimitExceeded, match="ValueError: bad bytes"):
            pool.run(_explode, ())
        assert pool.run(_pid, ()) != before


def test_a_process_is_replaced_after_its_share_of_documents():
    with WorkerPool(1, Limits(), method=METHOD, max_jobs=2) as pool:
        pids = [pool.run(_pid, ()) for _ in range(5)]
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]


@pytest.fixture(scope="module")
def small_limit() -> int:
    """Return a memory limit four times the address space of an idle child that has run a job of
    this module: small enough for quick tests, with room for the interpreter."""
    with WorkerPool(1, Limits(), method=METHOD) as pool:
        pool.run(_pid, ())
        return 4 * pool.run(_address_space, ())


@pytest.fixture
def new_library(tmp_path: Path) -> str:
    """Return a shared library no child has loaded yet (a copy of one Python has)."""
    import _ctypes

    return shutil.copy(_ctypes.__file__, tmp_path / "libnew.so")


def test_a_child_that_loaded_a_library_and_its_memory_is_reused(small_limit: int, new_library: str):
    """GIVEN a job that loads a library and keeps 40% of the memory limit (an OCR loading its
    models) WHEN more jobs follow THEN the same child reads them: its warm size is what it holds
    with the library loaded, and it has not grown past that."""
    with WorkerPool(1, Limits(memory_bytes=small_limit), method=METHOD) as pool:
        first = pool.run(_pid, ())
        pids = [pool.run(_keep_once, (small_limit * 4 // 10, new_library)) for _ in range(5)]
    assert pids == [first] * 5


def test_a_child_that_keeps_growing_is_replaced_once_past_half_its_room(small_limit: int):
    """GIVEN jobs that each keep a fifth of the room the idle child leaves under the memory limit
    (a leak) WHEN they run one after the other THEN the child reads the first three and is
    replaced after the third: after two it has used 2/5 of its room, after three 3/5, past half."""
    with WorkerPool(1, Limits(memory_bytes=small_limit), method=METHOD) as pool:
        first = pool.run(_pid, ())
        idle = pool.run(_address_space, ())
        leak = (small_limit - idle) // 5
        pids = [pool.run(_keep, (leak,)) for _ in range(3)]
        after = pool.run(_pid, ())
    assert pids == [first] * 3 and after != first


def test_what_a_job_leaves_without_loading_a_library_counts_as_growth(small_limit: int):
    """GIVEN a job that keeps 55% of the memory limit without loading a library (a document that
    leaves its memory fragmented) WHEN it is done THEN its child is replaced: the job cannot
    raise the warm size it is judged against."""
    with WorkerPool(1, Limits(memory_bytes=small_limit), method=METHOD) as pool:
        before = pool.run(_pid, ())
        assert pool.run(_keep, (small_limit * 55 // 100,)) == before
        assert pool.run(_pid, ()) != before


def test_on_a_deadline_what_the_reader_started_dies_with_it(tmp_path: Path):
    """GIVEN a job that started another program (as OCR starts tesseract) WHEN it overruns THEN
    that program is killed too."""
    pid_file = tmp_path / "grandchild.pid"
    with WorkerPool(1, Limits(wall_seconds=1), method=METHOD) as pool:
        with pytest.raises(LimitExceeded, match="longer than"):
            pool.run(_start_grandchild_and_hang, (str(pid_file),))
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_jobs_from_several_threads_run_side_by_side_in_a_forkserver_pool():
    """GIVEN a pool of two started by a fork server WHEN two threads each run a 1 s job THEN both
    finish in well under 2 s, in two processes."""
    results: list[int] = []
    with WorkerPool(2, Limits(), method="forkserver") as pool:
        pool.start()
        pool.run(_pid, ())  # the processes are up
        started = time.monotonic()
        threads = [threading.Thread(target=lambda: results.append(pool.run(_sleep, (1,)))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    assert len(set(results)) == 2 and elapsed < 1.8


def test_map_keeps_the_order_and_reports_each_stopped_job_in_its_place():
    """GIVEN good jobs with an overrunning and a failing one among them WHEN mapped over a pool
    of two THEN every result comes in order, the bad ones as `LimitExceeded`."""
    jobs = [(0.0,), (30.0,), (0.1,), ("x",), (0.0,)]
    started = time.monotonic()
    with WorkerPool(2, Limits(wall_seconds=1), method=METHOD) as pool:
        results = list(pool.map(_sleep, jobs))
    assert time.monotonic() - started < 10
    assert [type(r).__name__ for r in results] == ["int", "LimitExceeded", "int", "LimitExceeded", "int"]
    assert "longer than 1 s" in str(results[1]) and "TypeError" in str(results[3])


def test_closing_the_pool_stops_its_processes():
    pool = WorkerPool(2, Limits(), method=METHOD)
    pool.start()
    pids = {pool.run(_pid, ()), pool.run(_pid, ())}
    pool.close()
    assert not any(_alive(pid) for pid in pids)
    with pytest.raises(LimitExceeded, match="shut down"):
        pool.run(_pid, ())
