"""Builds the python-telegram-bot Application and runs it inside `invoicebot run`.

Sending (approval requests) works in every process; receiving updates is single-owner: with
PostgreSQL the process that holds a session-level advisory lock polls (or serves the webhook),
the others keep trying to take it over. On SQLite there is one process, which just runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import urllib.parse

from telegram import Update
from telegram.ext import AIORateLimiter, Application

from bot.telegram import handlers, render
from bot.telegram.approvals import ApprovalMessenger
from bot.telegram.digest_chat import DigestSender
from bot.telegram.money_in import FinalNoticeQuestion
from bot.telegram.notices import NoticeSender
from bot.telegram.polling import ConfirmingApplication, poll
from bot.telegram.services import SERVICES, ChatServices
from invoicing import approvals
from invoicing.db.owner import OwnerLock
from invoicing.jobs import Handler

log = logging.getLogger(__name__)

#: The single-owner lock of receiving updates (one bot token, one receiver).
UPDATES_LOCK = "invoicebot telegram updates"
FOLLOW_UP_SECONDS = 60.0


def build_application(services: ChatServices) -> Application:  # type: ignore[type-arg]
    """Return the Application: Bot API URLs from the settings, retries on 429, every handler."""
    settings = services.settings
    assert settings.telegram_token is not None
    application = (
        Application.builder()
        .application_class(ConfirmingApplication)
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    application.bot_data[SERVICES] = services
    handlers.register(application)
    return application


class TelegramChannel:
    """The bot in the service: job handlers for approvals, updates under the owner lock, follow-ups."""

    def __init__(self, services: ChatServices, application: Application | None = None) -> None:  # type: ignore[type-arg]
        self.services = services
        self.application = application or build_application(services)
        takeover = services.settings.takeover_seconds
        self.owner = OwnerLock(services.db, UPDATES_LOCK, retry=takeover, check=takeover)
        self.messenger = ApprovalMessenger(self.application.bot, services)
        self.notices = NoticeSender(self.application.bot, services)
        self.final_question = FinalNoticeQuestion(self.application.bot, services)
        self.digests = DigestSender(self.application.bot, services.db, services.clock, services.settings)

    def job_handlers(self) -> dict[str, Handler]:
        return {**self.messenger.handlers(), **self.notices.handlers(), **self.final_question.handlers(),
                **self.digests.handlers()}  # fmt: skip

    async def start(self) -> None:
        """Connect to the Bot API (getMe, command menu) and start processing updates."""
        await self.application.initialize()
        await self.application.bot.set_my_commands(render.bot_commands())
        await self.application.start()

    async def close(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def receive_updates(self, stop: asyncio.Event) -> None:
        """Poll (or serve the webhook) whenever this process owns the updates, until `stop` is set."""
        await self.owner.run(stop, self._receive)

    async def _receive(self, stop: asyncio.Event) -> None:
        log.info("receiving Telegram updates (%s)", "webhook" if self.services.settings.telegram_webhook_url else "long polling")
        webhook = self.services.settings.telegram_webhook_url
        if not webhook:
            await poll(self.application, stop)
            return
        try:
            await self._start_webhook(webhook)
            await stop.wait()
        finally:
            updater = self.application.updater
            if updater is not None and updater.running:
                await updater.stop()

    async def _start_webhook(self, url: str) -> None:
        settings = self.services.settings
        updater = self.application.updater
        assert updater is not None
        secret = settings.telegram_webhook_secret
        await updater.start_webhook(
            listen=settings.telegram_webhook_listen, port=settings.telegram_webhook_port,
            url_path=urllib.parse.urlsplit(url).path.lstrip("/"), webhook_url=url, allowed_updates=Update.ALL_TYPES,
            secret_token=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        )  # fmt: skip

    async def follow_ups(self, stop: asyncio.Event, every: float = FOLLOW_UP_SECONDS) -> None:
        """Enqueue due reminders and escalations of pending approvals, every `every` seconds."""
        wait = dt.timedelta(hours=self.services.settings.approvals_remind_after_hours)
        while not stop.is_set():
            try:
                due = await self.services.call(approvals.plan_follow_ups, self.services.clock, wait)
                if due:
                    log.info("approval follow-ups due: %s", due)
            except Exception:  # noqa: BLE001 - the database may be briefly away; try again later
                log.exception("checking approval follow-ups failed")
            await _sleep(stop, every)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
