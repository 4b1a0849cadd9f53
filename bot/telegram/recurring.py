"""Chat handler of recurring invoices: /recurring lists the plans; /recurring pause|resume <id>.

Register it before the handlers' catch-all for unknown commands (`handlers.register` adds that
last), so that /recurring reaches it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.services import registered, services_of
from invoicing import recurring as use_cases
from invoicing import recurring_views
from invoicing.recurring import PlanChange
from invoicing.recurring_views import PlanState, PlanView

COMMAND = ("recurring", "Recurring invoices; pause or resume one", "/recurring [pause|resume <plan id>]")
USAGE = f"Usage: {COMMAND[2]}"
#: Most plans one message lists (a Telegram message holds 4096 characters).
MAX_LISTED = 40


async def recurring(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the recurring plans with their next dates, or pause or resume one by its id."""
    message = update.effective_message
    if await registered(update, context) is None or message is None or update.effective_user is None:
        return
    args = context.args or []
    services = services_of(context)
    if not args:
        await message.reply_text(plan_list(await services.call(recurring_views.list_plans)))
        return
    if len(args) != 2 or args[0].lower() not in ("pause", "resume") or not args[1].lstrip("#").isdigit():
        await message.reply_text(USAGE)
        return
    change = await services.call(
        use_cases.change_by_chat, services.clock, int(args[1].lstrip("#")), update.effective_user.id,
        active=args[0].lower() == "resume",
    )  # fmt: skip
    await message.reply_text(changed(change))


def plan_line(p: PlanView) -> str:
    nxt = f"next {p.next_on}" if p.next_on else "no more invoices"
    return f"#{p.id} {p.customer}: {p.total} {p.currency} {p.schedule}; {nxt}; {p.issued_count} issued ({p.state.value})"


def plan_list(plans: list[PlanView]) -> str:
    if not plans:
        return "No recurring plans."
    lines = ["Recurring plans:"] + [plan_line(p) for p in plans[:MAX_LISTED]]
    if len(plans) > MAX_LISTED:
        lines.append(f"... and {len(plans) - MAX_LISTED} more (`invoicebot recurring list` shows all).")
    return "\n".join(lines)


def changed(change: PlanChange) -> str:
    p = change.plan
    if p.state is PlanState.PAUSED:
        return f"Plan #{p.id} ({p.customer}) paused: no invoices until it is resumed."
    if p.state is PlanState.ENDED:
        text = f"Plan #{p.id} ({p.customer}) has ended: its last periods fell while it was paused."
    else:
        text = f"Plan #{p.id} ({p.customer}) resumed: next invoice on {p.next_on}."
    if change.skipped:
        dates = ", ".join(d.isoformat() for d in change.skipped)
        text += f"\nNot issued, skipped while paused: {dates}. Issue them by hand if they are owed."
    return text


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the /recurring command to the application (before the catch-all for unknown commands)."""
    application.add_handler(CommandHandler(COMMAND[0], recurring))
