"""Commands that run the work: `run` (the service) and `tick` (the scheduled work once, for cron)."""

from __future__ import annotations

import datetime as dt

import click

from bot.cli.root import app_of, emit, json_option

ROLES = ("folder", "mail", "chat", "jobs", "readers", "scheduler", "api")


def _roles(_ctx: click.Context, _param: click.Parameter, value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    named = {part.strip() for part in value.split(",") if part.strip()}
    unknown = sorted(named - set(ROLES))
    if unknown or not named:
        raise click.BadParameter(f"{', '.join(unknown) or value!r}: roles are {', '.join(ROLES)}")
    return frozenset(named)


@click.command()
@click.option(
    "--only", "only", callback=_roles, metavar="ROLE[,ROLE...]",
    help=f"Run only these parts ({', '.join(ROLES)}); with PostgreSQL, other processes run the rest.",
)  # fmt: skip
@click.pass_context
def run(ctx: click.Context, only: frozenset[str] | None) -> None:
    """Run the service: drop folder, job worker, scheduler (and e-mail and chat when configured)."""
    import asyncio

    from bot.service import ALL_ROLES, Role, serve
    from invoicing.config import ConfigError

    roles = frozenset(Role(name) for name in only) if only else ALL_ROLES
    try:
        asyncio.run(serve(app_of(ctx), roles=roles))
    except ConfigError as e:
        raise click.ClickException(f"configuration: {e}") from e


def _today(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a date such as 2026-03-31") from e


def _at(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a time such as 2026-03-31T13:00") from e


@click.command()
@click.option("--today", callback=_today, help="Act as if today were this day (2026-03-31): catch up or try ahead.")
@click.option("--at", "at", callback=_at,
              help="Act as if it were this moment (2026-03-31T13:00, in the business time zone unless one is given).")
@json_option
@click.pass_context
def tick(ctx: click.Context, today: dt.date | None, at: dt.datetime | None, as_json: bool) -> None:
    """Run all due scheduled work once (recurring invoices, reminders), send every pending
    outbox job, and exit. The service does the same every minute; cron can run this instead."""
    import asyncio

    from bot.scheduler import run_tick
    from invoicing.clock import FixedClock

    if today is not None and at is not None:
        raise click.UsageError("give --today or --at, not both")
    app = app_of(ctx)
    if today is not None:
        at = dt.datetime.combine(today, dt.time(12))
    if at is not None:
        moment = at if at.tzinfo is not None else at.replace(tzinfo=app.settings.zone)
        app.clock = FixedClock(moment.astimezone(dt.UTC), app.settings.zone)
    report = asyncio.run(run_tick(app))
    emit(report.to_json(), as_json, report.summary)


COMMANDS = (run, tick)
