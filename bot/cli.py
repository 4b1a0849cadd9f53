"""The `invoicebot` command line: run the service, read files, and administer the books."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.wiring import App, configure_logging
from intake.corrections import correct_and_learn
from intake.pipeline import DocumentReader, ReadOutcome
from invoicing import decisions, views
from invoicing.audit import to_jsonable
from invoicing.config import ConfigError, load_settings
from invoicing.corrections import FIELDS as CORRECTABLE
from invoicing.domain import Channel, Direction, InvoiceStatus
from invoicing.errors import InvoicingError
from invoicing.extraction import ExtractedInvoice, error_json_dict

T = TypeVar("T")


def _app(ctx: click.Context) -> App:
    app = ctx.obj
    assert isinstance(app, App)
    return app


def _emit(data: Any, as_json: bool, text: Callable[[], str]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False) if as_json else text())


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """invoicebot: reads incoming invoices, routes approvals, issues and chases invoices."""
    try:
        settings = load_settings()
    except ConfigError as e:
        raise click.ClickException(f"configuration: {e}") from e
    configure_logging(settings, settings.secrets())
    ctx.obj = App(settings)
    ctx.call_on_close(ctx.obj.close)


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the service: drop folder, job worker (and e-mail and chat when configured)."""
    from bot.service import serve

    asyncio.run(serve(_app(ctx)))


# --- reading files -------------------------------------------------------------------------------


def _read_all(paths: list[Path], reader: DocumentReader) -> Iterator[tuple[Path, ReadOutcome]]:
    yield from zip(paths, reader.read_files(paths), strict=True)


def _summary(path: Path, extraction: ExtractedInvoice) -> str:
    seller = extraction.seller
    lines = [
        f"{path}",
        f"  number     {extraction.invoice_number or '-'}",
        f"  seller     {seller.name or '-'}  VAT {seller.vat_id or '-'}  IBAN {seller.iban or '-'}",
        f"  buyer      {extraction.buyer.name or '-'}",
        f"  dates      issued {extraction.issue_date or '-'}, due {extraction.due_date or '-'}",
        f"  amounts    net {extraction.net_total or '-'} + tax {extraction.tax_total or '-'}"
        f" = total {extraction.total or '-'} {extraction.currency or ''}",
        f"  source     {extraction.source.value if extraction.source else '-'}, {len(extraction.lines)} lines",
    ]
    lines += [f"  warning    {w}" for w in extraction.warnings]
    return "\n".join(lines)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file per line.")
@click.pass_context
def extract(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Read invoice FILES (PDF, PNG, JPEG, TIFF, XML) and print what they say."""
    paths = list(files)
    results = _read_all(paths, _app(ctx).reader)
    show_bar = len(paths) > 1 and sys.stderr.isatty()
    bar_or_not = click.progressbar(results, length=len(paths), file=sys.stderr, label="reading")
    with bar_or_not if show_bar else contextlib.nullcontext(results) as bar:
        for path, outcome in bar:
            if outcome.extraction is None:
                error = outcome.error or "unreadable"
                _emit(error_json_dict(str(path), error), as_json, lambda: f"{path}\n  error      {error}")
            else:
                extraction = outcome.extraction
                _emit(extraction.to_json_dict(str(path)), as_json, lambda: _summary(path, extraction))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def ingest(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Feed FILES through the incoming pipeline once (as the drop folder would) and exit."""
    app = _app(ctx)

    async def feed() -> None:
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as e:
                reason = str(e)
                _emit({"path": str(path), "error": reason}, as_json, lambda: f"{path}: {reason}")
                continue
            received = await app.intake.ingest(data, path.name, channel=Channel.CLI, source_ref=str(path), actor="cli")
            record = {
                "path": str(path), "document_id": received.document_id, "invoice_id": received.invoice_id,
                "status": received.status.value if received.status else None, "already_known": received.already_known,
                "duplicate_of": received.duplicate_of, "error": received.error, "warnings": list(received.warnings),
            }  # fmt: skip
            _emit(record, as_json, lambda: _ingest_line(path, record))

    asyncio.run(feed())


def _ingest_line(path: Path, record: dict[str, Any]) -> str:
    if record["already_known"]:
        return f"{path}: already received as document {record['document_id']} (invoice {record['invoice_id']})"
    if record["error"]:
        return f"{path}: not readable: {record['error']}"
    warn = f"; {', '.join(record['warnings'])}" if record["warnings"] else ""
    return f"{path}: invoice {record['invoice_id']} {record['status']}{warn}"


# --- invoices ------------------------------------------------------------------------------------


@main.group()
def invoices() -> None:
    """List and show invoices."""


@invoices.command("list")
@click.option("--direction", type=click.Choice([d.value for d in Direction]))
@click.option("--status", type=click.Choice([s.value for s in InvoiceStatus]))
@click.option("--limit", type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def invoices_list(ctx: click.Context, direction: str | None, status: str | None, limit: int | None, as_json: bool) -> None:
    """List invoices, newest first."""
    with _app(ctx).db.transaction() as session:
        found = views.list_invoices(
            session,
            direction=Direction(direction) if direction else None,
            status=InvoiceStatus(status) if status else None,
            limit=limit,
        )
    if as_json:
        click.echo(json.dumps([v.model_dump(mode="json") for v in found], ensure_ascii=False))
        return
    if not found:
        click.echo("no invoices")
    for v in found:
        party = v.contact or v.seller.name or v.buyer or "-"
        total = f"{v.total} {v.currency}" if v.total is not None else f"- {v.currency}"
        flag = "  !" + "; ".join(v.warnings) if v.warnings else ""
        click.echo(f"#{v.id:<5} {v.direction.value:<3} {v.status.value:<16} {v.number or '-':<18} "
                   f"{v.issue_date or '-'!s:<10} {total:>16}  {party}{flag}")  # fmt: skip


@invoices.command("show")
@click.argument("invoice_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def invoices_show(ctx: click.Context, invoice_id: int, as_json: bool) -> None:
    """Show one invoice with its lines, approvals, payments and audit trail."""
    with _app(ctx).db.transaction() as session:
        try:
            detail = views.show_invoice(session, invoice_id)
        except InvoicingError as e:
            _fail(str(e))
    if as_json:
        click.echo(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False))
        return
    click.echo(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=2))


@invoices.command("edit")
@click.argument("invoice_id", type=int)
@click.argument("field", type=click.Choice(sorted(CORRECTABLE)))
@click.argument("value")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def invoices_edit(ctx: click.Context, invoice_id: int, field: str, value: str, as_json: bool) -> None:
    """Correct FIELD of incoming invoice INVOICE_ID; the vendor's next invoices are read with it."""
    app = _app(ctx)
    assert app.clock is not None
    try:
        change, hint = correct_and_learn(
            app.db, app.clock, app.store, invoice_id, field, value, actor="cli",
            languages=app.settings.ocr_languages, limits=app.reader.limits, method="fork",
        )  # fmt: skip
    except InvoicingError as e:
        _fail(str(e))
    learnt = hint is not None
    data = {"invoice_id": invoice_id, "field": field, "before": change.before, "after": change.after, "learnt": learnt}
    _emit(to_jsonable(data), as_json, lambda: f"invoice {invoice_id}: {field} {change.before} -> {change.after}"
          + ("; learnt for this vendor" if learnt else ""))  # fmt: skip


def _decide(ctx: click.Context, invoice_id: int, approve: bool, reason: str | None) -> None:
    app = _app(ctx)
    assert app.clock is not None
    try:
        with app.db.transaction() as session:
            decision = decisions.decide(session, app.clock, invoice_id, approve=approve, actor="cli", reason=reason)
    except InvoicingError as e:
        _fail(str(e))
    click.echo(f"invoice {decision.invoice_id} {decision.status.value}")


@main.command()
@click.argument("invoice_id", type=int)
@click.pass_context
def approve(ctx: click.Context, invoice_id: int) -> None:
    """Approve incoming invoice INVOICE_ID."""
    _decide(ctx, invoice_id, True, None)


@main.command()
@click.argument("invoice_id", type=int)
@click.option("--reason", required=True, help="Why it is rejected (shown to the team and audited).")
@click.pass_context
def reject(ctx: click.Context, invoice_id: int, reason: str) -> None:
    """Reject incoming invoice INVOICE_ID."""
    _decide(ctx, invoice_id, False, reason)


from bot import cli_admin  # noqa: E402,F401 - registers users, contacts, db and audit commands
