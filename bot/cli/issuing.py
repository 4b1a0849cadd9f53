"""Commands that write invoices: `invoice new|import|issue|show|pdf|credit|send`, `tasks`, `tick`.

Each issuing command also does the follow-up jobs itself (the PDF, and the e-mail with --send)
so that it works without a running service; they are outbox jobs all the same, so a failure
(the mail server away) leaves them queued for the service or the next `invoicebot tick`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.root import app_of, emit, fail, json_option

if TYPE_CHECKING:
    from bot.wiring import App


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    from invoicing.corrections import parse_date

    try:
        return parse_date(value) if value else None
    except ValueError as e:
        raise click.BadParameter(str(e)) from e


def _worker() -> str:
    return f"cli:{socket.gethostname()}:{os.getpid()}"


def follow_up(app: App, invoice_id: int, send: bool, send_attempt: int = 1) -> None:
    """Render (and send) an invoice now instead of waiting for the service."""
    from invoicing import issuing, jobs

    keys = [f"{issuing.INVOICE_RENDER}:{invoice_id}"] + ([issuing.send_key(invoice_id, send_attempt)] if send else [])

    async def run() -> None:
        handlers = app.job_handlers()
        for key in keys:
            await jobs.run_now(app.db, app.clock, handlers, _worker(), key)

    import asyncio

    asyncio.run(run())


def _shown(app: App, invoice_id: int, as_json: bool) -> None:
    from invoicing import views

    with app.db.transaction() as session:
        detail = views.show_invoice(session, invoice_id)
    data = detail.model_dump(mode="json")
    emit(data, as_json, lambda: f"{invoice_id}" + (f" {detail.number}" if detail.number else " (draft)"))


@click.group()
def invoice() -> None:
    """Write invoices to customers: issue, print, credit, send."""


@invoice.command("new")
@click.option("--customer", "customer_id", type=int, required=True, help="The contact id of the customer.")
@click.option("--line", "lines", multiple=True, required=True, metavar='"DESCRIPTION;QTY;PRICE;TAX %"',
              help="A line; repeat for more. The tax rate may be AE (reverse charge), K, G, E or O.")  # fmt: skip
@click.option("--currency", help="Default: the customer's, else INVOICEBOT_CURRENCY.")
@click.option("--due", callback=_date, help="Due date (2026-03-31 or 31.03.2026); default from the terms.")
@click.option("--note", help="A line printed above the invoice lines.")
@click.option("--draft", is_flag=True, help="Keep it a draft (no number yet): `invoice issue ID` later.")
@click.option("--send", is_flag=True, help="Also e-mail it to the customer.")
@json_option
@click.pass_context
def invoice_new(
    ctx: click.Context, customer_id: int, lines: tuple[str, ...], currency: str | None, due: dt.date | None,
    note: str | None, draft: bool, send: bool, as_json: bool,
) -> None:  # fmt: skip
    """Issue an invoice (number, PDF); prints its id, with --json the whole invoice."""
    from invoicing.billing import parse_line
    from invoicing.issuing import InvoiceRequest

    if draft and send:
        fail("--draft and --send exclude each other: a draft has no number to send")
    try:
        items = tuple(parse_line(text, i) for i, text in enumerate(lines, start=1))
    except Exception as e:  # noqa: BLE001 - InvalidLine, shown as a usage error
        fail(str(e))
    request = InvoiceRequest(customer_id, items, currency=currency, due_date=due, note=note)
    _issue_requests(app_of(ctx), [request], draft, send, as_json)


def _issue_requests(app: App, requests: list[Any], draft: bool, send: bool, as_json: bool) -> None:
    """Issue every request in one transaction (all or none, so that a file can be fixed and
    imported again without doubles), then render (and send) them, with a bar on a terminal."""
    from invoicing import issuing
    from invoicing.errors import InvoicingError

    made: list[int] = []
    try:
        with app.db.transaction() as session:
            for position, request in enumerate(requests, start=1):
                try:
                    made.append(issuing.issue_new(session, app.clock, request, app.issuing_policy, "cli", draft=draft, send=send))
                except InvoicingError as e:
                    where = f"invoice {position} of {len(requests)}: " if len(requests) > 1 else ""
                    raise InvoicingError(f"{where}{e}; nothing was issued") from e
    except InvoicingError as e:
        fail(str(e))
    show_bar = len(made) > 1 and not draft and sys.stderr.isatty()
    bar = click.progressbar(made, file=sys.stderr, label="rendering") if show_bar else contextlib.nullcontext(made)
    with bar as invoice_ids:
        for invoice_id in invoice_ids:
            if not draft:
                follow_up(app, invoice_id, send)
    for invoice_id in made:
        _shown(app, invoice_id, as_json)


@invoice.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Keep them drafts.")
@click.option("--send", is_flag=True, help="Also e-mail them.")
@json_option
@click.pass_context
def invoice_import(ctx: click.Context, file: Path, draft: bool, send: bool, as_json: bool) -> None:
    """Issue the invoice(s) in a JSON FILE: one object or a list, shaped as `invoice show --json`
    prints (customer `contact_id`, `lines` with description, quantity, unit_price, tax_rate)."""
    from invoicing.invoice_json import InvalidInvoiceJson, requests_from_json

    try:
        requests = requests_from_json(json.loads(file.read_text(encoding="utf-8")))
    except (ValueError, InvalidInvoiceJson) as e:
        fail(f"{file}: {e}")
    _issue_requests(app_of(ctx), requests, draft, send, as_json)


@invoice.command("issue")
@click.argument("invoice_id", type=int)
@click.option("--send", is_flag=True, help="Also e-mail it to the customer.")
@json_option
@click.pass_context
def invoice_issue(ctx: click.Context, invoice_id: int, send: bool, as_json: bool) -> None:
    """Issue a draft: it gets its number and its PDF."""
    from invoicing import issuing
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            issuing.issue(session, app.clock, invoice_id, app.issuing_policy, "cli", send=send)
    except InvoicingError as e:
        fail(str(e))
    follow_up(app, invoice_id, send)
    _shown(app, invoice_id, as_json)


@invoice.command("show")
@click.argument("ref")
@json_option
@click.pass_context
def invoice_show(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Show an outgoing invoice by id or number."""
    from invoicing import views
    from invoicing.errors import InvoicingError
    from invoicing.issuing import find_issued

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            detail = views.show_invoice(session, find_issued(session, ref).id)
    except InvoicingError as e:
        fail(str(e))
    click.echo(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=None if as_json else 2))


@invoice.command("pdf")
@click.argument("ref")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: NUMBER.pdf here.")
@click.pass_context
def invoice_pdf(ctx: click.Context, ref: str, output: Path | None) -> None:
    """Write the PDF of an issued invoice (made now if it is not yet); `-o -` writes to stdout."""
    from invoicing import issuing
    from invoicing.db.models import Document, Invoice
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            found = issuing.find_issued(session, ref)
            invoice_id, number, rendered = found.id, found.number, found.document_id is not None
        if not rendered:
            follow_up(app, invoice_id, send=False)
        with app.db.transaction() as session:
            document = session.get(Document, session.get(Invoice, invoice_id).document_id)  # type: ignore[union-attr]
            if document is None:
                fail(f"the PDF of {number} could not be made; see `invoicebot jobs` and the log")
            pdf = app.store.read(document.storage_path)
    except InvoicingError as e:
        fail(str(e))
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(pdf)
        return
    target = output or Path(f"{number}.pdf")
    target.write_bytes(pdf)
    click.echo(str(target))


@invoice.command("credit")
@click.argument("number")
@click.option("--line", "lines", multiple=True, metavar='"DESCRIPTION;QTY;PRICE;TAX %"',
              help="Credit only these lines (default: the whole invoice).")  # fmt: skip
@click.option("--send", is_flag=True, help="Also e-mail it to the customer.")
@json_option
@click.pass_context
def invoice_credit(ctx: click.Context, number: str, lines: tuple[str, ...], send: bool, as_json: bool) -> None:
    """Issue a credit note that corrects issued invoice NUMBER."""
    from invoicing import issuing
    from invoicing.billing import parse_line
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        items = [parse_line(text, i) for i, text in enumerate(lines, start=1)]
        with app.db.transaction() as session:
            credited = issuing.credit_note(session, app.clock, number, app.issuing_policy, "cli", items, send=send)
    except InvoicingError as e:
        fail(str(e))
    follow_up(app, credited.invoice_id, send)
    _shown(app, credited.invoice_id, as_json)


@invoice.command("send")
@click.argument("ref")
@click.option("--again", is_flag=True, help="Send it once more even though it was sent.")
@click.pass_context
def invoice_send(ctx: click.Context, ref: str, again: bool) -> None:
    """E-mail an issued invoice to the customer."""
    from invoicing import issuing
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            found = issuing.find_issued(session, ref)
            attempt = 1
            while not issuing.enqueue_send(session, app.clock, found.id, attempt):
                if not again:
                    fail(f"{found.number} was queued for sending before; use --again to send it once more")
                attempt += 1
            invoice_id, number = found.id, found.number
    except InvoicingError as e:
        fail(str(e))
    follow_up(app, invoice_id, send=True, send_attempt=attempt)
    click.echo(f"{number} queued for sending")
@invoice.command("hold")
@click.argument("ref")
@click.option("--days", type=click.IntRange(min=1), help="Hold reminders this many days (default: the setting).")
@click.option("--until", "until", callback=_date, help="Hold reminders until this day.")
@click.option("--off", is_flag=True, help="Lift the hold: reminders resume at once.")
@click.pass_context
def invoice_hold(ctx: click.Context, ref: str, days: int | None, until: dt.date | None, off: bool) -> None:
    """Hold the reminders of an issued invoice (a customer promised to pay, a dispute...)."""
    from invoicing import issuing, reminders
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    if off and (days or until):
        fail("--off lifts the hold; it takes no --days or --until")
    day = None if off else until or app.clock.today() + dt.timedelta(days=days or app.settings.reminder_hold_days)
    try:
        with app.db.transaction() as session:
            held = reminders.hold(session, app.clock, issuing.find_issued(session, ref).id, day, "cli")
            number = held.number
    except InvoicingError as e:
        fail(str(e))
    click.echo(f"{number}: reminders resume now" if day is None else f"{number}: reminders held until {day}")


COMMANDS = (invoice,)
