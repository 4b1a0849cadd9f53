"""The record of processed mail: keyed by (account, folder, UIDVALIDITY, UID), one row per mail.

A row is written (with any reply to the sender, in the same transaction) before the mail is
moved or flagged on the server, so a crash in between only means the mail is looked at again.
A reply's job key names its address and day, so the outbox's unique key is what holds each
address to one answer a day, across restarts and processes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import ProcessedMail
from invoicing.domain import MailState
from invoicing.mailer import enqueue_mail

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MailKey:
    account: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True, slots=True)
class Reply:
    #: Idempotency key: a second reply with the same key is not sent.
    key: str
    mail_from: str
    to: str
    subject: str
    body: str
    in_reply_to: str | None


@dataclass(frozen=True, slots=True)
class MailRecord:
    key: MailKey
    state: MailState
    message_id: str | None = None
    sha256: str | None = None
    sender: str | None = None
    subject: str | None = None
    reason: str | None = None
    documents: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class EarlierMail:
    id: int
    state: MailState
    documents: tuple[int, ...]


def processed_uids(db: Database, account: str, folder: str, uidvalidity: int) -> set[int]:
    """Return the UIDs already recorded for this mailbox generation."""
    with db.transaction() as session:
        query = select(ProcessedMail.uid).where(
            ProcessedMail.account == account,
            ProcessedMail.folder == folder,
            ProcessedMail.uidvalidity == uidvalidity,
        )
        return {int(uid) for uid in session.execute(query).scalars()}


def earlier_copy(db: Database, message_id: str | None, sha256: str) -> EarlierMail | None:
    """Return the first recorded mail with this Message-ID and these exact bytes, if any."""
    with db.transaction() as session:
        query = select(ProcessedMail).where(ProcessedMail.sha256 == sha256)
        if message_id is not None:
            query = query.where(ProcessedMail.message_id == message_id)
        row = session.execute(query.order_by(ProcessedMail.id).limit(1)).scalar()
        if row is None:
            return None
        return EarlierMail(row.id, row.state, tuple(int(d) for d in row.documents or ()))


def record(db: Database, clock: Clock, mail: MailRecord, reply: Reply | None = None) -> bool:
    """Write the row for `mail` (and its reply job); return False when it was recorded before."""
    try:
        with db.transaction() as session:
            session.add(
                ProcessedMail(
                    account=mail.key.account, folder=mail.key.folder[:200],
                    uidvalidity=mail.key.uidvalidity, uid=mail.key.uid,
                    message_id=mail.message_id, sha256=mail.sha256,
                    sender=_cut(mail.sender, 320), subject=_cut(mail.subject, 998),
                    state=mail.state, reason=mail.reason, documents=list(mail.documents),
                    processed_at=clock.now(),
                )
            )  # fmt: skip
            session.flush()
            if reply is not None and not enqueue_mail(
                session, clock, key=reply.key, mail_from=reply.mail_from, to=[reply.to],
                subject=reply.subject, body=reply.body, in_reply_to=reply.in_reply_to,
            ):  # fmt: skip
                log.info("mail uid %s: its sender was answered today already", mail.key.uid,
                         extra={"imap_uid": mail.key.uid})  # fmt: skip
    except IntegrityError:
        log.info("mail uid %s was recorded by someone else", mail.key.uid, extra={"imap_uid": mail.key.uid})
        return False
    return True


def reasons_text(reasons: Sequence[str]) -> str | None:
    return "; ".join(reasons) or None


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else value
