"""Wake-ups across processes on PostgreSQL: a job committed through one engine wakes the listener
of another at once (NOTIFY/LISTEN), the listener comes back after its connection is killed, and a
job's lease is renewed while its worker lives."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text

from invoicing import jobs
from invoicing.clock import SystemClock
from invoicing.db.engine import Database
from invoicing.db.models import Job
from invoicing.db.notify import JOBS_CHANNEL, JobNotices

pytestmark = pytest.mark.postgres




@pytest.fixture
async def listening(two_processes: tuple[Database, Database]) -> AsyncIterator[tuple[JobNotices, asyncio.Event]]:
    """The second process's listener, started and listening; its wake event cleared."""
    wake, stop = asyncio.Event(), asyncio.Event()
    notices = JobNotices(two_processes[1].engine.url, wake, check=0.5)
    task = asyncio.create_task(notices.run(stop))
    await asyncio.wait_for(notices.listening.wait(), 10)
    wake.clear()
    yield notices, wake
    stop.set()
    await asyncio.wait_for(task, 10)


def _enqueue(db: Database, key: str) -> None:
    with db.transaction() as session:
        jobs.enqueue(session, SystemClock(), kind="test.kind", key=key, payload={})


async def test_a_job_committed_in_one_process_wakes_the_other_within_a_fraction_of_a_second(
    two_processes, listening
):
    """GIVEN a listener in the second process WHEN the first commits a job THEN the second is woken
    well before the 1 s poll would have found it, and a rolled-back job wakes no one."""
    first, _ = two_processes
    notices, wake = listening
    with pytest.raises(RuntimeError), first.transaction() as session:
        jobs.enqueue(session, SystemClock(), kind="test.kind", key="rolled-back", payload={})
        raise RuntimeError("rolled back")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(wake.wait(), 0.5)

    started = time.monotonic()
    await asyncio.to_thread(_enqueue, first, "committed")
    await asyncio.wait_for(wake.wait(), 5)
    assert time.monotonic() - started < 0.5
    assert notices.received == 1


async def test_the_listener_listens_again_after_its_connection_is_killed(two_processes, listening):
    """GIVEN a listening process WHEN its connection is terminated by the server THEN it reconnects
    and the next committed job wakes it."""
    first, _ = two_processes
    notices, wake = listening
    with first.engine.connect() as conn:
        killed = conn.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE :q"),
            {"q": f"%LISTEN {JOBS_CHANNEL}%"},
        ).scalar()
    assert killed == 1
    deadline = time.monotonic() + 10
    while notices.listening.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # the loss is seen at the next check (0.5 s)
    await asyncio.wait_for(notices.listening.wait(), 10)
    wake.clear()
    await asyncio.to_thread(_enqueue, first, "after-reconnect")
    await asyncio.wait_for(wake.wait(), 5)
    assert notices.received == 1


def test_a_running_jobs_lease_is_renewed_by_its_worker_only(two_processes):
    """GIVEN two jobs claimed by two workers with a short lease WHEN one worker renews THEN only its
    job's lease moves forward."""
    first, _ = two_processes
    clock = SystemClock()
    _enqueue(first, "a")
    _enqueue(first, "b")
    short = dt.timedelta(seconds=3)
    [a] = jobs.claim(first, clock, "host:1", ["test.kind"], limit=1, lease=short)
    [b] = jobs.claim(first, clock, "host:2", ["test.kind"], limit=1, lease=short)
    assert jobs.renew(first, clock, "host:1", dt.timedelta(minutes=5)) == 1
    with first.transaction() as session:
        leases = dict(session.execute(select(Job.id, Job.lease_until)).all())
    now = clock.now()
    assert leases[a.id] > now + dt.timedelta(minutes=4)
    assert leases[b.id] < now + dt.timedelta(seconds=4)
