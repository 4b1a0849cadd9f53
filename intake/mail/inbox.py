"""What happens to one fetched mail: parse, check the sender, ingest its documents, record it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from intake import media
from intake.mail import ledger
from intake.mail.ledger import MailKey, MailRecord, Reply
from intake.mail.mime import Attachment, ParsedMail, is_allowed, parse_mail
from intake.mail.replies import NoInvoiceTexts, no_invoice_texts
from intake.pipeline import Intake
from invoicing.domain import Channel, MailState
from invoicing.receiving import Received

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MailPolicy:
    mail_from: str
    allowed_senders: tuple[str, ...] = ()
    max_attachments: int = 20
    max_mail_bytes: int = 40 * 1024 * 1024
    #: Language of the answers to senders (en, de, fr, da; others get English).
    language: str = "en"


class MailInbox:
    """Turns fetched mails into documents and `processed_mail` rows."""

    def __init__(self, intake: Intake, policy: MailPolicy) -> None:
        self.intake, self.policy = intake, policy
        self.db, self.clock = intake.db, intake.clock
        self.no_invoice: NoInvoiceTexts = no_invoice_texts(policy.language)

    def processed_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        return ledger.processed_uids(self.db, account, folder, uidvalidity)

    async def refuse(self, key: MailKey, reason: str, headers: bytes = b"") -> MailState:
        """Record a mail refused unread (too large, say), with what its headers tell."""
        parsed = parse_mail(headers) if headers else None
        mail = MailRecord(
            key, MailState.REFUSED, reason=reason,
            message_id=parsed.message_id if parsed else None,
            sender=parsed.sender if parsed else None, subject=parsed.subject if parsed else None,
        )  # fmt: skip
        await asyncio.to_thread(ledger.record, self.db, self.clock, mail)
        return MailState.REFUSED

    async def fail(self, key: MailKey, error: BaseException, raw: bytes | None = None) -> None:
        """Record a mail whose processing failed, with the error."""
        digest = hashlib.sha256(raw).hexdigest() if raw is not None else None
        reason = f"{type(error).__name__}: {error}"[:2000]
        mail = MailRecord(key, MailState.FAILED, sha256=digest, reason=reason)
        await asyncio.to_thread(ledger.record, self.db, self.clock, mail)

    async def process(self, key: MailKey, raw: bytes) -> MailState:
        """Ingest the mail's documents and record the mail; return the state it was recorded in."""
        digest = hashlib.sha256(raw).hexdigest()
        parsed = parse_mail(raw, max_attachments=self.policy.max_attachments)
        base = MailRecord(
            key, MailState.FAILED, message_id=parsed.message_id, sha256=digest,
            sender=parsed.sender, subject=parsed.subject,
        )  # fmt: skip
        earlier = await asyncio.to_thread(ledger.earlier_copy, self.db, parsed.message_id, digest)
        if earlier is not None:
            reason = f"same mail as processed mail {earlier.id}"
            mail = _replace(base, earlier.state, reason, earlier.documents)
            await asyncio.to_thread(ledger.record, self.db, self.clock, mail)
            return earlier.state
        if not is_allowed(parsed.sender, self.policy.allowed_senders):
            mail = _replace(base, MailState.REFUSED, f"sender {parsed.sender} is not allowed", ())
            await asyncio.to_thread(ledger.record, self.db, self.clock, mail)
            return MailState.REFUSED
        pairs = pair_attachments(parsed.attachments)
        results = [await self._ingest(parsed, a, companion) for a, companion in pairs]
        reasons = [f"{r.filename}: {r.reason}" for r in parsed.refused]
        reasons += [f"{a.filename}: {r.error}" for (a, _), r in zip(pairs, results) if r.error]
        found = any(r.invoice_id is not None for r in results)
        state = MailState.INGESTED if found else MailState.NO_INVOICE
        documents = tuple(dict.fromkeys(r.document_id for r in results))
        mail = _replace(base, state, ledger.reasons_text(reasons), documents)
        reply = None if found else self._no_invoice_reply(parsed, reasons)
        await asyncio.to_thread(ledger.record, self.db, self.clock, mail, reply)
        log.info(
            "mail uid %s from %s: %s, %s document(s)", key.uid, parsed.sender, state, len(documents),
            extra={"imap_uid": key.uid},
        )  # fmt: skip
        return state

    async def _ingest(self, parsed: ParsedMail, attachment: Attachment, companion: Attachment | None) -> Received:
        return await self.intake.ingest(
            attachment.data, attachment.filename, channel=Channel.EMAIL, source_ref=parsed.message_id,
            sender=parsed.sender, actor=f"email:{parsed.sender or 'unknown'}",
            companion_xml=(companion.filename, companion.data) if companion else None,
        )  # fmt: skip

    def _no_invoice_reply(self, parsed: ParsedMail, reasons: list[str]) -> Reply | None:
        to = parsed.reply_to or parsed.sender
        ours = self.policy.mail_from.lower()
        if parsed.automatic or not to or to in ours:
            return None  # never answer robots, nor ourselves: mail loops
        text = self.no_invoice.render(parsed.subject or "(no subject)", reasons)
        return Reply(self.policy.mail_from, to, text.subject[:900], text.body, parsed.message_id)


def pair_attachments(attachments: Sequence[Attachment]) -> list[tuple[Attachment, Attachment | None]]:
    """Return the attachments to ingest, each PDF with the e-invoice XML sent for it, if any.

    An XML pairs with the PDF of the same file name (`R-17.pdf` + `R-17.xml`), or with the only
    PDF when the mail has one PDF and one XML: such a pair is one invoice, not two.
    """
    pdfs = [a for a in attachments if a.media_type == media.PDF]
    xmls = [a for a in attachments if a.media_type == media.XML]
    partner: dict[int, Attachment] = {}
    for xml in xmls:
        same_name = [p for p in pdfs if _stem(p.filename) == _stem(xml.filename) and id(p) not in partner]
        if same_name:
            partner[id(same_name[0])] = xml
        elif len(pdfs) == 1 and len(xmls) == 1:
            partner[id(pdfs[0])] = xml
    paired = {id(x) for x in partner.values()}
    return [(a, partner.get(id(a))) for a in attachments if id(a) not in paired]


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0].casefold()


def _replace(base: MailRecord, state: MailState, reason: str | None, documents: tuple[int, ...]) -> MailRecord:
    return MailRecord(
        base.key, state, message_id=base.message_id, sha256=base.sha256, sender=base.sender,
        subject=base.subject, reason=reason, documents=documents,
    )  # fmt: skip
