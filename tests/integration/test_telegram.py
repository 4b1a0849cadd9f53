"""The Telegram bot against a fake Bot API server on loopback: intake, approvals, refusals, restarts."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from invoicing import audit, directory
from invoicing.db.models import Approval, Contact, Invoice, Job
from invoicing.domain import ApprovalState, Channel, InvoiceStatus, JobState, Role
from invoicing.receiving import IncomingFile, receive
from tests.factories import simple_invoice_pdf
from tests.integration.fake_telegram import BotHarness, Call, start_bot, stop_bot
from tests.services.test_receiving import extraction, incoming

MANAGER, OTHER, ADMIN, STRANGER = 5001, 5002, 5003, 9999


@pytest.fixture
async def bot(db, clock, store, reader, tmp_path) -> AsyncIterator[BotHarness]:  # type: ignore[no-untyped-def]
    harness = await start_bot(db, clock, store, reader, tmp_path / "var", approvals_second_approval_over=Decimal("5000"))
    yield harness
    await stop_bot(harness)


def people(db, clock) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Register a manager (of the vendor DE123456788), another manager and an admin."""
    with db.transaction() as s:
        ids = {
            "manager": directory.add_user(s, clock, name="Mia Manager", role=Role.MANAGER, telegram_user_id=MANAGER).id,
            "other": directory.add_user(s, clock, name="Otto Other", role=Role.MANAGER, telegram_user_id=OTHER).id,
            "admin": directory.add_user(s, clock, name="Ada Admin", role=Role.ADMIN, telegram_user_id=ADMIN).id,
        }
        directory.add_contact(s, clock, directory.ContactInput(name="Lieferant GmbH", vat_id="DE123456788",
                                                               manager_id=ids["manager"], is_vendor=True))  # fmt: skip
    return ids


def is_request(chat_id: int):  # type: ignore[no-untyped-def]
    """Match an approval request: one message (a photo with a caption, or a text) with three buttons."""
    return lambda c: c.method in ("sendPhoto", "sendMessage") and c.chat_id == chat_id and len(c.buttons) == 3


def text_of(call: Call) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def is_edit(c: Call) -> bool:
    return c.method in ("editMessageText", "editMessageCaption")


async def requested(bot: BotHarness, chat_id: int, count: int = 1) -> list[Call]:
    await bot.run_jobs()
    return await bot.fake.wait_for(is_request(chat_id), count=count)


def invoice_state(db, invoice_id: int) -> InvoiceStatus:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return s.get(Invoice, invoice_id).status


async def test_given_an_unknown_user_when_they_write_then_they_get_their_id_and_nothing_else(bot, db, clock):
    people(db, clock)
    await bot.fake.send_text(STRANGER, "/invoices")
    answer = await bot.fake.wait_for_text(STRANGER, str(STRANGER))
    assert "administrator" in answer.params["text"]
    await bot.fake.send_document(STRANGER, simple_invoice_pdf(), "x.pdf", "application/pdf")
    await bot.fake.wait_for(lambda c: c.chat_id == STRANGER, count=2)
    assert all(str(STRANGER) in c.params["text"] for c in bot.fake.sent(chat_id=STRANGER))
    with db.transaction() as s:
        assert s.execute(select(Invoice)).first() is None


async def test_given_a_registered_user_when_they_send_an_album_then_each_file_is_read_and_answered(bot, db, clock):
    people(db, clock)
    await bot.fake.send_document(MANAGER, simple_invoice_pdf("RE-1"), "a.pdf", "application/pdf", media_group_id="g")
    await bot.fake.send_document(MANAGER, simple_invoice_pdf("RE-2"), "b.pdf", "application/pdf", media_group_id="g")
    await bot.fake.send_document(MANAGER, b"x", "huge.pdf", "application/pdf", size=21 * 1024 * 1024)

    first = await bot.fake.wait_for_text(MANAGER, "RE-1", timeout=60)
    await bot.fake.wait_for_text(MANAGER, "RE-2", timeout=60)
    too_big = await bot.fake.wait_for_text(MANAGER, "20 MB")
    text = first.params["text"]
    assert "Muster Software GmbH" in text and "€1,190.00" in text and "1 Apr 2026" in text
    with db.transaction() as s:
        numbers = sorted(i.number for i in s.execute(select(Invoice)).scalars())
        assert numbers == ["RE-1", "RE-2"]
        assert {i.document.channel.value for i in s.execute(select(Invoice)).scalars()} == {"telegram"}
    assert "huge.pdf" in too_big.params["text"]


async def test_given_a_new_invoice_when_the_manager_approves_then_it_is_approved_and_the_message_edited(bot, db, clock, store):
    """GIVEN a PDF invoice THEN its request is ONE message: the preview with the card as caption and the
    buttons; Details sends the document; Approve edits the caption."""
    ids = people(db, clock)
    received = receive(db, clock, store, incoming(simple_invoice_pdf()), extraction())

    [request] = await requested(bot, MANAGER)
    assert request.method == "sendPhoto" and request.files["photo"].startswith(b"\x89PNG")
    assert [label for label, _ in request.buttons] == ["Approve", "Reject", "Details"]
    caption = request.params["caption"]
    assert request.params["parse_mode"] == "HTML" and caption.startswith("<b>Please approve this invoice</b>")
    assert "Lieferant GmbH" in caption and "€119.00" in caption and "27 Feb 2026" in caption
    assert not bot.fake.sent("sendDocument") and not bot.fake.sent("sendMessage", MANAGER)
    assert not bot.fake.sent(chat_id=ADMIN)

    await bot.fake.press(MANAGER, request, "Details")
    [document] = await bot.fake.wait_for(lambda c: c.method == "sendDocument" and c.chat_id == MANAGER)
    assert document.files["document"] == simple_invoice_pdf()
    await bot.fake.press(MANAGER, request, "Approve")
    edited = await bot.fake.wait_for(is_edit)
    assert edited[0].method == "editMessageCaption" and not edited[0].buttons
    assert "Approved by Mia Manager" in edited[0].params["caption"]
    assert edited[0].params["message_id"] == request.result["message_id"]
    assert invoice_state(db, received.invoice_id) is InvoiceStatus.APPROVED
    with db.transaction() as s:
        approval = s.execute(select(Approval)).scalar_one()
        assert (approval.state, approval.decided_by_id) == (ApprovalState.APPROVED, ids["manager"])
        assert approval.message_id == request.result["message_id"]


async def test_given_an_xml_invoice_without_a_preview_then_the_request_is_one_text_message(bot, db, clock, store):
    people(db, clock)
    xml = IncomingFile(b"<Invoice/>", "re-1.xml", "application/xml", Channel.FOLDER)
    receive(db, clock, store, xml, extraction())

    [request] = await requested(bot, MANAGER)
    assert request.method == "sendMessage" and request.params["parse_mode"] == "HTML"
    assert "€119.00" in request.params["text"] and len(bot.fake.sent(chat_id=MANAGER)) == 1
    await bot.fake.press(MANAGER, request, "Approve")
    [edited] = await bot.fake.wait_for(is_edit)
    assert edited.method == "editMessageText" and "Approved by Mia Manager" in edited.params["text"]


async def test_given_a_changed_iban_then_the_request_warns_first_and_an_admin_approves_second(bot, db, clock, store):
    people(db, clock)
    with db.transaction() as s:
        s.execute(update(Contact).values(iban="DE89370400440532013000"))
    received = receive(db, clock, store, incoming(simple_invoice_pdf()), extraction())

    [request] = await requested(bot, MANAGER)
    caption = request.params["caption"]
    assert caption.splitlines()[1] == ("<b>⚠ IBAN changed from DE89 3704 0044 0532 0130 00 (the vendor's record) "
                                       "to DE02 1203 0000 0000 2020 51</b>")  # fmt: skip
    assert "second approval" in caption
    await bot.fake.press(MANAGER, request, "Approve")
    [edited] = await bot.fake.wait_for(is_edit)
    assert "an admin's second approval is needed" in edited.params["caption"]
    assert invoice_state(db, received.invoice_id) is InvoiceStatus.NEEDS_REVIEW
    [second] = await requested(bot, ADMIN)
    await bot.fake.press(ADMIN, second, "Approve")
    await bot.fake.wait_for(lambda c: is_edit(c) and c.chat_id == ADMIN)
    assert invoice_state(db, received.invoice_id) is InvoiceStatus.APPROVED


async def test_given_german_as_the_language_then_amounts_and_dates_read_the_german_way(db, clock, store, reader, tmp_path):
    people(db, clock)
    bot = await start_bot(db, clock, store, reader, tmp_path / "var", language="de")
    try:
        receive(db, clock, store, incoming(simple_invoice_pdf()), extraction())
        [request] = await requested(bot, MANAGER)
        assert "119,00\xa0€" in request.params["caption"] and "27.02.2026" in request.params["caption"]
    finally:
        await stop_bot(bot)


async def test_given_a_request_when_someone_else_presses_then_refused_unchanged_and_audited(bot, db, clock, store):
    people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    [request] = await requested(bot, MANAGER)

    await bot.fake.press(OTHER, request, "Approve")
    [answer] = await bot.fake.wait_for(lambda c: c.method == "answerCallbackQuery")
    assert answer.params["text"] == "Not yours to approve."
    assert invoice_state(db, received.invoice_id) is InvoiceStatus.PENDING_APPROVAL
    assert not [c for c in bot.fake.calls if is_edit(c)]
    with db.transaction() as s:
        refused = [e for e in audit.trail(s, "invoice", received.invoice_id) if e.action == "approval.refused"]
        assert refused and refused[0].after["telegram_user_id"] == OTHER


async def test_given_a_double_press_and_a_reused_or_forged_token_then_one_decision_only(bot, db, clock, store):
    people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    [request] = await requested(bot, MANAGER)

    await bot.fake.press(MANAGER, request, "Approve")
    await bot.fake.press(MANAGER, request, "Reject")
    await bot.fake.press_data(MANAGER, "a:forged-token-0123456789", MANAGER)
    answers = await bot.fake.wait_for(lambda c: c.method == "answerCallbackQuery", count=3)
    texts = [a.params.get("text", "") for a in answers]
    assert texts[0] == "Done" and texts[1].startswith("Already decided") and "no longer valid" in texts[2]
    assert len([c for c in bot.fake.calls if is_edit(c)]) == 1
    with db.transaction() as s:
        assert [e.action for e in audit.trail(s, "invoice", received.invoice_id)].count("invoice.approved") == 1


async def test_given_reject_pressed_then_the_next_message_is_the_reason(bot, db, clock, store):
    people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    [request] = await requested(bot, MANAGER)

    await bot.fake.press(MANAGER, request, "Reject")
    await bot.fake.wait_for_text(MANAGER, "Why do you reject")
    assert invoice_state(db, received.invoice_id) is InvoiceStatus.PENDING_APPROVAL
    await bot.fake.send_text(MANAGER, "We never ordered this")
    edited = await bot.fake.wait_for(is_edit)
    assert "Rejected by Mia Manager" in text_of(edited[0]) and "never ordered" in text_of(edited[0])
    assert invoice_state(db, received.invoice_id) is InvoiceStatus.REJECTED


async def test_given_a_restart_after_sending_then_the_request_is_not_sent_again(db, clock, store, reader, tmp_path):
    people(db, clock)
    receive(db, clock, store, incoming(), extraction())
    first = await start_bot(db, clock, store, reader, tmp_path / "var")
    await requested(first, MANAGER)
    with db.transaction() as s:  # the process died before it could mark the job done
        job = s.execute(select(Job)).scalar_one()
        job.state, job.run_after = JobState.PENDING, clock.now()
    await stop_bot(first, keep_server=True)

    restarted = await start_bot(db, clock, store, reader, tmp_path / "var", fake=first.fake)
    try:
        assert await restarted.run_jobs() == 1
    finally:
        await stop_bot(restarted)
    assert len([c for c in first.fake.calls if is_request(MANAGER)(c)]) == 1
    with db.transaction() as s:
        assert s.execute(select(Job)).scalar_one().state is JobState.DONE
        assert len(s.execute(select(Approval)).all()) == 1


async def test_given_an_amount_over_the_threshold_then_an_admin_approves_second(db, clock, store, reader, tmp_path):
    people(db, clock)
    bot = await start_bot(db, clock, store, reader, tmp_path / "var", approvals_second_approval_over=Decimal("100"))
    try:
        received = receive(db, clock, store, incoming(), extraction())
        [request] = await requested(bot, MANAGER)
        await bot.fake.press(MANAGER, request, "Approve")
        edited = await bot.fake.wait_for(is_edit)
        assert "second approval" in text_of(edited[0])
        assert invoice_state(db, received.invoice_id) is InvoiceStatus.PENDING_APPROVAL

        [second] = await requested(bot, ADMIN)
        assert "Second approval" in text_of(second)
        await bot.fake.press(ADMIN, second, "Approve")
        await bot.fake.wait_for(lambda c: is_edit(c) and c.chat_id == ADMIN)
        assert invoice_state(db, received.invoice_id) is InvoiceStatus.APPROVED
    finally:
        await stop_bot(bot)


async def test_given_a_pending_request_then_reminded_after_a_day_and_escalated_after_two(bot, db, clock, store):
    from invoicing import approvals

    people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    await requested(bot, MANAGER)
    wait = dt.timedelta(hours=24)

    clock.advance(dt.timedelta(hours=23))
    with db.transaction() as s:
        assert approvals.plan_follow_ups(s, clock, wait) == []
    clock.advance(dt.timedelta(hours=1))
    with db.transaction() as s:
        assert [f.value for _, f in approvals.plan_follow_ups(s, clock, wait)] == ["remind"]
    await bot.run_jobs()
    await bot.fake.wait_for_text(MANAGER, "Reminder")
    assert not bot.fake.sent(chat_id=ADMIN)

    clock.advance(wait)
    with db.transaction() as s:
        assert [f.value for _, f in approvals.plan_follow_ups(s, clock, wait)] == ["escalate"]
        assert approvals.plan_follow_ups(s, clock, wait) == []
    [escalated] = await requested(bot, ADMIN)
    assert "Escalated" in text_of(escalated)

    await bot.fake.press(ADMIN, escalated, "Approve")
    await bot.fake.wait_for(is_edit, count=2)
    assert {c.chat_id for c in bot.fake.calls if is_edit(c)} == {MANAGER, ADMIN}
    assert invoice_state(db, received.invoice_id) is InvoiceStatus.APPROVED


async def test_given_the_service_runs_with_a_token_then_a_new_invoice_is_asked_about_within_a_second(db, clock, tmp_path):
    """`serve` starts the bot beside the job worker, which wakes on the new job rather than its poll."""
    import asyncio
    import time

    from bot.service import serve
    from bot.wiring import App
    from invoicing.config import Settings
    from tests.integration.fake_telegram import FakeTelegram

    people(db, clock)
    fake = FakeTelegram()
    await fake.start()
    url = db.engine.url.render_as_string(hide_password=False)
    settings = Settings(data_dir=tmp_path / "var", database_url=url, workers=1, telegram_token=fake.token,
                        telegram_api_url=fake.base_url, telegram_file_url=fake.base_file_url)  # fmt: skip
    app = App(settings, clock)
    stop = asyncio.Event()
    service = asyncio.create_task(serve(app, stop))
    try:
        await fake.wait_for(lambda c: c.method == "setMyCommands")
        await asyncio.sleep(1.2)  # past the worker's first idle poll
        delays = []
        for n in range(3):  # the 1 s poll alone would make all three this quick only one time in eight
            await asyncio.to_thread(receive, app.db, clock, app.store, incoming(b"%d" % n), extraction(invoice_number=f"N{n}"))
            committed = time.monotonic()
            requests = await fake.wait_for(is_request(MANAGER), count=n + 1, timeout=5)
            delays.append(requests[-1].at - committed)
        assert max(delays) < 0.6, delays
    finally:
        stop.set()
        await service
        await fake.stop()
