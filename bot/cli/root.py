"""The `invoicebot` command group and what every command shares: the app, output and errors.

Command modules import only click at the top and load the rest inside their commands, so that
`invoicebot --help` and quick commands start without importing the readers, OCR or PDF code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from bot.wiring import App


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """invoicebot: reads incoming invoices, routes approvals, issues and chases invoices."""
    from bot.wiring import App, configure_logging
    from invoicing.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as e:
        raise click.ClickException(f"configuration: {e}") from e
    configure_logging(settings, settings.secrets())
    ctx.obj = App(settings, one_shot=ctx.invoked_subcommand != "run")
    ctx.call_on_close(ctx.obj.close)


def app_of(ctx: click.Context) -> App:
    """Return the application the root command built from the settings."""
    from bot.wiring import App

    app = ctx.find_root().obj
    if not isinstance(app, App):
        raise click.ClickException("internal error: the command ran without the invoicebot group")
    return app


def emit(data: Any, as_json: bool, text: Callable[[], str]) -> None:
    """Print `data` as one JSON line with `--json`, else the human text `text()` gives."""
    click.echo(json.dumps(data, ensure_ascii=False) if as_json else text())


def fail(message: str) -> NoReturn:
    """Stop the command with `message` on stderr and exit status 1."""
    raise click.ClickException(message)


def json_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the `--json` flag every listing and creating command has."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(function)
