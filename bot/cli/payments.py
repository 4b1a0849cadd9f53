"""Commands about money coming in: `payments add|import|unmatched|assign|ignore`."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from bot.cli.root import app_of, emit, fail, json_option


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    from invoicing.corrections import parse_date

    try:
        return parse_date(value) if value else None
    except ValueError as e:
        raise click.BadParameter(str(e)) from e


@click.group()
def payments() -> None:
    """Record payments, import bank statements, assign what could not be matched."""


@payments.command("add")
@click.argument("invoice")
@click.argument("amount")
@click.option("--date", "paid_on", callback=_date, help="When it was paid (default: today).")
@json_option
@click.pass_context
def payments_add(ctx: click.Context, invoice: str, amount: str, paid_on: dt.date | None, as_json: bool) -> None:
    """Record a payment of INVOICE (its number, or #ID) of AMOUNT."""
    from invoicing import payments as cases
    from invoicing.errors import InvoicingError

    try:
        value = Decimal(amount.replace(",", ".") if amount.count(",") == 1 and "." not in amount else amount)
    except InvalidOperation:
        fail(f"{amount!r} is not an amount such as 119.00")
    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            r = cases.record_payment(session, app.clock, invoice, amount=value, paid_on=paid_on, method="cli", actor="cli")
    except InvoicingError as e:
        fail(str(e))
    data = {"payment_id": r.payment_id, "invoice_id": r.invoice_id, "number": r.number, "amount": str(r.amount),
            "status": r.status.value, "open_amount": str(r.open_amount), "discount": str(r.discount),
            "days_late": r.days_late}  # fmt: skip
    emit(data, as_json, lambda: f"{r.number}: {r.status.value}, {r.open_amount} {r.currency} open"
         + (f" (discount {r.discount})" if r.discount else "") + (f", {r.days_late} days late" if r.days_late else ""))


@payments.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@click.pass_context
def payments_import(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Import a bank statement (camt.053/camt.054 XML, or CSV as [statements.csv] maps it): what
    matches an invoice is booked, the rest is kept for a person (`payments unmatched`)."""
    from invoicing.bank_import import import_statement
    from invoicing.errors import InvoicingError
    from invoicing.statements import UnreadableStatement
    from invoicing.statements.csv import CsvMapping

    app = app_of(ctx)
    try:
        mapping = CsvMapping.from_config(app.settings.statements_csv) if app.settings.statements_csv else None
        report = import_statement(app.db, app.clock, file.read_bytes(), file.name, mapping=mapping, actor="cli")
    except (InvoicingError, UnreadableStatement) as e:
        fail(f"{file}: {e}")
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
        return
    click.echo(f"{file}: {report.entries} entries: {len(report.matched)} booked, {len(report.left)} for a person, "
               f"{report.known} imported before, {report.ignored} not payments to us")  # fmt: skip
    for line in report.flags:
        click.echo(f"  flag: {line}")
    for line in report.problems:
        click.echo(f"  problem: {line}")


@payments.command("unmatched")
@json_option
@click.pass_context
def payments_unmatched(ctx: click.Context, as_json: bool) -> None:
    """List the incoming payments no invoice could be matched to with certainty."""
    from invoicing.bank_import import entry_dict, unmatched

    with app_of(ctx).db.transaction() as session:
        found = [entry_dict(e) for e in unmatched(session)]
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    if not found:
        click.echo("nothing waits")
    for e in found:
        hint = f"  candidates {', '.join(f'#{c}' for c in e['candidates'])}" if e["candidates"] else ""
        click.echo(f"#{e['id']:<5} {e['booking_date']} {e['amount']:>12} {e['currency']}  {e['name'] or '-'}: "
                   f"{(e['text'] or '')[:60]}{hint}")  # fmt: skip


@payments.command("assign")
@click.argument("entry_id", type=int)
@click.argument("invoice")
@click.pass_context
def payments_assign(ctx: click.Context, entry_id: int, invoice: str) -> None:
    """Book unmatched payment ENTRY_ID as a payment of INVOICE (number or #ID)."""
    from invoicing.bank_import import assign
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            entry = assign(session, app.clock, entry_id, invoice, "cli")
            click.echo(f"payment {entry.entry_ref} booked to invoice #{entry.invoice_id}")
    except InvoicingError as e:
        fail(str(e))


@payments.command("ignore")
@click.argument("entry_id", type=int)
@click.option("--why", required=True, help="What it is instead (a refund, a transfer between own accounts...).")
@click.pass_context
def payments_ignore(ctx: click.Context, entry_id: int, why: str) -> None:
    """Set aside unmatched entry ENTRY_ID: it is not a customer's payment."""
    from invoicing.bank_import import ignore
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            ignore(session, app.clock, entry_id, "cli", why)
    except InvoicingError as e:
        fail(str(e))
    click.echo(f"entry {entry_id} set aside")


COMMANDS = (payments,)
