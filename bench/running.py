"""A running `invoicebot run` for benchmarks, and the CPU time of a process tree."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.factories import simple_invoice_pdf

INVOICEBOT = str(Path(sys.executable).with_name("invoicebot"))
WAIT_SECONDS = 600.0


def service_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOICEBOT_")}
    env["INVOICEBOT_DATA_DIR"] = str(data_dir)
    env["INVOICEBOT_LOG_LEVEL"] = "WARNING"
    return env


def tree_cpu_seconds(root: int) -> float:
    """Return the CPU seconds used so far by process `root` and all its live descendants
    (including what each has reaped of its own children)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = sum(int(f) for f in fields[11:15]) / tick
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(used.get(pid, 0.0) for pid in tree)


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.02)


class RunningService:
    """`invoicebot run` on a fresh data dir, stopped with SIGTERM on exit."""

    def __init__(self, workdir: Path, languages: str, ocr_engine: str | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = workdir / "var"
        self.inbox = self.data_dir / "inbox"
        self.database = self.data_dir / "invoicebot.sqlite3"
        env = service_env(self.data_dir) | {"INVOICEBOT_OCR_LANGUAGES": languages}
        if ocr_engine is not None:
            env["INVOICEBOT_OCR_ENGINE"] = ocr_engine
        self.log = (workdir / "service.log").open("w")
        self.process = subprocess.Popen(
            [INVOICEBOT, "run"], cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._reader: sqlite3.Connection | None = None
        wait_until(lambda: (self.inbox / "failed").is_dir() and self.documents() == 0,
                   "the service to start")  # fmt: skip
        # One document through first, so that start-up work is not counted.
        self.drop([_warm_up_pdf(workdir)], 1)

    def documents(self) -> int:
        """Return how many documents the service has committed so far (-1 before its schema)."""
        if self._reader is None:
            if not self.database.exists():
                return -1
            self._reader = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5)
        try:
            return int(self._reader.execute("SELECT count(*) FROM documents").fetchone()[0])
        except sqlite3.OperationalError:
            return -1

    def drop(self, files: list[Path], expected_total: int) -> tuple[float, float]:
        """Copy `files` into the inbox at once; return the seconds until all are committed, and
        the CPU seconds the service (with its reading processes) used meanwhile."""
        cpu = tree_cpu_seconds(self.process.pid)
        started = time.perf_counter()
        for path in files:
            shutil.copyfile(path, self.inbox / path.name)
        wait_until(lambda: self.documents() >= expected_total, "the documents")
        return time.perf_counter() - started, tree_cpu_seconds(self.process.pid) - cpu

    def stop(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def _warm_up_pdf(workdir: Path) -> Path:
    path = workdir / "warm-up.pdf"
    path.write_bytes(simple_invoice_pdf(number="WARM-UP"))
    return path
