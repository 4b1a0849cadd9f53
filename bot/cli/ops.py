"""Commands that run an installation: `health`, `backup`, `restore` and `db copy`."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from bot.cli.root import app_of, emit, fail, json_option


@click.command()
@click.option("--service", is_flag=True, help="Also check that the job worker keeps up (the service's own check).")
@click.option("--max-wait", "max_wait", type=click.IntRange(min=1), default=10, show_default=True, metavar="MINUTES",
              help="With --service: how long a due job may wait before the worker counts as stuck.")  # fmt: skip
@json_option
@click.pass_context
def health(ctx: click.Context, service: bool, max_wait: int, as_json: bool) -> None:
    """Check that this installation can work: the database answers at the current schema, the
    data dir is writable, tesseract runs with its languages (with --service: no job waits too
    long). Exits 0 when all is well, 1 with the reasons otherwise."""
    from bot.health import check_health

    app = app_of(ctx)
    report = check_health(app.settings, app.clock, service=service, max_wait=dt.timedelta(minutes=max_wait))
    emit(report.to_json(), as_json,
         lambda: "\n".join(f"{'ok' if c.ok else 'FAILED'} {c.name}: {c.detail}" for c in report.checks))  # fmt: skip
    if not report.ok:
        raise SystemExit(1)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@json_option
@click.pass_context
def backup(ctx: click.Context, directory: Path, as_json: bool) -> None:
    """Back up the database and the stored files into DIRECTORY, with a manifest of SHA-256
    hashes; consistent while the service runs. Reuse the folder: only new files are copied."""
    from invoicing import backup as backups
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    started = time.monotonic()
    try:
        report = backups.backup(app.settings.database, app.settings.files_dir, directory, app.clock.now(), _version())
    except InvoicingError as e:
        fail(str(e))
    manifest = report.manifest
    data = {"directory": str(directory), "engine": manifest.engine, "schema_revision": manifest.schema_revision,
            "audit_head": manifest.audit_head, "tables": manifest.tables, "files": len(manifest.stored_files()),
            "files_copied": report.files_copied, "bytes_copied": report.bytes_copied,
            "damaged": list(report.damaged), "seconds": round(time.monotonic() - started, 2)}  # fmt: skip
    emit(data, as_json, lambda: (
        f"backed up {sum(manifest.tables.values())} rows ({manifest.engine}, revision {manifest.schema_revision}) "
        f"and {len(manifest.stored_files())} files ({report.files_copied} new) to {directory} "
        f"in {data['seconds']} s; audit head {manifest.audit_head or 'none'}"))  # fmt: skip
    if report.damaged:
        fail(f"{len(report.damaged)} stored files do not match their hash (copied as they are): "
             + ", ".join(report.damaged[:5]))  # fmt: skip


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace what the database holds (it must be empty otherwise).")
@json_option
@click.pass_context
def restore(ctx: click.Context, directory: Path, force: bool, as_json: bool) -> None:
    """Restore the backup in DIRECTORY into this installation's database and data dir: every
    hash is checked first, the audit chain and the stored files after. Stop the service first."""
    from sqlalchemy.exc import SQLAlchemyError

    from invoicing import backup as backups
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    started = time.monotonic()
    try:
        report = backups.restore(directory, app.settings.database, app.settings.files_dir, force=force,
                                 audit_key=app.settings.audit_key_bytes)  # fmt: skip
    except (InvoicingError, SQLAlchemyError) as e:
        fail(str(e).splitlines()[0])
    manifest = report.manifest
    data = {"directory": str(directory), "schema_revision": manifest.schema_revision,
            "audit_head": manifest.audit_head, "tables": manifest.tables, "files": len(manifest.stored_files()),
            "files_copied": report.files_copied, "problems": list(report.problems),
            "seconds": round(time.monotonic() - started, 2)}  # fmt: skip
    emit(data, as_json, lambda: "\n".join(report.problems) if report.problems else (
        f"restored {sum(manifest.tables.values())} rows and {len(manifest.stored_files())} files "
        f"from {directory} in {data['seconds']} s; audit chain intact up to {manifest.audit_head or 'none'}"))  # fmt: skip
    if report.problems:
        raise SystemExit(1)


@click.command("copy")
@click.option("--to", "target_url", required=True, metavar="URL",
              help="The new, empty database (postgresql+psycopg://USER@HOST/DB); give the password "
                   "by PGPASSWORD or ~/.pgpass to keep it off the command line.")  # fmt: skip
@click.option("--batch", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows per insert.")
@json_option
@click.pass_context
def db_copy(ctx: click.Context, target_url: str, batch: int, as_json: bool) -> None:
    """Copy this installation's database into the empty database at URL (SQLite to PostgreSQL)
    and verify it; stored files stay where they are. Stop the service first, then point
    INVOICEBOT_DATABASE_URL at URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from invoicing.db.copy import copy_database
    from invoicing.db.engine import make_engine
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        target_shown = make_url(target_url).render_as_string(hide_password=True)
    except ArgumentError as e:
        fail(f"--to: {e}")
    if make_url(target_url) == make_url(app.settings.database):
        fail("--to names the database this installation uses already")
    started = time.monotonic()
    source, target = make_engine(app.settings.database), make_engine(target_url)
    try:
        report = copy_database(source, target, audit_key=app.settings.audit_key_bytes, batch=batch)
    except (InvoicingError, SQLAlchemyError) as e:
        fail(str(e).splitlines()[0])
    finally:
        source.dispose()
        target.dispose()
    data = {"to": target_shown, "tables": report.tables, "audit_head": report.audit_head,
            "audit_events": report.audit_events, "seconds": round(time.monotonic() - started, 2)}  # fmt: skip
    emit(data, as_json, lambda: (
        f"copied {sum(report.tables.values())} rows to {target_shown} in {data['seconds']} s; the copy has the "
        f"same rows per table and its audit chain of {report.audit_events} events ends in {report.audit_head}"))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("invoicebot")
    except PackageNotFoundError:
        return ""


COMMANDS = (health, backup, restore)
#: Subcommands of `invoicebot db` (the group is in `admin`).
DB_COMMANDS = (db_copy,)
