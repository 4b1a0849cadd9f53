"""IMAP over TLS against a real Dovecot with a certificate from a private CA: implicit TLS,
STARTTLS, an untrusted certificate, and a server that offers no STARTTLS."""

from __future__ import annotations

import asyncio
import logging

import pytest

from intake.mail import watcher_from_settings
from intake.mail.imap import ImapAccount, ImapWatcher
from invoicing.config import load_settings
from invoicing.db.models import Invoice, ProcessedMail
from tests.integration.dovecot import BOT, Dovecot, mailbox, until
from tests.integration.test_imap import TIMING, in_idle, invoice_mail, rows


async def _watch_until(watcher: ImapWatcher, check, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    try:
        await until(check, seconds)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_implicit_tls_with_the_private_ca_from_the_settings_takes_the_mail(
    db, tls_dovecot: Dovecot, inbox, folder, certificates
):
    """GIVEN INVOICEBOT_IMAP_SECURITY=ssl and INVOICEBOT_IMAP_CA_FILE naming the private CA
    WHEN an invoice arrives THEN it is read over TLS and recorded."""
    settings = load_settings(
        imap_host="127.0.0.1", imap_port=tls_dovecot.ssl_port, imap_user=tls_dovecot.user,
        imap_password=tls_dovecot.password, imap_security="ssl", imap_ca_file=certificates.ca,
        imap_folder=folder, mail_from=BOT,
    )  # fmt: skip
    watcher = watcher_from_settings(settings, inbox.intake)
    watcher.timing = TIMING
    assert watcher.account.ca_file == str(certificates.ca)
    async with mailbox(tls_dovecot) as client:
        await client.create(folder)
        await client.append(invoice_mail("RE-TLS-1").as_bytes(), mailbox=folder)
    await _watch_until(watcher, lambda: len(rows(db, ProcessedMail)) == 1)
    assert [i.number for i in rows(db, Invoice)] == ["RE-TLS-1"]


async def test_starttls_upgrades_the_connection_before_login_and_then_watches(
    db, tls_dovecot: Dovecot, inbox, folder, certificates
):
    """GIVEN security starttls on the plain port WHEN the watcher logs in and a mail arrives in IDLE
    THEN Dovecot logged the login as TLS and the mail was taken."""
    account = ImapAccount(
        "127.0.0.1", tls_dovecot.user, tls_dovecot.password, port=tls_dovecot.port,
        security="starttls", folder=folder, ca_file=str(certificates.ca),
    )  # fmt: skip
    async with mailbox(tls_dovecot) as client:
        await client.create(folder)
        stop = asyncio.Event()
        watcher = ImapWatcher(account, inbox, TIMING)
        task = asyncio.create_task(watcher.run(stop))
        try:
            await in_idle(watcher)  # logged in and in IDLE: the mail is pushed over TLS
            await client.append(invoice_mail("RE-TLS-2").as_bytes(), mailbox=folder)
            await until(lambda: len(rows(db, ProcessedMail)) == 1)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
    logins = [line for line in tls_dovecot.log().splitlines() if "Login: user=<" in line]
    assert any(", TLS" in line for line in logins), logins
    assert [i.number for i in rows(db, Invoice)] == ["RE-TLS-2"]


@pytest.mark.parametrize("security", ["ssl", "starttls"])
async def test_a_certificate_from_an_untrusted_ca_is_refused_and_retried(
    db, tls_dovecot: Dovecot, inbox, folder, certificates, caplog, security
):
    """GIVEN a CA file that did not sign the server's certificate WHEN the watcher connects
    THEN it never logs in, says why, and keeps retrying instead of stopping."""
    port = tls_dovecot.ssl_port if security == "ssl" else tls_dovecot.port
    account = ImapAccount(
        "127.0.0.1", tls_dovecot.user, tls_dovecot.password, port=port, security=security,
        folder=folder, ca_file=str(certificates.other_ca),
    )  # fmt: skip
    caplog.set_level(logging.WARNING, logger="intake.mail.imap")
    stop = asyncio.Event()
    task = asyncio.create_task(ImapWatcher(account, inbox, TIMING).run(stop))
    await until(lambda: sum("CERTIFICATE_VERIFY_FAILED" in r.getMessage() for r in caplog.records) >= 2)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 10)
    assert rows(db, ProcessedMail) == []


async def test_starttls_against_a_server_without_it_never_sends_the_password(
    db, dovecot: Dovecot, inbox, folder, caplog
):
    """GIVEN security starttls and a server offering no STARTTLS WHEN the watcher connects
    THEN it stops before LOGIN and says why."""
    account = ImapAccount(
        "127.0.0.1", dovecot.user, dovecot.password, port=dovecot.port, security="starttls", folder=folder
    )
    caplog.set_level(logging.WARNING, logger="intake.mail.imap")
    stop = asyncio.Event()
    task = asyncio.create_task(ImapWatcher(account, inbox, TIMING).run(stop))
    await until(lambda: any("offers no STARTTLS" in r.getMessage() for r in caplog.records))
    stop.set()
    await asyncio.wait_for(task, 10)
    assert "Login: user=<" not in dovecot.log()
