"""Chat commands about money to come and go: /topay lists the approved supplier invoices to pay;
/cashflow sends the projection's chart as a photo, a summary as its caption and the weeks after it.

Register it before the handlers' catch-all for unknown commands (`handlers.register` adds that last).
"""

from __future__ import annotations

import asyncio
import html
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram import render
from bot.telegram.approvals import formats
from bot.telegram.formats import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Formats,
    Line,
    Style,
    plain,
    telegram_length,
    to_html,
)
from bot.telegram.services import registered, services_of
from invoicing import forecast, payables
from invoicing.cashflow import Projection
from invoicing.payables import PayableItem
from invoicing.payee_rules import show_iban

HTML = ParseMode.HTML
#: The most days /cashflow looks ahead.
MAX_DAYS = 366
MORE = "… and more: invoicebot payables lists them all"
ZERO = Decimal("0.00")


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


def _when(item: PayableItem, fmt: Formats) -> str:
    if item.due_date is None or item.days_left is None:
        return "no due date"
    left = item.days_left
    late = "today" if left == 0 else (f"in {left} days" if left > 0 else f"{-left} days late")
    return f"due {fmt.date(item.due_date)} ({late})"


def _item_lines(item: PayableItem, fmt: Formats) -> list[Line]:
    lines = [Line(f"{item.supplier}: {fmt.money(item.open_amount, item.currency)}, {_when(item, fmt)}", Style.BOLD,
                  label=f"#{item.invoice_id} ")]  # fmt: skip
    payee = f"IBAN {show_iban(item.iban)}" if item.iban else "no IBAN on the invoice"
    lines.append(Line(f"   {item.number or '-'} · {payee}" + (f" · ref {item.payment_reference}" if item.payment_reference else "")))
    if d := item.discount:
        lines.append(Line(f"   💰 {d.percent.normalize():f} % off: pay {fmt.money(d.pay, item.currency)} by "
                          f"{fmt.date(d.until)} (saves {fmt.money(d.amount, item.currency)})"))  # fmt: skip
    lines += [Line(f"   ⚠ {w.text(day=fmt.date, money=fmt.money)}", Style.BOLD) for w in item.warnings]
    return lines


def payables_text(found: list[PayableItem], fmt: Formats, days: int | None = None, limit: int = TEXT_LIMIT) -> str:
    """Return the supplier invoices to pay (HTML), the totals first; what does not fit is left out whole."""
    if not found:
        return "Nothing to pay" + (f" in the next {days} days." if days is not None else ".")
    totals: dict[str, Decimal] = {}
    for item in found:
        totals[item.currency] = totals.get(item.currency, ZERO) + item.open_amount
    summed = " + ".join(fmt.money(amount, currency) for currency, amount in totals.items())
    within = f" due within {days} days" if days is not None else ""
    head = [Line(f"To pay{within}: {summed} ({len(found)} invoice{'s' if len(found) > 1 else ''})", Style.BOLD)]
    blocks = [to_html(_item_lines(item, fmt)) for item in found]
    kept, used = [to_html(head)], telegram_length(plain(to_html(head))) + telegram_length(MORE) + 2
    for block in blocks:
        size = telegram_length(plain(block)) + 2
        if used + size > limit:
            kept.append(html.escape(MORE))
            break
        kept.append(block)
        used += size
    return "\n\n".join(kept)


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
    await message.reply_photo(InputFile(chart, filename="cashflow.png"), caption=summary(projection, fmt),
                              parse_mode=HTML)  # fmt: skip
    await message.reply_text(weeks_text(projection, fmt), parse_mode=HTML)


def _chart(projection: Projection) -> bytes:
    from invoicing.cashflow_chart import render_chart

    return render_chart(projection)


def summary(p: Projection, fmt: Formats) -> str:
    """Return the caption of the chart (HTML): per currency what comes in and goes out, the balance
    at the end and the lowest one, what is overdue (counted at once) and what comes later."""
    lines = [Line(f"Cash flow {fmt.date(p.today)} – {fmt.date(p.until)}", Style.BOLD)]
    for currency in p.currencies:
        series = p.series(currency)
        money_in, money_out = sum((f.money_in for f in series), ZERO), sum((f.money_out for f in series), ZERO)
        low = min(zip(p.weeks, series, strict=True), key=lambda pair: pair[1].balance)
        lines.append(Line(f"{currency}{' (chart)' if currency == p.currency else ''}: in {fmt.money(money_in, currency)}, "
                          f"out {fmt.money(money_out, currency)}, balance {fmt.money(series[-1].balance, currency)}; "
                          f"lowest {fmt.money(low[1].balance, currency)} in {low[0].label}"))  # fmt: skip
        if overdue := p.overdue.get(currency):
            lines.append(Line(f"   overdue, counted in the first week: in {fmt.money(overdue.money_in, currency)}, "
                              f"out {fmt.money(overdue.money_out, currency)}", Style.ITALIC))  # fmt: skip
        if later := p.later.get(currency):
            lines.append(Line(f"   after {fmt.date(p.until)}: in {fmt.money(later.money_in, currency)}, "
                              f"out {fmt.money(later.money_out, currency)}", Style.ITALIC))  # fmt: skip
    lines.append(Line("Balance: from zero today (the bank balance is not known here).", Style.ITALIC))
    return to_html(lines, CAPTION_LIMIT)


def weeks_text(p: Projection, fmt: Formats, limit: int = TEXT_LIMIT) -> str:
    """Return each currency's weeks as a fixed-width table (HTML <pre>): week, in, out, balance."""
    blocks, used = [], 0
    for currency in p.currencies:
        rows = [("week", "in", "out", "balance")]
        for week, f in zip(p.weeks, p.series(currency), strict=True):
            amounts = (format_decimal(v, "#,##0.00", locale=fmt.locale) for v in (f.money_in, f.money_out, f.balance))
            rows.append((f"{week.label[5:]} {format_date(week.start, 'd MMM', locale=fmt.locale)}", *amounts))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        table = "\n".join(" ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                          for r in rows)  # fmt: skip
        block = f"<b>{html.escape(currency)}</b>\n<pre>{html.escape(table)}</pre>"
        size = telegram_length(f"{currency}\n{table}") + 2
        if used + size > limit:
            blocks.append(html.escape("… more currencies: invoicebot cashflow lists them all"))
            break
        blocks.append(block)
        used += size
    return "\n\n".join(blocks)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add /topay and /cashflow to the application (before the catch-all for unknown commands)."""
    application.add_handler(CommandHandler("topay", to_pay))
    application.add_handler(CommandHandler("cashflow", cash_flow))
