"""Commands that look after the installation: `db upgrade|current`, `audit verify|head`."""

from __future__ import annotations

import click

from bot.cli.root import app_of, emit, fail, json_option


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or upgrade the database schema to this version of invoicebot."""
    from invoicing.db import migrate

    app = app_of(ctx)
    app.upgrade_database()
    click.echo(f"database at revision {migrate.current_revision(app.db.engine)}")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Print the schema revision of the database and the newest one known."""
    from invoicing.db import migrate

    app = app_of(ctx)
    click.echo(f"database {migrate.current_revision(app.db.engine) or 'empty'}, code {migrate.HEAD}")


@click.group("audit")
def audit_group() -> None:
    """The append-only audit trail."""


@audit_group.command("verify")
@click.option("--head", "kept_head", metavar="ID:HASH", help="A head printed earlier by `audit head`.")
@json_option
@click.pass_context
def audit_verify(ctx: click.Context, kept_head: str | None, as_json: bool) -> None:
    """Check the audit trail's hash chain; exits 1 when it is broken.

    With --head, also prove that nothing up to that event changed since the head was printed.
    """
    from invoicing import audit

    app = app_of(ctx)
    try:
        head = audit.Head.parse(kept_head) if kept_head else None
    except ValueError as e:
        fail(str(e))
    with app.db.transaction() as session:
        report = audit.verify_chain(session, app.settings.audit_key_bytes, head)
    data = {"events": report.events, "keyed": report.keyed, "ok": report.ok,
            "problems": [{"event": i, "problem": p} for i, p in report.problems]}  # fmt: skip
    sealed = f", {report.keyed} sealed with the audit key" if app.settings.audit_key_bytes else ""
    emit(data, as_json, lambda: f"{report.events} events{sealed}, chain intact" if report.ok else
         "\n".join(f"event {i}: {p}" for i, p in report.problems))  # fmt: skip
    if not report.ok:
        raise SystemExit(1)


@audit_group.command("head")
@json_option
@click.pass_context
def audit_head(ctx: click.Context, as_json: bool) -> None:
    """Print the chain's newest event as ID:HASH, to keep somewhere the database is not."""
    from invoicing import audit

    with app_of(ctx).db.transaction() as session:
        head = audit.head(session)
    if head is None:
        fail("the audit trail is empty")
    emit({"event_id": head.event_id, "hash": head.hash, "head": str(head)}, as_json, lambda: str(head))


COMMANDS = (db, audit_group)
