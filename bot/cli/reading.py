"""Commands that read documents: `extract` and `ingest`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.root import app_of, emit, json_option

if TYPE_CHECKING:
    from intake.reading import DocumentReader, ReadOutcome
    from invoicing.extraction import ExtractedInvoice


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


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file per line.")
@click.pass_context
def extract(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Read invoice FILES (PDF, PNG, JPEG, TIFF, XML) and print what they say."""
    from invoicing.extraction import error_json_dict

    paths = list(files)
    results = _read_all(paths, app_of(ctx).reader)
    show_bar = len(paths) > 1 and sys.stderr.isatty()
    bar_or_not = click.progressbar(results, length=len(paths), file=sys.stderr, label="reading")
    with bar_or_not if show_bar else contextlib.nullcontext(results) as bar:
        for path, outcome in bar:
            if outcome.extraction is None:
                error = outcome.error or "unreadable"
                emit(error_json_dict(str(path), error), as_json, lambda: f"{path}\n  error      {error}")
            else:
                extraction = outcome.extraction
                emit(extraction.to_json_dict(str(path)), as_json, lambda: _summary(path, extraction))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@click.pass_context
def ingest(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Feed FILES through the incoming pipeline once (as the drop folder would) and exit."""
    from invoicing.domain import Channel

    app = app_of(ctx)

    async def feed() -> None:
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as e:
                reason = str(e)
                emit({"path": str(path), "error": reason}, as_json, lambda: f"{path}: {reason}")
                continue
            received = await app.intake.ingest(data, path.name, channel=Channel.CLI, source_ref=str(path), actor="cli")
            record = {
                "path": str(path), "document_id": received.document_id, "invoice_id": received.invoice_id,
                "status": received.status.value if received.status else None, "already_known": received.already_known,
                "duplicate_of": received.duplicate_of, "error": received.error, "warnings": list(received.warnings),
            }  # fmt: skip
            emit(record, as_json, lambda: _ingest_line(path, record))

    import asyncio

    asyncio.run(feed())


def _ingest_line(path: Path, record: dict[str, Any]) -> str:
    if record["already_known"]:
        return f"{path}: already received as document {record['document_id']} (invoice {record['invoice_id']})"
    if record["error"]:
        return f"{path}: not readable: {record['error']}"
    warn = f"; {', '.join(record['warnings'])}" if record["warnings"] else ""
    return f"{path}: invoice {record['invoice_id']} {record['status']}{warn}"


COMMANDS = (extract, ingest)
