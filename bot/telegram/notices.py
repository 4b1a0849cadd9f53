"""The job handler that tells a person in chat what happened to an invoice (`chat.notify`).

The core leaves the fact (event, invoice, chat) as an outbox job; the words are chosen here,
with amounts and dates formatted for the business's language. Telegram may refuse a chat for
good (the user blocked the bot): that fails the job instead of retrying it for ever.
"""

from __future__ import annotations

import datetime as dt
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
from invoicing.payable_rules import ReminderEvent
from invoicing.payee_rules import show_iban
from invoicing.templating import format_day, format_money, format_percent
from invoicing.views import InvoiceSummary

log = logging.getLogger(__name__)

PAYABLE_DUE, PAYABLE_DISCOUNT = ReminderEvent.DUE.value, ReminderEvent.DISCOUNT.value


def notice_text(event: str, invoice: InvoiceSummary, details: dict[str, Any], language: str) -> str:
    """Return the chat message (Telegram HTML) for an event of an invoice."""
    if event in (PAYABLE_DUE, PAYABLE_DISCOUNT):
        return payable_text(event, invoice, details, language)
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


def payable_text(event: str, invoice: InvoiceSummary, details: dict[str, Any], language: str) -> str:
    """Return the reminder (Telegram HTML) of a supplier invoice soon due or whose discount soon ends."""
    number = html.escape(invoice.number or f"#{invoice.id}")
    supplier = html.escape(invoice.contact or invoice.seller.name or "the supplier")
    owed = Decimal(str(details.get("open") or invoice.total or 0))
    money = format_money(owed, invoice.currency, language)
    day = format_day(dt.date.fromisoformat(str(details["day"])), language)
    discount = details.get("discount")
    if event == PAYABLE_DISCOUNT and discount:
        lines = [f"💰 Pay <b>{number}</b> from {supplier} by {day} to save "
                 f"{format_money(Decimal(discount['amount']), invoice.currency, language)}: "
                 f"{format_money(Decimal(discount['pay']), invoice.currency, language)} instead of {money}"]  # fmt: skip
    else:
        lines = [f"💶 <b>{number}</b> from {supplier}: {money} to pay by {day}"]
        if discount:
            until = format_day(dt.date.fromisoformat(discount["until"]), language)
            lines.append(f"💰 {format_percent(Decimal(discount['percent']), language)} off if paid by {until}: "
                         f"{format_money(Decimal(discount['pay']), invoice.currency, language)}")  # fmt: skip
    if invoice.seller.iban:
        lines.append(f"IBAN {html.escape(show_iban(invoice.seller.iban))}")
    lines += [f"⚠️ {html.escape(str(warning))}" for warning in details.get("warnings") or []]
    return "\n".join(lines)


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
