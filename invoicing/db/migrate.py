"""Schema upgrades with Alembic, driven from code (`invoicebot db upgrade`, and at start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


#: Arbitrary constant: the PostgreSQL advisory lock that lets one process at a time migrate.
_MIGRATION_LOCK = 0x1A0D18


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (the newest by default)."""
    config = _config(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_current(engine: Engine) -> None:
    """Upgrade the schema when it is behind this code (a new data dir starts empty)."""
    if current_revision(engine) != head_revision():
        upgrade(engine)


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at, or None when it has none."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """Return the newest schema revision this code knows."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def revision(engine: Engine, message: str) -> None:
    """Write a new migration by comparing the models with the database (for developers)."""
    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
