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


@click.command()
@click.option("--today", callback=_today, help="Act as if today were this day (2026-03-31): catch up or try ahead.")
@json_option
@click.pass_context
def tick(ctx: click.Context, today: dt.date | None, as_json: bool) -> None:
    """Run all due scheduled work once (recurring invoices, reminders), send every pending
    outbox job, and exit. The service does the same every minute; cron can run this instead."""
    import asyncio

    from bot.scheduler import run_tick
    from invoicing.clock import FixedClock

    app = app_of(ctx)
    if today is not None:
        noon = dt.datetime.combine(today, dt.time(12), app.settings.zone)
        app.clock = FixedClock(noon.astimezone(dt.UTC), app.settings.zone)
    report = asyncio.run(run_tick(app))
    emit(report.to_json(), as_json, report.summary)


COMMANDS = (run, tick)
