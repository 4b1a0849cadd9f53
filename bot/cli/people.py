"""Commands about people and businesses: `users add|list`, `contacts add|list|show|import`."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.cli.root import app_of, emit, fail, json_option
from invoicing.domain import Role

if TYPE_CHECKING:
    from invoicing.contact_import import RowResult
    from invoicing.contact_views import ContactDetail
    from invoicing.crm_export import Export

LANGUAGES = ("en", "de", "fr", "da")


@click.group()
def users() -> None:
    """Register the people who approve invoices."""


@users.command("add")
@click.option("--name", required=True)
@click.option("--telegram-id", type=int, help="Their Telegram user id (the bot tells unknown users theirs).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email")
@json_option
@click.pass_context
def users_add(ctx: click.Context, name: str, telegram_id: int | None, role: str, email: str | None, as_json: bool) -> None:
    """Register a user; prints the new user's id."""
    from invoicing import directory
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            user = directory.add_user(session, app.clock, name=name, role=Role(role), telegram_user_id=telegram_id, email=email)
            data = directory.user_dict(user)
    except InvoicingError as e:
        fail(str(e))
    emit(data, as_json, lambda: str(data["id"]))


@users.command("list")
@json_option
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """List registered users."""
    from invoicing import directory

    with app_of(ctx).db.transaction() as session:
        found = [directory.user_dict(u) for u in directory.live_users(session)]
    if as_json:
        click.echo(json.dumps(found))
        return
    for u in found:
        click.echo(f"{u['id']:<5} {u['role']:<8} {u['name']}  telegram {u['telegram_user_id'] or '-'}  {u['email'] or ''}")


@click.group()
def contacts() -> None:
    """Record customers and vendors, or take them from a CRM export."""


@contacts.command("add")
@click.option("--name", required=True)
@click.option("--email")
@click.option("--invoice-email", help="Where invoices to this customer go (else --email).")
@click.option("--vat-id")
@click.option("--iban")
@click.option("--manager", "manager_id", type=int, help="User id of the relationship manager who approves.")
@click.option("--customer", is_flag=True, help="We invoice them.")
@click.option("--vendor", is_flag=True, help="They invoice us (the default).")
@click.option("--language", type=click.Choice(LANGUAGES))
@click.option("--currency")
@click.option("--terms-days", type=click.IntRange(min=0), help="Payment terms in days.")
@click.option("--address", multiple=True, help="A street line of the postal address (repeat for more lines).")
@click.option("--postcode")
@click.option("--city")
@click.option("--country", help="Two-letter ISO code, such as DE.")
@click.option("--discount", help='Early-payment discount: "2% 10" is 2 % off within 10 days.')
@click.option("--late-fee", help='"interest 9.5", "fixed 15", "percent 5" or "eu".')
@click.option("--external-id", help="The contact's key in your CRM (imports match on it).")
@json_option
@click.pass_context
def contacts_add(
    ctx: click.Context, name: str, email: str | None, invoice_email: str | None, vat_id: str | None,
    iban: str | None, manager_id: int | None, customer: bool, vendor: bool, language: str | None,
    currency: str | None, terms_days: int | None, address: tuple[str, ...], postcode: str | None,
    city: str | None, country: str | None, discount: str | None, late_fee: str | None,
    external_id: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Add a contact; prints the new contact's id."""
    from invoicing import directory
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    data = directory.ContactInput(
        name=name, email=email, vat_id=vat_id, iban=iban, manager_id=manager_id, is_customer=customer,
        is_vendor=vendor, language=language, currency=currency, payment_terms_days=terms_days,
        address="\n".join(address) or None, postcode=postcode, city=city, country=country,
        invoice_email=invoice_email, discount_terms=discount, late_fee_terms=late_fee, external_id=external_id,
    )  # fmt: skip
    try:
        with app.db.transaction() as session:
            result = directory.contact_dict(directory.add_contact(session, app.clock, data))
    except InvoicingError as e:
        fail(str(e))
    emit(result, as_json, lambda: str(result["id"]))


@contacts.command("list")
@json_option
@click.pass_context
def contacts_list(ctx: click.Context, as_json: bool) -> None:
    """List contacts."""
    from invoicing import directory

    with app_of(ctx).db.transaction() as session:
        found = [directory.contact_dict(c) for c in directory.live_contacts(session)]
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    for c in found:
        kinds = "/".join(k for k in ("customer", "vendor") if c[k])
        click.echo(f"{c['id']:<5} {c['name']:<30} {kinds:<15} {c['country'] or '--'}  "
                   f"{c['invoice_email'] or c['email'] or '-':<30} VAT {c['vat_id'] or '-'}  "
                   f"manager {c['manager_id'] or '-'}")  # fmt: skip


@contacts.command("show")
@click.argument("contact_id", type=int)
@json_option
@click.pass_context
def contacts_show(ctx: click.Context, contact_id: int, as_json: bool) -> None:
    """Show a contact with all its details, its invoices both ways and its stored documents."""
    from invoicing.contact_views import show_contact
    from invoicing.errors import InvoicingError

    with app_of(ctx).db.transaction() as session:
        try:
            detail = show_contact(session, contact_id)
        except InvoicingError as e:
            fail(str(e))
    if as_json:
        click.echo(json.dumps(detail.model_dump(mode="json"), ensure_ascii=False))
        return
    click.echo(_contact_text(detail))


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
@json_option
@click.pass_context
def contacts_import(ctx: click.Context, file: Path, dry_run: bool, as_json: bool) -> None:
    """Take the customers of a CRM export FILE: CSV with a header row, or vCard (.vcf).

    Each record is matched by external id, then VAT ID, then e-mail: new ones are added,
    changed ones updated, the same ones left alone. Refused rows are listed with their line;
    the others go in. Exits 1 when a row was refused (or the file cannot be read), else 0.
    Columns with other headers are named in the setting contacts_import.columns.
    """
    from invoicing import contact_import, crm_export

    app = app_of(ctx)
    try:
        export = crm_export.read_export(file.read_bytes(), file.name, app.settings.contacts_import_columns)
    except (crm_export.ExportError, OSError) as e:
        fail(f"{file}: {e}")
    outcomes = contact_import.import_rows(app.db, app.clock, export.rows, actor=f"cli import {file.name}",
                                          dry_run=dry_run)  # fmt: skip
    show_bar = len(export.rows) > contact_import.BATCH_SIZE and sys.stderr.isatty()
    bar = click.progressbar(length=len(export.rows), file=sys.stderr, label="importing")
    results = []
    with bar if show_bar else contextlib.nullcontext(bar):
        for result in outcomes:
            results.append(result)
            if show_bar:
                bar.update(1)
    report = _import_report(file.name, export, results, dry_run)
    emit(report, as_json, lambda: _import_text(report))
    if report["errors"]:
        ctx.exit(1)


def _import_report(name: str, export: Export, results: list[RowResult], dry_run: bool) -> dict[str, Any]:
    """Return what an import did (or, dry, would do) as `--json` prints it."""
    by: dict[str, list[RowResult]] = {"added": [], "updated": [], "unchanged": [], "refused": []}
    for r in results:
        by[r.outcome.value].append(r)
    return {
        "file": name, "format": export.format, "dry_run": dry_run, "rows": len(results),
        "columns": dict(export.columns), "ignored_columns": list(export.ignored),
        "counts": {outcome: len(found) for outcome, found in by.items()},
        "added": [{"line": r.line, "id": r.contact_id} for r in by["added"]],
        "updated": [{"line": r.line, "id": r.contact_id, "fields": list(r.changed)} for r in by["updated"]],
        "unchanged": [{"line": r.line, "id": r.contact_id} for r in by["unchanged"]],
        "errors": [{"line": r.line, "reason": r.reason} for r in by["refused"]],
    }  # fmt: skip


def _import_text(report: dict[str, Any]) -> str:
    counts = report["counts"]
    dry = report["dry_run"]
    lines = [f"{report['file']}: {report['rows']} row{'' if report['rows'] == 1 else 's'}; " + ("dry run, nothing changed; would add " if dry else "added ")
             + f"{counts['added']}, " + ("update " if dry else "updated ") + f"{counts['updated']}, "
             f"unchanged {counts['unchanged']}, refused {counts['refused']}"]  # fmt: skip
    if report["ignored_columns"]:
        lines.append(f"columns not read: {', '.join(report['ignored_columns'])}")
    change = "would change" if dry else "updated"
    lines += [f"line {u['line']}: contact #{u['id']} {change}: {', '.join(u['fields'])}" for u in report["updated"]]
    lines += [f"line {e['line']}: refused: {e['reason']}" for e in report["errors"]]
    return "\n".join(lines)


def _days_to_pay(d: Any) -> str | None:
    paid = d.days_to_pay
    if paid is None or paid.average is None:
        return None
    return (f"{paid.average} on average over {paid.count} paid invoice(s); "
            f"last (newest first): {', '.join(map(str, paid.last))}")


def _contact_text(d: ContactDetail) -> str:
    """Return a contact's details as the terminal shows them."""
    kinds = "/".join(k for k, on in (("customer", d.customer), ("vendor", d.vendor)) if on)
    place = " ".join(p for p in (d.postcode, d.city) if p)
    terms = "; ".join(t for t in (f"{d.payment_terms_days} days" if d.payment_terms_days is not None else "",
                                  f"discount {d.discount_terms}" if d.discount_terms else "",
                                  f"late fee {d.late_fee_terms}" if d.late_fee_terms else "") if t)  # fmt: skip
    rows = [("e-mail", d.email), ("invoice e-mail", d.invoice_email), ("VAT ID", d.vat_id), ("IBAN", d.iban),
            ("address", "\n".join([*d.address, place, d.country or ""]).strip()), ("language", d.language),
            ("currency", d.currency), ("terms", terms), ("external id", d.external_id),
            ("manager", f"#{d.manager.id} {d.manager.name}" if d.manager else None),
            ("days to pay", _days_to_pay(d))]  # fmt: skip
    lines = [f"#{d.id} {d.name}  ({kinds})" + ("  archived" if d.archived_at else "")]
    for label, value in rows:
        text = str(value) if value not in (None, "") else "-"
        lines.append(f"  {label:<15}" + text.replace("\n", "\n" + " " * 17))
    for title, invoices in (("invoices out", d.invoices_out), ("invoices in", d.invoices_in)):
        lines.append(f"{title} ({len(invoices)})")
        lines += [f"  #{i.id:<5} {i.number or '-':<18} {i.status.value:<16} "
                  f"{'-' if i.total is None else i.total!s:>12} {i.currency}  due {i.due_date or '-'}"
                  for i in invoices]  # fmt: skip
    lines.append(f"documents ({len(d.documents)})")
    lines += [f"  #{f.id:<5} {f.filename}  {f.media_type}  {f.size} bytes  files/{f.storage_path}" for f in d.documents]
    return "\n".join(lines)


def _pause(ctx: click.Context, contact_id: int, paused: bool) -> None:
    from invoicing.errors import InvoicingError
    from invoicing.reminders import pause_contact

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            contact = pause_contact(session, app.clock, contact_id, paused, "cli")
            name = contact.name
    except InvoicingError as e:
        fail(str(e))
    click.echo(f"{name}: reminders {'paused' if paused else 'resumed'}")


@contacts.command("pause")
@click.argument("contact_id", type=int)
@click.pass_context
def contacts_pause(ctx: click.Context, contact_id: int) -> None:
    """Send this contact no payment reminders until `contacts resume`."""
    _pause(ctx, contact_id, True)


@contacts.command("resume")
@click.argument("contact_id", type=int)
@click.pass_context
def contacts_resume(ctx: click.Context, contact_id: int) -> None:
    """Send this contact payment reminders again (levels missed meanwhile: only the highest)."""
    _pause(ctx, contact_id, False)


COMMANDS = (users, contacts)
