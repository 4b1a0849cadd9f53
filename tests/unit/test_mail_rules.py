"""The mail door's pure rules: who may get an automatic answer (RFC 3834), and when the
receiving server vouches for a sender (RFC 8601 Authentication-Results)."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.mail.authres import parse_results, sender_vouched
from intake.mail.autoreply import answer_address, answer_key, envelope_sender, own_addresses

OURS = own_addresses("Invoicebot <Invoicebot@Example.test>", "invoices@example.test")
TRUSTED = "mx.example.test"


def answer(return_path: str | None, sender: str | None = "someone@vendor.example", automatic: bool = False):  # type: ignore[no-untyped-def]
    return answer_address(return_path=return_path, sender=sender, automatic=automatic, ours=OURS)


def test_the_answer_goes_to_the_envelope_sender_only():
    """GIVEN a mail whose Return-Path is the vendor's WHEN answered THEN to that address; without
    a Return-Path, or with the null sender, there is no answer (never From or Reply-To)."""
    assert answer("<Bounce@Vendor.example>") == "bounce@vendor.example"
    assert answer(None) is None
    assert answer("<>") is None
    assert answer("not an address") is None


def test_robots_and_lists_are_never_answered():
    assert answer("<x@vendor.example>", automatic=True) is None
    for robot in ("MAILER-DAEMON@mx.example", "postmaster@x.example", "owner-list@x.example",
                  "list-request@x.example", "no-reply@x.example", "noreply@x.example"):  # fmt: skip
        assert answer(f"<{robot}>") is None, robot


def test_our_own_addresses_are_compared_exactly():
    """GIVEN invoices@example.test is ours WHEN voices@example.test writes THEN it is answered
    (a substring is not an address); our own addresses, in any case, are not."""
    assert OURS == {"invoicebot@example.test", "invoices@example.test"}
    assert answer("<voices@example.test>") == "voices@example.test"
    assert answer("<mail-invoices@example.test>") == "mail-invoices@example.test"
    assert answer("<INVOICES@example.test>") is None
    assert answer("<invoicebot@example.test>") is None
    assert answer("<x@vendor.example>", sender="Invoices@Example.test") is None


def test_one_answer_key_per_address_and_business_day():
    day = dt.date(2026, 3, 2)
    assert answer_key("a@vendor.example", day) == answer_key("A@Vendor.example", day)
    assert answer_key("a@vendor.example", day) != answer_key("a@vendor.example", day + dt.timedelta(days=1))
    assert answer_key("a@vendor.example", day) != answer_key("b@vendor.example", day)
    assert len(answer_key("x" * 300 + "@vendor.example", day)) < 80  # fits the outbox's key column


def test_envelope_sender_reads_the_address_of_a_return_path():
    assert envelope_sender("<a@b.example>") == "a@b.example"
    assert envelope_sender("  <A@B.example>  ") == "a@b.example"
    assert envelope_sender("<>") is None and envelope_sender("") is None and envelope_sender(None) is None


def test_authentication_results_are_parsed_with_comments_and_quoted_values():
    header = (
        "mx.example.test 1; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=bounce@mail.vendor.example; "
        'dkim=pass header.d=vendor.example header.b="ab+/="; dmarc=fail (p=none (nested)) header.from=Vendor.example'
    )
    parsed = parse_results(header)
    assert parsed is not None and parsed.authserv_id == "mx.example.test"
    assert [(r.method, r.result) for r in parsed.results] == [("spf", "pass"), ("dkim", "pass"), ("dmarc", "fail")]
    assert parsed.results[0].property("smtp.mailfrom") == "bounce@mail.vendor.example"
    assert parsed.results[2].property("header.from") == "vendor.example"
    assert parse_results("mx.example.test; none") is not None and parse_results("") is None


@pytest.mark.parametrize(
    ("headers", "vouched"),
    [
        (["mx.example.test; dmarc=pass header.from=vendor.example"], True),
        (["MX.Example.Test; dmarc=pass"], True),
        (["mx.example.test; spf=pass smtp.mailfrom=bounce@mail.vendor.example"], True),
        (["mx.example.test; spf=pass smtp.mailfrom=vendor.example"], True),
        # SPF for the attacker's own domain says nothing about From
        (["mx.example.test; spf=pass smtp.mailfrom=x@evil.example"], False),
        (["mx.example.test; spf=pass smtp.helo=mail.vendor.example"], False),
        # the domain's DMARC policy failed: an SPF pass does not overrule it
        (["mx.example.test; spf=pass smtp.mailfrom=vendor.example; dmarc=fail header.from=vendor.example"], False),
        (["mx.example.test; dmarc=pass header.from=evil.example"], False),
        (["mx.example.test; spf=softfail smtp.mailfrom=vendor.example; dmarc=none"], False),
        # only our server's header counts, and only the topmost one of it
        (["other.example; dmarc=pass header.from=vendor.example"], False),
        (["mx.example.test; dmarc=fail", "mx.example.test; dmarc=pass header.from=vendor.example"], False),
        ([], False),
    ],
)  # fmt: skip
def test_the_trusted_server_must_vouch_for_the_from_domain(headers, vouched):
    why = sender_vouched(headers, TRUSTED, "billing@vendor.example")
    assert (why is None) == vouched, why


def test_the_reason_a_sender_is_not_vouched_for_names_what_was_seen():
    assert sender_vouched([], TRUSTED, "a@vendor.example") == "no Authentication-Results from mx.example.test"
    why = sender_vouched(["mx.example.test; spf=fail smtp.mailfrom=vendor.example; dmarc=fail"], TRUSTED,
                         "a@vendor.example")  # fmt: skip
    assert why == "mx.example.test found neither DMARC nor aligned SPF passing for vendor.example (spf=fail, dmarc=fail)"
