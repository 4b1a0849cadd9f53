"""Chasing and matching payments in chat: the question before a final notice (Send now / Hold /
I'll call), `/hold <number> [days|off]`, and `/unmatched` with buttons to assign a payment.

Who may press: the customer's manager or an admin for an invoice's reminders; an admin for
booking a bank payment. Everything else is refused and the press answered.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from sqlalchemy.orm import Session
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.telegram.formats import Formats
from bot.telegram.pressed import settle_in_digest
from bot.telegram.services import ChatServices, registered, services_of
from invoicing import bank_import, reminders, tasks, views
from invoicing.approval_rules import Person
from invoicing.db.models import Contact, Invoice
from invoicing.domain import Role
from invoicing.errors import InvoicingError, NotAuthorised, NotFound
from invoicing.jobs import ClaimedJob, Handler, PermanentFailure
from invoicing.payments import find_invoice, owed

FINAL = "fin:"
UNMATCHED = "unm:"


def _formats(services: ChatServices) -> Formats:
    return Formats(services.settings.language, services.settings.zone)


class FinalNoticeQuestion:
    """The job handler that asks the manager, the day before, about a final notice."""

    def __init__(self, bot: Bot, services: ChatServices) -> None:
        self.bot, self.services = bot, services

    def handlers(self) -> dict[str, Handler]:
        return {reminders.FINAL_TOMORROW: self.ask}

    async def ask(self, job: ClaimedJob) -> None:
        invoice_id, level = int(job.payload["invoice_id"]), int(job.payload["level"])
        summary, still = await self.services.call(_summary_and_owed, invoice_id)
        if still <= 0:
            return  # paid meanwhile
        fmt = _formats(self.services)
        text = (f"⏰ Tomorrow the <b>final notice</b> for <b>{html.escape(summary.number or '')}</b> goes to "
                f"{html.escape(summary.contact or 'the customer')}: {fmt.money(still, summary.currency)} open "
                f"since {fmt.date(summary.due_date)}.")  # fmt: skip
        buttons = InlineKeyboardMarkup([[
            InlineKeyboardButton("Send now", callback_data=f"{FINAL}send:{invoice_id}:{level}"),
            InlineKeyboardButton("Hold 7 days", callback_data=f"{FINAL}hold:{invoice_id}"),
            InlineKeyboardButton("I'll call", callback_data=f"{FINAL}call:{invoice_id}"),
        ]])  # fmt: skip
        try:
            await self.bot.send_message(int(job.payload["chat_id"]), text, parse_mode=ParseMode.HTML, reply_markup=buttons)
        except (Forbidden, BadRequest) as e:
            raise PermanentFailure(f"Telegram refused the question: {e}") from e


def _summary_and_owed(session: Session, invoice_id: int) -> tuple[views.InvoiceSummary, Any]:
    invoice = views.invoice_row(session, invoice_id)
    return views.summarise(invoice), owed(session, invoice)


def _check_chaser(session: Session, invoice_id: int, person: Person) -> Invoice:
    """Return the invoice when `person` may act on its reminders (its customer's manager, or an admin)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    contact = session.get(Contact, invoice.contact_id) if invoice.contact_id else None
    if person.role is not Role.ADMIN and (contact is None or contact.manager_id != person.id):
        raise NotAuthorised("only the customer's manager or an admin", "act on this invoice's reminders")
    return invoice


def act_on_final(
    session: Session, services: ChatServices, person: Person, action: str, invoice_id: int, level: int | None
) -> str:
    """Carry out a press on the final-notice question; return what was done."""
    clock = services.clock
    invoice = _check_chaser(session, invoice_id, person)
    actor = f"telegram:{person.telegram_user_id} (user {person.id})"
    hold_until = clock.today() + dt.timedelta(days=services.settings.reminder_hold_days)
    if action == "send" and level is not None:
        if services.dunning_policy is None:
            raise InvoicingError("reminders are not set up in this process")
        policy = services.dunning_policy()
        contact = session.get(Contact, invoice.contact_id) if invoice.contact_id else None
        reminders.send_level(session, clock, policy, invoice, contact, policy.schedule.level(level), clock.today(),
                             actor=actor)  # fmt: skip
        invoice.next_reminder_on = None
        return "Final notice sent."
    reminders.hold(session, clock, invoice_id, hold_until, actor)
    if action == "call":
        contact = session.get(Contact, invoice.contact_id) if invoice.contact_id else None
        tasks.open_task(session, clock, kind=tasks.CALL_CUSTOMER, invoice_id=invoice_id, assignee_id=person.id,
                        title=f"Call {contact.name if contact else 'the customer'} about {invoice.number}",
                        due_on=clock.today(), actor=actor)  # fmt: skip
        return f"A task to call is yours; reminders wait until {hold_until}."
    return f"Reminders wait until {hold_until}."


async def final_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send now, hold or call about tomorrow's final notice."""
    query = update.callback_query
    person = await registered(update, context)
    if query is None or person is None:
        return
    parts = (query.data or "").removeprefix(FINAL).split(":")
    services = services_of(context)
    try:
        action, invoice_id = parts[0], int(parts[1])
        level = int(parts[2]) if len(parts) > 2 else None
        done = await services.call(act_on_final, services, person, action, invoice_id, level)
    except (InvoicingError, ValueError, IndexError) as e:
        await query.answer(str(e) if isinstance(e, InvoicingError) else "This button is not valid.", show_alert=True)
        return
    except Exception:  # noqa: BLE001 - e.g. the level was sent meanwhile (unique key): say so, keep going
        await query.answer("That was already done.", show_alert=True)
        return
    await query.answer(done)
    if not await settle_in_digest(query):
        await query.edit_message_reply_markup(None)
    await context.bot.send_message(query.from_user.id, done)


async def hold_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hold an invoice's reminders: /hold <number> [days|off]."""
    person, message = await registered(update, context), update.effective_message
    if person is None or message is None:
        return
    args = context.args or []
    services = services_of(context)
    if not 1 <= len(args) <= 2 or (len(args) == 2 and not (args[1].isdigit() or args[1].lower() == "off")):
        await message.reply_text("Usage: /hold <number> [days|off]")
        return
    off = len(args) == 2 and args[1].lower() == "off"
    days = int(args[1]) if len(args) == 2 and not off else services.settings.reminder_hold_days
    until = None if off else services.clock.today() + dt.timedelta(days=days)

    def hold(session: Session) -> str:
        invoice = _check_chaser(session, find_invoice(session, args[0]).id, person)
        reminders.hold(session, services.clock, invoice.id, until, f"telegram:{person.telegram_user_id}")
        return invoice.number or f"#{invoice.id}"

    number = await services.call(hold)
    fmt = _formats(services)
    await message.reply_text(f"{number}: reminders resume now." if off else f"{number}: reminders wait until {fmt.date(until)}.")


async def unmatched_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the payments no invoice matched, each with buttons to book it (admins)."""
    person, message = await registered(update, context), update.effective_message
    if person is None or message is None:
        return
    if person.role is not Role.ADMIN:
        await message.reply_text("Only an admin books bank payments.")
        return
    services = services_of(context)
    found = await services.call(_unmatched_with_numbers)
    if not found:
        await message.reply_text("No payment waits to be assigned.")
        return
    fmt = _formats(services)
    for entry, numbers in found:
        rows = [[InlineKeyboardButton(f"→ {number}", callback_data=f"{UNMATCHED}{entry.id}:{invoice_id}")]
                for invoice_id, number in numbers]  # fmt: skip
        rows.append([InlineKeyboardButton("Not a customer payment", callback_data=f"{UNMATCHED}{entry.id}:x")])
        text = (f"💶 {fmt.money(entry.amount, entry.currency)} on {fmt.date(entry.booking_date)} from "
                f"{html.escape(entry.counterparty_name or 'unknown')}: {html.escape((entry.remittance or '')[:200])}\n"
                f"<i>{html.escape(entry.note or '')}</i>"
                + ("" if numbers else "\nReply /assign ENTRY NUMBER to book it to an invoice."))  # fmt: skip
        await message.reply_text(text.replace("ENTRY", str(entry.id)), parse_mode=ParseMode.HTML,
                                 reply_markup=InlineKeyboardMarkup(rows))  # fmt: skip


def _unmatched_with_numbers(session: Session) -> list[tuple[Any, list[tuple[int, str]]]]:
    found = []
    for entry in bank_import.unmatched(session, limit=20):
        numbers = []
        for invoice_id in bank_import.candidates_of(entry)[:4]:
            invoice = session.get(Invoice, invoice_id)
            if invoice is not None:
                numbers.append((invoice_id, invoice.number or f"#{invoice_id}"))
        found.append((entry, numbers))
    return found


async def unmatched_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Book a waiting payment to the pressed invoice, or set it aside."""
    query = update.callback_query
    person = await registered(update, context)
    if query is None or person is None:
        return
    if person.role is not Role.ADMIN:
        await query.answer("Only an admin books bank payments.", show_alert=True)
        return
    services = services_of(context)
    entry_id, _, target = (query.data or "").removeprefix(UNMATCHED).partition(":")
    actor = f"telegram:{person.telegram_user_id} (user {person.id})"
    try:
        if target == "x":
            await services.call(bank_import.ignore, services.clock, int(entry_id), actor, "not a customer payment")
            done = "Set aside."
        else:
            await services.call(bank_import.assign, services.clock, int(entry_id), f"#{int(target)}", actor, person.id)
            done = "Booked."
    except (InvoicingError, ValueError) as e:
        await query.answer(str(e), show_alert=True)
        return
    await query.answer(done)
    if not await settle_in_digest(query):
        await query.edit_message_reply_markup(None)


async def assign_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Book a waiting payment to an invoice by its number: /assign <entry> <number>."""
    person, message = await registered(update, context), update.effective_message
    if person is None or message is None:
        return
    args = context.args or []
    if person.role is not Role.ADMIN or len(args) != 2 or not args[0].isdigit():
        await message.reply_text("Usage (admins): /assign <entry> <invoice number>")
        return
    services = services_of(context)
    actor = f"telegram:{person.telegram_user_id} (user {person.id})"
    await services.call(bank_import.assign, services.clock, int(args[0]), args[1], actor, person.id)
    await message.reply_text(f"Payment {args[0]} booked to {html.escape(args[1])}.")


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("hold", hold_command))
    application.add_handler(CommandHandler("unmatched", unmatched_command))
    application.add_handler(CommandHandler("assign", assign_command))
    application.add_handler(CallbackQueryHandler(final_pressed, pattern=rf"^{FINAL}(send|hold|call):\d+(:-?\d+)?$"))
    application.add_handler(CallbackQueryHandler(unmatched_pressed, pattern=rf"^{UNMATCHED}\d+:(\d+|x)$"))
