"""Parse a raw mail into the documents it carries and the parts it refused (pure, no I/O).

Forwarded mails (message/rfc822 parts, or `.eml` attachments) are opened up; filenames in
RFC 2047 and RFC 2231 encodings are decoded. Malformed MIME never raises: a part that cannot
be decoded becomes a refusal with its reason.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import logging
from dataclasses import dataclass, field
from email.message import Message

from intake import media

log = logging.getLogger(__name__)

#: How deep forwarded mails inside forwarded mails are opened.
MAX_DEPTH = 5
#: An inline image below this size with a Content-ID is a logo or signature, not a scan.
INLINE_IMAGE_BYTES = 64 * 1024

_EXTENSIONS = {media.PDF: "pdf", media.XML: "xml", media.PNG: "png", media.JPEG: "jpg", media.TIFF: "tif"}


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class Refusal:
    filename: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None
    sender: str | None
    reply_to: str | None
    subject: str | None
    #: True for auto-replies, bounces and list mail, which must never get an answer.
    automatic: bool
    attachments: tuple[Attachment, ...] = ()
    refused: tuple[Refusal, ...] = ()
    defects: tuple[str, ...] = ()


@dataclass
class _Collector:
    max_attachments: int
    attachments: list[Attachment] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    def take(self, attachment: Attachment) -> None:
        if len(self.attachments) >= self.max_attachments:
            reason = f"more than {self.max_attachments} attachments in one mail"
            self.refused.append(Refusal(attachment.filename, reason))
        else:
            self.attachments.append(attachment)


def parse_mail(raw: bytes, *, max_attachments: int = 20) -> ParsedMail:
    """Return the headers that matter and the invoice candidates found in `raw`."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    collector = _Collector(max_attachments)
    _walk(message, collector, depth=0)
    collector.defects.extend(type(d).__name__ for d in message.defects)
    return ParsedMail(
        message_id=_header(message, "Message-ID"),
        sender=_address(message, "From") or _address(message, "Sender"),
        reply_to=_address(message, "Reply-To"),
        subject=_header(message, "Subject"),
        automatic=_is_automatic(message),
        attachments=tuple(collector.attachments),
        refused=tuple(collector.refused),
        defects=tuple(dict.fromkeys(collector.defects)),
    )


def _walk(message: Message, collector: _Collector, depth: int) -> None:
    if message.get_content_type() == "message/rfc822" or message.is_multipart():
        if depth >= MAX_DEPTH:
            collector.refused.append(Refusal(_filename(message, 0), "forwarded mails nested too deep"))
            return
        payload = message.get_payload()
        for part in payload if isinstance(payload, list) else []:
            if isinstance(part, Message):
                _walk(part, collector, depth + 1)
        return
    _leaf(message, collector, depth)


def _leaf(part: Message, collector: _Collector, depth: int) -> None:
    index = len(collector.attachments) + len(collector.refused) + 1
    name = _filename(part, index)
    try:
        data = part.get_payload(decode=True)
    except Exception as e:  # noqa: BLE001 - any decoding fault of a hostile part is a refusal
        collector.refused.append(Refusal(name, f"part could not be decoded: {e}"))
        return
    collector.defects.extend(type(d).__name__ for d in part.defects)
    if not isinstance(data, bytes) or not data:
        if _is_attachment(part):
            collector.refused.append(Refusal(name, "empty attachment"))
        return
    if name.lower().endswith(".eml") and depth < MAX_DEPTH:
        _walk(email.message_from_bytes(data, policy=email.policy.default), collector, depth + 1)
        return
    kind = media.sniff_media_type(data, name)
    if kind not in media.SUPPORTED:
        if _is_attachment(part) and not part.get_content_maintype() == "text":
            collector.refused.append(Refusal(name, f"not an invoice file ({part.get_content_type()})"))
        return
    if kind in media.IMAGE_TYPES and _is_inline_decoration(part, data):
        return
    if not part.get_filename():
        name = f"{name}.{_EXTENSIONS[kind]}"
    collector.take(Attachment(name, data, kind))


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition == "attachment" or part.get_filename() is not None


def _is_inline_decoration(part: Message, data: bytes) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return part.get("Content-ID") is not None and disposition != "attachment" and len(data) < INLINE_IMAGE_BYTES


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a broken parameter leaves the part nameless
        name = None
    if not name:
        return f"attachment-{index}"
    if "=?" in name:  # RFC 2047 inside a quoted parameter, which the parser leaves as is
        try:
            name = str(email.header.make_header(email.header.decode_header(name)))
        except (ValueError, LookupError):
            pass
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable()).strip()[:200] or f"attachment-{index}"


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - malformed headers are treated as absent
        return None
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:998] or None


def _address(message: Message, name: str) -> str | None:
    value = _header(message, name)
    if not value:
        return None
    _, address = email.utils.parseaddr(value)
    return address.lower() if "@" in address else None


def _is_automatic(message: Message) -> bool:
    auto = (_header(message, "Auto-Submitted") or "no").lower()
    precedence = (_header(message, "Precedence") or "").lower()
    sender = (_address(message, "From") or "").split("@")[0]
    return (
        auto != "no"
        or precedence in {"bulk", "list", "junk"}
        or _header(message, "List-Id") is not None
        or sender in {"mailer-daemon", "postmaster", "noreply", "no-reply"}
        or message.get_content_type() == "multipart/report"
    )


def is_allowed(sender: str | None, allowed: list[str] | tuple[str, ...]) -> bool:
    """Return whether `sender` matches an allowed address or domain (everyone when none set)."""
    if not allowed:
        return True
    if not sender:
        return False
    domain = sender.rsplit("@", 1)[-1]
    return any(rule == sender or rule.lstrip("@") == domain for rule in allowed)

