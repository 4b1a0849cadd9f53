"""/recurring in chat: the plans with their next dates; pausing and resuming for those who may."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from invoicing import recurring
from invoicing.billing import parse_line
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import Role
from invoicing.recurrence import Every
from invoicing.recurring import PlanInput
from tests.integration.fake_telegram import BotHarness, start_bot, stop_bot

MIA, OTTO = 7101, 7102


@pytest.fixture
async def bot(db, clock, store, reader, tmp_path) -> AsyncIterator[BotHarness]:  # type: ignore[no-untyped-def]
    """The bot as the service wires it, and a monthly plan for a customer Mia manages (Otto manages none)."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTTO)
        customer = add_contact(s, clock, ContactInput(name="ACME SARL", is_customer=True, country="FR", city="Paris",
                                                      manager_id=mia.id))  # fmt: skip
        recurring.add_plan(s, clock, PlanInput(customer.id, Every.MONTH, (parse_line("Hosting;1;100;20"),)), "cli")
    harness = await start_bot(db, clock, store, reader, tmp_path / "var")
    yield harness
    await stop_bot(harness)


async def ask(bot: BotHarness, user: int, text: str, expect: str) -> str:
    """Send `text` as `user` and return the bot's answer to them containing `expect`."""
    before = len(bot.fake.calls)
    await bot.fake.send_text(user, text)
    calls = await bot.fake.wait_for(
        lambda c: c in bot.fake.calls[before:] and c.chat_id == user and expect in (c.params.get("text") or "")
    )
    return str(calls[0].params["text"])


async def test_the_manager_lists_pauses_and_resumes_a_plan_and_others_may_not(bot, clock):
    """GIVEN a monthly plan from 2 March for Mia's customer WHEN Otto tries to pause it THEN he is
    refused; Mia pauses it, and resuming it on 6 April says March and April were skipped and that
    the next invoice is on 2 May."""
    listed = await ask(bot, MIA, "/recurring", "Recurring plans")
    assert "#1 ACME SARL: 120.00 EUR every month on day 2; next 2026-03-02; 0 issued (active)" in listed
    refused = await ask(bot, OTTO, "/recurring pause 1", "Sorry")
    assert "Otto may not pause recurring plan 1" in refused
    assert "paused: no invoices until it is resumed" in await ask(bot, MIA, "/recurring pause #1", "Plan #1")
    assert "(paused)" in await ask(bot, OTTO, "/recurring", "Recurring plans")
    clock.advance(dt.timedelta(days=35))
    resumed = await ask(bot, MIA, "/recurring resume 1", "resumed")
    assert "next invoice on 2026-05-02" in resumed and "skipped while paused: 2026-03-02, 2026-04-02" in resumed
    assert "is active; only a paused plan" in await ask(bot, MIA, "/recurring resume 1", "Sorry")
    assert "recurring plan 9 not found" in await ask(bot, MIA, "/recurring pause 9", "Sorry")
    assert await ask(bot, MIA, "/recurring stop 1", "Usage") == "Usage: /recurring [pause|resume <plan id>]"
    assert not [c for c in bot.fake.sent("sendMessage") if "I do not know" in (c.params.get("text") or "")]
