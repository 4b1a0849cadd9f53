"""What happens to one fetched mail: parse (in a limited child process), check the sender,
ingest its documents within the mail's time budget, record it, and maybe answer it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from intake import media
from intake.mail import ledger
from intake.mail.authres import sender_vouched
from intake.mail.autoreply import answer_address, answer_key, own_addresses
from intake.mail.ledger import MailKey, MailRecord, Reply
from intake.mail.mime import Attachment, MailCaps, ParsedMail, is_allowed, parse_mail
from intake.mail.replies import NoInvoiceTexts, no_invoice_texts
from intake.pipeline import Intake
from intake.sandbox import LimitExceeded, Limits, run_limited
from invoicing.domain import Channel, MailState
from invoicing.receiving import Received

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MailPolicy:
    mail_from: str
    allowed_senders: tuple[str, ...] = ()
    max_mail_bytes: int = 40 * 1024 * 1024
    #: Language of the answers to senders (en, de, fr, da; others get English).
    language: str = "en"
    #: This mailbox's addresses besides `mail_from` (the IMAP login): never answered.
    own_addresses: tuple[str, ...] = ()
    #: When set, allow-listed senders must be vouched for by this server's Authentication-Results.
    trusted_authserv_id: str | None = None
    caps: MailCaps = MailCaps()
    #: Seconds one mail may take: parsing, then reading attachment after attachment.
    budget_seconds: float = 300.0
    #: Memory the child process that parses one mail may use.
    parse_memory_bytes: int = 2 * 1024**3
    #: The user's template folder (`INVOICEBOT_TEMPLATES_DIR`), in front of the packaged one.
    templates_dir: Path | None = None


class MailInbox:
    """Turns fetched mails into documents and `processed_mail` rows."""

    def __init__(self, intake: Intake, policy: MailPolicy, timer: Callable[[], float] = time.monotonic) -> None:
        self.intake, self.policy, self.timer = intake, policy, timer
        self.db, self.clock = intake.db, intake.clock
        self.no_invoice: NoInvoiceTexts = no_invoice_texts(policy.language, policy.templates_dir)
        self.ours = own_addresses(policy.mail_from, *policy.own_addresses)

    def processed_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        return ledger.processed_uids(self.db, account, folder, uidvalidity)

    async def refuse(self, key: MailKey, reason: str, headers: bytes = b"") -> MailState:
        """Record a mail refused unread (too large, say), with what its headers tell."""
        parsed = await self.parse(headers, self.policy.budget_seconds) if headers else None
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

    async def parse(self, raw: bytes, seconds: float) -> ParsedMail:
        """Return `raw` parsed in a limited child process; a mail that needs more than `seconds`
        or the memory allowed comes back with its `refusal`."""
        limits = Limits(seconds, max(1, math.ceil(seconds)), self.policy.parse_memory_bytes)
        try:
            return await asyncio.to_thread(run_limited, parse_mail, (raw, self.policy.caps), limits)
        except LimitExceeded as e:
            return ParsedMail(None, None, None, None, automatic=True, refusal=f"the mail could not be parsed: {e}")

    async def process(self, key: MailKey, raw: bytes) -> MailState:
        """Ingest the mail's documents and record the mail; return the state it was recorded in."""
        deadline = self.timer() + self.policy.budget_seconds
        digest = hashlib.sha256(raw).hexdigest()
        parsed = await self.parse(raw, self.policy.budget_seconds)
        base = MailRecord(
            key, MailState.FAILED, message_id=parsed.message_id, sha256=digest,
            sender=parsed.sender, subject=parsed.subject,
        )  # fmt: skip
        if parsed.refusal is not None:
            return await self._record(_replace(base, MailState.REFUSED, parsed.refusal, ()))
        earlier = await asyncio.to_thread(ledger.earlier_copy, self.db, parsed.message_id, digest)
        if earlier is not None:
            reason = f"same mail as processed mail {earlier.id}"
            return await self._record(_replace(base, earlier.state, reason, earlier.documents))
        refusal = self._sender_refusal(parsed)
        if refusal is not None:
            return await self._record(_replace(base, MailState.REFUSED, refusal, ()))
        results, reasons = await self._ingest_all(parsed, deadline)
        found = any(r.invoice_id is not None for r in results)
        state = MailState.INGESTED if found else MailState.NO_INVOICE
        documents = tuple(dict.fromkeys(r.document_id for r in results))
        reply = None if found else self._no_invoice_reply(parsed, reasons)
        await self._record(_replace(base, state, ledger.reasons_text(reasons), documents), reply)
        log.info(
            "mail uid %s from %s: %s, %s document(s)", key.uid, parsed.sender, state, len(documents),
            extra={"imap_uid": key.uid},
        )  # fmt: skip
        return state

    async def _record(self, mail: MailRecord, reply: Reply | None = None) -> MailState:
        await asyncio.to_thread(ledger.record, self.db, self.clock, mail, reply)
        return mail.state

    def _sender_refusal(self, parsed: ParsedMail) -> str | None:
        """Return why the mail's sender is refused, or None when it may send invoices."""
        policy = self.policy
        if not is_allowed(parsed.sender, policy.allowed_senders):
            return f"sender {parsed.sender} is not allowed"
        if policy.allowed_senders and policy.trusted_authserv_id:
            why = sender_vouched(parsed.authentication_results, policy.trusted_authserv_id, parsed.sender)
            if why is not None:
                return f"sender {parsed.sender} is on the allow-list but not authenticated: {why}"
        return None

    async def _ingest_all(self, parsed: ParsedMail, deadline: float) -> tuple[list[Received], list[str]]:
        """Return what was read of each attachment until `deadline`, and the reasons of refusals."""
        reasons = [f"{r.filename}: {r.reason}" for r in parsed.refused]
        results: list[Received] = []
        budget = self.policy.budget_seconds
        for attachment, companion in pair_attachments(parsed.attachments):
            if self.timer() >= deadline:  # a read is never cut short: it has its own time limit
                reasons.append(f"{attachment.filename}: not read, the mail's time budget of {budget:g} s was spent")
                continue
            result = await self._ingest(parsed, attachment, companion)
            results.append(result)
            if result.error:
                reasons.append(f"{attachment.filename}: {result.error}")
        return results, reasons

    async def _ingest(self, parsed: ParsedMail, attachment: Attachment, companion: Attachment | None) -> Received:
        return await self.intake.ingest(
            attachment.data, attachment.filename, channel=Channel.EMAIL, source_ref=parsed.message_id,
            sender=parsed.sender, actor=f"email:{parsed.sender or 'unknown'}",
            companion_xml=(companion.filename, companion.data) if companion else None,
        )  # fmt: skip

    def _no_invoice_reply(self, parsed: ParsedMail, reasons: list[str]) -> Reply | None:
        """Return the answer to a mail without invoice, or None where RFC 3834 forbids one."""
        to = answer_address(
            return_path=parsed.return_path, sender=parsed.sender, automatic=parsed.automatic, ours=self.ours
        )
        if to is None:
            return None
        text = self.no_invoice.render(parsed.subject or "(no subject)", reasons)
        key = answer_key(to, self.clock.today())
        return Reply(key, self.policy.mail_from, to, text.subject[:900], text.body, parsed.message_id)


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
