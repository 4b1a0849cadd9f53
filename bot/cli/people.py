"""Commands about people and businesses: `users add|list`, `contacts add|list|show`."""

from __future__ import annotations

import json

import click

from bot.cli.root import app_of, emit, fail, json_option
from invoicing.domain import Role

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
    """Record customers and vendors."""


@contacts.command("add")
@click.option("--name", required=True)
@click.option("--email")
@click.option("--vat-id")
@click.option("--iban")
@click.option("--manager", "manager_id", type=int, help="User id of the relationship manager who approves.")
@click.option("--customer", is_flag=True, help="We invoice them.")
@click.option("--vendor", is_flag=True, help="They invoice us (the default).")
@click.option("--language", type=click.Choice(LANGUAGES))
@click.option("--currency")
@click.option("--terms-days", type=click.IntRange(min=0), help="Payment terms in days.")
@click.option("--address")
@json_option
@click.pass_context
def contacts_add(
    ctx: click.Context, name: str, email: str | None, vat_id: str | None, iban: str | None,
    manager_id: int | None, customer: bool, vendor: bool, language: str | None, currency: str | None,
    terms_days: int | None, address: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Add a contact; prints the new contact's id."""
    from invoicing import directory
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    data = directory.ContactInput(
        name=name, email=email, vat_id=vat_id, iban=iban, manager_id=manager_id, is_customer=customer,
        is_vendor=vendor, language=language, currency=currency, payment_terms_days=terms_days, address=address,
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
        click.echo(json.dumps(found))
        return
    for c in found:
        kinds = "/".join(k for k in ("customer", "vendor") if c[k])
        click.echo(f"{c['id']:<5} {c['name']:<30} {kinds:<16} VAT {c['vat_id'] or '-'}  manager {c['manager_id'] or '-'}")


@contacts.command("show")
@click.argument("contact_id", type=int)
@json_option
@click.pass_context
def contacts_show(ctx: click.Context, contact_id: int, as_json: bool) -> None:
    """Show a contact with how many days they take to pay our invoices."""
    from invoicing import customers, directory
    from invoicing.errors import InvoicingError

    with app_of(ctx).db.transaction() as session:
        try:
            data = directory.contact_dict(directory.contact_row(session, contact_id))
            days = customers.days_to_pay(session, contact_id)
        except InvoicingError as e:
            fail(str(e))
    data["days_to_pay"] = days.to_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    lines = [f"#{data['id']} {data['name']}"]
    lines += [f"  {key:<15}{value}" for key, value in data.items() if key not in ("id", "name", "days_to_pay")
              and value not in (None, "", False)]  # fmt: skip
    if days.average is None:
        lines.append(f"  {'days to pay':<15}no paid invoices yet")
    else:
        last = ", ".join(str(d) for d in days.last)
        lines.append(f"  {'days to pay':<15}{days.average} on average over {days.count} paid invoice(s); "
                     f"last (newest first): {last}")  # fmt: skip
    click.echo("\n".join(lines))


COMMANDS = (users, contacts)
