"""Long polling confirms an update only once it is handled, handlers that run on their own included.

A real Application polls the fake Bot API; the offsets it asks `getUpdates` for show what it took
as delivered.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.telegram.polling import ConfirmingApplication, poll
from tests.integration.fake_telegram import TOKEN, FakeTelegram


async def test_an_update_handled_on_its_own_stays_unconfirmed_until_done_while_later_ones_are_handled_once():
    fake = FakeTelegram()
    await fake.start()
    offsets: list[int] = []
    moved = asyncio.Event()
    real_get_updates = fake._get_updates

    async def recording(params: dict[str, Any]) -> list[dict[str, Any]]:
        offsets.append(int(params.get("offset") or 0))
        if offsets[-1] > slow_id > 0:
            moved.set()
        return await real_get_updates(params)

    fake._get_updates = recording  # type: ignore[method-assign]
    release, slow_started, fast_seen = asyncio.Event(), asyncio.Event(), asyncio.Event()
    handled: list[str] = []

    async def slow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        slow_started.set()
        await release.wait()
        handled.append("slow")

    async def fast(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.append("fast")
        fast_seen.set()

    application: Application = (  # type: ignore[type-arg]
        Application.builder().application_class(ConfirmingApplication).token(TOKEN).base_url(fake.base_url).build()
    )
    application.add_handler(MessageHandler(filters.Regex("^slow$"), slow, block=False))
    application.add_handler(MessageHandler(filters.Regex("^fast$"), fast))
    await application.initialize()
    await application.start()
    stop = asyncio.Event()
    slow_id = 0
    polling = asyncio.create_task(poll(application, stop, timeout=1))
    try:
        slow_id = await fake.send_text(7, "slow")
        await asyncio.wait_for(slow_started.wait(), 10)
        fast_id = await fake.send_text(7, "fast")
        await asyncio.wait_for(fast_seen.wait(), 10)
        # The later update was handled; the slow one is still being handled, so it is not confirmed.
        assert not moved.is_set()
        assert all(o <= slow_id for o in offsets)
        release.set()
        await asyncio.wait_for(moved.wait(), 10)
        assert max(offsets) == fast_id + 1
        assert handled == ["fast", "slow"]  # each once, though the server sent the fast one again
    finally:
        release.set()
        stop.set()
        await polling
        await application.stop()
        await application.shutdown()
        await fake.stop()
