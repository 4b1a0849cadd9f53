"""The pool of reading processes: reused while healthy, replaced as soon as one is in doubt.

A hostile job costs at most the process that ran it: the job after it is answered by a fresh
process, and the limits (wall time, CPU time, memory) hold for each job, not for the process's
life.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from intake.sandbox import LimitExceeded, Limits
from intake.workers import WorkerPool

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
