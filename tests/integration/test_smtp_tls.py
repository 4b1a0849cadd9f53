"""Outgoing mail over TLS to a real aiosmtpd server with a certificate from a private CA."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from invoicing.config import load_settings
from invoicing.domain import JobState
from invoicing.mailer import MailSendHandler, SmtpMailer, mailer_from_settings
from tests.integration.dovecot import free_port
from tests.integration.test_smtp import Recorder, _enqueue, _run

KEY = "mail.send:reply:1"


class TlsRecorder(Recorder):
    """Also keeps whether each mail came over TLS."""

    def __init__(self) -> None:
        super().__init__()
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # session.ssl is set by STARTTLS; an implicit-TLS connection shows on the transport.
        implicit = server.transport.get_extra_info("ssl_object") is not None
        self.encrypted.append(session.ssl is not None or implicit)
        return await super().handle_DATA(server, session, envelope)


def _server_context(certificates) -> ssl.SSLContext:  # type: ignore[no-untyped-def]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert, certificates.key)
    return context


@pytest.fixture(params=["ssl", "starttls"])
def tls_smtp(request, certificates) -> Iterator[tuple[str, TlsRecorder, int]]:  # type: ignore[no-untyped-def]
    """aiosmtpd with implicit TLS, or with STARTTLS required before MAIL FROM."""
    recorder = TlsRecorder()
    context = _server_context(certificates)
    if request.param == "ssl":
        controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), ssl_context=context)
    else:
        controller = Controller(
            recorder, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True
        )
    controller.start()
    try:
        yield request.param, recorder, controller.port
    finally:
        controller.stop()


async def test_a_mail_goes_out_encrypted_when_the_private_ca_is_trusted(db, clock, store, tls_smtp, certificates):
    """GIVEN INVOICEBOT_SMTP_SECURITY ssl or starttls and INVOICEBOT_SMTP_CA_FILE naming the CA
    WHEN the worker runs THEN the server received the mail once, over TLS."""
    security, recorder, port = tls_smtp
    settings = load_settings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_security=security, smtp_ca_file=certificates.ca
    )
    mailer = mailer_from_settings(settings)
    assert isinstance(mailer, SmtpMailer) and mailer.ca_file == str(certificates.ca)
    _enqueue(db, clock)
    states = await _run(db, clock, MailSendHandler(db, store, mailer))
    assert states[KEY] == (JobState.DONE, None)
    assert recorder.encrypted == [True] and recorder.received[0].rcpt_tos == ["vendor@example.test"]


async def test_an_untrusted_certificate_sends_nothing_and_is_retried(db, clock, store, tls_smtp, certificates):
    """GIVEN a CA file that did not sign the server's certificate WHEN the worker runs
    THEN nothing is handed over and the job waits for a retry, saying why."""
    security, recorder, port = tls_smtp
    mailer = SmtpMailer("127.0.0.1", port, security=security, timeout=5, ca_file=str(certificates.other_ca))
    _enqueue(db, clock)
    state, error = (await _run(db, clock, MailSendHandler(db, store, mailer)))[KEY]
    assert state == JobState.PENDING and "CERTIFICATE_VERIFY_FAILED" in (error or "")
    assert recorder.received == []


async def test_starttls_required_but_not_offered_sends_nothing_in_clear(db, clock, store):
    """GIVEN security starttls and a server without STARTTLS WHEN the worker runs
    THEN nothing is sent and the job waits for a retry."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        _enqueue(db, clock)
        mailer = SmtpMailer("127.0.0.1", controller.port, security="starttls", timeout=5)
        state, error = (await _run(db, clock, MailSendHandler(db, store, mailer)))[KEY]
    finally:
        controller.stop()
    assert state == JobState.PENDING and "STARTTLS" in (error or "")
    assert recorder.received == []
