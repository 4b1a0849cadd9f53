"""Mails built to be costly to parse: a long subject of encoded words, deeply nested multiparts."""

from __future__ import annotations


def encoded_subject_mail(kilobytes: int, sender: bytes = b"stranger@elsewhere.example") -> bytes:
    """Return a mail whose Subject is `kilobytes` KB of encoded words, folded as a client would."""
    word = b"=?UTF-8?B?w6TDtsO8?="  # "äöü"
    line = b" ".join([word] * 3)
    lines = [line] * (kilobytes * 1024 // (len(line) + 3))
    head = b"From: %s\r\nReturn-Path: <%s>\r\nMessage-ID: <subject@x>\r\n" % (sender, sender)
    return head + b"Subject: " + b"\r\n ".join(lines) + b"\r\n\r\nno invoice here\r\n"


def nested_multipart_mail(levels: int, inner: bytes = b"Content-Type: text/plain\r\n\r\nhello") -> bytes:
    """Return a mail of `levels` multipart/mixed parts, each the only part of the one above,
    with `inner` (a part with its headers) at the bottom."""
    head = b"From: stranger@elsewhere.example\r\nSubject: nested\r\nMessage-ID: <nested@x>\r\nMIME-Version: 1.0\r\n"
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n) for n in range(levels)
    )
    closing = b"".join(b"\r\n--b%d--\r\n" % n for n in reversed(range(levels)))
    return head + opening + inner + closing
