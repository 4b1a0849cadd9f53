"""The IMAP watcher against a real Dovecot on loopback: push, reconnects, UIDVALIDITY, bad mail."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import aioimaplib
from sqlalchemy import select

from intake.mail.imap import ImapAccount, ImapWatcher, WatchTiming
from intake.mail.inbox import MailInbox, MailPolicy
from invoicing import audit
from invoicing.db.models import Document, Invoice, Job, ProcessedMail
from invoicing.domain import Channel, MailState
from invoicing.mailer import MAIL_SEND
from tests.factories import simple_invoice_pdf
from tests.integration.cli import INVOICEBOT, cli_env
from tests.integration.dovecot import BOT, Dovecot, mailbox, until

TIMING = WatchTiming(timeout=5, idle=20, poll=1, backoff_first=0.2, backoff_max=1)


@contextlib.asynccontextmanager
async def watching(
    server: Dovecot, inbox: MailInbox, folder: str, processed: str | None = None
) -> AsyncIterator[ImapWatcher]:
    account = ImapAccount(
        "127.0.0.1", server.user, server.password, port=server.port, security="none",
        folder=folder, processed_folder=processed,
    )  # fmt: skip
    stop = asyncio.Event()
    watcher = ImapWatcher(account, inbox, TIMING)
    task = asyncio.create_task(watcher.run(stop))
    try:
        yield watcher
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def invoice_mail(number: str = "RE-2026-0042", sender: str = "billing@vendor.example", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Vendor GmbH <{sender}>"
    message["To"] = "invoices@example.test"
    message["Subject"] = headers.get("subject", f"Invoice {number}")
    message["Message-ID"] = headers.get("message_id", f"<{uuid.uuid4().hex}@vendor.example>")
    message.set_content("Please find our invoice attached.")
    message.add_attachment(simple_invoice_pdf(number), maintype="application", subtype="pdf", filename=f"{number}.pdf")
    return message


async def in_idle(watcher: ImapWatcher) -> None:
    """Wait until the watcher is in IDLE (or between polls), where new mail reaches it by push."""
    await asyncio.wait_for(watcher.idling.wait(), 10)


def plain_mail(text: str = "Hello, how are you?", sender: str = "somebody@vendor.example") -> bytes:
    message = EmailMessage()
    message["Return-Path"] = f"<{sender}>"  # as the delivering server writes it
    message["From"] = f"Somebody <{sender}>"
    message["Subject"] = "Question"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@vendor.example>"
    message.set_content(text)
    return message.as_bytes()


def rows(db, model: Any) -> list[Any]:
    with db.transaction() as session:
        return list(session.execute(select(model).order_by(model.id)).scalars())


async def count(client: aioimaplib.IMAP4, folder: str) -> int:
    response = await client.select(f'"{folder}"')
    return next(int(line.split()[0]) for line in response.lines if line.endswith(b"EXISTS"))


async def test_a_forwarded_invoice_becomes_an_incoming_invoice_and_is_moved(db, dovecot, inbox, folder):
    """GIVEN a colleague forwards a vendor's invoice WHEN it lands in the folder
    THEN an incoming invoice exists, the mail is recorded with its document and moved."""
    forward = EmailMessage()
    forward["From"] = "colleague@example.test"
    forward["Subject"] = "Fwd: Invoice RE-2026-0042"
    forward["Message-ID"] = "<fwd-1@example.test>"
    forward.set_content("see below")
    forward.add_attachment(invoice_mail())
    async with mailbox(dovecot) as client:
        await client.create(folder)
        async with watching(dovecot, inbox, folder, processed=f"{folder}-done") as watcher:
            await in_idle(watcher)
            await client.append(forward.as_bytes(), mailbox=folder)  # pushed to the watcher in IDLE
            await until(lambda: len(rows(db, ProcessedMail)) == 1)
            mail = rows(db, ProcessedMail)[0]
            [invoice] = rows(db, Invoice)
            [document] = rows(db, Document)
            assert (mail.state, mail.message_id, mail.sender) == (
                MailState.INGESTED, "<fwd-1@example.test>", "colleague@example.test")
            assert mail.documents == [document.id] and invoice.document_id == document.id
            assert document.channel == Channel.EMAIL and document.filename == "RE-2026-0042.pdf"
            assert invoice.number == "RE-2026-0042"
            for _ in range(50):
                if await count(client, f"{folder}-done") == 1:
                    break
                await asyncio.sleep(0.1)
            assert await count(client, folder) == 0 and await count(client, f"{folder}-done") == 1
        assert not [j for j in rows(db, Job) if j.kind == MAIL_SEND]


async def test_a_mail_without_invoice_gets_a_reply_and_a_bad_mail_does_not_stop_the_loop(
    db, dovecot, inbox, folder
):
    """GIVEN a plain question, broken MIME and then an invoice WHEN they arrive
    THEN the question and the broken mail are no_invoice, each with a reply to its envelope
    sender (the broken one saying why), and the invoice is read."""
    broken = (
        b"Return-Path: <a@vendor.example>\r\nFrom: a@vendor.example\r\nMessage-ID: <broken@x>\r\n"
        b"Content-Type: multipart/mixed; boundary=z\r\n"
        b"\r\n--z\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!%%\x00\r\n"
    )
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(plain_mail(), mailbox=folder)
        await client.append(broken, mailbox=folder)
        await client.append(invoice_mail("RE-7").as_bytes(), mailbox=folder)
        async with watching(dovecot, inbox, folder):
            await until(lambda: len(rows(db, ProcessedMail)) == 3)
        question, damaged, invoice = rows(db, ProcessedMail)
        assert (question.state, question.reason) == (MailState.NO_INVOICE, None)
        assert damaged.state == MailState.NO_INVOICE
        assert damaged.reason == "attachment-1: empty attachment"  # nothing in it was base64
        assert invoice.state == MailState.INGESTED
        replies = [j for j in rows(db, Job) if j.kind == MAIL_SEND]
        assert [r.payload["to"] for r in replies] == [["somebody@vendor.example"], ["a@vendor.example"]]
        assert replies[0].payload["subject"] == "Automatic answer: no invoice found in your mail"
        assert "\n- attachment-1: empty attachment\n" in replies[1].payload["body"]
        await client.select(folder)
        response = await client.uid("fetch", "1:*", "(FLAGS)")
        flagged = [line for line in response.lines if b"$InvoicebotProcessed" in bytes(line)]
        assert len(flagged) == 3


async def test_the_same_mail_twice_is_taken_once(db, dovecot, inbox, folder):
    raw = invoice_mail("RE-9").as_bytes()
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(raw, mailbox=folder)
        await client.append(raw, mailbox=folder)
        async with watching(dovecot, inbox, folder):
            await until(lambda: len(rows(db, ProcessedMail)) == 2)
    first, second = rows(db, ProcessedMail)
    assert second.reason == f"same mail as processed mail {first.id}"
    assert second.documents == first.documents and len(rows(db, Document)) == 1
    assert len(rows(db, Invoice)) == 1


async def test_a_dropped_connection_mid_idle_is_reconnected_and_caught_up(db, dovecot, inbox, folder):
    """GIVEN the watcher in IDLE WHEN its imap process is killed, or the server restarts,
    and a mail arrives meanwhile THEN the watcher reconnects and takes the mail."""
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(invoice_mail("RE-1").as_bytes(), mailbox=folder)
    async with watching(dovecot, inbox, folder) as watcher:
        await until(lambda: len(rows(db, ProcessedMail)) == 1)
        await in_idle(watcher)
        assert await asyncio.to_thread(dovecot.kill_imap) >= 1
        async with mailbox(dovecot) as client:
            await client.append(invoice_mail("RE-2").as_bytes(), mailbox=folder)
        await until(lambda: len(rows(db, ProcessedMail)) == 2)
        await in_idle(watcher)  # reconnected and in IDLE again: the row came from a new session
        await asyncio.to_thread(dovecot.restart)
        async with mailbox(dovecot) as client:
            await client.append(invoice_mail("RE-3").as_bytes(), mailbox=folder)
        await until(lambda: len(rows(db, ProcessedMail)) == 3)
    assert [i.number for i in rows(db, Invoice)] == ["RE-1", "RE-2", "RE-3"]


async def test_a_new_uidvalidity_rescans_without_taking_anything_twice(db, dovecot, inbox, folder):
    """GIVEN a processed mail WHEN the folder is recreated (new UIDVALIDITY) with it and a new one
    THEN both are recorded again under the new UIDVALIDITY, but only the new one gives a document."""
    old = invoice_mail("RE-2026-0101").as_bytes()
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(old, mailbox=folder)
        async with watching(dovecot, inbox, folder):
            await until(lambda: len(rows(db, ProcessedMail)) == 1)
        await client.delete(folder)
        await client.create(folder)
        await client.append(old, mailbox=folder)
        await client.append(invoice_mail("RE-2026-0102").as_bytes(), mailbox=folder)
        async with watching(dovecot, inbox, folder):
            await until(lambda: len(rows(db, ProcessedMail)) == 3)
    first, again, new = rows(db, ProcessedMail)
    assert again.uidvalidity != first.uidvalidity and again.reason.startswith("same mail")
    assert new.state == MailState.INGESTED
    assert [i.number for i in rows(db, Invoice)] == ["RE-2026-0101", "RE-2026-0102"]


async def test_a_mail_over_the_size_limit_is_refused_unread(db, dovecot, inbox, folder):
    message = invoice_mail("RE-2026-0103")
    message.add_attachment(b"\0" * 300_000, maintype="application", subtype="octet-stream", filename="big.bin")
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(message.as_bytes(), mailbox=folder)
        async with watching(dovecot, inbox, folder):
            await until(lambda: len(rows(db, ProcessedMail)) == 1)
    [mail] = rows(db, ProcessedMail)
    assert mail.state == MailState.REFUSED and mail.reason.startswith("mail too large")
    assert mail.sender == "billing@vendor.example" and rows(db, Document) == []


async def test_a_sender_not_allowed_is_refused_without_reply(db, dovecot, inbox, folder):
    strict = MailInbox(inbox.intake, MailPolicy(mail_from=BOT, allowed_senders=("trusted.example",)))
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(invoice_mail("RE-5", sender="x@spam.example").as_bytes(), mailbox=folder)
        async with watching(dovecot, strict, folder):
            await until(lambda: len(rows(db, ProcessedMail)) == 1)
    [mail] = rows(db, ProcessedMail)
    assert mail.state == MailState.REFUSED and mail.reason == "sender x@spam.example is not allowed"
    assert rows(db, Document) == [] and rows(db, Job) == []


async def test_a_mail_that_fails_is_recorded_with_its_error_and_the_next_one_is_taken(
    db, dovecot, inbox, folder, monkeypatch
):
    ingest = inbox.intake.ingest
    calls: list[str] = []

    async def failing_once(data: bytes, filename: str, **kwargs: Any) -> Any:
        calls.append(filename)
        if len(calls) == 1:
            raise RuntimeError("reader exploded")
        return await ingest(data, filename, **kwargs)

    monkeypatch.setattr(inbox.intake, "ingest", failing_once)
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(invoice_mail("RE-11").as_bytes(), mailbox=folder)
        await client.append(invoice_mail("RE-12").as_bytes(), mailbox=folder)
        async with watching(dovecot, inbox, folder):
            await until(lambda: len(rows(db, ProcessedMail)) == 2)
    failed, ok = rows(db, ProcessedMail)
    assert failed.state == MailState.FAILED and failed.reason == "RuntimeError: reader exploded"
    assert ok.state == MailState.INGESTED


async def test_invoicebot_run_answers_a_mail_without_invoice_with_an_eml_in_the_outbox(dovecot, folder, tmp_path):
    """GIVEN `invoicebot run` with IMAP configured and no SMTP WHEN a question arrives
    THEN the no-invoice reply is written to the outbox as an .eml file."""
    data_dir = tmp_path / "var"
    env = cli_env(data_dir)
    env.update({
        "INVOICEBOT_IMAP_HOST": "127.0.0.1", "INVOICEBOT_IMAP_PORT": str(dovecot.port),
        "INVOICEBOT_IMAP_USER": dovecot.user, "INVOICEBOT_IMAP_PASSWORD": dovecot.password,
        "INVOICEBOT_IMAP_SECURITY": "none", "INVOICEBOT_IMAP_FOLDER": folder,
        "INVOICEBOT_MAIL_FROM": BOT,
    })  # fmt: skip
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(plain_mail(), mailbox=folder)
    log = (tmp_path / "service.log").open("w")
    service = subprocess.Popen([INVOICEBOT, "run"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        outbox = data_dir / "outbox"
        await until(lambda: any(outbox.glob("*.eml")), seconds=60)
        [eml] = list(outbox.glob("*.eml"))
        reply = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert reply["To"] == "somebody@vendor.example" and reply["From"] == BOT
        assert "found no invoice" in reply.get_content()
    finally:
        service.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(service.wait, 30)
        log.close()
    assert code == 0, (tmp_path / "service.log").read_text()
    assert dovecot.password not in (tmp_path / "service.log").read_text()


async def test_without_idle_the_folder_is_polled_and_idle_is_reissued(db, dovecot, inbox, folder):
    """GIVEN a server without IDLE (and, apart, an IDLE re-issued every 0.3 s) WHEN mail arrives
    THEN both watchers still take it."""

    class NoIdleWatcher(ImapWatcher):
        async def _connect(self) -> aioimaplib.IMAP4:
            client = await super()._connect()
            client.protocol.capabilities.discard("IDLE")
            return client

    account = ImapAccount(
        "127.0.0.1", dovecot.user, dovecot.password, port=dovecot.port, security="none", folder=folder
    )
    fast = WatchTiming(timeout=5, idle=0.3, poll=0.3, backoff_first=0.2, backoff_max=1)
    async with mailbox(dovecot) as client:
        await client.create(folder)
        for n, watcher in enumerate([NoIdleWatcher(account, inbox, fast), ImapWatcher(account, inbox, fast)]):
            stop = asyncio.Event()
            task = asyncio.create_task(watcher.run(stop))
            await until(lambda: watcher.rounds >= 3)  # polled, or IDLE left and re-issued, twice
            await in_idle(watcher)
            await client.append(invoice_mail(f"RE-2{n}").as_bytes(), mailbox=folder)
            await until(lambda: len(rows(db, ProcessedMail)) == n + 1)
            stop.set()
            await asyncio.wait_for(task, 10)
    assert [i.number for i in rows(db, Invoice)] == ["RE-20", "RE-21"]


async def test_a_mail_recorded_but_not_yet_flagged_is_flagged_after_reconnecting(
    db, dovecot, inbox, folder, monkeypatch
):
    """GIVEN the connection drops after a mail's row is committed but before it is flagged
    WHEN the watcher reconnects THEN the mail is flagged and not processed a second time."""
    mark = ImapWatcher._mark
    calls: list[int] = []

    async def drop_first_mark(self: ImapWatcher, client: aioimaplib.IMAP4, uid: int) -> None:
        calls.append(uid)
        if len(calls) == 1:
            raise ConnectionResetError("connection lost before the flag")
        await mark(self, client, uid)

    monkeypatch.setattr(ImapWatcher, "_mark", drop_first_mark)
    async with mailbox(dovecot) as client:
        await client.create(folder)
        await client.append(invoice_mail("RE-31").as_bytes(), mailbox=folder)
        async with watching(dovecot, inbox, folder):
            await until(lambda: len(calls) >= 2)
        await client.select(folder)
        response = await client.uid("fetch", "1:*", "(FLAGS)")
    assert any(b"$InvoicebotProcessed" in bytes(line) for line in response.lines)
    assert len(rows(db, ProcessedMail)) == 1 and len(rows(db, Document)) == 1


async def test_a_pdf_with_its_e_invoice_xml_in_one_mail_is_one_invoice(db, dovecot, inbox, folder):
    """GIVEN a mail carrying an invoice PDF and the XRechnung XML of the same invoice
    WHEN it arrives THEN one invoice is recorded, read from the XML, with both files kept."""
    from tests.factories import text_pdf
    from tests.unit.test_einvoice import CII

    pdf = text_pdf([(50, 60, "Muster Lieferant GmbH"), (350, 140, "Rechnung RE-2024/0042"),
                    (350, 154, "Datum 15.03.2024"), (350, 300, "Netto 925,00"), (350, 314, "USt 175,75"),
                    (350, 328, "Gesamt 1.100,75 EUR")])  # fmt: skip
    message = EmailMessage()
    message["From"] = "billing@vendor.example"
    message["Subject"] = "Rechnung RE-2024/0042"
    message.set_content("Anbei unsere Rechnung.")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="RE-2024-0042.pdf")
    message.add_attachment(CII, maintype="application", subtype="xml", filename="RE-2024-0042.xml")
    async with mailbox(dovecot) as client:
        await client.create(folder)
        async with watching(dovecot, inbox, folder):
            await client.append(message.as_bytes(), mailbox=folder)
            await until(lambda: len(rows(db, ProcessedMail)) == 1)
    [invoice] = rows(db, Invoice)
    documents = rows(db, Document)
    assert invoice.source == "einvoice-xml" and invoice.total == Decimal("1100.75")
    assert sorted(d.media_type for d in documents) == ["application/pdf", "application/xml"]
    assert next(d for d in documents if d.id == invoice.document_id).media_type == "application/pdf"
    with db.transaction() as session:
        actions = [e.action for e in audit.trail(session, "invoice", invoice.id)]
    assert actions == ["invoice.received", "document.attached"]
