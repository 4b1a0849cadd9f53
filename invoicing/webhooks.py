"""Webhooks: invoice events told to the configured endpoints as signed JSON POSTs, via the outbox.

`emit` is called by the use case that makes the change, in its transaction, right beside the
audit event: it writes one `webhook.deliver` job per endpoint, keyed by the event, so a change
rolled back tells no one and one committed is told once per endpoint whatever is retried. The
event's body is frozen then (the invoice as it was at the change). The job worker posts it
(`WebhookDeliverHandler`): a 2xx answer delivers it; a timeout, a lost connection, 408, 429 or
a 5xx answer is tried again with the outbox's backoff; any other answer fails the job for good.
Delivery is at least once: receivers dedupe on the event's `id`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from invoicing import jobs, views
from invoicing.clock import Clock
from invoicing.db.models import Invoice
from invoicing.webhook_rules import (
    ENDPOINTS_INFO,
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    Event,
    Outcome,
    WebhookEndpoint,
    outcome,
    signature,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

WEBHOOK_DELIVER = "webhook.deliver"
#: 5 s doubling to an hour between tries: about 10 hours of trying before a delivery fails.
MAX_ATTEMPTS = 16
#: Events that may happen again to the same invoice in a later approval round.
_PER_ROUND = frozenset({Event.APPROVED, Event.REJECTED})


def event_id(event: Event, invoice: Invoice) -> str:
    """Return the id of this event of this invoice: the same id whenever the same change is told."""
    suffix = f":{invoice.approval_round}" if event in _PER_ROUND else ""
    return f"{event.value}:{invoice.id}{suffix}"


def _endpoint_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def emit(session: Session, clock: Clock, event: Event | str, invoice: Invoice) -> int:
    """Queue `event` of `invoice` for every endpoint that wants it; return how many jobs were new.

    Does nothing (and costs nothing) when no endpoint is configured.
    """
    endpoints: Iterable[WebhookEndpoint] = session.info.get(ENDPOINTS_INFO) or ()
    event = Event(event)
    chosen = [endpoint for endpoint in endpoints if endpoint.wants(event)]
    if not chosen:
        return 0
    session.flush()
    identifier = event_id(event, invoice)
    body = {
        "id": identifier, "type": event.value, "created_at": clock.now().isoformat(),
        "data": {"invoice": views.summarise(invoice).model_dump(mode="json")},
    }  # fmt: skip
    new = 0
    for endpoint in chosen:
        key = f"{WEBHOOK_DELIVER}:{identifier}:{_endpoint_key(endpoint.url)}"
        payload = {"url": endpoint.url, "event": body}
        new += jobs.enqueue(session, clock, kind=WEBHOOK_DELIVER, key=key, payload=payload, max_attempts=MAX_ATTEMPTS)
    return new


def where(url: str) -> str:
    """Return the scheme and host of `url`: what logs and errors name (a path may hold a secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def body_bytes(event: dict[str, Any]) -> bytes:
    """Return the bytes posted for `event` (and signed): compact UTF-8 JSON."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookDeliverHandler:
    """`webhook.deliver`: one event posted to one endpoint, signed with that endpoint's secret."""

    kind = WEBHOOK_DELIVER

    def __init__(
        self, endpoints: Iterable[WebhookEndpoint], clock: Clock, timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        self.endpoints = {endpoint.url: endpoint for endpoint in endpoints}
        self.clock, self.timeout, self.transport = clock, timeout, transport

    async def __call__(self, job: jobs.ClaimedJob) -> None:
        import httpx  # loaded by the worker that delivers, not by every use case that emits

        url = str(job.payload.get("url", ""))
        endpoint = self.endpoints.get(url)
        if endpoint is None:
            raise jobs.PermanentFailure(f"webhook endpoint {where(url)} is no longer configured")
        event = job.payload["event"]
        body = body_bytes(event)
        headers = {
            "Content-Type": "application/json", "User-Agent": "invoicebot-webhooks",
            SIGNATURE_HEADER: signature(endpoint.secret, int(self.clock.now().timestamp()), body),
            EVENT_HEADER: str(event.get("type", "")), EVENT_ID_HEADER: str(event.get("id", "")),
        }  # fmt: skip
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, transport=self.transport) as client:
                response = await client.post(url, content=body, headers=headers)
        except httpx.TransportError as e:  # timeouts, refused and lost connections
            raise jobs.RetryLater(f"{where(url)}: {type(e).__name__}") from None
        result = outcome(response.status_code)
        if result is Outcome.RETRY:
            raise jobs.RetryLater(f"{where(url)} answered {response.status_code}")
        if result is Outcome.REFUSED:
            raise jobs.PermanentFailure(f"{where(url)} refused the event with {response.status_code}")
        log.info("webhook %s delivered to %s", event.get("id"), where(url), extra={"job_id": job.id})
