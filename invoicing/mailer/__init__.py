"""Outgoing mail through the outbox: `enqueue_mail` in a transaction, `MailSendHandler` sends.

A `mail.send` job goes pending -> running (sending) -> done (sent) | failed | unknown; see
`invoicing.jobs` for the states and `transport` for which failure leads where.
"""

from __future__ import annotations

import logging

from invoicing.config import Settings
from invoicing.db.engine import Database
from invoicing.files import FileStore
from invoicing.jobs import ClaimedJob, PermanentFailure
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
    "MailSendHandler", "Mailer", "SmtpMailer", "StoredAttachment", "build_message",
    "enqueue_mail", "mailer_from_settings", "message_id_for", "refuse_plaintext",
]  # fmt: skip

log = logging.getLogger(__name__)


class MailSendHandler:
    """The job handler for `mail.send`: builds the message and hands it to the mailer."""

    def __init__(self, db: Database, store: FileStore, mailer: Mailer) -> None:
        self.db, self.store, self.mailer = db, store, mailer

    async def __call__(self, job: ClaimedJob) -> None:
        try:
            message = build_message(job.payload, self.store.read)
            await self.mailer.send(message, job.key)
        except MailError as e:
            raise PermanentFailure(str(e)) from e  # a refused mail or header stays refused


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
