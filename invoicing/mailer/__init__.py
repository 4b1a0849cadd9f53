"""Outgoing mail through the outbox: `enqueue_mail` in a transaction, `MailSendHandler` sends.

A `mail.send` job goes pending -> running (sending) -> done (sent) | failed | unknown; see
`invoicing.jobs` for the states and `transport` for which failure leads where.
"""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage

from invoicing.clock import Clock, SystemClock
from invoicing.config import Settings
from invoicing.db.engine import Database
from invoicing.files import FileStore
from invoicing.jobs import ClaimedJob, PermanentFailure, begin_effect
from invoicing.mailer.message import (
    MAIL_SEND,
    BadAddress,
    HeaderInjection,
    MailError,
    StoredAttachment,
    build_message,
    enqueue_mail,
    message_id_for,
)
from invoicing.mailer.transport import EmlMailer, Mailer, MailRejected, SmtpMailer, refuse_plaintext

__all__ = [
    "MAIL_SEND", "BadAddress", "EmlMailer", "HeaderInjection", "MailError", "MailRejected",
    "MailSendHandler", "Mailer", "deliver", "SmtpMailer", "StoredAttachment", "build_message",
    "enqueue_mail", "mailer_from_settings", "message_id_for", "refuse_plaintext",
]  # fmt: skip

log = logging.getLogger(__name__)


async def deliver(db: Database, clock: Clock, mailer: Mailer, message: EmailMessage, job: ClaimedJob) -> None:
    """Hand `message` to the mailer for `job`, so that it is never delivered twice.

    Over SMTP the job is marked just before the mail is handed over: a worker that dies from
    then on leaves the job "unknown" for a person instead of sending again (`jobs.begin_effect`).
    The .eml outbox writes one file per job, so there a second write changes nothing.
    """
    if not mailer.idempotent:
        await asyncio.to_thread(begin_effect, db, clock, job)
    try:
        await mailer.send(message, job.key)
    except MailError as e:
        raise PermanentFailure(str(e)) from e  # a refused mail or header stays refused


class MailSendHandler:
    """The job handler for `mail.send`: builds the message and hands it to the mailer."""

    def __init__(self, db: Database, store: FileStore, mailer: Mailer, clock: Clock | None = None) -> None:
        self.db, self.store, self.mailer = db, store, mailer
        self.clock = clock or SystemClock()

    async def __call__(self, job: ClaimedJob) -> None:
        try:
            message = build_message(job.payload, self.store.read)
        except MailError as e:
            raise PermanentFailure(str(e)) from e
        await deliver(self.db, self.clock, self.mailer, message, job)


def mailer_from_settings(settings: Settings) -> Mailer:
    """Return the SMTP mailer when SMTP is configured, else one writing .eml files to the outbox.

    Raises `ConfigError` for SMTP without TLS to a host that is not loopback (see `refuse_plaintext`).
    """
    if not settings.smtp_host:
        return EmlMailer(settings.outbox_dir)
    refuse_plaintext("SMTP", settings.smtp_host, settings.smtp_security, settings.allow_plaintext)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpMailer(
        settings.smtp_host, settings.smtp_port, security=settings.smtp_security,
        user=settings.smtp_user, password=password,
        ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
    )  # fmt: skip
