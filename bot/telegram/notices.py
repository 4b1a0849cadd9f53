"""The job handler that tells a person in chat what happened to an invoice (`chat.notify`).

The core leaves the fact (event, invoice, chat) as an outbox job; the words are chosen here,
with amounts and dates formatted for the business's language. Telegram may refuse a chat for
good (the user blocked the bot): that fails the job instead of retrying it for ever.
"""

from __future__ import annotations

import html
import logging
from decimal import Decimal
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.telegram.services import ChatServices
from invoicing import views
from invoicing.jobs import ClaimedJob, Handler, PermanentFailure
from invoicing.outgoing import CHAT_NOTIFY
from invoicing.templating import format_day, format_money
from invoicing.views import InvoiceSummary

log = logging.getLogger(__name__)


def notice_text(event: str, invoice: InvoiceSummary, details: dict[str, Any], language: str) -> str:
    """Return the chat message (Telegram HTML) for an event of an invoice."""
    number = html.escape(invoice.number or f"#{invoice.id}")
    party = html.escape(invoice.contact or invoice.buyer or "the customer")
    total = format_money(invoice.total, invoice.currency, language) if invoice.total is not None else "-"
    due = f", due {format_day(invoice.due_date, language)}" if invoice.due_date else ""
    if event == "invoice.sent":
        return f"📤 <b>{number}</b> sent to {party}, {total}{due}"
    if event == "invoice.paid":
        late = int(details.get("days_late") or 0)
        discount = Decimal(str(details.get("discount") or 0))
        extra = (f", {format_money(discount, invoice.currency, language)} discount taken" if discount else "") + (
            f", {late} days late" if late else "")
        return f"✅ <b>{number}</b> from {party} is paid ({total}{extra})."
    if event == "payment.flagged":
        flags = "; ".join(html.escape(str(f)) for f in details.get("flags") or [])
        return f"⚠️ Payment of <b>{number}</b> ({party}): {flags}"
    if event == "reminder.sent":
        template = html.escape(str(details.get("template") or "reminder")).replace("_", " ")
        fee = Decimal(str(details.get("fee") or 0))
        charged = f", with a late fee of {format_money(fee, invoice.currency, language)}" if fee else ""
        return f"📨 {template.capitalize()} for <b>{number}</b> sent to {party}{charged}."
    if event == "invoice.send_failed":
        reason = html.escape(str(details.get("reason") or "unknown reason"))
        return f"⚠️ <b>{number}</b> to {party} could not be sent: {reason}"
    return f"{html.escape(event)}: <b>{number}</b> ({party}, {total})"


class NoticeSender:
    def __init__(self, bot: Bot, services: ChatServices) -> None:
        self.bot, self.services = bot, services

    def handlers(self) -> dict[str, Handler]:
        return {CHAT_NOTIFY: self.notify}

    async def notify(self, job: ClaimedJob) -> None:
        """Send the notice a `chat.notify` job describes."""
        payload = job.payload
        invoice = await self.services.call(lambda s: views.summarise(views.invoice_row(s, int(payload["invoice_id"]))))
        text = notice_text(str(payload["event"]), invoice, dict(payload.get("details") or {}), self.services.settings.language)
        try:
            await self.bot.send_message(int(payload["chat_id"]), text, parse_mode=ParseMode.HTML)
        except (Forbidden, BadRequest) as e:
            raise PermanentFailure(f"Telegram refused the notice: {e}") from e
