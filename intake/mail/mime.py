"""Parse a raw mail into the documents it carries and the parts it refused (pure, no I/O).

Forwarded mails (message/rfc822 parts, or `.eml` attachments) are opened up; filenames in
RFC 2047 and RFC 2231 encodings are decoded. Malformed MIME never raises: a part that cannot
be decoded becomes a refusal with its reason. Parsing costs grow faster than the mail (encoded
words in a long header, deep nesting), so a mail over one of `MailCaps` is refused whole, and
the service runs this in a limited child process, never on its event loop.
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
from intake.mail.autoreply import envelope_sender, is_automatic, is_robot_address

log = logging.getLogger(__name__)

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
class MailCaps:
    """How much of a mail is read: over `max_attachments` the rest are refused one by one; a
    mail over any other cap is refused whole."""

    max_attachments: int = 20
    #: Bytes of the header section of the mail, and of each of its parts. Python's header
    #: parser takes time and memory growing with the square of a header's encoded words
    #: (64 KB: 0.6 s, 110 MB; 300 KB: 7 s, 2 GB).
    max_header_bytes: int = 64 * 1024
    max_parts: int = 500
    #: Levels of parts inside parts (multiparts, forwarded mails) below the mail itself.
    max_depth: int = 20


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None
    sender: str | None
    #: The envelope sender (topmost `Return-Path`, as the delivering server wrote it); None
    #: when absent or the null sender `<>`. Automatic answers go here and nowhere else.
    return_path: str | None
    subject: str | None
    #: True for auto-replies, bounces and list mail, which must never get an answer.
    automatic: bool
    #: The `Authentication-Results` values, topmost (the last server's) first.
    authentication_results: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    refused: tuple[Refusal, ...] = ()
    defects: tuple[str, ...] = ()
    #: Why the whole mail is refused (over a cap), or None; nothing of it is taken then.
    refusal: str | None = None


class _OverCap(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Collector:
    caps: MailCaps
    parts: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    def enter(self, part: Message, depth: int) -> None:
        """Count `part`, and stop the walk when the mail goes over a cap with it."""
        caps = self.caps
        self.parts += 1
        if self.parts > caps.max_parts:
            raise _OverCap(f"more than {caps.max_parts} MIME parts")
        if depth > caps.max_depth:
            raise _OverCap(f"MIME parts nested more than {caps.max_depth} levels deep")
        if _header_bytes(part) > caps.max_header_bytes:
            raise _OverCap(f"a part's headers are larger than {caps.max_header_bytes} bytes")

    def take(self, attachment: Attachment) -> None:
        if len(self.attachments) >= self.caps.max_attachments:
            reason = f"more than {self.caps.max_attachments} attachments in one mail"
            self.refused.append(Refusal(attachment.filename, reason))
        else:
            self.attachments.append(attachment)


def parse_mail(raw: bytes, caps: MailCaps = MailCaps()) -> ParsedMail:
    """Return the headers that matter and the invoice candidates found in `raw`, or the mail
    with its `refusal` when it goes over one of `caps`."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except RecursionError:  # the parser recurses once per level
        return _unread(f"MIME parts nested more than {caps.max_depth} levels deep")
    if _header_bytes(message) > caps.max_header_bytes:
        return _unread(f"headers larger than {caps.max_header_bytes} bytes")
    collector = _Collector(caps)
    refusal = None
    try:
        _walk(message, collector, depth=0)
    except _OverCap as e:
        refusal = e.reason
    except RecursionError:
        refusal = f"MIME parts nested more than {caps.max_depth} levels deep"
    collector.defects.extend(type(d).__name__ for d in message.defects)
    sender = _address(message, "From") or _address(message, "Sender")
    return ParsedMail(
        message_id=_header(message, "Message-ID"),
        sender=sender,
        return_path=envelope_sender(_header(message, "Return-Path")),
        subject=_header(message, "Subject"),
        automatic=_is_automatic(message, sender),
        authentication_results=_all_headers(message, "Authentication-Results"),
        attachments=() if refusal else tuple(collector.attachments),
        refused=() if refusal else tuple(collector.refused),
        defects=tuple(dict.fromkeys(collector.defects)),
        refusal=refusal,
    )


def _unread(reason: str) -> ParsedMail:
    return ParsedMail(None, None, None, None, automatic=True, refusal=reason)


def _walk(message: Message, collector: _Collector, depth: int) -> None:
    collector.enter(message, depth)
    if message.get_content_type() == "message/rfc822" or message.is_multipart():
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
        if _is_attachment(part) or part.get_content_type() in media.SUPPORTED:
            collector.refused.append(Refusal(name, "empty attachment"))
        return
    if name.lower().endswith(".eml"):
        _walk(email.message_from_bytes(data, policy=email.policy.default), collector, depth + 1)
        return
    kind = media.sniff_media_type(data, name)
    if kind not in media.SUPPORTED:
        declared = part.get_content_type()
        if declared in media.SUPPORTED:  # damaged in transit, or mislabelled: say so
            collector.refused.append(Refusal(name, f"declared {declared}, but its content is not"))
        elif _is_attachment(part) and not part.get_content_maintype() == "text":
            collector.refused.append(Refusal(name, f"not an invoice file ({declared})"))
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


def _header_bytes(part: Message) -> int:
    """Return the size of `part`'s header section as received, without parsing any header."""
    return sum(len(name) + len(value) + 2 for name, value in part.raw_items())


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except MemoryError:
        raise  # the parser's limit (a header built to exhaust it): the mail is refused
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


def _all_headers(message: Message, name: str) -> tuple[str, ...]:
    try:
        values = message.get_all(name) or []
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - malformed headers are treated as absent
        return ()
    return tuple(" ".join(str(v).split())[:998] for v in values)


def _is_automatic(message: Message, sender: str | None) -> bool:
    robot_sender = sender is not None and is_robot_address(sender)
    return robot_sender or is_automatic(lambda name: _header(message, name), message.get_content_type())


def is_allowed(sender: str | None, allowed: list[str] | tuple[str, ...]) -> bool:
    """Return whether `sender` matches an allowed address or domain (everyone when none set)."""
    if not allowed:
        return True
    if not sender:
        return False
    domain = sender.rsplit("@", 1)[-1]
    return any(rule == sender or rule.lstrip("@") == domain for rule in allowed)

