"""Commands about money to come and go: `payables` (supplier invoices to pay) and `cashflow`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.root import app_of, emit, fail, json_option

if TYPE_CHECKING:
    from invoicing.cashflow import Projection
    from invoicing.payables import PayableItem


@click.group("payables", invoke_without_command=True)
@click.option("--days", type=click.IntRange(min=0), help="Only those due within N days (overdue ones included).")
@json_option
@click.pass_context
def payables(ctx: click.Context, days: int | None, as_json: bool) -> None:
    """List approved supplier invoices not paid yet, the soonest due first: amount, supplier, due
    date, IBAN, an early-payment discount still to be had, and warnings against paying twice.
    `payables export` writes them as a credit-transfer file for the bank."""
    from invoicing.payables import list_payables

    if ctx.invoked_subcommand is not None:
        return
    app = app_of(ctx)
    with app.db.transaction() as session:
        found = list_payables(session, app.clock.today(), within_days=days, zone=app.settings.zone)
    if as_json:
        click.echo(json.dumps([p.to_json() for p in found], ensure_ascii=False))
        return
    click.echo(_payables_text(found) if found else "no supplier invoices to pay")


def _payables_text(found: list[PayableItem]) -> str:
    from invoicing.payee_rules import show_iban

    lines: list[str] = []
    totals: dict[str, Decimal] = {}
    for p in found:
        when = "no due date" if p.due_date is None else f"due {p.due_date} ({_days(p.days_left or 0)})"
        iban = f"IBAN {show_iban(p.iban)}" if p.iban else "no IBAN"
        ref = f"  ref {p.payment_reference}" if p.payment_reference else ""
        lines.append(f"#{p.invoice_id:<5} {when:<30} {p.open_amount:>12} {p.currency}  {p.supplier}  "
                     f"{p.number or '-'}  {iban}{ref}")  # fmt: skip
        if p.discount:
            d = p.discount
            lines.append(f"       discount {d.percent.normalize():f} %: pay {d.pay} {p.currency} by {d.until} "
                         f"(saves {d.amount})")  # fmt: skip
        lines += [f"       ! {w.text()}" for w in p.warnings]
        totals[p.currency] = totals.get(p.currency, Decimal("0.00")) + p.open_amount
    lines.append("total " + ", ".join(f"{amount} {currency}" for currency, amount in sorted(totals.items()))
                 + f" ({len(found)} invoice{'s' if len(found) != 1 else ''})")  # fmt: skip
    return "\n".join(lines)


def _days(left: int) -> str:
    if left == 0:
        return "today"
    return f"in {left} days" if left > 0 else f"{-left} days late"


@click.command("cashflow")
@click.option("--days", type=click.IntRange(min=1, max=730), default=90, show_default=True,
              help="How many days ahead, from today.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also draw the chart (PNG) of the business currency into this file.")  # fmt: skip
@json_option
@click.pass_context
def cashflow(ctx: click.Context, days: int, output: Path | None, as_json: bool) -> None:
    """Project money in and out week by week: open customer invoices when each customer is likely
    to pay, the invoices recurring plans will issue, and approved supplier invoices by due date."""
    from invoicing.forecast import cash_flow

    app = app_of(ctx)
    settings = app.settings
    with app.db.transaction() as session:
        projection = cash_flow(session, app.clock.today(), days=days, currency=settings.currency,
                               terms_days=settings.payment_terms_days)  # fmt: skip
    if output is not None:
        from invoicing.cashflow_chart import render_chart

        try:
            output.write_bytes(render_chart(projection))
        except OSError as e:
            fail(f"{output}: {e.strerror or e}")
    data = {**projection.to_json(), "chart": str(output) if output else None}
    emit(data, as_json, lambda: _cashflow_text(projection, output))


def _cashflow_text(p: Projection, output: Path | None) -> str:
    lines = [f"Cash flow from {p.today} to {p.until}: expected payments of open and recurring customer "
             "invoices in, approved supplier invoices out"]  # fmt: skip
    for currency in p.currencies:
        lines += ["", currency, *_table(p, currency)]
        overdue, later = p.overdue.get(currency), p.later.get(currency)
        if overdue:
            lines.append(f"overdue, counted in the first week: in {overdue.money_in}, out {overdue.money_out}")
        if later:
            lines.append(f"expected after {p.until}: in {later.money_in}, out {later.money_out}")
    if output is not None:
        lines += ["", f"chart of {p.currency} written to {output}"]
    return "\n".join(lines)


def _table(p: Projection, currency: str) -> list[str]:
    rows = [("week", "from", "in", "out", "net", "balance")]
    rows += [(w.label, w.start.isoformat(), str(f.money_in), str(f.money_out), str(f.net), str(f.balance))
             for w, f in zip(p.weeks, p.series(currency), strict=True)]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
            for row in rows]  # fmt: skip


@payables.command("export")
@click.option("--format", "fmt", type=click.Choice(["pain.001"]), default="pain.001", show_default=True)
@click.option("--days", type=click.IntRange(min=0), default=7, show_default=True,
              help="Those due within N days (and overdue ones, and discounts ending within N days).")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--include-flagged", is_flag=True, help="Also those already paid or exported before (paid twice!).")
@json_option
@click.pass_context
def payables_export(
    ctx: click.Context, fmt: str, days: int, output: Path, include_flagged: bool, as_json: bool
) -> None:  # fmt: skip
    """Write the supplier invoices to pay as an ISO 20022 pain.001 file for the bank (EUR, SEPA)."""
    from invoicing.errors import InvoicingError
    from invoicing.payable_export import export_transfers

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            result = export_transfers(session, app.clock, app.settings, within_days=days,
                                      include_flagged=include_flagged, actor="cli")  # fmt: skip
            output.write_bytes(result.xml)
    except InvoicingError as e:
        fail(str(e))
    emit(result.to_json(str(output)), as_json, lambda: result.summary(str(output)))


COMMANDS = (payables, cashflow)
