"""Outgoing mail through the outbox against a real aiosmtpd server on loopback."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from invoicing import jobs
from invoicing.db.models import Job
from invoicing.domain import JobState
from invoicing.mailer import (
    MAIL_SEND,
    EmlMailer,
    HeaderInjection,
    MailSendHandler,
    SmtpMailer,
    StoredAttachment,
    enqueue_mail,
)
from tests.integration.dovecot import free_port


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it received and can misbehave on demand."""

    received: list[Any] = field(default_factory=list)
    rcpt_reply: str | None = None
    drop_after_data: bool = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        if self.drop_after_data:
            server.transport.close()  # the mail arrived, but the client never hears so
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        controller.stop()


def _enqueue(db, clock, key: str = "reply:1", **extra: Any) -> None:
    values: dict[str, Any] = dict(
        key=key, mail_from="Invoicebot <bot@example.test>", to=["vendor@example.test"],
        subject="Your invoice", body="Thank you.",
    )  # fmt: skip
    values.update(extra)
    with db.transaction() as session:
        enqueue_mail(session, clock, **values)


async def _run(db, clock, handler: MailSendHandler) -> dict[str, tuple[JobState, str | None]]:
    await jobs.run_due(db, clock, {MAIL_SEND: handler}, "test")
    with db.transaction() as session:
        rows = session.execute(select(Job)).scalars()
        return {row.idempotency_key: (row.state, row.last_error) for row in rows}


async def test_a_queued_mail_is_delivered_once_with_its_fixed_message_id(db, clock, store, smtp):
    """GIVEN a mail job with an attachment WHEN the worker runs twice THEN one mail arrives."""
    recorder, port = smtp
    _digest, path = store.put(b"%PDF-1.4 invoice")
    _enqueue(db, clock, attachments=[StoredAttachment(path, "Rechnung März.pdf", "application/pdf")])
    handler = MailSendHandler(db, store, SmtpMailer("127.0.0.1", port, security="none", timeout=5))
    states = await _run(db, clock, handler)
    await _run(db, clock, handler)
    assert states == {"mail.send:reply:1": (JobState.DONE, None)}
    assert len(recorder.received) == 1
    sent = email.message_from_bytes(recorder.received[0].content, policy=email.policy.default)
    assert recorder.received[0].rcpt_tos == ["vendor@example.test"]
    assert sent["Message-ID"].endswith("@example.test>")
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_filename() == "Rechnung März.pdf"
    assert attachment.get_content() == b"%PDF-1.4 invoice"


async def test_connection_lost_after_data_is_unknown_and_never_resent(db, clock, store, smtp):
    recorder, port = smtp
    recorder.drop_after_data = True
    _enqueue(db, clock)
    handler = MailSendHandler(db, store, SmtpMailer("127.0.0.1", port, security="none", timeout=5))
    states = await _run(db, clock, handler)
    clock.advance(jobs.backoff(8))
    await _run(db, clock, handler)
    state, error = states["mail.send:reply:1"]
    assert state == JobState.UNKNOWN and "may have been delivered" in (error or "")
    assert len(recorder.received) == 1


async def test_failure_before_data_is_retried_with_backoff(db, clock, store, smtp):
    recorder, port = smtp
    recorder.rcpt_reply = "451 4.3.0 try again later"
    _enqueue(db, clock)
    handler = MailSendHandler(db, store, SmtpMailer("127.0.0.1", port, security="none", timeout=5))
    assert (await _run(db, clock, handler))["mail.send:reply:1"][0] == JobState.PENDING
    recorder.rcpt_reply = None
    clock.advance(jobs.backoff(1))
    assert (await _run(db, clock, handler))["mail.send:reply:1"][0] == JobState.DONE
    assert len(recorder.received) == 1


async def test_server_down_is_retried_and_a_refused_recipient_fails_at_once(db, clock, store, smtp):
    recorder, port = smtp
    _enqueue(db, clock, key="down")
    down = MailSendHandler(db, store, SmtpMailer("127.0.0.1", free_port(), security="none", timeout=2))
    assert (await _run(db, clock, down))["mail.send:down"][0] == JobState.PENDING
    recorder.rcpt_reply = "550 5.1.1 no such user"
    _enqueue(db, clock, key="refused")
    clock.advance(jobs.backoff(1))
    handler = MailSendHandler(db, store, SmtpMailer("127.0.0.1", port, security="none", timeout=5))
    states = await _run(db, clock, handler)
    assert states["mail.send:refused"][0] == JobState.FAILED
    assert "550" in (states["mail.send:refused"][1] or "")


def test_header_values_with_line_breaks_are_refused(db, clock):
    with pytest.raises(HeaderInjection):
        _enqueue(db, clock, subject="Invoice\r\nBcc: victim@example.test")
    with db.transaction() as session:
        assert session.execute(select(Job)).first() is None


async def test_without_smtp_mails_are_written_to_the_outbox(db, clock, store, tmp_path: Path):
    _enqueue(db, clock)
    outbox = tmp_path / "outbox"
    states = await _run(db, clock, MailSendHandler(db, store, EmlMailer(outbox)))
    assert states["mail.send:reply:1"][0] == JobState.DONE
    [written] = list(outbox.glob("*.eml"))
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["To"] == "vendor@example.test" and message["Subject"] == "Your invoice"
