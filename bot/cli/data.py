"""`invoicebot export`: invoices for accounting as CSV, JSON, UBL 2.1 files or the issued PDFs."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from bot.cli.root import app_of, fail

if TYPE_CHECKING:
    from bot.wiring import App
    from invoicing.export import Format
    from invoicing.listing import InvoiceFilter


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    from invoicing.corrections import parse_date

    try:
        return parse_date(value) if value else None
    except ValueError as e:
        raise click.BadParameter(str(e)) from e


@click.command("export")
@click.option("--format", "kind", type=click.Choice(["csv", "json", "ubl", "facturx"]), required=True,
              help="csv or json: one file (or standard output); ubl or facturx: one file per invoice.")
@click.option("--since", callback=_date, help="Only invoices issued on or after this day.")
@click.option("--until", callback=_date, help="Only invoices issued on or before this day.")
@click.option("--direction", type=click.Choice(["in", "out"]), help="Received (in) or issued (out) only.")
@click.option("--status", help="Only invoices in this state (paid, approved, ...).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="csv/json: the file (default: standard output); ubl/facturx: a folder, or a .zip file.")
@click.pass_context
def export(ctx: click.Context, kind: str, since: dt.date | None, until: dt.date | None, direction: str | None,
           status: str | None, output: Path | None) -> None:  # fmt: skip
    """Export invoices for accounting (oldest first); prints what was written to standard error."""
    from invoicing import export as exports
    from invoicing.domain import Direction, InvoiceStatus
    from invoicing.errors import InvoicingError
    from invoicing.listing import InvoiceFilter

    app = app_of(ctx)
    try:
        wanted = InvoiceStatus(status) if status else None
    except ValueError:
        fail(f"unknown status {status!r}; one of {', '.join(s.value for s in InvoiceStatus)}")
    if kind == "facturx" and direction == "in":
        fail("facturx exports the PDFs we issued: use --direction out, or --format ubl for received invoices")
    if kind == "facturx":
        direction = "out"
    filters = InvoiceFilter(Direction(direction) if direction else None, wanted, since, until)
    fmt = exports.Format(kind)
    try:
        if fmt in (exports.Format.CSV, exports.Format.JSON):
            count = _one_file(app, fmt, filters, output)
            click.echo(f"{count} invoice(s) exported", err=True)
            return
        if output is None:
            fail(f"--format {kind} writes one file per invoice: give -o FOLDER or -o FILE.zip")
        report = exports.export_files(app.db, app.store, filters, fmt, exports.FileSink(output),
                                      app.settings.templates_dir)  # fmt: skip
    except (InvoicingError, OSError) as e:
        fail(str(e))
    click.echo(f"{report.written} file(s) written to {output}", err=True)
    for invoice_id, reason in report.skipped:
        click.echo(f"invoice {invoice_id} left out: {reason}", err=True)


def _one_file(app: App, fmt: Format, filters: InvoiceFilter, output: Path | None) -> int:
    """Write the CSV or JSON export to `output` (whole or not at all) or standard output; return how many."""
    from invoicing import export as exports

    def write(out: TextIO) -> int:
        if fmt is exports.Format.CSV:
            return exports.write_csv(out, exports.summaries(app.db, filters))
        return exports.write_json(out, exports.details(app.db, filters))

    if output is None:
        return write(sys.stdout)
    partial = output.with_name(f".{output.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        count = write(out)
    partial.replace(output)
    return count


COMMANDS = (export,)
