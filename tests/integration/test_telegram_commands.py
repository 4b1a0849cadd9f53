"""The bot's commands, its command menu, 429 retries, single-owner polling and a token kept out of logs."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.telegram.app import UPDATES_LOCK
from bot.wiring import configure_logging
from invoicing import audit, directory
from invoicing.db.models import Invoice, Payment
from invoicing.db.owner import OwnerLock
from invoicing.domain import InvoiceStatus, Role
from invoicing.receiving import receive
from tests.integration.fake_telegram import BotHarness, start_bot, stop_bot
from tests.services.test_receiving import extraction, incoming

USER, OTHER = 7001, 7002
NEW_IBAN = "GB33BUKB20201555555555"


@pytest.fixture
async def bot(db, clock, store, reader, tmp_path) -> AsyncIterator[BotHarness]:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        manager = directory.add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=USER)
        directory.add_contact(s, clock, directory.ContactInput(name="Lieferant GmbH", vat_id="DE123456788",
                                                               manager_id=manager.id))  # fmt: skip
    harness = await start_bot(db, clock, store, reader, tmp_path / "var")
    yield harness
    await stop_bot(harness)


async def ask(bot: BotHarness, text: str, expect: str) -> str:
    """Send `text` and return the bot's answer containing `expect`."""
    before = len(bot.fake.calls)
    await bot.fake.send_text(USER, text)
    calls = await bot.fake.wait_for(
        lambda c: c in bot.fake.calls[before:] and c.chat_id == USER and expect in (c.params.get("text") or "")
    )
    return str(calls[0].params["text"])


async def test_the_menu_lists_every_command_and_help_answers(bot):
    [menu] = bot.fake.sent("setMyCommands")
    names = [c["command"] for c in menu.params["commands"]]
    assert {"start", "help", "inbox", "invoices", "show", "edit", "overdue", "paid"} <= set(names)
    assert "/paid <number> [amount] [date]" in await ask(bot, "/help", "/paid")


async def test_list_show_edit_overdue_and_pay_an_invoice_by_chat(bot, db, clock, store):
    received = receive(db, clock, store, incoming(), extraction(due_date=clock.today().replace(day=1)))
    number = "RE-2026-001"
    assert number in await ask(bot, "/invoices pending_approval", number)
    assert "Usage: /invoices [status]" in await ask(bot, "/invoices nonsense", "Usage")
    assert "DE123456788" in await ask(bot, f"/show {number}", "VAT")
    assert f"Invoice #{received.invoice_id}" in await ask(bot, f"/show {received.invoice_id}", "Status")
    assert "total changed from €119.00 to €118.00" in await ask(bot, f"/edit {received.invoice_id} total 118,00", "changed")
    assert "Usage: /edit" in await ask(bot, "/edit x", "Usage")
    assert "days late" in await ask(bot, "/overdue", "We owe")
    assert "pending_approval" in await ask(bot, f"/paid {number}", "Sorry")

    with db.transaction() as s:
        s.get(Invoice, received.invoice_id).status = InvoiceStatus.APPROVED
    assert "partly paid" in await ask(bot, f"/paid {number} 18.00 2026-03-01", "Recorded")
    assert "Usage: /paid" in await ask(bot, f"/paid {number} lots", "Usage")
    assert ": paid" in await ask(bot, f"/paid {number}", "Recorded")
    assert "Nothing is overdue" in await ask(bot, "/overdue", "overdue")
    assert "I do not know /frobnicate" in await ask(bot, "/frobnicate now", "/help")
    with db.transaction() as s:
        assert len(s.execute(select(Payment)).all()) == 2
        assert s.get(Invoice, received.invoice_id).status is InvoiceStatus.PAID


async def test_inbox_shows_my_pending_approvals_with_buttons(bot, db, clock, store):
    assert "Nothing waits" in await ask(bot, "/inbox", "Nothing")
    receive(db, clock, store, incoming(), extraction())
    await bot.run_jobs()
    await bot.fake.send_text(USER, "/inbox")
    calls = await bot.fake.wait_for(lambda c: c.chat_id == USER and len(c.buttons) == 3, count=2)
    assert calls[0].buttons == calls[1].buttons


async def test_an_edit_by_someone_not_asked_to_approve_is_refused_and_audited(bot, db, clock, store):
    with db.transaction() as s:
        directory.add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTHER)
    received = receive(db, clock, store, incoming(), extraction())
    await bot.run_jobs()

    await bot.fake.send_text(OTHER, f"/edit {received.invoice_id} seller_iban {NEW_IBAN}")
    answer = await bot.fake.wait_for_text(OTHER, "Sorry")
    assert answer.params["text"] == (f"Sorry: only an admin or the invoice's approver may change invoice "
                                     f"#{received.invoice_id}; this attempt has been recorded.")  # fmt: skip
    with db.transaction() as s:
        assert s.get(Invoice, received.invoice_id).seller_iban == "DE02120300000000202051"
        refused = [e for e in audit.trail(s, "invoice", received.invoice_id) if e.action == "invoice.edit_refused"]
    assert refused[0].actor.startswith(f"telegram:{OTHER}") and refused[0].after["value"] == NEW_IBAN


async def test_an_iban_edit_after_approval_sends_the_invoice_back_for_approval_showing_the_change(bot, db, clock, store):
    received = receive(db, clock, store, incoming(), extraction())
    await bot.run_jobs()
    [old] = await bot.fake.wait_for(lambda c: c.chat_id == USER and len(c.buttons) == 3)
    await bot.fake.press(USER, old, "Approve")
    await bot.fake.wait_for(lambda c: c.method == "editMessageText")

    answer = await ask(bot, f"/edit {received.invoice_id} seller_iban {NEW_IBAN}", "changed")
    assert "sent back for approval" in answer
    with db.transaction() as s:
        assert s.get(Invoice, received.invoice_id).status is InvoiceStatus.PENDING_APPROVAL
    await bot.run_jobs()
    [_, new] = await bot.fake.wait_for(lambda c: c.chat_id == USER and len(c.buttons) == 3, count=2)
    assert "IBAN: DE02 1203 0000 0000 2020 51 → GB33 BUKB 2020 1555 5555 55" in new.params["text"]
    assert new.buttons != old.buttons
    await bot.fake.press(USER, old, "Approve")
    [dead] = await bot.fake.wait_for(lambda c: c.method == "answerCallbackQuery" and "replaced" in c.params.get("text", ""))
    assert dead.params["show_alert"] is True
    with db.transaction() as s:
        assert s.get(Invoice, received.invoice_id).status is InvoiceStatus.PENDING_APPROVAL


async def test_a_429_answer_is_retried_after_the_wait_telegram_asks_for(bot):
    bot.fake.throttle["sendMessage"] = 1
    assert "/inbox" in await ask(bot, "/help", "/inbox")
    assert bot.fake.throttle["sendMessage"] == 0


async def test_the_token_never_appears_in_the_log(bot, db, clock, store):
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging(bot.channel.services.settings, bot.channel.services.settings.secrets())
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    root.setLevel(logging.DEBUG)
    try:
        logging.getLogger("telegram.ext").debug("Bot API URL: %s", bot.fake.base_url + bot.fake.token)
        receive(db, clock, store, incoming(), extraction())
        await bot.run_jobs()
        await ask(bot, "/help", "/inbox")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    assert "Bot API URL" in stream.getvalue() and bot.fake.token not in stream.getvalue()
    assert bot.fake.token in bot.channel.services.settings.secrets()


async def test_updates_are_received_by_one_process_only(db):
    """GIVEN two processes' locks on the updates WHEN both try THEN on PostgreSQL one receives;
    on SQLite (one process by design) the work just runs."""
    first, second = OwnerLock(db, UPDATES_LOCK, retry=0.1), OwnerLock(db, UPDATES_LOCK, retry=0.1)
    stop, running = asyncio.Event(), []

    async def work(inner: asyncio.Event, name: str) -> None:
        running.append(name)
        await inner.wait()

    tasks = [asyncio.create_task(lock.run(stop, lambda inner, n=n: work(inner, n))) for n, lock in
             (("first", first), ("second", second))]  # fmt: skip
    await asyncio.sleep(0.5)
    try:
        assert len(running) == (1 if db.dialect == "postgresql" else 2)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_with_a_webhook_url_updates_come_by_webhook_and_need_the_secret(db, clock, store, reader, tmp_path):
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = await start_bot(
        db, clock, store, reader, tmp_path / "var", telegram_webhook_url="https://bot.example.com/tg/hook",
        telegram_webhook_port=port, telegram_webhook_secret="s3cret-webhook",
    )  # fmt: skip
    try:
        [hook] = await bot.fake.wait_for(lambda c: c.method == "setWebhook")
        assert hook.params["url"] == "https://bot.example.com/tg/hook" and hook.params["secret_token"] == "s3cret-webhook"
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"},
                                              "from": {"id": 42, "is_bot": False, "first_name": "X"}, "text": "hi"}}  # fmt: skip
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{port}/tg/hook"
            forged = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            genuine = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook"})
        assert (forged.status_code, genuine.status_code) == (403, 200)
        await bot.fake.wait_for_text(42, "42")  # an unknown user, answered with their id
        assert len(bot.fake.sent("sendMessage", 42)) == 1
    finally:
        await stop_bot(bot)


def test_previews_are_small_pngs_of_the_first_page_or_the_image():
    import io

    from PIL import Image

    from bot.telegram.preview import MAX_SIDE, render_preview
    from tests.factories import simple_invoice_pdf

    page = Image.open(io.BytesIO(render_preview(simple_invoice_pdf(), "application/pdf") or b""))
    assert page.format == "PNG" and max(page.size) <= MAX_SIDE
    big = io.BytesIO()
    Image.new("RGB", (3000, 4000), "white").save(big, "JPEG")
    photo = Image.open(io.BytesIO(render_preview(big.getvalue(), "image/jpeg") or b""))
    assert photo.format == "PNG" and max(photo.size) == MAX_SIDE
    assert render_preview(b"<Invoice/>", "application/xml") is None
    assert render_preview(b"%PDF-1.4 broken", "application/pdf") is None
