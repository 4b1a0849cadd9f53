"""Chat handlers: commands and the approval buttons. Thin: parse, call a use case, answer."""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram import (
    digest_chat,
    issuing_chat,
    money_chat,
    money_in,
    recurring,
    render,
    tasks_chat,
    uploads,
)
from bot.telegram.approvals import edit_message, formats, load_card
from bot.telegram.money_texts import who_owes_what
from bot.telegram.pressed import digest_of, settle_in_digest
from bot.telegram.services import registered, services_of
from intake.corrections import correct_and_learn
from invoicing import approvals, corrections, payments, views
from invoicing.approvals import Outcome, Result, SentMessage
from invoicing.corrections import Editor
from invoicing.domain import InvoiceStatus
from invoicing.errors import InvoicingError
from invoicing.money import parse_amount

log = logging.getLogger(__name__)

REJECTING = "rejecting"  # user_data key: (token, pressed SentMessage or None) of a Reject awaiting its reason
HTML = ParseMode.HTML


class Usage(Exception):
    """A command's arguments do not fit; the answer is its usage line."""


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet a registered user and list the commands."""
    if await registered(update, context) and update.effective_message:
        await update.effective_message.reply_text(render.help_text())


async def button_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Approve, reject (asking the reason) or show the invoice behind a pressed button."""
    query = update.callback_query
    assert query is not None
    if await registered(update, context) is None:
        return
    services = services_of(context)
    action, _, token = (query.data or "").partition(":")
    if action == render.DETAILS:
        await _details(update, context, token)
        return
    result = await services.call(
        approvals.decide_by_token, services.clock, token, query.from_user.id,
        approve=action == render.APPROVE, second_over=services.settings.approvals_second_approval_over,
    )  # fmt: skip
    pressed = _pressed(update)
    if result.outcome is Outcome.ASK_REASON:
        assert context.user_data is not None
        context.user_data[REJECTING] = (token, pressed)
        await query.answer()
        await context.bot.send_message(query.from_user.id, render.ask_reason(result.invoice_id or 0))
        return
    if result.outcome not in (Outcome.DECIDED, Outcome.FIRST_APPROVED):
        await query.answer(render.refusal(result, formats(services)), show_alert=True)
        return
    await query.answer("Done")
    await _show_decision(context, result, pressed)
    await settle_in_digest(query)


def _pressed(update: Update) -> SentMessage | None:
    """Return the request message whose button was pressed (a photo with a caption, or a text);
    None for a digest, which shows other items too and is not replaced by the decision."""
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message) or (query and digest_of(query)):  # none, too old to see, or a digest
        return None
    return SentMessage(message.chat.id, message.message_id, captioned=bool(message.photo))


async def _details(update: Update, context: ContextTypes.DEFAULT_TYPE, token: str) -> None:
    query = update.callback_query
    assert query is not None
    services = services_of(context)
    invoice_id = await services.call(approvals.invoice_of_token, token)
    if invoice_id is None:
        await query.answer("This button is no longer valid.", show_alert=True)
        return
    await query.answer()
    detail = await services.call(views.show_invoice, invoice_id)
    await context.bot.send_message(query.from_user.id, render.detail(detail, formats(services)), parse_mode=HTML)
    card = await services.call(load_card, services.store, invoice_id)
    if card.data is not None:
        await context.bot.send_document(query.from_user.id, InputFile(card.data, filename=card.filename))


async def _show_decision(context: ContextTypes.DEFAULT_TYPE, result: Result, pressed: SentMessage | None) -> None:
    """Edit every request message of the invoice to show the decision, without buttons."""
    services = services_of(context)
    card = await services.call(load_card, services.store, result.invoice_id or 0)
    fmt = formats(services)
    seen = {(m.chat_id, m.message_id): m for m in [*([pressed] if pressed else []), *result.messages]}
    for message in seen.values():
        await edit_message(context.bot, message, lambda limit: render.decided(
            card.summary, result, fmt, alerts=card.alerts, limit=limit))  # fmt: skip


async def text_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take a plain text as the reason of a pending rejection, or point to /help."""
    message = update.effective_message
    if message is None or await registered(update, context) is None:
        return
    pending = (context.user_data or {}).pop(REJECTING, None)
    if pending is None:
        await message.reply_text("Send me an invoice file, or see /help.")
        return
    token, pressed = pending
    services = services_of(context)
    result = await services.call(
        approvals.decide_by_token, services.clock, token, message.from_user.id if message.from_user else 0,
        approve=False, reason=message.text,
    )  # fmt: skip
    await _answer_decision(update, context, result, pressed)


async def _answer_decision(
    update: Update, context: ContextTypes.DEFAULT_TYPE, result: Result, pressed: SentMessage | None
) -> None:
    message = update.effective_message
    assert message is not None
    fmt = formats(services_of(context))
    if result.outcome in (Outcome.DECIDED, Outcome.FIRST_APPROVED):
        await _show_decision(context, result, pressed)
        await message.reply_text(f"Invoice #{result.invoice_id}: {render.decision(result, fmt)}", parse_mode=HTML)
    else:
        await message.reply_text(render.refusal(result, fmt))


async def reject(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reject an invoice by command: /reject <id> <reason>."""
    if await registered(update, context) is None:
        return
    args = context.args or []
    if len(args) < 2 or not args[0].lstrip("#").isdigit():
        raise Usage("reject")
    services = services_of(context)
    result = await services.call(
        approvals.decide_by_invoice, services.clock, int(args[0].lstrip("#")), update.effective_user.id,
        approve=False, reason=" ".join(args[1:]),
    )  # fmt: skip
    await _answer_decision(update, context, result, None)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget a rejection whose reason was asked for."""
    if await registered(update, context) and update.effective_message:
        had = (context.user_data or {}).pop(REJECTING, None)
        await update.effective_message.reply_text("Cancelled." if had else "Nothing to cancel.")


async def inbox(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send my pending approvals, each with its buttons."""
    if await registered(update, context) is None or update.effective_message is None:
        return
    services = services_of(context)
    pending = await services.call(approvals.pending_for, update.effective_user.id)
    if not pending:
        await update.effective_message.reply_text("Nothing waits for your approval.")
    for item in pending:
        card = await services.call(load_card, services.store, item.invoice_id)
        text = render.approval_request(card.summary, item.step, formats(services), alerts=card.alerts,
                                       changes=card.changes)  # fmt: skip
        await update.effective_message.reply_text(text, parse_mode=HTML, reply_markup=render.approval_buttons(item.token))


async def invoices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List recent invoices: /invoices [status]."""
    if await registered(update, context) is None or update.effective_message is None:
        return
    args = context.args or []
    statuses = {s.value: s for s in InvoiceStatus}
    if len(args) > 1 or (args and args[0].lower() not in statuses):
        raise Usage("invoices")
    status = statuses[args[0].lower()] if args else None
    services = services_of(context)
    found = await services.call(views.list_invoices, status=status, limit=20)
    await update.effective_message.reply_text(render.invoice_list(found, formats(services)))


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show one invoice in full: /show <id or number>."""
    if await registered(update, context) is None or update.effective_message is None:
        return
    args = context.args or []
    if len(args) != 1:
        raise Usage("show")
    services = services_of(context)
    ref = f"#{args[0]}" if args[0].isdigit() else args[0]
    detail = await services.call(lambda s: views.show_invoice(s, payments.find_invoice(s, ref).id))
    await update.effective_message.reply_text(render.detail(detail, formats(services)), parse_mode=HTML)


async def edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Correct a field of an incoming invoice: /edit <id> <field> <value>."""
    person = await registered(update, context)
    if person is None or update.effective_message is None:
        return
    args = context.args or []
    if len(args) < 3 or not args[0].lstrip("#").isdigit():
        raise Usage("edit")
    services = services_of(context)
    editor = Editor(f"telegram:{update.effective_user.id} (user {person.id})", person.role, person.id)
    change, hint = await asyncio.to_thread(
        correct_and_learn, services.db, services.clock, services.store, int(args[0].lstrip("#")),
        args[1].lower(), " ".join(args[2:]), editor=editor, ocr=services.intake.reader.ocr,
        limits=services.intake.reader.limits,
    )  # fmt: skip
    text = render.corrected(change, formats(services), change.currency, learnt=hint is not None)
    await update.effective_message.reply_text(text)


async def overdue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say who owes what past its due date (by customer, with totals), and what we owe apart."""
    if await registered(update, context) is None or update.effective_message is None:
        return
    services = services_of(context)
    today = services.clock.today()
    found = await services.call(lambda s: [views.summarise(i) for i in payments.overdue(s, today)])
    await update.effective_message.reply_text(who_owes_what(found, today, formats(services)))


async def paid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record a payment: /paid <number> [amount] [date]."""
    person = await registered(update, context)
    if person is None or update.effective_message is None:
        return
    args = context.args or []
    if not 1 <= len(args) <= 3:
        raise Usage("paid")
    try:
        amount = parse_amount(args[1].replace(",", ".")) if len(args) > 1 else None
        paid_on = corrections.parse_date(args[2]) if len(args) > 2 else None
    except ValueError as e:
        raise Usage("paid") from e
    services = services_of(context)
    recorded = await services.call(
        payments.record_payment, services.clock, args[0], amount=amount, paid_on=paid_on, method="chat",
        actor=f"telegram:{update.effective_user.id} (user {person.id})", recorded_by_id=person.id,
    )  # fmt: skip
    await update.effective_message.reply_text(render.paid(recorded, formats(services)))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a command the bot does not know with a pointer to /help."""
    if await registered(update, context) and update.effective_message:
        await update.effective_message.reply_text(render.unknown_command(update.effective_message.text or "/"))


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a usage error or a refused use case; log anything else and say so."""
    error = context.error
    message = update.effective_message if isinstance(update, Update) else None
    if isinstance(error, Usage):
        text = render.usage(str(error))
    elif isinstance(error, InvoicingError):
        text = f"Sorry: {error}"
    else:
        log.error("handling update failed", exc_info=error)
        text = "Sorry, something went wrong; it has been logged."
    if message is not None:
        await message.reply_text(text)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add every handler to the application (conversations first: they own their users' messages)."""
    issuing_chat.register(application)
    recurring.register(application)
    money_chat.register(application)
    tasks_chat.register(application)
    money_in.register(application)
    digest_chat.register(application)
    commands = {"start": start, "help": start, "inbox": inbox, "invoices": invoices, "show": show,
                "edit": edit, "overdue": overdue, "paid": paid, "reject": reject, "cancel": cancel}  # fmt: skip
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(button_pressed))
    # Reading a file may take up to the reading time limit: the next updates (anyone's commands,
    # button presses) must not wait behind it.
    application.add_handler(MessageHandler(filters.Document.ALL | filters.PHOTO, uploads.file_received, block=False))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, text_received))
    application.add_error_handler(error_handler)

