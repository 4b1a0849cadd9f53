"""The composition root: builds the database, clock, stores and pipeline from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from intake.pipeline import DocumentReader, Intake
from intake.sandbox import Limits
from invoicing.clock import Clock, SystemClock
from invoicing.config import Settings
from invoicing.db import migrate
from invoicing.db.engine import Database
from invoicing.files import FileStore
from invoicing.receiving import ReceivingPolicy


class _SecretsFilter(logging.Filter):
    """Keeps known secrets out of every log line, whatever a library puts there."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


def configure_logging(settings: Settings, secrets: list[str] | None = None) -> None:
    """Set up logging once: level from the settings, httpx quiet (its URLs carry the bot token)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_SecretsFilter(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("httpx", "httpcore", "watchfiles", "pdfminer", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@dataclass
class App:
    """Everything a front end needs, built lazily from one `Settings`."""

    settings: Settings
    clock: Clock | None = None

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = SystemClock(self.settings.zone)

    @cached_property
    def db(self) -> Database:
        """The database, its schema brought up to date on first use."""
        database = Database.from_url(self.settings.database)
        migrate.ensure_current(database.engine)
        return database

    @cached_property
    def store(self) -> FileStore:
        return FileStore(self.settings.files_dir)

    @cached_property
    def reader(self) -> DocumentReader:
        limits = Limits(
            wall_seconds=self.settings.read_timeout_seconds,
            cpu_seconds=max(1, int(self.settings.read_timeout_seconds)),
            memory_bytes=self.settings.read_memory_mb * 2**20,
        )
        return DocumentReader(
            self.settings.workers, self.settings.ocr_languages, limits, self.settings.max_pages
        )

    @cached_property
    def intake(self) -> Intake:
        policy = ReceivingPolicy(
            currency=self.settings.currency, min_confidence=self.settings.review_confidence
        )
        assert self.clock is not None
        return Intake(self.db, self.clock, self.store, self.reader, policy, self.settings.max_document_bytes)

    def upgrade_database(self) -> None:
        """Bring the schema up to date now (opening the database does it; see `db`)."""
        assert self.db is not None

    def close(self) -> None:
        if "reader" in self.__dict__:
            self.reader.close()
        if "db" in self.__dict__:
            self.db.dispose()
