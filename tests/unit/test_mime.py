"""Mails become invoice candidates: attachments, forwarded mails, encoded names, bad MIME, caps."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from intake.mail.mime import MailCaps, Refusal, is_allowed, parse_mail
from intake.mail.replies import QUOTED_CHARS, no_invoice_texts
from tests.hostile_mail import encoded_subject_mail, nested_multipart_mail

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
    parsed = parse_mail(message.as_bytes(), MailCaps(max_attachments=2))
    assert [a.filename for a in parsed.attachments] == ["0.pdf", "1.pdf"]
    assert [r.reason for r in parsed.refused] == ["more than 2 attachments in one mail"]


def test_inline_logo_is_skipped_but_a_nameless_pdf_gets_a_name():
    message = _mail()
    message.add_related(PNG, maintype="image", subtype="png", cid="<logo@x>")
    message.add_attachment(PDF, maintype="application", subtype="octet-stream")
    parsed = parse_mail(message.as_bytes())
    assert [(a.filename, a.media_type) for a in parsed.attachments] == [("attachment-1.pdf", "application/pdf")]


def test_malformed_mime_gives_what_can_be_read_and_refuses_the_rest_with_reasons():
    """GIVEN empty input, bytes without headers, a PDF part with broken base64 and no closing
    boundary, and broken encoded words WHEN parsed THEN no exception: what is there is taken,
    the broken PDF part is refused with its reason, and the defects are named."""
    empty = parse_mail(b"")
    assert (empty.attachments, empty.refused, empty.sender, empty.refusal) == ((), (), None, None)

    garbage = parse_mail(b"\x00\xff garbage without headers")
    assert garbage.attachments == () and garbage.refused == ()
    assert garbage.defects == ("MissingHeaderBodySeparatorDefect",)

    broken_pdf = parse_mail(
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64%PDF\r\n"  # no closing boundary
    )
    assert broken_pdf.attachments == ()
    assert broken_pdf.refused == (Refusal("attachment-1", "declared application/pdf, but its content is not"),)
    assert set(broken_pdf.defects) == {"InvalidBase64CharactersDefect", "CloseBoundaryNotFoundDefect"}

    bad_words = parse_mail(
        b"From: =?bogus?Q?x?= <\r\nSubject: =?utf-8?B?////?=\r\nContent-Type: application/pdf;"
        b' name*=bad\'\'%ZZ\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%PDF-1.4 =ZZ\r\n'
    )
    assert bad_words.sender is None and bad_words.subject == "\ufffd\ufffd\ufffd"
    assert [(a.filename, a.data, a.media_type) for a in bad_words.attachments] == [
        ("%ZZ", b"%PDF-1.4 =ZZ\r\n", "application/pdf")]
    assert bad_words.refused == ()


def test_auto_replies_are_recognised_and_senders_are_matched_by_address_or_domain():
    assert parse_mail(_mail(Auto_Submitted="auto-replied").as_bytes()).automatic
    assert parse_mail(_mail(sender="MAILER-DAEMON@mx.example").as_bytes()).automatic
    assert not parse_mail(_mail(Auto_Submitted="no").as_bytes()).automatic
    assert is_allowed("a@vendor.example", []) and is_allowed("a@vendor.example", ["vendor.example"])
    assert is_allowed("a@vendor.example", ["a@vendor.example"])
    assert not is_allowed("a@evil.example", ["vendor.example", "@other.example"])
    assert not is_allowed(None, ["vendor.example"])


@pytest.mark.parametrize(
    ("language", "greeting"), [("en", "Hello,"), ("de", "Guten Tag,"), ("fr", "Bonjour,"), ("da", "Goddag")]
)
def test_the_no_invoice_answer_is_written_in_the_configured_language(language, greeting):
    """GIVEN a language and a mail with a refused zip WHEN the answer is rendered
    THEN subject and body come from that language's template, listing the zip, with no braces
    left, and the answer's subject is our own text, not the sender's."""
    text = no_invoice_texts(language).render("Rechnung {März}", ["a.zip: not an invoice file"])
    assert text.subject == no_invoice_texts(language).render("Other", []).subject
    assert "März" not in text.subject and "{" not in text.subject
    assert text.body.startswith(greeting) and "Rechnung {März}" in text.body
    assert "\n- a.zip: not an invoice file\n" in text.body
    assert "{" not in text.body.replace("{März}", "")
    assert "- " not in no_invoice_texts(language).render("Hi", []).body


def test_the_answer_repeats_little_of_what_a_stranger_wrote():
    """GIVEN a mail with a 300-character subject and 30 refused files WHEN the answer is rendered
    THEN its subject carries none of the sender's text, its body a cut quote and 10 reasons."""
    spam = "Cheap pills at pills.example " * 10
    text = no_invoice_texts("en").render(spam, [f"file{n}.zip: not an invoice file" for n in range(30)])
    assert text.subject == "Automatic answer: no invoice found in your mail"
    assert spam[: QUOTED_CHARS - 1].rstrip() + "…" in text.body and spam.strip() not in text.body
    assert text.body.count("\n- file") == 10 and "\n- …\n" in text.body


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


@pytest.mark.parametrize(
    "header",
    [{"Auto_Submitted": "auto-generated"}, {"Auto_Submitted": "auto-notified; owner-email=x@y"},
     {"Precedence": "bulk"}, {"Precedence": "junk"}, {"Precedence": "list"}, {"Precedence": "auto_reply"},
     {"List_Id": "<news.vendor.example>"}, {"X_Autoreply": "yes"}, {"X_Auto_Response_Suppress": "All"}],
)  # fmt: skip
def test_robot_mail_is_recognised_by_each_rfc_3834_header(header):
    """GIVEN a mail with one header of list or automatic mail WHEN parsed THEN it is automatic."""
    assert parse_mail(_mail(**header).as_bytes()).automatic


def test_the_envelope_sender_is_the_topmost_return_path_and_reply_to_is_not_read():
    """GIVEN Return-Path headers (the delivering server's on top, a forged one below) and a
    Reply-To naming a third party WHEN parsed THEN the return path is the topmost one's address;
    the null sender gives none."""
    message = _mail(Reply_To="victim@third.example")
    message["Return-Path"] = "<Bounce@Vendor.example>"
    message["Return-Path"] = "<victim@third.example>"
    parsed = parse_mail(message.as_bytes())
    assert parsed.return_path == "bounce@vendor.example"
    assert "victim@third.example" not in repr(parsed)
    assert parse_mail(_mail(Return_Path="<>").as_bytes()).return_path is None
    assert parse_mail(_mail().as_bytes()).return_path is None


def test_authentication_results_are_kept_topmost_first():
    message = _mail()
    message["Authentication-Results"] = "mx.example.test; dmarc=pass header.from=vendor.example"
    message["Authentication-Results"] = "forged.example; dmarc=pass"
    parsed = parse_mail(message.as_bytes())
    assert parsed.authentication_results == (
        "mx.example.test; dmarc=pass header.from=vendor.example", "forged.example; dmarc=pass")


def test_a_subject_of_500_kb_of_encoded_words_is_refused_unread():
    """GIVEN a 500 KB subject of encoded words (27 s to decode) WHEN parsed with the default caps
    THEN the mail is refused for its header size, and nothing of it is read."""
    parsed = parse_mail(encoded_subject_mail(500))
    assert parsed.refusal == "headers larger than 65536 bytes"
    assert (parsed.subject, parsed.sender, parsed.attachments) == (None, None, ())
    assert parsed.automatic  # a mail not read is never answered


def test_a_part_with_headers_over_the_cap_refuses_the_mail():
    message = _mail()
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="a" * 3000 + ".pdf")
    parsed = parse_mail(message.as_bytes(), MailCaps(max_header_bytes=2048))
    assert parsed.refusal == "a part's headers are larger than 2048 bytes"
    assert parsed.sender == "billing@vendor.example" and parsed.attachments == ()


def test_2000_nested_multiparts_are_refused_instead_of_raising_recursion_error():
    """GIVEN 2,000 multiparts nested in each other (Python's parser recurses once per level)
    WHEN parsed THEN the mail is refused for its depth; no RecursionError."""
    parsed = parse_mail(nested_multipart_mail(2000))
    assert parsed.refusal == "MIME parts nested more than 20 levels deep"
    assert parsed.attachments == ()


def test_nesting_up_to_the_cap_is_read_and_one_level_more_is_refused():
    pdf_part = b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=deep.pdf\r\n\r\n" + PDF
    at_cap = parse_mail(nested_multipart_mail(4, pdf_part), MailCaps(max_depth=4))
    assert at_cap.refusal is None and [a.filename for a in at_cap.attachments] == ["deep.pdf"]
    over = parse_mail(nested_multipart_mail(5, pdf_part), MailCaps(max_depth=4))
    assert over.refusal == "MIME parts nested more than 4 levels deep" and over.attachments == ()
    assert over.sender == "stranger@elsewhere.example"


def test_a_forwarded_mail_counts_towards_the_depth():
    inner = _mail(message_id="<inner@vendor.example>")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    outer = _mail(sender="colleague@example.test", subject="Fwd", message_id="<fwd@x>")
    outer.add_attachment(inner)  # mixed > rfc822 > mixed > pdf: three levels below the mail
    assert [a.filename for a in parse_mail(outer.as_bytes(), MailCaps(max_depth=3)).attachments] == ["invoice.pdf"]
    assert parse_mail(outer.as_bytes(), MailCaps(max_depth=2)).refusal == "MIME parts nested more than 2 levels deep"


def test_a_mail_with_more_parts_than_the_cap_is_refused():
    message = _mail()
    for i in range(6):
        message.add_attachment(b"x%d" % i, maintype="text", subtype="plain", filename=f"{i}.txt")
    assert parse_mail(message.as_bytes(), MailCaps(max_parts=8)).refusal is None  # mixed, body, 6 files
    assert parse_mail(message.as_bytes(), MailCaps(max_parts=7)).refusal == "more than 7 MIME parts"
