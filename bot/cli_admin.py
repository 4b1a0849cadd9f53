"""Admin commands of the `invoicebot` CLI: users, contacts, the database and the audit trail."""

from __future__ import annotations

import json

import click
from sqlalchemy import select

from bot.cli import _app, _emit, _fail, main
from invoicing import audit, directory
from invoicing.db import migrate
from invoicing.db.models import Contact, User
from invoicing.domain import Role
from invoicing.errors import InvoicingError


@main.group()
def users() -> None:
    """Register the people who approve invoices."""


@users.command("add")
@click.option("--name", required=True)
@click.option("--telegram-id", type=int, help="Their Telegram user id (the bot tells unknown users theirs).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_add(ctx: click.Context, name: str, telegram_id: int | None, role: str, email: str | None, as_json: bool) -> None:
    """Register a user; prints the new user's id."""
    app = _app(ctx)
    assert app.clock is not None
    try:
        with app.db.transaction() as session:
            user = directory.add_user(session, app.clock, name=name, role=Role(role), telegram_user_id=telegram_id, email=email)
            data = directory.user_dict(user)
    except InvoicingError as e:
        _fail(str(e))
    _emit(data, as_json, lambda: str(data["id"]))


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """List registered users."""
    with _app(ctx).db.transaction() as session:
        found = [directory.user_dict(u) for u in session.execute(select(User).where(User.archived_at.is_(None)).order_by(User.id)).scalars()]
    if as_json:
        click.echo(json.dumps(found))
        return
    for u in found:
        click.echo(f"{u['id']:<5} {u['role']:<8} {u['name']}  telegram {u['telegram_user_id'] or '-'}  {u['email'] or ''}")


@main.group()
def contacts() -> None:
    """Record customers and vendors."""


@contacts.command("add")
@click.option("--name", required=True)
@click.option("--email")
@click.option("--vat-id")
@click.option("--iban")
@click.option("--manager", "manager_id", type=int, help="User id of the relationship manager who approves.")
@click.option("--customer", is_flag=True, help="We invoice them.")
@click.option("--vendor", is_flag=True, help="They invoice us (the default).")
@click.option("--language", type=click.Choice(["en", "de", "fr", "da"]))
@click.option("--currency")
@click.option("--terms-days", type=click.IntRange(min=0), help="Payment terms in days.")
@click.option("--address")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def contacts_add(
    ctx: click.Context, name: str, email: str | None, vat_id: str | None, iban: str | None,
    manager_id: int | None, customer: bool, vendor: bool, language: str | None, currency: str | None,
    terms_days: int | None, address: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Add a contact; prints the new contact's id."""
    app = _app(ctx)
    assert app.clock is not None
    data = directory.ContactInput(
        name=name, email=email, vat_id=vat_id, iban=iban, manager_id=manager_id, is_customer=customer,
        is_vendor=vendor, language=language, currency=currency, payment_terms_days=terms_days, address=address,
    )  # fmt: skip
    try:
        with app.db.transaction() as session:
            result = directory.contact_dict(directory.add_contact(session, app.clock, data))
    except InvoicingError as e:
        _fail(str(e))
    _emit(result, as_json, lambda: str(result["id"]))


@contacts.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def contacts_list(ctx: click.Context, as_json: bool) -> None:
    """List contacts."""
    query = select(Contact).where(Contact.archived_at.is_(None)).order_by(Contact.id)
    with _app(ctx).db.transaction() as session:
        found = [directory.contact_dict(c) for c in session.execute(query).scalars()]
    if as_json:
        click.echo(json.dumps(found))
        return
    for c in found:
        kinds = "/".join(k for k in ("customer", "vendor") if c[k])
        click.echo(f"{c['id']:<5} {c['name']:<30} {kinds:<16} VAT {c['vat_id'] or '-'}  manager {c['manager_id'] or '-'}")


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or upgrade the database schema to this version of invoicebot."""
    app = _app(ctx)
    app.upgrade_database()
    click.echo(f"database at revision {migrate.current_revision(app.db.engine)}")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Print the schema revision of the database and the newest one known."""
    app = _app(ctx)
    click.echo(f"database {migrate.current_revision(app.db.engine) or 'empty'}, code {migrate.head_revision()}")


@main.group("audit")
def audit_group() -> None:
    """The append-only audit trail."""


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def audit_verify(ctx: click.Context, as_json: bool) -> None:
    """Check the audit trail's hash chain; exits 1 when it is broken."""
    with _app(ctx).db.transaction() as session:
        report = audit.verify_chain(session)
    data = {"events": report.events, "ok": report.ok, "problems": [{"event": i, "problem": p} for i, p in report.problems]}
    _emit(data, as_json, lambda: f"{report.events} events, chain intact" if report.ok else
          "\n".join(f"event {i}: {p}" for i, p in report.problems))  # fmt: skip
    if not report.ok:
        raise SystemExit(1)
