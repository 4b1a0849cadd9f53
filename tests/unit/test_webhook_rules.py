"""Webhook endpoints, signatures and what an endpoint's answer means (pure rules)."""

from __future__ import annotations

import pytest

from invoicing.config import ConfigError, load_settings
from invoicing.webhook_rules import (
    Event,
    InvalidWebhooks,
    Outcome,
    outcome,
    parse_endpoints,
    signature,
    verify,
)

SECRET = "whsec-0123456789abcdef"


def test_endpoints_are_read_from_pairs_json_and_toml_tables(tmp_path, monkeypatch):
    pairs = parse_endpoints(f"https://erp.example/hook {SECRET}; http://127.0.0.1:9000/in {SECRET}x")
    assert [e.url for e in pairs] == ["https://erp.example/hook", "http://127.0.0.1:9000/in"]
    [only_paid] = parse_endpoints(f'[{{"url": "https://a.example/h", "secret": "{SECRET}", "events": ["invoice.paid"]}}]')
    assert only_paid.wants(Event.PAID) and not only_paid.wants(Event.ISSUED)
    config = tmp_path / "invoicebot.toml"
    config.write_text(f'[[webhooks]]\nurl = "https://b.example/h"\nsecret = "{SECRET}"\n')
    monkeypatch.setenv("INVOICEBOT_CONFIG", str(config))
    settings = load_settings()
    assert [e.url for e in settings.webhooks] == ["https://b.example/h"]
    assert SECRET in settings.secrets(), "the secret is kept out of every log line"
    assert SECRET not in repr(settings.webhooks)


@pytest.mark.parametrize(("value", "why"), [
    (f"ftp://a.example/h {SECRET}", "http:// or https://"),
    ("https://a.example/h short", "at least 16"),
    ("https://a.example/h", "URL SECRET"),
    (f'[{{"url": "https://a.example/h", "secret": "{SECRET}", "events": ["invoice.lost"]}}]', "the events are"),
    (f"https://a.example/h {SECRET};https://a.example/h {SECRET}", "once"),
])  # fmt: skip
def test_a_malformed_webhook_setting_is_refused_with_the_reason(value, why):
    with pytest.raises(InvalidWebhooks, match=why):
        parse_endpoints(value)
    with pytest.raises(ConfigError) as refused:
        load_settings(webhooks=value)
    assert SECRET not in str(refused.value)


def test_a_signature_verifies_only_the_same_body_secret_and_a_recent_time():
    body = b'{"id":"invoice.paid:1","type":"invoice.paid"}'
    header = signature(SECRET, 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert verify(SECRET, header, body, now=1_700_000_100)
    assert not verify(SECRET, header, body + b" ", now=1_700_000_100), "a changed body"
    assert not verify(SECRET + "x", header, body, now=1_700_000_100), "another secret"
    assert not verify(SECRET, header, body, now=1_700_000_000 + 301), "replayed later"
    assert not verify(SECRET, "v1=abc", body, now=1_700_000_000), "no timestamp"


@pytest.mark.parametrize(("status", "expected"), [
    (200, Outcome.DELIVERED), (204, Outcome.DELIVERED), (429, Outcome.RETRY), (500, Outcome.RETRY),
    (503, Outcome.RETRY), (408, Outcome.RETRY), (400, Outcome.REFUSED), (404, Outcome.REFUSED),
    (410, Outcome.REFUSED), (301, Outcome.REFUSED),
])  # fmt: skip
def test_what_an_endpoints_answer_means(status, expected):
    assert outcome(status) is expected
