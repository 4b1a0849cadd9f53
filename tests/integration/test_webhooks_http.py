"""Webhook deliveries over real HTTP to a receiver on loopback: signed, retried, refused."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
from sqlalchemy import select

from invoicing import decisions, jobs
from invoicing.db.engine import Database
from invoicing.db.models import Job
from invoicing.domain import JobState
from invoicing.webhook_rules import ENDPOINTS_INFO, make_endpoint, verify
from invoicing.webhooks import WEBHOOK_DELIVER, WebhookDeliverHandler
from tests.books import supplier_invoice
from tests.integration.webhook_receiver import webhook_receiver

SECRET = "whsec-test-0123456789abcdef"


def _jobs(db: Database) -> list[Job]:
    with db.transaction() as s:
        return list(s.execute(select(Job).where(Job.kind == WEBHOOK_DELIVER).order_by(Job.id)).scalars())


async def _run(db: Database, clock, endpoints, timeout: float = 5.0) -> int:  # type: ignore[no-untyped-def]
    handler = WebhookDeliverHandler(endpoints, clock, timeout)
    return await jobs.run_due(db, clock, {WEBHOOK_DELIVER: handler}, "test")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_event_is_posted_signed_and_retried_after_a_server_error(db, clock, store):
    """GIVEN an endpoint that answers 503 first WHEN an invoice is received and approved THEN the
    jobs post the events; the 503 one is tried again after its backoff and delivered; every request
    carries a signature the receiver verifies over the exact body, and the event's id."""
    with webhook_receiver() as receiver:
        endpoint = make_endpoint(receiver.url, SECRET)
        hooked = Database(db.engine, None, {ENDPOINTS_INFO: (endpoint,)})
        receiver.answers = [503]
        invoice_id = supplier_invoice(hooked, clock, store, number="L-1", total="119.00", due=None,
                                      issued=dt.date(2026, 3, 1), approver=None)  # fmt: skip
        assert await _run(hooked, clock, [endpoint]) == 1
        [job] = _jobs(hooked)
        assert (job.state, job.attempts, job.last_error) == (JobState.PENDING, 1, f"{receiver.url[:22]} answered 503")
        with hooked.transaction() as s:
            decisions.decide(s, clock, invoice_id, approve=True, actor="cli")
        clock.advance(dt.timedelta(seconds=6))  # past the first backoff (5 s)
        assert await _run(hooked, clock, [endpoint]) == 2
        assert [j.state for j in _jobs(hooked)] == [JobState.DONE, JobState.DONE]
        requests = receiver.wait_for(3)
    now = int(clock.now().timestamp())
    for request in requests:
        assert request.path == "/hooks/invoicebot" and request.headers["content-type"] == "application/json"
        assert verify(SECRET, request.headers["invoicebot-signature"], request.body, now)
        assert not verify(SECRET, request.headers["invoicebot-signature"], request.body + b"x", now)
    events = [json.loads(r.body) for r in requests]
    received = [e for e in events if e["type"] == "invoice.received"]
    [approved] = [e for e in events if e["type"] == "invoice.approved"]
    assert len(received) == 2 and received[0] == received[1], "a retry posts the same event, with the same id"
    assert approved["id"] == f"invoice.approved:{invoice_id}:1"
    assert approved["id"] in {r.headers["invoicebot-event-id"] for r in requests}
    assert approved["data"]["invoice"]["status"] == "approved"


@pytest.mark.parametrize(("answer", "state"), [(400, JobState.FAILED), (410, JobState.FAILED),
                                               (429, JobState.PENDING), (500, JobState.PENDING)])
async def test_a_refusal_fails_the_delivery_for_good_and_429_or_5xx_retries(db, clock, store, answer, state):
    with webhook_receiver() as receiver:
        endpoint = make_endpoint(receiver.url, SECRET)
        hooked = Database(db.engine, None, {ENDPOINTS_INFO: (endpoint,)})
        receiver.answers = [answer]
        supplier_invoice(hooked, clock, store, number="L-1", total="1.00", due=None, issued=dt.date(2026, 3, 1),
                         approver=None)  # fmt: skip
        await _run(hooked, clock, [endpoint])
        [job] = _jobs(hooked)
        assert job.state is state and str(answer) in (job.last_error or "")


async def test_an_endpoint_down_or_too_slow_is_tried_again_later(db, clock, store):
    """GIVEN an endpoint whose port is closed, and one that does not answer in time THEN both
    deliveries stay pending with the reason, to be tried again; an endpoint no longer configured
    fails its job."""
    with webhook_receiver() as slow:
        down = make_endpoint(f"http://127.0.0.1:{_free_port()}/hook", SECRET)
        late = make_endpoint(slow.url, SECRET)
        hooked = Database(db.engine, None, {ENDPOINTS_INFO: (down, late)})
        slow.go_on.clear()  # the receiver holds every request until released
        supplier_invoice(hooked, clock, store, number="L-1", total="1.00", due=None, issued=dt.date(2026, 3, 1),
                         approver=None)  # fmt: skip
        await _run(hooked, clock, [down, late], timeout=0.5)
        slow.go_on.set()
        errors = {j.payload["url"]: j.last_error or "" for j in _jobs(hooked)}
        assert [j.state for j in _jobs(hooked)] == [JobState.PENDING, JobState.PENDING]
        assert errors[down.url].endswith("ConnectError") and errors[late.url].endswith("ReadTimeout")
        clock.advance(dt.timedelta(seconds=6))
        await _run(hooked, clock, [late])
        states = {j.payload["url"]: j.state for j in _jobs(hooked)}
        assert states == {down.url: JobState.FAILED, late.url: JobState.DONE}
