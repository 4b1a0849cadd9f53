"""`/tasks` in chat: my open tasks, soonest due first, each with a Done button."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.telegram.pressed import settle_in_digest
from bot.telegram.services import registered, services_of
from invoicing import tasks
from invoicing.domain import Role
from invoicing.errors import InvoicingError
from invoicing.templating import format_day

PREFIX = "task:"


async def list_tasks(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List my open tasks (an admin with `/tasks all` sees everyone's)."""
    person = await registered(update, context)
    message = update.effective_message
    if person is None or message is None:
        return
    services = services_of(context)
    everyone = bool(context.args) and context.args[0] == "all" and person.role is Role.ADMIN  # type: ignore[index]
    found = await services.call(tasks.list_tasks, assignee_id=None if everyone else person.id, limit=20)
    if not found:
        await message.reply_text("No open tasks.")
        return
    language = services.settings.language
    for task in found:
        due = f" — due {format_day(task.due_on, language)}" if task.due_on else ""
        who = f" ({html.escape(task.assignee)})" if everyone and task.assignee else ""
        button = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data=f"{PREFIX}{task.id}")]])
        await message.reply_text(f"{html.escape(task.title)}{due}{who}", reply_markup=button, parse_mode=ParseMode.HTML)


async def task_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Close the task behind a pressed Done button (the assignee's or an admin's press only)."""
    query = update.callback_query
    person = await registered(update, context)
    if query is None or person is None:
        return
    services = services_of(context)
    task_id = int((query.data or "0").removeprefix(PREFIX) or 0)
    try:
        view = await services.call(tasks.close_task, services.clock, task_id, f"telegram:{person.telegram_user_id}",
                                   by_user_id=person.id, by_admin=person.role is Role.ADMIN)  # fmt: skip
    except InvoicingError as e:
        await query.answer(str(e), show_alert=True)
        return
    await query.answer("Done")
    if not await settle_in_digest(query):
        await query.edit_message_text(f"✅ {html.escape(view.title)}", parse_mode=ParseMode.HTML)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("tasks", list_tasks))
    application.add_handler(CallbackQueryHandler(task_done, pattern=rf"^{PREFIX}\d+$"))
