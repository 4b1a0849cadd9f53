"""Reading runs in a child process that is stopped when it takes too long or too much."""

from __future__ import annotations

import time

import pytest

from intake.sandbox import LimitExceeded, Limits, run_limited


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def _spin() -> None:
    while True:
        pass


def _hog() -> bytes:
    return bytes(2 * 1024**3)


def _explode() -> None:
    raise ValueError("bad bytes")


def test_a_result_comes_back_from_the_child():
    assert run_limited(_sleep, (0,), Limits(), method="fork") == "woke"


def test_a_child_past_its_wall_deadline_is_killed_promptly():
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match="longer than 0.5 s"):
        run_limited(_sleep, (30,), Limits(wall_seconds=0.5), method="fork")
    assert time.monotonic() - started < 5


def test_a_child_past_its_cpu_limit_is_stopped():
    with pytest.raises(LimitExceeded, match="CPU"):
        run_limited(_spin, (), Limits(wall_seconds=20, cpu_seconds=1), method="fork")


def test_a_child_past_its_memory_limit_is_stopped():
    with pytest.raises(LimitExceeded, match="memory"):
        run_limited(_hog, (), Limits(memory_bytes=512 * 2**20), method="fork")


def test_an_exception_in_the_child_is_reported_not_raised_raw():
    with pytest.raises(LimitExceeded, match="ValueError: bad bytes"):
        run_limited(_explode, (), Limits(), method="fork")
