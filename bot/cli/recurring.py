"""Commands about recurring invoices: `recurring add|list|show|pause|resume`."""

from __future__ import annotations

import datetime as dt
import json

import click

from bot.cli.root import app_of, emit, fail, json_option

EVERY = ("week", "month", "quarter", "year")
DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group()
def recurring() -> None:
    """Invoice customers on a schedule; the scheduler issues each period once, missed ones too."""


@recurring.command("add")
@click.option("--customer", "customer_id", type=int, required=True, help="Contact id of the customer.")
@click.option("--every", type=click.Choice(EVERY), required=True)
@click.option("--day", type=int, help="1-7 (Monday=1) for weekly plans, else 1-31 (31: the month's last day "
              "in shorter months). Default: the start date's.")  # fmt: skip
@click.option("--line", "lines", multiple=True, required=True, metavar="TEXT",
              help='"Description;quantity;unit price;tax rate %", once per line.')  # fmt: skip
@click.option("--currency", help="Default: the customer's, else INVOICEBOT_CURRENCY.")
@click.option("--start", type=DATE, help="First day the plan bills (YYYY-MM-DD). Default: today.")
@click.option("--until", type=DATE, help="No period after this day (YYYY-MM-DD).")
@click.option("--count", type=click.IntRange(min=1), help="Issue this many invoices, then stop.")
@click.option("--send", is_flag=True, help="E-mail each invoice when it is issued.")
@json_option
@click.pass_context
def recurring_add(
    ctx: click.Context, customer_id: int, every: str, day: int | None, lines: tuple[str, ...],
    currency: str | None, start: dt.datetime | None, until: dt.datetime | None, count: int | None,
    send: bool, as_json: bool,
) -> None:  # fmt: skip
    """Add a recurring plan; prints its id. A start in the past bills every period since then."""
    from invoicing import recurrence, recurring_views
    from invoicing.billing import parse_line
    from invoicing.errors import InvoicingError
    from invoicing.recurring import PlanInput, add_plan

    if until and count:
        fail("give --until or --count, not both")
    app = app_of(ctx)
    try:
        items = tuple(parse_line(text, position) for position, text in enumerate(lines, start=1))
        data = PlanInput(
            customer_id, recurrence.Every(every), items, day=day, currency=currency,
            start_on=start.date() if start else None, until=until.date() if until else None, count=count, send=send,
        )  # fmt: skip
        with app.db.transaction() as session:
            plan = add_plan(session, app.clock, data, actor="cli", default_currency=app.settings.currency)
            shown = recurring_views.view(session, plan)
            today = app.clock.today()
            due = recurrence.due(recurring_views.schedule_of(plan), next_on=plan.next_run_on, issued=0, today=today)
            backlog = [p for p in due if p.on < today]
    except InvoicingError as e:
        fail(str(e))
    if backlog and not as_json:
        click.echo(f"note: {len(backlog)} past period(s), from {backlog[0].key} on, will be issued at the "
                   "next tick", err=True)  # fmt: skip
    emit(shown.model_dump(mode="json"), as_json, lambda: str(shown.id))


@recurring.command("list")
@json_option
@click.pass_context
def recurring_list(ctx: click.Context, as_json: bool) -> None:
    """List the plans: customer, schedule, next date, invoices issued, state."""
    from invoicing import recurring_views

    with app_of(ctx).db.transaction() as session:
        found = recurring_views.list_plans(session)
    if as_json:
        click.echo(json.dumps([p.model_dump(mode="json") for p in found], ensure_ascii=False))
        return
    if not found:
        click.echo("no recurring plans")
    for p in found:
        click.echo(f"#{p.id:<4} {p.customer[:28]:<28} {p.schedule:<46} next {p.next_on or '-'!s:<10} "
                   f"issued {p.issued_count:<4} {p.total} {p.currency}  {p.state.value}")  # fmt: skip


@recurring.command("show")
@click.argument("plan_id", type=int)
@json_option
@click.pass_context
def recurring_show(ctx: click.Context, plan_id: int, as_json: bool) -> None:
    """Show one plan with its lines and the invoices it issued."""
    from invoicing import recurring_views
    from invoicing.errors import InvoicingError

    with app_of(ctx).db.transaction() as session:
        try:
            detail = recurring_views.show_plan(session, plan_id)
        except InvoicingError as e:
            fail(str(e))
    click.echo(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=None if as_json else 2))


def _change(ctx: click.Context, plan_id: int, active: bool, as_json: bool) -> None:
    from invoicing import recurring as use_cases
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            change = (use_cases.resume if active else use_cases.pause)(session, app.clock, plan_id, actor="cli")
    except InvoicingError as e:
        fail(str(e))
    plan = change.plan
    data = {**plan.model_dump(mode="json"), "skipped": [d.isoformat() for d in change.skipped]}
    text = f"plan {plan.id} {plan.state.value}" + (f"; next invoice on {plan.next_on}" if plan.next_on and active else "")
    if change.skipped:
        text += (f"\n{len(change.skipped)} period(s) skipped while paused, not issued: "
                 + ", ".join(d.isoformat() for d in change.skipped))  # fmt: skip
    emit(data, as_json, lambda: text)


@recurring.command("pause")
@click.argument("plan_id", type=int)
@json_option
@click.pass_context
def recurring_pause(ctx: click.Context, plan_id: int, as_json: bool) -> None:
    """Stop a plan issuing until it is resumed."""
    _change(ctx, plan_id, False, as_json)


@recurring.command("resume")
@click.argument("plan_id", type=int)
@json_option
@click.pass_context
def recurring_resume(ctx: click.Context, plan_id: int, as_json: bool) -> None:
    """Let a paused plan issue again, from its next period on or after today.

    The periods that fell due while it was paused are NOT issued; they are listed, and whoever
    wants them issues them by hand.
    """
    _change(ctx, plan_id, True, as_json)


COMMANDS = (recurring,)
