"""The outbox: side effects written as job rows in the transaction that causes them.

A worker claims due jobs (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several processes share the
queue), runs the handler registered for the job's kind, and records the outcome. Handlers must be
idempotent towards their receiver, using the job's idempotency key where the receiver allows.

A claimed job is leased to its worker, which renews the lease while it runs (`renew`): when the
worker's process dies, the lease runs out and another worker takes the job (or marks it unknown
when its irreversible step had begun). On PostgreSQL each new job sends a NOTIFY with its
transaction, which wakes the workers of every process (`invoicing.db.notify`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import Job
from invoicing.db.notify import notify_new_job
from invoicing.domain import JobState

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)


def enqueue(
    session: Session,
    clock: Clock,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    run_after: dt.datetime | None = None,
    max_attempts: int = 8,
) -> bool:
    """Write a job unless one with the same idempotency key exists; return whether it was new."""
    now = clock.now()
    values = dict(
        kind=kind,
        payload=payload,
        idempotency_key=key,
        state=JobState.PENDING,
        attempts=0,
        max_attempts=max_attempts,
        run_after=run_after or now,
        created_at=now,
    )
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Job)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Job.id)
    )
    new = session.execute(statement).scalar() is not None
    if new and dialect == "postgresql":
        notify_new_job(session)
    return new


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    attempt: int


class RetryLater(Exception):
    """A handler's way to say "not now": the job is retried with backoff."""


class OutcomeUnknown(Exception):
    """The effect may have happened (connection lost mid-send): never retried automatically."""


class PermanentFailure(Exception):
    """Trying again cannot help (the receiver refused for good, the job is malformed): fail now."""


Handler = Callable[[ClaimedJob], Awaitable[None]]


def _due(now: dt.datetime) -> Any:
    return or_(Job.state == JobState.PENDING, (Job.state == JobState.RUNNING) & (Job.lease_until < now))


def _orphaned(job: Job, now: dt.datetime) -> bool:
    """Mark a job whose worker died during its irreversible step as unknown; return whether it was."""
    if job.state is not JobState.RUNNING or job.effect_started_at is None:
        return False
    job.state, job.finished_at, job.lease_until = JobState.UNKNOWN, now, None
    job.last_error = "the worker stopped while performing it; it may have happened: a person decides"
    log.warning("job %s (%s): worker died mid-effect, left for a person", job.id, job.kind, extra={"job_id": job.id})
    return True


def _take(job: Job, now: dt.datetime, worker: str, lease: dt.timedelta) -> ClaimedJob:
    job.state = JobState.RUNNING
    job.attempts += 1
    job.lease_until = now + lease
    job.locked_by = worker
    return ClaimedJob(job.id, job.kind, job.idempotency_key, dict(job.payload), job.attempts)


def claim(
    db: Database, clock: Clock, worker: str, kinds: Collection[str], limit: int = 10, lease: dt.timedelta = LEASE
) -> list[ClaimedJob]:
    """Lease up to `limit` due jobs of the given kinds to `worker` and return them.

    Kinds this process has no handler for stay pending (Telegram off, say) rather than failing.
    """
    now = clock.now()
    with db.transaction() as session:
        query = (
            select(Job)
            .where(_due(now), Job.run_after <= now, Job.kind.in_(list(kinds)))
            .order_by(Job.run_after, Job.id)
            .limit(limit)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_take(job, now, worker, lease) for job in session.execute(query).scalars() if not _orphaned(job, now)]


def claim_key(db: Database, clock: Clock, worker: str, key: str) -> ClaimedJob | None:
    """Lease the job with idempotency key `key` to `worker` if it is due; else return None."""
    now = clock.now()
    with db.transaction() as session:
        query = select(Job).where(Job.idempotency_key == key, _due(now), Job.run_after <= now)
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = session.execute(query).scalar()
        return _take(job, now, worker, LEASE) if job is not None and not _orphaned(job, now) else None


def renew(db: Database, clock: Clock, worker: str, lease: dt.timedelta) -> int:
    """Extend the lease of every job `worker` is running to `lease` from now; return how many."""
    with db.transaction() as session:
        statement = (
            update(Job)
            .where(Job.state == JobState.RUNNING, Job.locked_by == worker)
            .values(lease_until=clock.now() + lease)
        )
        return session.execute(statement).rowcount


def begin_effect(db: Database, clock: Clock, job: ClaimedJob) -> None:
    """Record that `job` is about to do what cannot be undone (call it just before, from a handler)."""
    with db.transaction() as session:
        row = session.get(Job, job.id)
        if row is not None:
            row.effect_started_at = clock.now()


def backoff(attempt: int) -> dt.timedelta:
    """Return how long to wait before attempt `attempt + 1`: 5 s doubling, at most an hour."""
    return dt.timedelta(seconds=min(5 * 2 ** (attempt - 1), 3600))


def finish(db: Database, clock: Clock, job: ClaimedJob, error: BaseException | None) -> None:
    """Record the outcome of a claimed job."""
    now = clock.now()
    with db.transaction() as session:
        row = session.get(Job, job.id)
        if row is None:
            return
        row.lease_until = None
        if isinstance(error, RetryLater | PermanentFailure):
            row.effect_started_at = None  # the handler says nothing was done
        if error is None:
            row.state, row.finished_at, row.last_error = JobState.DONE, now, None
        elif isinstance(error, OutcomeUnknown) or row.effect_started_at is not None:
            # Failing after its irreversible step began, the effect may have happened: never again.
            row.state, row.finished_at, row.last_error = JobState.UNKNOWN, now, str(error)
        elif isinstance(error, PermanentFailure) or row.attempts >= row.max_attempts:
            row.state, row.finished_at, row.last_error = JobState.FAILED, now, str(error)
        else:
            row.state, row.last_error = JobState.PENDING, str(error)
            row.run_after = now + backoff(row.attempts)


async def _run(db: Database, clock: Clock, handler: Handler, job: ClaimedJob) -> BaseException | None:
    error: BaseException | None = None
    try:
        await handler(job)
    except Exception as e:  # noqa: BLE001 - the worker records any failure and goes on
        log.warning("job %s (%s) failed: %s", job.id, job.kind, e, extra={"job_id": job.id})
        error = e
    await asyncio.to_thread(finish, db, clock, job, error)
    return error


async def run_due(
    db: Database, clock: Clock, handlers: dict[str, Handler], worker: str, lease: dt.timedelta = LEASE,
    limit: int = 10,
) -> int:  # fmt: skip
    """Claim and run (up to `limit`) due jobs whose kind has a handler; return how many ran."""
    jobs = await asyncio.to_thread(claim, db, clock, worker, handlers.keys(), limit, lease)
    for job in jobs:
        await _run(db, clock, handlers[job.kind], job)
    return len(jobs)


async def run_now(db: Database, clock: Clock, handlers: dict[str, Handler], worker: str, key: str) -> bool:
    """Run the job with idempotency key `key` at once if it is due and has a handler; return
    whether it ran and succeeded (a CLI command does its own job instead of waiting for a worker)."""
    job = await asyncio.to_thread(claim_key, db, clock, worker, key)
    if job is None:
        return False
    handler = handlers.get(job.kind)
    if handler is None:
        await asyncio.to_thread(release, db, job)
        return False
    return await _run(db, clock, handler, job) is None


def release(db: Database, job: ClaimedJob) -> None:
    """Give back a claimed job untouched (no attempt counted), for another worker to run."""
    with db.transaction() as session:
        row = session.get(Job, job.id)
        if row is not None:
            row.state, row.lease_until, row.locked_by, row.attempts = JobState.PENDING, None, None, row.attempts - 1


async def run_all_due(db: Database, clock: Clock, handlers: dict[str, Handler], worker: str) -> int:
    """Run due jobs until none is left (what `invoicebot tick` does once); return how many ran."""
    total = 0
    while ran := await run_due(db, clock, handlers, worker):
        total += ran
    return total
