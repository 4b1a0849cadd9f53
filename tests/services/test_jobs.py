"""The outbox: idempotent enqueue, leases, retries with backoff, and unknown outcomes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from invoicing import jobs
from invoicing.db.models import Job
from invoicing.domain import JobState


def test_same_idempotency_key_twice_writes_one_job(db, clock):
    with db.transaction() as s:
        assert jobs.enqueue(s, clock, kind="mail.send", key="mail:1", payload={"n": 1})
        assert not jobs.enqueue(s, clock, kind="mail.send", key="mail:1", payload={"n": 2})
    with db.transaction() as s:
        assert [j.payload for j in s.execute(select(Job)).scalars()] == [{"n": 1}]


def test_claimed_jobs_are_leased_once_and_only_kinds_with_handlers(db, clock):
    with db.transaction() as s:
        jobs.enqueue(s, clock, kind="mail.send", key="a", payload={})
        jobs.enqueue(s, clock, kind="chat.send", key="b", payload={})
    first = jobs.claim(db, clock, "w1", {"mail.send"})
    second = jobs.claim(db, clock, "w2", {"mail.send", "chat.send"})
    assert [j.key for j in first] == ["a"] and [j.key for j in second] == ["b"]
    clock.advance(jobs.LEASE + dt.timedelta(seconds=1))  # w1 died: its lease runs out
    assert [j.key for j in jobs.claim(db, clock, "w3", {"mail.send"})] == ["a"]


def test_failures_retry_with_backoff_then_fail_and_unknown_is_never_retried(db, clock):
    with db.transaction() as s:
        jobs.enqueue(s, clock, kind="k", key="retry", payload={}, max_attempts=2)
        jobs.enqueue(s, clock, kind="k", key="unknown", payload={})
    claimed = {j.key: j for j in jobs.claim(db, clock, "w", {"k"})}
    jobs.finish(db, clock, claimed["retry"], RuntimeError("smtp down"))
    jobs.finish(db, clock, claimed["unknown"], jobs.OutcomeUnknown("connection lost after DATA"))
    assert jobs.claim(db, clock, "w", {"k"}) == []  # backing off
    clock.advance(jobs.backoff(1))
    again = jobs.claim(db, clock, "w", {"k"})
    assert [j.key for j in again] == ["retry"]
    jobs.finish(db, clock, again[0], RuntimeError("still down"))
    with db.transaction() as s:
        states = {j.idempotency_key: j.state for j in s.execute(select(Job)).scalars()}
    assert states == {"retry": JobState.FAILED, "unknown": JobState.UNKNOWN}


def test_a_permanent_failure_fails_the_job_at_once_and_it_is_not_claimed_again(db, clock):
    """GIVEN a job with attempts left WHEN its handler raises PermanentFailure
    THEN the job is failed with the error on the first attempt and never claimed again."""
    with db.transaction() as s:
        jobs.enqueue(s, clock, kind="k", key="refused", payload={}, max_attempts=8)
    [job] = jobs.claim(db, clock, "w", {"k"})
    jobs.finish(db, clock, job, jobs.PermanentFailure("550 no such user"))
    clock.advance(jobs.backoff(8))
    assert jobs.claim(db, clock, "w", {"k"}) == []
    with db.transaction() as s:
        [row] = s.execute(select(Job)).scalars()
    assert (row.state, row.attempts, row.last_error) == (JobState.FAILED, 1, "550 no such user")


def test_a_worker_that_dies_during_the_irreversible_step_leaves_the_job_for_a_person(db, clock):
    """GIVEN two jobs claimed by a worker that then dies, one before and one after `begin_effect`
    WHEN their leases run out THEN the first runs again, the second is unknown and never runs again."""
    with db.transaction() as s:
        jobs.enqueue(s, clock, kind="mail.send", key="before", payload={})
        jobs.enqueue(s, clock, kind="mail.send", key="during", payload={})
    claimed = {j.key: j for j in jobs.claim(db, clock, "w1", {"mail.send"})}
    jobs.begin_effect(db, clock, claimed["during"])
    clock.advance(jobs.LEASE + dt.timedelta(seconds=1))
    assert [j.key for j in jobs.claim(db, clock, "w2", {"mail.send"})] == ["before"]
    assert jobs.claim_key(db, clock, "w3", "during") is None
    with db.transaction() as s:
        during = s.execute(select(Job).where(Job.idempotency_key == "during")).scalar_one()
        assert during.state is JobState.UNKNOWN and "may have happened" in (during.last_error or "")


def test_a_retry_before_the_irreversible_step_clears_the_mark(db, clock):
    with db.transaction() as s:
        jobs.enqueue(s, clock, kind="mail.send", key="k", payload={})
    [job] = jobs.claim(db, clock, "w", {"mail.send"})
    jobs.begin_effect(db, clock, job)
    jobs.finish(db, clock, job, jobs.RetryLater("connection refused before DATA"))
    clock.advance(dt.timedelta(minutes=1))
    [again] = jobs.claim(db, clock, "w", {"mail.send"})
    jobs.finish(db, clock, again, RuntimeError("a bug after the send"))
    with db.transaction() as s:
        assert s.execute(select(Job)).scalar_one().state is JobState.PENDING  # no mark: retried
