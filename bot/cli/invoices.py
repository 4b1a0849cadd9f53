"""Commands about invoices in the books: `invoices list|show|edit`, `approve`, `reject`."""

from __future__ import annotations

import json

import click

from bot.cli.root import app_of, emit, fail, json_option
from invoicing.domain import Direction, InvoiceStatus


@click.group()
def invoices() -> None:
    """List, show and correct invoices."""


@invoices.command("list")
@click.option("--direction", type=click.Choice([d.value for d in Direction]))
@click.option("--status", type=click.Choice([s.value for s in InvoiceStatus]))
@click.option("--limit", type=click.IntRange(min=1))
@json_option
@click.pass_context
def invoices_list(ctx: click.Context, direction: str | None, status: str | None, limit: int | None, as_json: bool) -> None:
    """List invoices, newest first."""
    from invoicing import views

    with app_of(ctx).db.transaction() as session:
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
        party = v.contact or (v.buyer if v.direction is Direction.OUT else v.seller.name) or "-"
        total = f"{v.total} {v.currency}" if v.total is not None else f"- {v.currency}"
        flag = "  !" + "; ".join(v.warnings) if v.warnings else ""
        click.echo(f"#{v.id:<5} {v.direction.value:<3} {v.status.value:<16} {v.number or '-':<18} "
                   f"{v.issue_date or '-'!s:<10} {total:>16}  {party}{flag}")  # fmt: skip


@invoices.command("show")
@click.argument("invoice_id", type=int)
@json_option
@click.pass_context
def invoices_show(ctx: click.Context, invoice_id: int, as_json: bool) -> None:
    """Show one invoice with its lines, approvals, payments and audit trail."""
    from invoicing import views
    from invoicing.errors import InvoicingError

    with app_of(ctx).db.transaction() as session:
        try:
            detail = views.show_invoice(session, invoice_id)
        except InvoicingError as e:
            fail(str(e))
    click.echo(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=None if as_json else 2))


@invoices.command("edit")
@click.argument("invoice_id", type=int)
@click.argument("field")
@click.argument("value")
@json_option
@click.pass_context
def invoices_edit(ctx: click.Context, invoice_id: int, field: str, value: str, as_json: bool) -> None:
    """Correct FIELD of incoming invoice INVOICE_ID; the vendor's next invoices are read with it.

    FIELD is one of number, issue_date, due_date, currency, net_total, tax_total, total,
    seller_name, seller_vat_id, seller_iban, buyer_name, payment_reference.
    """
    from intake.corrections import correct_and_learn
    from invoicing.audit import to_jsonable
    from invoicing.corrections import LOCAL_ADMIN
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        change, hint = correct_and_learn(
            app.db, app.clock, app.store, invoice_id, field, value, actor="cli",
            ocr=app.reader.ocr, limits=app.reader.limits, method="fork", editor=LOCAL_ADMIN,
        )  # fmt: skip
    except InvoicingError as e:
        fail(str(e))
    learnt = hint is not None
    data = {"invoice_id": invoice_id, "field": field, "before": change.before, "after": change.after, "learnt": learnt}
    emit(to_jsonable(data), as_json, lambda: f"invoice {invoice_id}: {field} {change.before} -> {change.after}"
         + ("; learnt for this vendor" if learnt else ""))  # fmt: skip


def _decide(ctx: click.Context, invoice_id: int, approve: bool, reason: str | None) -> None:
    from invoicing import decisions
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            refused = approve and decisions.needs_a_person_first(
                session, invoice_id, app.settings.approvals_second_approval_over
            )
            if refused:
                fail(refused)
            decision = decisions.decide(session, app.clock, invoice_id, approve=approve, actor="cli", reason=reason)
    except InvoicingError as e:
        fail(str(e))
    click.echo(f"invoice {decision.invoice_id} {decision.status.value}")


@click.command()
@click.argument("invoice_id", type=int)
@click.pass_context
def approve(ctx: click.Context, invoice_id: int) -> None:
    """Approve incoming invoice INVOICE_ID."""
    _decide(ctx, invoice_id, True, None)


@click.command()
@click.argument("invoice_id", type=int)
@click.option("--reason", required=True, help="Why it is rejected (shown to the team and audited).")
@click.pass_context
def reject(ctx: click.Context, invoice_id: int, reason: str) -> None:
    """Reject incoming invoice INVOICE_ID."""
    _decide(ctx, invoice_id, False, reason)


COMMANDS = (invoices, approve, reject)
