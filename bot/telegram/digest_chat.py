"""The daily digest in chat: the `chat.digest` job handler and `/digest`, which sends it now.

The scheduler queues one job per person per business-local day (`invoicing.digest.queue_due`);
the handler reads what waits when it runs and sends nothing when nothing does, or when the day
has passed (a digest of yesterday helps nobody). It marks the effect begun just before sending,
so a worker that dies mid-send leaves the job for a person instead of sending it twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.digest_texts import NOTHING, digest_message
from bot.telegram.formats import Formats
from bot.telegram.services import registered, services_of
from invoicing import jobs
from invoicing.clock import Clock
from invoicing.config import Settings
from invoicing.db.engine import Database
from invoicing.digest import Digest, digest_for
from invoicing.digest_rules import DIGEST_KIND
from invoicing.jobs import ClaimedJob, Handler, PermanentFailure, RetryLater

log = logging.getLogger(__name__)


def local_today(clock: Clock, settings: Settings) -> dt.date:
    """Return the business-local date now (the day a digest is of)."""
    return clock.now().astimezone(settings.zone).date()


class DigestSender:
    """The job handler that sends one person's digest of one day."""

    def __init__(self, bot: Bot, db: Database, clock: Clock, settings: Settings) -> None:
        self.bot, self.db, self.clock, self.settings = bot, db, clock, settings

    def handlers(self) -> dict[str, Handler]:
        return {DIGEST_KIND: self.send}

    async def send(self, job: ClaimedJob) -> None:
        """Send the digest a `chat.digest` job names, unless nothing waits or its day is over."""
        user_id, day = int(job.payload["user_id"]), dt.date.fromisoformat(str(job.payload["day"]))
        if day != local_today(self.clock, self.settings):
            log.info("digest of %s for user %s not sent: the day is over", day, user_id, extra={"job_id": job.id})
            return
        digest = await asyncio.to_thread(self._read, user_id, day)
        if digest.empty or digest.chat_id is None:
            return
        text, buttons = digest_message(digest, Formats(self.settings.language, self.settings.zone),
                                       self.settings.reminder_hold_days)  # fmt: skip
        await asyncio.to_thread(jobs.begin_effect, self.db, self.clock, job)
        try:
            await self.bot.send_message(digest.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=buttons)
        except RetryAfter as e:
            raise RetryLater(f"Telegram asks to wait: {e}") from e
        except (Forbidden, BadRequest) as e:
            raise PermanentFailure(f"Telegram refused the digest: {e}") from e
        log.info("digest of %s sent to user %s", day, user_id, extra={"job_id": job.id})

    def _read(self, user_id: int, day: dt.date) -> Digest:
        with self.db.transaction() as session:
            return digest_for(session, self.clock, user_id, day)


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send my digest now: what waits for me today, each item with its buttons."""
    person, message = await registered(update, context), update.effective_message
    if person is None or message is None:
        return
    services = services_of(context)
    digest = await services.call(digest_for, services.clock, person.id, local_today(services.clock, services.settings))
    if digest.empty:
        await message.reply_text(NOTHING)
        return
    text, buttons = digest_message(digest, Formats(services.settings.language, services.settings.zone),
                                   services.settings.reminder_hold_days)  # fmt: skip
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=buttons)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add /digest (before the catch-all for unknown commands)."""
    application.add_handler(CommandHandler("digest", digest_command))
