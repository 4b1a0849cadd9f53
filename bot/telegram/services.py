"""What the chat handlers work with: the database, the clock, the intake and the settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram import render
from intake.pipeline import Intake
from invoicing import approvals
from invoicing.approvals import Person
from invoicing.clock import Clock
from invoicing.config import Settings
from invoicing.db.engine import Database
from invoicing.files import FileStore
from invoicing.issuing import IssuingPolicy
from invoicing.reminders import DunningPolicy

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
SERVICES = "services"


@dataclass(frozen=True, slots=True)
class ChatServices:
    db: Database
    clock: Clock
    store: FileStore
    intake: Intake
    settings: Settings
    #: Prints invoices (`invoicing.render.InvoiceRenderer`), for previews in chat.
    renderer: Any = None
    #: Returns what issuing needs (raises while the business's details are incomplete).
    issuing_policy: Callable[[], IssuingPolicy] | None = None
    #: Returns the reminder schedule and fee settings.
    dunning_policy: Callable[[], DunningPolicy] | None = None

    async def call(self, use_case: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Return what `use_case(session, ...)` gives, run in its own transaction on a worker thread."""
        return await asyncio.to_thread(self._in_transaction, use_case, args, kwargs)

    def _in_transaction(self, use_case: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        with self.db.transaction() as session:
            return use_case(session, *args, **kwargs)


def services_of(context: ContextTypes.DEFAULT_TYPE) -> ChatServices:
    """Return the services the application was built with."""
    services = context.bot_data[SERVICES]
    assert isinstance(services, ChatServices)
    return services


async def registered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person | None:
    """Return the registered person behind an update; answer strangers with their user id."""
    user = update.effective_user
    if user is None:
        return None
    person = await services_of(context).call(approvals.find_user, user.id)
    if person is None:
        log.info("unknown Telegram user %s", user.id, extra={"update_id": update.update_id})
        if update.callback_query:
            await update.callback_query.answer(render.unknown_user(user.id), show_alert=True)
        elif update.effective_message:
            await update.effective_message.reply_text(render.unknown_user(user.id))
    return person
