"""`/invoice` in chat: pick a customer, write the lines, see the PDF, then Send, Edit or Cancel.

A `ConversationHandler` per user: the customer is found by name with buttons to pick from,
lines are typed one per message ("Consulting; 10; 120; 19"), currency and due date default from
the customer (`/currency USD`, `/due 31.12.2026` change them). `/done` writes a draft and shows
its PDF preview; **Send** issues it (number, PDF, e-mail to the customer), **Edit** goes back to
the lines, **Cancel** (or `/cancel`) drops the draft. Handlers stay thin: each step is a use case.
"""

from __future__ import annotations

import datetime as dt
import html
import warnings
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.telegram.services import ChatServices, registered, services_of
from invoicing import directory, issuing
from invoicing.billing import InvalidLine, LineItem, parse_line, price
from invoicing.corrections import parse_date
from invoicing.errors import InvoicingError
from invoicing.issuing import InvoiceRequest
from invoicing.templating import format_day, format_money

CUSTOMER, LINES, CONFIRM = range(3)
DRAFT = "invoice_draft"  # user_data key of the `Draft` being written
PREFIX = "ni:"  # callback data of this conversation's buttons
TIMEOUT = dt.timedelta(minutes=30)


@dataclass
class Draft:
    customer_id: int | None = None
    customer: str = ""
    lines: list[LineItem] = field(default_factory=list)
    currency: str | None = None
    due: dt.date | None = None
    invoice_id: int | None = None


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    data = context.user_data if context.user_data is not None else {}
    found = data.get(DRAFT)
    if not isinstance(found, Draft):
        found = data[DRAFT] = Draft()
    return found


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Begin a new invoice: `/invoice [customer name]`."""
    message = update.effective_message
    if message is None or await registered(update, context) is None:
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data[DRAFT] = Draft()
    if context.args:
        return await _suggest(update, context, " ".join(context.args))
    await message.reply_text("New invoice. Who is the customer? Send part of the name, or /cancel.")
    return CUSTOMER


async def customer_named(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Suggest the customers whose name contains what was typed."""
    message = update.effective_message
    return await _suggest(update, context, message.text if message and message.text else "")


async def _suggest(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> int:
    message = update.effective_message
    found = await services_of(context).call(directory.find_customers, text)
    if not found:
        await message.reply_text(f"No contact's name contains {text!r}. Try another part of it, or /cancel.")  # type: ignore[union-attr]
        return CUSTOMER
    buttons = [[InlineKeyboardButton(c.name[:60], callback_data=f"{PREFIX}c:{c.id}")] for c in found]
    await message.reply_text("Which one?", reply_markup=InlineKeyboardMarkup(buttons))  # type: ignore[union-attr]
    return CUSTOMER


async def customer_picked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Take the pressed customer and ask for the lines, saying the defaults that apply."""
    query = update.callback_query
    if query is None:
        return CUSTOMER
    await query.answer()
    services = services_of(context)
    customer_id = int((query.data or "").rsplit(":", 1)[-1])
    contact = await services.call(lambda s: directory.contact_dict(directory.contact_row(s, customer_id)))
    draft = _draft(context)
    draft.customer_id, draft.customer = customer_id, str(contact["name"])
    terms = contact["terms_days"] if contact["terms_days"] is not None else services.settings.payment_terms_days
    draft.currency = str(contact["currency"] or services.settings.currency)
    await context.bot.send_message(
        query.from_user.id,
        f"Invoice to <b>{html.escape(draft.customer)}</b> in {draft.currency}, due in {terms} days.\n"
        "Send the lines, one per message: <code>Description; quantity; unit price; tax %</code>\n"
        "(tax AE for reverse charge, K intra-EU, G export). Then /done.\n"
        "/currency USD or /due 31.12.2026 change the defaults; /cancel stops.",
        parse_mode=ParseMode.HTML,
    )  # fmt: skip
    return LINES


async def line_written(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Add a typed line, or say what is wrong with it."""
    message = update.effective_message
    draft = _draft(context)
    try:
        item = parse_line(message.text or "", len(draft.lines) + 1)  # type: ignore[union-attr]
        price([*draft.lines, item])
    except InvalidLine as e:
        await message.reply_text(f"{e}. Try again, /done or /cancel.")  # type: ignore[union-attr]
        return LINES
    draft.lines.append(item)
    total = price(draft.lines).total
    language = services_of(context).settings.language
    await message.reply_text(  # type: ignore[union-attr]
        f"Line {len(draft.lines)} added; total so far {format_money(total, draft.currency or 'EUR', language)}. "
        "More lines, /done, or /remove N."
    )
    return LINES


async def remove_line(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Drop line N: `/remove N`."""
    draft, message = _draft(context), update.effective_message
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= len(draft.lines):
        await message.reply_text(f"Usage: /remove N, with N from 1 to {len(draft.lines)}.")  # type: ignore[union-attr]
        return LINES
    removed = draft.lines.pop(int(args[0]) - 1)
    await message.reply_text(f"Removed: {removed.description}. {len(draft.lines)} line(s) left.")  # type: ignore[union-attr]
    return LINES


async def set_currency(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Change the currency: `/currency USD`."""
    message, args = update.effective_message, context.args or []
    if len(args) != 1 or len(args[0]) != 3 or not args[0].isalpha():
        await message.reply_text("Usage: /currency EUR (a three-letter code).")  # type: ignore[union-attr]
        return LINES
    _draft(context).currency = args[0].upper()
    await message.reply_text(f"Currency: {args[0].upper()}.")  # type: ignore[union-attr]
    return LINES


async def set_due(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Change the due date: `/due 2026-12-31` or `/due 31.12.2026`."""
    message, args = update.effective_message, context.args or []
    services = services_of(context)
    try:
        due = parse_date(args[0]) if len(args) == 1 else None
    except ValueError:
        due = None
    if due is None or due < services.clock.today():
        await message.reply_text("Usage: /due 31.12.2026 (a day from today on).")  # type: ignore[union-attr]
        return LINES
    _draft(context).due = due
    await message.reply_text(f"Due {format_day(due, services.settings.language)}.")  # type: ignore[union-attr]
    return LINES


def _confirm_buttons() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Send", callback_data=f"{PREFIX}send"),
        InlineKeyboardButton("Edit", callback_data=f"{PREFIX}edit"),
        InlineKeyboardButton("Cancel", callback_data=f"{PREFIX}cancel"),
    ]])  # fmt: skip


async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Write the draft and show its PDF with Send / Edit / Cancel."""
    message, draft = update.effective_message, _draft(context)
    if not draft.lines or draft.customer_id is None:
        await message.reply_text("Add at least one line first, or /cancel.")  # type: ignore[union-attr]
        return LINES
    services = services_of(context)
    actor = _actor(update)
    request = InvoiceRequest(draft.customer_id, tuple(draft.lines), currency=draft.currency, due_date=draft.due)
    try:
        policy = _policy(services)
        document = await services.call(_write_draft, services, draft, request, policy, actor)
    except InvoicingError as e:
        await message.reply_text(f"Sorry: {e}")  # type: ignore[union-attr]
        return LINES
    pdf = (await services.renderer.arender(document)).pdf  # type: ignore[union-attr]
    language = services.settings.language
    caption = (
        f"Preview: invoice to {html.escape(draft.customer)}, "
        f"<b>{format_money(document.totals.total, document.currency, language)}</b>"
        f", due {format_day(document.due_date, language) if document.due_date else '-'}."
    )
    await context.bot.send_document(
        update.effective_chat.id, InputFile(pdf, filename="preview.pdf"), caption=caption,  # type: ignore[union-attr]
        parse_mode=ParseMode.HTML, reply_markup=_confirm_buttons(),
    )  # fmt: skip
    return CONFIRM


def _write_draft(session: Any, services: ChatServices, draft: Draft, request: InvoiceRequest, policy: Any, actor: str) -> Any:
    if draft.invoice_id is not None:
        issuing.cancel_draft(session, services.clock, draft.invoice_id, actor)
    invoice = issuing.create_draft(session, services.clock, request, policy, actor)
    draft.invoice_id = invoice.id
    return issuing.draft_document(session, services.clock, invoice.id, policy)


async def confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Send, edit or cancel the previewed draft."""
    query = update.callback_query
    if query is None:
        return CONFIRM
    await query.answer()
    choice = (query.data or "").removeprefix(PREFIX)
    draft, services = _draft(context), services_of(context)
    if query.message is not None:
        await query.edit_message_reply_markup(None)
    if choice == "edit":
        listed = "\n".join(f"{i}. {html.escape(item.description)}" for i, item in enumerate(draft.lines, 1))
        await context.bot.send_message(query.from_user.id, f"Lines so far:\n{listed}\n"
                                       "Send more, /remove N, then /done.", parse_mode=ParseMode.HTML)  # fmt: skip
        return LINES
    if choice == "cancel" or draft.invoice_id is None:
        return await _drop(update, context)
    try:
        issued = await services.call(issuing.issue, services.clock, draft.invoice_id, _policy(services), _actor(update), send=True)
    except InvoicingError as e:
        await context.bot.send_message(query.from_user.id, f"Sorry: {e}")
        return CONFIRM
    language = services.settings.language
    await context.bot.send_message(
        query.from_user.id,
        f"<b>{html.escape(issued.number)}</b> issued: {format_money(issued.total, issued.currency, language)}"
        + (f", due {format_day(issued.due_date, language)}" if issued.due_date else "")
        + f". It is on its way to {html.escape(draft.customer)}.",
        parse_mode=ParseMode.HTML,
    )  # fmt: skip
    _forget(context)
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Stop writing the invoice; a draft written so far is cancelled."""
    return await _drop(update, context)


async def _drop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft, services = _draft(context), services_of(context)
    if draft.invoice_id is not None:
        await services.call(issuing.cancel_draft, services.clock, draft.invoice_id, _actor(update))
    _forget(context)
    if update.effective_user is not None:
        await context.bot.send_message(update.effective_user.id, "Invoice cancelled.")
    return ConversationHandler.END


def _forget(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def _actor(update: Update) -> str:
    user = update.effective_user
    return f"telegram:{user.id if user else '?'}"


def _policy(services: ChatServices) -> Any:
    if services.issuing_policy is None or services.renderer is None:
        raise InvoicingError("issuing is not set up in this process")
    return services.issuing_policy()


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """Return the `/invoice` conversation (register it before the other handlers)."""
    with warnings.catch_warnings():  # its buttons belong to the user's conversation, not to one message
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return _conversation()


def _conversation() -> ConversationHandler:  # type: ignore[type-arg]
    return ConversationHandler(
        entry_points=[CommandHandler("invoice", start)],
        states={
            CUSTOMER: [CallbackQueryHandler(customer_picked, pattern=rf"^{PREFIX}c:\d+$"),
                       MessageHandler(filters.TEXT & ~filters.COMMAND, customer_named)],
            LINES: [CommandHandler("done", done), CommandHandler("remove", remove_line),
                    CommandHandler("currency", set_currency), CommandHandler("due", set_due),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, line_written)],
            CONFIRM: [CallbackQueryHandler(confirmed, pattern=rf"^{PREFIX}(send|edit|cancel)$")],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=rf"^{PREFIX}cancel$")],
        conversation_timeout=TIMEOUT.total_seconds(),
        name="invoice", allow_reentry=True,
    )  # fmt: skip


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(conversation())

