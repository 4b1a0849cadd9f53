"""Chat commands about money to come and go: /topay lists the approved supplier invoices to pay;
/cashflow sends the projection's chart (drawn in a worker thread) as a photo, a summary as its
caption and the weeks after it. The texts are `money_texts`.

Register it before the handlers' catch-all for unknown commands (`handlers.register` adds that last).
"""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram import render
from bot.telegram.approvals import formats
from bot.telegram.money_texts import cashflow_caption, cashflow_weeks, payables_text
from bot.telegram.services import registered, services_of
from invoicing import forecast, payables
from invoicing.cashflow import Projection

HTML = ParseMode.HTML
#: The most days /cashflow looks ahead.
MAX_DAYS = 366


def _days(args: list[str], default: int | None) -> int | None:
    """Return the optional number of days a command was given; raise ValueError when it is no number."""
    if not args:
        return default
    if len(args) != 1 or not args[0].isdigit():
        raise ValueError(args)
    return int(args[0])


async def to_pay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the approved supplier invoices not paid yet, soonest due first: /topay [days]."""
    message = update.effective_message
    if await registered(update, context) is None or message is None:
        return
    try:
        days = _days(context.args or [], None)
    except ValueError:
        await message.reply_text(render.usage("topay"))
        return
    services = services_of(context)
    today = services.clock.today()
    found = await services.call(payables.list_payables, today, within_days=days, zone=services.settings.zone)
    await message.reply_text(payables_text(found, formats(services), days), parse_mode=HTML)


async def cash_flow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the cash flow chart with a summary, then the weeks: /cashflow [days] (default 90)."""
    message = update.effective_message
    if await registered(update, context) is None or message is None:
        return
    try:
        days = _days(context.args or [], 90)
    except ValueError:
        days = 0
    if days is None or not 1 <= days <= MAX_DAYS:
        await message.reply_text(render.usage("cashflow") + f" (1 to {MAX_DAYS} days, 90 by default)")
        return
    services = services_of(context)
    settings = services.settings
    projection = await services.call(forecast.cash_flow, services.clock.today(), days=days, currency=settings.currency,
                                     terms_days=settings.payment_terms_days)  # fmt: skip
    chart = await asyncio.to_thread(_chart, projection)
    fmt = formats(services)
    await message.reply_photo(InputFile(chart, filename="cashflow.png"), caption=cashflow_caption(projection, fmt),
                              parse_mode=HTML)  # fmt: skip
    await message.reply_text(cashflow_weeks(projection, fmt), parse_mode=HTML)


def _chart(projection: Projection) -> bytes:
    from invoicing.cashflow_chart import render_chart

    return render_chart(projection)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add /topay and /cashflow to the application (before the catch-all for unknown commands)."""
    application.add_handler(CommandHandler("topay", to_pay))
    application.add_handler(CommandHandler("cashflow", cash_flow))
