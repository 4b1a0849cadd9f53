"""Long polling that confirms an update only once it is handled.

Telegram takes an update as delivered when the next `getUpdates` asks for a later offset. The
library's poller asks for the next batch while the last one is still being handled, so a
process killed in between loses what it was handling. Here each update is handled before the
offset moves past it: a process killed mid-update leaves that update to whichever process owns
the updates next (at least once; a document sent twice is recorded once, by its hash).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

T = TypeVar("T")

log = logging.getLogger(__name__)

#: bot_data key of {update id: the task still handling it}.
IN_FLIGHT = "polling.in_flight"


async def poll(application: Application, stop: asyncio.Event, timeout: int = 10, backoff_max: float = 30.0) -> None:  # type: ignore[type-arg]
    """Handle updates one at a time, in order, until `stop` is set."""
    bot = application.bot
    await bot.delete_webhook()
    offset: int | None = None
    next_id: int | None = None
    handled: set[int] = set()  # handled here but not yet confirmed (a handler still runs before them)
    in_flight: dict[int, asyncio.Task[object]] = application.bot_data.setdefault(IN_FLIGHT, {})
    delay = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(bot.get_updates(offset=offset, timeout=timeout, allowed_updates=Update.ALL_TYPES))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not fetch.done():  # stopped (or cancelled) while waiting: nothing was taken
                fetch.cancel()
            await asyncio.gather(fetch, stopping, return_exceptions=True)
        if fetch.cancelled():
            return
        try:
            updates = fetch.result()
        except TelegramError as e:
            log.warning("getting Telegram updates failed: %s; again in %.0f s", e, delay)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
            delay = min(delay * 2, backoff_max)
            continue
        delay = 1.0
        fresh = [update for update in updates if update.update_id not in handled]
        for update in fresh:
            if stop.is_set():
                return  # the rest stays unconfirmed, for the next owner
            try:
                await application.process_update(update)
            except Exception:  # noqa: BLE001 - one bad update must not stop the others (nor come back forever)
                log.exception("handling Telegram update %s failed", update.update_id, extra={"update_id": update.update_id})
            handled.add(update.update_id)
            next_id = update.update_id + 1
        offset = _first_unfinished(in_flight, next_id)
        handled = {i for i in handled if offset is None or i >= offset}
        if updates and not fresh and in_flight:  # only updates still being handled came back: wait a little
            await asyncio.wait(set(in_flight.values()), timeout=0.5, return_when=asyncio.FIRST_COMPLETED)


class ConfirmingApplication(Application):  # type: ignore[type-arg]
    """The Application whose handlers that run on their own (block=False) keep their update
    unconfirmed until they finish: a process killed meanwhile leaves it to the next owner."""

    def create_task(self, coroutine: Awaitable[T], update: object | None = None, *, name: str | None = None) -> asyncio.Task[T]:  # type: ignore[override]
        task: asyncio.Task[T] = super().create_task(coroutine, update, name=name)  # type: ignore[arg-type]
        if isinstance(update, Update):
            in_flight: dict[int, asyncio.Task[Any]] = self.bot_data.setdefault(IN_FLIGHT, {})
            in_flight[update.update_id] = task
        return task


def _first_unfinished(in_flight: dict[int, asyncio.Task[object]], next_id: int | None) -> int | None:
    """Return the offset to ask for: the first update still being handled, else `next_id`."""
    for update_id in [i for i, task in in_flight.items() if task.done()]:
        del in_flight[update_id]
    return min(in_flight, default=next_id)
