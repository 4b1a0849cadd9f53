"""The mail door against hostile and careless mail: where answers go and how often, who counts
as an allowed sender, what a mail may cost (parsing off the event loop, caps, a time budget).

These drive `MailInbox.process` with the real database, reader processes and outbox; the IMAP
side is tested in test_imap*.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from intake.mail.inbox import MailInbox, MailPolicy
from intake.mail.ledger import MailKey
from intake.mail.mime import MailCaps
from intake.pipeline import Intake
from invoicing.db.engine import Database
from invoicing.db.models import Document, Invoice, Job, ProcessedMail
from invoicing.domain import MailState
from invoicing.mailer import MAIL_SEND
from invoicing.receiving import ReceivingPolicy
from tests.factories import simple_invoice_pdf
from tests.hostile_mail import encoded_subject_mail, nested_multipart_mail
from tests.integration.dovecot import BOT

_uids = itertools.count(1)
TRUSTED = "mx.example.test"


def key() -> MailKey:
    return MailKey("invoices@example.test@127.0.0.1", "INBOX", 1, next(_uids))


def question(return_path: str | None = "stranger@elsewhere.example", **headers: str) -> bytes:
    """A mail without invoice; `return_path` "" is the null sender `<>`, None no Return-Path."""
    message = EmailMessage()
    if return_path is not None:
        message["Return-Path"] = f"<{return_path}>" if return_path else "<>"
    message["From"] = headers.pop("From", "Stranger <stranger@elsewhere.example>")
    message["Subject"] = headers.pop("Subject", "Question")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"Hello {next(_uids)}")  # each mail its own bytes
    return message.as_bytes()


def invoice_mail(*numbers: str, sender: str = "billing@vendor.example", auth: list[str] | None = None) -> bytes:
    message = EmailMessage()
    for value in auth or []:
        message["Authentication-Results"] = value
    message["Return-Path"] = f"<{sender}>"
    message["From"] = f"Vendor <{sender}>"
    message["Subject"] = "Invoices"
    message.set_content("Attached.")
    for number in numbers:
        pdf = simple_invoice_pdf(number)
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{number}.pdf")
    return message.as_bytes()


def rows(db: Database, model: Any) -> list[Any]:
    with db.transaction() as session:
        return list(session.execute(select(model).order_by(model.id)).scalars())


def answers(db: Database) -> list[dict[str, Any]]:
    return [j.payload for j in rows(db, Job) if j.kind == MAIL_SEND]


async def test_the_answer_goes_to_the_envelope_sender_not_to_reply_to(db, inbox):
    """GIVEN a mail without invoice whose Reply-To and From name a third party and whose
    Return-Path is the stranger's WHEN processed THEN the one answer goes to the Return-Path, and
    its subject is ours, not the stranger's."""
    raw = question(
        From="victim@third.example", Reply_To="victim@third.example", Subject="Buy pills at pills.example"
    )
    assert await inbox.process(key(), raw) == MailState.NO_INVOICE
    [answer] = answers(db)
    assert answer["to"] == ["stranger@elsewhere.example"]
    assert answer["subject"] == "Automatic answer: no invoice found in your mail"


async def test_no_answer_to_the_null_sender_a_missing_return_path_or_robots(db, inbox):
    """GIVEN mails without invoice from the null sender, without Return-Path, and with each header
    of automatic or list mail WHEN processed THEN each is recorded, and none is answered."""
    robots = [question(""), question(None)] + [
        question(**{name: value}) for name, value in [
            ("Auto_Submitted", "auto-replied"), ("Precedence", "bulk"), ("Precedence", "junk"),
            ("Precedence", "list"), ("Precedence", "auto_reply"), ("List_Id", "<l.example>"),
            ("X_Autoreply", "yes"), ("X_Auto_Response_Suppress", "OOF"),
        ]
    ]  # fmt: skip
    for raw in robots:
        assert await inbox.process(key(), raw) == MailState.NO_INVOICE
    assert len(rows(db, ProcessedMail)) == len(robots) and answers(db) == []


async def test_an_address_that_merely_contains_ours_is_answered_and_ours_is_not(db, inbox):
    """GIVEN we are invoices@example.test WHEN voices@example.test (a substring of ours) writes
    THEN it is answered; WHEN mail comes from Invoices@Example.test THEN it is not."""
    ours = MailInbox(inbox.intake, MailPolicy(mail_from="Invoicebot <invoices@example.test>"))
    await ours.process(key(), question("voices@example.test", From="voices@example.test"))
    await ours.process(key(), question("Invoices@Example.test", From="invoices@example.test"))
    assert [a["to"] for a in answers(db)] == [["voices@example.test"]]


async def test_an_address_is_answered_once_a_day_across_restarts_and_processes(db, inbox, clock):
    """GIVEN three mails without invoice from one envelope sender, the second taken by another
    process (its own inbox and database connection) WHEN processed on one day THEN one answer;
    WHEN another comes the next business day THEN a second."""
    await inbox.process(key(), question())
    other_db = Database.from_url(db.engine.url.render_as_string(hide_password=False))
    try:
        other = Intake(other_db, clock, inbox.intake.store, inbox.intake.reader, ReceivingPolicy(), 10**7)
        await MailInbox(other, inbox.policy).process(key(), question())
    finally:
        other_db.dispose()
    await inbox.process(key(), question(From="Stranger <STRANGER@elsewhere.example>"))
    assert len(answers(db)) == 1 and len(rows(db, ProcessedMail)) == 3
    clock.advance(dt.timedelta(days=1))
    await inbox.process(key(), question())
    assert [a["to"] for a in answers(db)] == [["stranger@elsewhere.example"]] * 2


async def test_an_allowed_sender_must_be_vouched_for_by_the_trusted_server(db, inbox):
    """GIVEN vendor.example on the allow-list and mx.example.test as trusted authserv-id
    WHEN mails claim to come from vendor.example THEN only the one our server saw pass DMARC
    is ingested; a forged header of another server, a failing DMARC and none are refused."""
    policy = MailPolicy(mail_from=BOT, allowed_senders=("vendor.example",), trusted_authserv_id=TRUSTED)
    strict = MailInbox(inbox.intake, policy)
    vouched = invoice_mail("RE-A1", auth=[f"{TRUSTED}; dmarc=pass header.from=vendor.example"])
    forged = invoice_mail("RE-A2", auth=["evil.example; dmarc=pass header.from=vendor.example"])
    failed = invoice_mail("RE-A3", auth=[f"{TRUSTED}; spf=fail smtp.mailfrom=vendor.example; dmarc=fail"])
    states = [await strict.process(key(), raw) for raw in (vouched, forged, failed, invoice_mail("RE-A4"))]
    assert states == [MailState.INGESTED] + [MailState.REFUSED] * 3
    reasons = [m.reason for m in rows(db, ProcessedMail)][1:]
    prefix = "sender billing@vendor.example is on the allow-list but not authenticated: "
    assert reasons == [
        prefix + f"no Authentication-Results from {TRUSTED}",
        prefix + f"{TRUSTED} found neither DMARC nor aligned SPF passing for vendor.example (spf=fail, dmarc=fail)",
        prefix + f"no Authentication-Results from {TRUSTED}",
    ]
    assert [i.number for i in rows(db, Invoice)] == ["RE-A1"] and answers(db) == []


async def test_attachments_left_when_the_time_budget_is_spent_are_refused_and_the_rest_kept(
    db, inbox, monkeypatch
):
    """GIVEN a mail with four invoices, each read taking 200 s of a 300 s budget WHEN processed
    THEN the first two are read and kept, the other two refused with the reason on the mail."""
    now = [0.0]
    budgeted = MailInbox(inbox.intake, MailPolicy(mail_from=BOT, budget_seconds=300), timer=lambda: now[0])
    ingest = inbox.intake.ingest

    async def slow_ingest(*args: Any, **kwargs: Any) -> Any:
        now[0] += 200
        return await ingest(*args, **kwargs)

    monkeypatch.setattr(inbox.intake, "ingest", slow_ingest)
    state = await budgeted.process(key(), invoice_mail("RE-B1", "RE-B2", "RE-B3", "RE-B4"))
    [mail] = rows(db, ProcessedMail)
    assert state == mail.state == MailState.INGESTED
    assert mail.reason == (
        "RE-B3.pdf: not read, the mail's time budget of 300 s was spent; "
        "RE-B4.pdf: not read, the mail's time budget of 300 s was spent"
    )
    assert [i.number for i in rows(db, Invoice)] == ["RE-B1", "RE-B2"]
    assert len(mail.documents) == 2 == len(rows(db, Document))


class StallProbe:
    """The longest time the event loop was kept from waking a task that sleeps 10 ms at a time."""

    def __init__(self) -> None:
        self.longest = 0.0

    async def run(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, time.perf_counter() - asked - 0.01)


async def process_watched(inbox: MailInbox, raw: bytes) -> tuple[MailState, float]:
    probe = StallProbe()
    task = asyncio.create_task(probe.run())
    try:
        state = await inbox.process(key(), raw)
    finally:
        task.cancel()
    return state, probe.longest


async def test_a_costly_mail_is_parsed_off_the_event_loop(db, inbox):
    """GIVEN a 128 KB subject of encoded words (about 2 s of parsing) under a header cap raised
    to let it through WHEN processed THEN it is read (in a child process), and the event loop
    was never held for more than half a second."""
    lenient = MailInbox(inbox.intake, MailPolicy(mail_from=BOT, caps=MailCaps(max_header_bytes=1 << 20)))
    started = time.perf_counter()
    state, stall = await process_watched(lenient, encoded_subject_mail(128))
    assert state == MailState.NO_INVOICE and rows(db, ProcessedMail)[0].subject.startswith("äöüäöüäöü")
    assert stall < 0.5, f"the event loop stalled {stall:.2f} s of {time.perf_counter() - started:.2f} s"


async def test_mails_over_the_caps_are_refused_with_the_reason(db, inbox):
    """GIVEN a 500 KB subject of encoded words and 2,000 nested multiparts WHEN processed with
    the default caps THEN both are refused with their reason, nothing is answered, and neither
    held the event loop."""
    for raw in (encoded_subject_mail(500), nested_multipart_mail(2000)):
        state, stall = await process_watched(inbox, raw)
        assert state == MailState.REFUSED and stall < 0.5
    reasons = [(m.state, m.reason) for m in rows(db, ProcessedMail)]
    assert reasons == [
        (MailState.REFUSED, "headers larger than 65536 bytes"),
        (MailState.REFUSED, "MIME parts nested more than 20 levels deep"),
    ]
    assert answers(db) == []


async def test_parsing_that_outlasts_the_budget_is_stopped_and_the_mail_refused(db, inbox):
    """GIVEN a budget of half a second and a mail that takes seconds to parse WHEN processed
    THEN its parser is stopped and the mail recorded as refused with that reason."""
    hurried = MailInbox(
        inbox.intake,
        MailPolicy(mail_from=BOT, budget_seconds=0.5, caps=MailCaps(max_header_bytes=1 << 20)),
    )  # fmt: skip
    assert await hurried.process(key(), encoded_subject_mail(500)) == MailState.REFUSED
    [mail] = rows(db, ProcessedMail)
    assert mail.reason == "the mail could not be parsed: reading took longer than 0.5 s and was stopped"
    assert mail.sha256 is not None and answers(db) == []


async def test_a_mail_whose_parsing_exhausts_its_memory_is_refused(db, inbox):
    """GIVEN 256 MB for the parser and a 200 KB subject of encoded words (about 900 MB to parse)
    WHEN processed THEN the mail is refused with that reason, not recorded without its subject."""
    frugal = MailInbox(
        inbox.intake,
        MailPolicy(mail_from=BOT, parse_memory_bytes=256 << 20, caps=MailCaps(max_header_bytes=1 << 20)),
    )  # fmt: skip
    assert await frugal.process(key(), encoded_subject_mail(200)) == MailState.REFUSED
    [mail] = rows(db, ProcessedMail)
    assert mail.reason == "the mail could not be parsed: needed more than 256 MB of memory"
