"""Outgoing mail as outbox jobs: written in the caller's transaction, built into a MIME message.

Each mail gets a Message-ID derived from its idempotency key, fixed when the job is written, so
a retried send carries the same Message-ID and the receiver can recognise it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Any

from sqlalchemy.orm import Session

from invoicing import jobs
from invoicing.clock import Clock
from invoicing.errors import InvoicingError

MAIL_SEND = "mail.send"


class MailError(InvoicingError):
    """Base of the errors about outgoing mail."""


class HeaderInjection(MailError):
    """A header value holds CR or LF, which would let it add headers of its own."""

    def __init__(self, header: str) -> None:
        super().__init__(f"the {header} header may not contain line breaks")
        self.header = header


class BadAddress(MailError):
    def __init__(self, address: str) -> None:
        super().__init__(f"not an e-mail address: {address!r}")
        self.address = address


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """A file from the document store (`FileStore` relative path) to attach."""

    path: str
    filename: str
    media_type: str


def message_id_for(key: str, mail_from: str) -> str:
    """Return the fixed Message-ID of the mail with idempotency key `key`."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "invoicebot.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def enqueue_mail(
    session: Session,
    clock: Clock,
    *,
    key: str,
    mail_from: str,
    to: Sequence[str],
    subject: str,
    body: str,
    in_reply_to: str | None = None,
    attachments: Sequence[StoredAttachment] = (),
) -> bool:
    """Write a `mail.send` job in `session`'s transaction; return whether it was new."""
    payload: dict[str, Any] = {
        "message_id": message_id_for(key, mail_from),
        "from": mail_from,
        "to": list(to),
        "subject": subject,
        "body": body,
        "in_reply_to": in_reply_to,
        "attachments": [
            {"path": a.path, "filename": a.filename, "media_type": a.media_type} for a in attachments
        ],
    }
    build_message(payload, lambda _path: b"")  # refuse a bad header now, not in the worker
    return jobs.enqueue(session, clock, kind=MAIL_SEND, key=f"{MAIL_SEND}:{key}", payload=payload)


def build_message(payload: dict[str, Any], read_file: Any) -> EmailMessage:
    """Return the MIME message a `mail.send` job describes (`read_file(path) -> bytes`)."""
    sender = _address(str(payload["from"]), "From")
    recipients = [_address(str(a), "To") for a in payload["to"]]
    if not recipients:
        raise BadAddress("")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = _clean(str(payload["subject"]), "Subject")
    message["Message-ID"] = _clean(str(payload["message_id"]), "Message-ID")
    if payload.get("in_reply_to"):
        reference = _clean(str(payload["in_reply_to"]), "In-Reply-To")
        message["In-Reply-To"] = reference
        message["References"] = reference
    # RFC 3834: an answer to a mail is "auto-replied", anything else we send "auto-generated".
    message["Auto-Submitted"] = "auto-replied" if payload.get("in_reply_to") else "auto-generated"
    message.set_content(str(payload["body"]))
    for item in payload.get("attachments") or []:
        maintype, _, subtype = str(item["media_type"]).partition("/")
        filename = _clean(str(item["filename"]), "attachment filename")
        message.add_attachment(
            read_file(str(item["path"])), maintype=maintype, subtype=subtype or "octet-stream",
            filename=filename,
        )  # fmt: skip
    return message


def recipients_of(payload: dict[str, Any]) -> list[str]:
    return [_address(str(a), "To") for a in payload["to"]]


def _clean(value: str, header: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjection(header)
    return value


def _address(value: str, header: str) -> str:
    _clean(value, header)
    name, address = parseaddr(value)
    if "@" not in address or any(c.isspace() for c in address):
        raise BadAddress(value)
    return formataddr((name, address)) if name else address
