"""Broken and malicious mails: broken MIME, huge headers, nesting, bad charsets, hostile attachments.

`mails(seed)` returns them with the outcome each must reach: refused whole (over a cap, or
unparseable), or recorded as carrying no invoice with the reason of each attachment refused.
"""

from __future__ import annotations

import base64
import random

from tests.hostile import Case
from tests.hostile.files import billion_laughs, encrypted, png_declaring, xxe
from tests.hostile_mail import encoded_subject_mail, nested_multipart_mail

HEAD = b"From: Vendor <billing@vendor.example>\r\nTo: invoices@example.test\r\nMIME-Version: 1.0\r\n"
#: Reasons of a mail refused whole by the parse caps.
OVER_CAP = ("headers larger than", "nested more than", "more than 500 MIME parts", "could not be parsed")


def _mail(n: int, subject: bytes, body: bytes, content_type: bytes = b"text/plain") -> bytes:
    """Return a mail; `n` makes its Message-ID (give each seed its own range)."""
    return (HEAD + b"Subject: " + subject + b"\r\nMessage-ID: <hostile-%d@vendor.example>\r\n" % n
            + b"Content-Type: " + content_type + b"\r\n\r\n" + body)  # fmt: skip


def _attachment_part(data: bytes, filename: bytes, content_type: bytes, encoding: bytes = b"base64") -> bytes:
    payload = base64.encodebytes(data) if encoding == b"base64" else data
    return (b"Content-Type: " + content_type + b"\r\nContent-Transfer-Encoding: " + encoding + b"\r\n"
            b'Content-Disposition: attachment; filename="' + filename + b'"\r\n\r\n' + payload)  # fmt: skip


def with_parts(n: int, parts: list[bytes], boundary: bytes = b"XyZ", close: bool = True) -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + boundary + b"--\r\n" if close else b""
    return _mail(n, b"Invoice attached", body, b'multipart/mixed; boundary="' + boundary + b'"')


def mails(seed: int = 20260302, *, attachment_limit: int = 0) -> list[Case]:
    """Return the hostile mails, varied by `seed`.

    `attachment_limit` > 0 adds a mail whose attachment is that many bytes and one more.
    """
    rng = random.Random(seed)
    cases: list[Case] = []
    n = seed % 10_000 * 1_000  # each seed's mails are other mails, not copies of one another

    def add(data: bytes, kind: str, reasons: tuple[str, ...] = (), expect: str = "refused") -> None:
        nonlocal n
        n += 1
        cases.append(Case(f"mail-{n}", data, kind, reasons, expect))

    text = b"Content-Type: text/plain\r\n\r\nsee attachment"
    add(b"", "an empty mail")
    add(rng.randbytes(3_000), "random bytes")
    add(b"\x00" * 500 + HEAD, "NUL bytes before the headers")
    add(_mail(n, b"no attachment", b"just text"), "a mail without attachment")
    add(with_parts(n, [text, b"Content-Type: application/pdf\r\n\r\n"], close=False), "boundary never closed")
    add(_mail(n, b"x", b"--a\r\nContent-Type: application/pdf\r\n\r\n%PDF", b"multipart/mixed"),
        "multipart without a boundary")  # fmt: skip
    add(with_parts(n, [_attachment_part(b"", b"inv.pdf", b"application/pdf")]), "empty attachment", ("empty",))
    broken_base64 = _attachment_part(b"", b"inv.pdf", b"application/pdf") + b"JVBERi0x!!!@@@###$$$\r\n===="
    add(with_parts(n, [broken_base64]), "base64 that is not base64")
    add(with_parts(n, [_attachment_part(b"%PDF-1.4 broken", b"inv.pdf", b"application/pdf", b"x-unknown-encoding")]),
        "unknown transfer encoding")  # fmt: skip
    add(with_parts(n, [_attachment_part(b"=ZZ=\r\n%PDF=4", b"inv.pdf", b"application/pdf", b"quoted-printable")]),
        "quoted-printable garbage")  # fmt: skip
    add(with_parts(n, [_attachment_part(b"<html>", b"inv.pdf", b"application/pdf")]), "a PDF that is not one",
        ("its content is not",))  # fmt: skip
    for kilobytes in (80, 300):
        add(encoded_subject_mail(kilobytes), f"subject of {kilobytes} KB of encoded words", OVER_CAP)
    add(HEAD + b"".join(b"X-Spam-%d: %s\r\n" % (i, b"y" * 60) for i in range(3_000)) + b"\r\nbody",
        "3,000 header lines", OVER_CAP)  # fmt: skip
    add(HEAD + b"Subject: " + b"A" * 200_000 + b"\r\n\r\nbody", "one header line of 200 KB", OVER_CAP)
    for levels in (25, 60, 1_000):
        add(nested_multipart_mail(levels), f"multiparts nested {levels} deep", OVER_CAP)
    add(with_parts(n, [text] * 600), "600 parts", OVER_CAP)
    for charset in (b"x-no-such-charset", b"utf-7", b"utf-32"):
        add(_mail(n, b"=?" + charset + b"?B?" + base64.b64encode(rng.randbytes(30)) + b"?=", b"text",
                  b"text/plain; charset=" + charset), f"subject and body in charset {charset.decode()}")  # fmt: skip
    add(_mail(n, b"Rechnung \xff\xfe\xc3\x28 \xe9t\xe9", b"\xff\xfe"), "raw 8-bit bytes in the subject")
    bad_name = (b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                b"Content-Disposition: attachment; filename*=x-bogus''%FF%FE%00evil.pdf\r\n\r\n"
                + base64.encodebytes(b"%PDF-1.4 no"))  # fmt: skip
    add(with_parts(n, [bad_name]), "RFC 2231 file name in an unknown charset with a NUL")
    traversal = _attachment_part(b"%PDF-1.4 x", b"../../../../etc/cron.d/evil.pdf", b"application/pdf")
    add(with_parts(n, [traversal]), "a file name climbing out of folders")
    add(with_parts(n, [_attachment_part(encrypted(3), b"locked.pdf", b"application/pdf")]), "encrypted PDF",
        ("password",))  # fmt: skip
    add(with_parts(n, [_attachment_part(png_declaring(100_000, 100_000), b"scan.png", b"image/png")]),
        "image declaring 10 billion pixels", ("too large",))  # fmt: skip
    add(with_parts(n, [_attachment_part(billion_laughs(), b"invoice.xml", b"application/xml")]), "billion laughs",
        ("DTD",))  # fmt: skip
    add(with_parts(n, [_attachment_part(xxe(b"file:///etc/passwd"), b"invoice.xml", b"application/xml")]), "XXE",
        ("DTD",))  # fmt: skip
    many = [_attachment_part(b"%%PDF-1.4 broken %d" % i, b"inv-%d.pdf" % i, b"application/pdf") for i in range(25)]
    add(with_parts(n, many), "25 attachments", ("more than 20 attachments",))
    forwarded = with_parts(n, [_attachment_part(b"%PDF-1.4 broken", b"inv.pdf", b"application/pdf")])
    inner = (b"Content-Type: message/rfc822\r\n\r\n" + forwarded)
    add(with_parts(n, [text, inner]), "a forwarded mail with a broken PDF")
    eml = _attachment_part(with_parts(n, [text, inner]), b"forward.eml", b"application/octet-stream")
    add(with_parts(n, [eml]), "an .eml attachment holding a forwarded mail")
    zipped = _attachment_part(b"PK\x03\x04" + rng.randbytes(1_000), b"invoice.zip", b"application/zip")
    add(with_parts(n, [zipped]), "a ZIP attachment", ("not an invoice file",))
    if attachment_limit:
        big = _attachment_part(b"%PDF-1.4\n" + b"0" * attachment_limit, b"big.pdf", b"application/pdf")
        add(with_parts(n, [big]), "an attachment over the size limit", ("too large",))
    return cases
