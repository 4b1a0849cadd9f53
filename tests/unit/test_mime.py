"""Mails become invoice candidates: attachments, forwarded mails, encoded names, bad MIME."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from intake.mail.mime import is_allowed, parse_mail
from intake.mail.replies import no_invoice_texts

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
XML = b'<?xml version="1.0"?><rsm:CrossIndustryInvoice xmlns:rsm="urn:x"/>'


def _mail(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("sender", "Vendor GmbH <billing@vendor.example>")
    message["To"] = "invoices@example.test"
    message["Subject"] = headers.pop("subject", "Invoice 42")
    message["Message-ID"] = headers.pop("message_id", "<m42@vendor.example>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Please find the invoice attached.")
    return message


def test_pdf_image_and_xml_attachments_are_taken_and_the_body_is_not():
    message = _mail()
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="scan.png")
    message.add_attachment(XML, maintype="application", subtype="xml", filename="factur-x.xml")
    parsed = parse_mail(message.as_bytes())
    assert [(a.filename, a.media_type) for a in parsed.attachments] == [
        ("invoice.pdf", "application/pdf"), ("scan.png", "image/png"), ("factur-x.xml", "application/xml"),
    ]  # fmt: skip
    assert parsed.message_id == "<m42@vendor.example>"
    assert parsed.sender == "billing@vendor.example" and parsed.subject == "Invoice 42"
    assert not parsed.automatic and parsed.refused == ()


def test_a_forwarded_mail_is_opened_up_to_its_attachment():
    inner = _mail(message_id="<inner@vendor.example>")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    outer = _mail(sender="colleague@example.test", subject="Fwd: Invoice 42", message_id="<fwd@x>")
    outer.add_attachment(inner)  # message/rfc822
    eml = _mail(message_id="<eml@x>")
    eml.add_attachment(inner.as_bytes(), maintype="application", subtype="octet-stream", filename="fw.eml")
    for raw in (outer.as_bytes(), eml.as_bytes()):
        parsed = parse_mail(raw)
        assert [a.data for a in parsed.attachments] == [PDF]
        assert parsed.attachments[0].filename == "invoice.pdf"


def test_rfc2047_and_rfc2231_filenames_are_decoded():
    raw = (
        b"From: a@vendor.example\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b'--b\r\nContent-Type: application/pdf; name="=?UTF-8?B?UmVjaG51bmcgw6Qu?= =?UTF-8?B?cGRm?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
        b" filename*0*=UTF-8''Faktura%20;\r\n filename*1*=%C3%B8.pdf\r\n\r\n%PDF-1.4\r\n"
        b"--b--\r\n"
    )
    parsed = parse_mail(raw)
    assert [a.filename for a in parsed.attachments] == ["Rechnung ä.pdf", "Faktura ø.pdf"]


def test_a_mail_without_attachments_gives_nothing_and_a_zip_is_refused_with_its_reason():
    assert parse_mail(_mail().as_bytes()).attachments == ()
    message = _mail()
    message.add_attachment(b"PK\x03\x04zip", maintype="application", subtype="zip", filename="a.zip")
    parsed = parse_mail(message.as_bytes())
    assert parsed.attachments == ()
    assert [(r.filename, r.reason) for r in parsed.refused] == [("a.zip", "not an invoice file (application/zip)")]


def test_attachments_over_the_limit_are_refused():
    message = _mail()
    for i in range(3):
        message.add_attachment(PDF + bytes([i]), maintype="application", subtype="pdf", filename=f"{i}.pdf")
    parsed = parse_mail(message.as_bytes(), max_attachments=2)
    assert [a.filename for a in parsed.attachments] == ["0.pdf", "1.pdf"]
    assert [r.reason for r in parsed.refused] == ["more than 2 attachments in one mail"]


def test_inline_logo_is_skipped_but_a_nameless_pdf_gets_a_name():
    message = _mail()
    message.add_related(PNG, maintype="image", subtype="png", cid="<logo@x>")
    message.add_attachment(PDF, maintype="application", subtype="octet-stream")
    parsed = parse_mail(message.as_bytes())
    assert [(a.filename, a.media_type) for a in parsed.attachments] == [("attachment-1.pdf", "application/pdf")]


def test_malformed_mime_never_raises():
    samples = [
        b"",
        b"\x00\xff garbage without headers",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64%PDF\r\n",  # no closing boundary
        b"From: =?bogus?Q?x?= <\r\nSubject: =?utf-8?B?////?=\r\nContent-Type: application/pdf;"
        b' name*=bad\'\'%ZZ\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%PDF-1.4 =ZZ\r\n',
    ]
    for raw in samples:
        parse_mail(raw)


def test_auto_replies_are_recognised_and_senders_are_matched_by_address_or_domain():
    assert parse_mail(_mail(Auto_Submitted="auto-replied").as_bytes()).automatic
    assert parse_mail(_mail(sender="MAILER-DAEMON@mx.example").as_bytes()).automatic
    assert is_allowed("a@vendor.example", []) and is_allowed("a@vendor.example", ["vendor.example"])
    assert is_allowed("a@vendor.example", ["a@vendor.example"])
    assert not is_allowed("a@evil.example", ["vendor.example", "@other.example"])
    assert not is_allowed(None, ["vendor.example"])


@pytest.mark.parametrize(
    ("language", "greeting"), [("en", "Hello,"), ("de", "Guten Tag,"), ("fr", "Bonjour,"), ("da", "Goddag")]
)
def test_the_no_invoice_answer_is_written_in_the_configured_language(language, greeting):
    """GIVEN a language and a mail with a refused zip WHEN the answer is rendered
    THEN subject and body come from that language's template, listing the zip, with no braces left."""
    text = no_invoice_texts(language).render("Rechnung {März}", ["a.zip: not an invoice file"])
    assert text.subject == "Re: Rechnung {März}"
    assert text.body.startswith(greeting) and "Rechnung {März}" in text.body
    assert "\n- a.zip: not an invoice file\n" in text.body
    assert "{" not in text.body.replace("{März}", "")
    assert "- " not in no_invoice_texts(language).render("Hi", []).body


def test_a_language_without_templates_gets_the_english_answer():
    assert no_invoice_texts("sv").render("Hi", []) == no_invoice_texts("en").render("Hi", [])


def test_a_pdf_and_an_xml_pair_up_by_name_or_when_alone():
    from intake import media
    from intake.mail.inbox import pair_attachments
    from intake.mail.mime import Attachment

    def a(name: str, kind: str) -> Attachment:
        return Attachment(filename=name, data=name.encode(), media_type=kind)

    lone = [a("scan.pdf", media.PDF), a("invoice.xml", media.XML)]
    assert [(p.filename, c.filename if c else None) for p, c in pair_attachments(lone)] == [("scan.pdf", "invoice.xml")]
    named = [a("R-1.pdf", media.PDF), a("R-2.pdf", media.PDF), a("r-2.xml", media.XML), a("x.png", media.PNG)]
    assert [(p.filename, c.filename if c else None) for p, c in pair_attachments(named)] == [
        ("R-1.pdf", None), ("R-2.pdf", "r-2.xml"), ("x.png", None)]
    unrelated = [a("R-1.pdf", media.PDF), a("R-2.pdf", media.PDF), a("other.xml", media.XML)]
    assert len(pair_attachments(unrelated)) == 3
