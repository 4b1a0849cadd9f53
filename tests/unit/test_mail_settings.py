"""The mail settings at start: IMAP and SMTP without TLS are refused for a host that is not
loopback unless INVOICEBOT_ALLOW_PLAINTEXT says the operator means it; the mail door's caps,
budget and trusted server reach the inbox."""

from __future__ import annotations

import pytest

from intake.mail import watcher_from_settings
from intake.mail.mime import MailCaps
from intake.pipeline import DocumentReader, Intake
from invoicing.config import ConfigError, load_settings
from invoicing.mailer import EmlMailer, SmtpMailer, mailer_from_settings
from invoicing.mailer.transport import is_loopback
from invoicing.receiving import ReceivingPolicy

IMAP = {"imap_user": "invoices@example.test", "imap_password": "secret", "imap_security": "none"}


@pytest.fixture
def intake(sqlite_db, clock, store) -> Intake:  # type: ignore[no-untyped-def]
    return Intake(sqlite_db, clock, store, DocumentReader(1), ReceivingPolicy(), 1024)


def test_imap_without_tls_to_another_host_is_refused_at_start(intake):
    """GIVEN INVOICEBOT_IMAP_SECURITY=none for imap.example.com WHEN the watcher is built
    THEN a ConfigError says why and how to allow it; the password appears nowhere."""
    settings = load_settings(imap_host="imap.example.com", **IMAP)
    with pytest.raises(ConfigError) as refused:
        watcher_from_settings(settings, intake)
    message = str(refused.value)
    assert message.startswith("IMAP security 'none' would send the password and the mail in clear to imap.example.com")
    assert "INVOICEBOT_ALLOW_PLAINTEXT=1" in message and "secret" not in message


def test_smtp_without_tls_to_another_host_is_refused_at_start():
    settings = load_settings(smtp_host="192.0.2.25", smtp_security="none", smtp_password="secret")
    with pytest.raises(ConfigError, match="SMTP security 'none' .* to 192.0.2.25, which is not loopback"):
        mailer_from_settings(settings)


def test_plaintext_is_allowed_on_loopback_or_when_the_operator_says_so(intake):
    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.53"):
        assert watcher_from_settings(load_settings(imap_host=host, **IMAP), intake).account.host == host
        assert isinstance(mailer_from_settings(load_settings(smtp_host=host, smtp_security="none")), SmtpMailer)
    allowed = load_settings(imap_host="imap.example.com", allow_plaintext=True, **IMAP)
    assert watcher_from_settings(allowed, intake).account.security == "none"
    smtp = load_settings(smtp_host="mail.example.com", smtp_security="none", allow_plaintext=True)
    assert isinstance(mailer_from_settings(smtp), SmtpMailer)


def test_tls_and_the_outbox_folder_need_no_permission(intake):
    assert watcher_from_settings(load_settings(imap_host="imap.example.com", **{**IMAP, "imap_security": "ssl"}), intake)
    assert isinstance(mailer_from_settings(load_settings(smtp_host="mail.example.com")), SmtpMailer)
    assert isinstance(mailer_from_settings(load_settings(smtp_security="none")), EmlMailer)


def test_loopback_is_judged_by_name_or_address_without_resolving():
    assert is_loopback("::ffff:127.0.0.1") and is_loopback("LOCALHOST.")
    for host in ("localhost.example.com", "127.0.0.1.example.com", "10.0.0.1", "0.0.0.0", "mail"):
        assert not is_loopback(host), host


def test_allow_plaintext_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("INVOICEBOT_ALLOW_PLAINTEXT", "1")
    assert load_settings().allow_plaintext


def test_the_door_settings_reach_the_inbox_from_the_environment(intake, monkeypatch):
    """GIVEN INVOICEBOT_IMAP_* caps, budget and trusted authserv-id in the environment WHEN the
    watcher is built THEN its inbox applies them, and the IMAP login counts as our own address."""
    for name, value in {
        "MAX_HEADER_BYTES": "8192", "MAX_MIME_PARTS": "50", "MAX_MIME_DEPTH": "6", "MAX_ATTACHMENTS": "4",
        "MAIL_BUDGET_SECONDS": "90", "TRUSTED_AUTHSERV_ID": "mx.example.test",
    }.items():  # fmt: skip
        monkeypatch.setenv(f"INVOICEBOT_IMAP_{name}", value)
    settings = load_settings(imap_host="127.0.0.1", mail_from="Bot <bot@example.test>", read_memory_mb=512, **IMAP)
    inbox = watcher_from_settings(settings, intake).inbox
    policy = inbox.policy
    assert policy.caps == MailCaps(max_attachments=4, max_header_bytes=8192, max_parts=50, max_depth=6)
    assert (policy.budget_seconds, policy.trusted_authserv_id) == (90, "mx.example.test")
    assert policy.parse_memory_bytes == 512 * 2**20
    assert inbox.ours == {"bot@example.test", "invoices@example.test"}


def test_the_door_defaults():
    settings = load_settings()
    assert (settings.imap_max_header_bytes, settings.imap_max_mime_parts, settings.imap_max_mime_depth) == (
        65536, 500, 20)
    assert settings.imap_mail_budget_seconds == 300 and settings.imap_trusted_authserv_id is None
    assert not settings.allow_plaintext
