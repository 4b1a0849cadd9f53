"""Webhooks without I/O: the endpoints configured, the events, and the signature of a delivery.

A delivery is a JSON POST signed like this (the receiver checks it before trusting the body):

    Invoicebot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

`verify` is the receiver's side; the README shows the same check in a few lines of Python.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

SIGNATURE_HEADER = "Invoicebot-Signature"
EVENT_HEADER = "Invoicebot-Event"
EVENT_ID_HEADER = "Invoicebot-Event-Id"
#: The key under which `Database` gives every session the configured endpoints (see `webhooks.emit`).
ENDPOINTS_INFO = "webhooks"
#: A signature older (or newer) than this is refused by `verify`: a replayed request fails.
TOLERANCE_SECONDS = 300


class Event(StrEnum):
    RECEIVED = "invoice.received"
    APPROVED = "invoice.approved"
    REJECTED = "invoice.rejected"
    ISSUED = "invoice.issued"
    SENT = "invoice.sent"
    PAID = "invoice.paid"
    OVERDUE = "invoice.overdue"


class InvalidWebhooks(ValueError):
    """The configured webhook endpoints cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    url: str
    secret: str = field(repr=False)
    #: The events sent to this endpoint; empty: all of them.
    events: frozenset[Event] = frozenset()

    def wants(self, event: Event) -> bool:
        return not self.events or event in self.events


def make_endpoint(url: str, secret: str, events: Iterable[str] = ()) -> WebhookEndpoint:
    """Return a checked endpoint: an http(s) URL, a secret of 16 characters or more, known events."""
    url, secret = url.strip(), secret.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhooks(f"webhook URL {url!r}: give an http:// or https:// URL")
    if len(secret) < 16:
        raise InvalidWebhooks(f"webhook {url}: the secret must have at least 16 characters")
    try:
        wanted = frozenset(Event(e.strip()) for e in events if e.strip())
    except ValueError as e:
        known = ", ".join(ev.value for ev in Event)
        raise InvalidWebhooks(f"webhook {url}: {e}; the events are {known}") from None
    return WebhookEndpoint(url, secret, wanted)


def parse_endpoints(value: object) -> tuple[WebhookEndpoint, ...]:
    """Return the endpoints configured as JSON or TOML (a list of tables with `url`, `secret` and
    optionally `events`), or as text: `URL SECRET` pairs separated by `;`."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as e:
                raise InvalidWebhooks(f"webhooks: not valid JSON ({e})") from None
        else:
            value = [_from_pair(part) for part in text.split(";") if part.strip()]
    if not isinstance(value, list | tuple):
        raise InvalidWebhooks("webhooks: give a list of {url, secret} tables, or URL SECRET;URL SECRET")
    endpoints = tuple(e if isinstance(e, WebhookEndpoint) else _from_table(e) for e in value)
    urls = [e.url for e in endpoints]
    if len(set(urls)) != len(urls):
        raise InvalidWebhooks("webhooks: each URL may be configured once")
    return endpoints


def _from_pair(part: str) -> WebhookEndpoint:
    pieces = part.split()
    if len(pieces) != 2:
        raise InvalidWebhooks("webhooks: write each endpoint as URL SECRET (separated by ;)")
    return make_endpoint(pieces[0], pieces[1])


def _from_table(entry: object) -> WebhookEndpoint:
    if not isinstance(entry, Mapping) or "url" not in entry or "secret" not in entry:
        raise InvalidWebhooks("webhooks: each endpoint needs `url` and `secret`")
    events = entry.get("events") or []
    if isinstance(events, str):
        events = events.split(",")
    return make_endpoint(str(entry["url"]), str(entry["secret"]), [str(e) for e in events])


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the `Invoicebot-Signature` header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Return whether `header` signs `body` with `secret`, at a time within `tolerance` of `now`."""
    parts = dict(item.partition("=")[::2] for item in header.split(",") if "=" in item)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    expected = signature(secret, int(timestamp), body).partition(",v1=")[2]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    REFUSED = "refused"


def outcome(status_code: int) -> Outcome:
    """Return what an endpoint's HTTP status means: 2xx delivered; 429 and 5xx (and 408) try
    again later; any other answer (4xx, a redirect) is a refusal that trying again cannot mend."""
    if 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code in (408, 429) or status_code >= 500:
        return Outcome.RETRY
    return Outcome.REFUSED
