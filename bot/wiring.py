"""The composition root: builds the database, clock, stores and pipeline from the settings.

Each part is built on first use and imports its modules then, so a quick command (`invoices
list`) never loads the readers, OCR or PDF code.
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from invoicing.clock import Clock, SystemClock
from invoicing.config import Settings

if TYPE_CHECKING:
    from intake.pipeline import Intake
    from intake.reading import DocumentReader
    from invoicing.db.engine import Database
    from invoicing.document import InvoiceDocument
    from invoicing.files import FileStore
    from invoicing.issuing import IssuingPolicy
    from invoicing.jobs import Handler
    from invoicing.reminders import DunningPolicy
    from invoicing.render import RenderedInvoice, RenderOptions
    from invoicing.render.pool import InvoiceRenderer

#: A Telegram bot token as it appears in URLs and library messages ("123456:AA...").
BOT_TOKEN = re.compile(r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}")


class SecretsFilter(logging.Filter):
    """Keeps known secrets out of every log line: the message, its exception and its traceback.

    A library may put a secret anywhere (python-telegram-bot repeats a rejected token in its
    exception text), so the whole record is rendered here and cleaned as one string.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted((s for s in secrets if s), key=len, reverse=True)

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return BOT_TOKEN.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.clean(record.getMessage()), None
        if record.exc_info and record.exc_info[1] is not None:
            rendered = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = self.clean(rendered.rstrip("\n"))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        return True


def configure_logging(settings: Settings, secrets: list[str] | None = None) -> None:
    """Set up logging once: level from the settings, httpx quiet (its URLs carry the bot token)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretsFilter(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("httpx", "httpcore", "watchfiles", "pdfminer", "alembic", "weasyprint", "fontTools", "factur-x"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class InProcessRenderer:
    """Prints invoices in this process, off the event loop (for commands that print one or two)."""

    def __init__(self, options: RenderOptions) -> None:
        self.options = options

    async def arender(self, document: InvoiceDocument) -> RenderedInvoice:
        import asyncio

        from invoicing.render import render_invoice

        return await asyncio.to_thread(render_invoice, document, self.options)

    def close(self) -> None:
        """Nothing to stop."""


class RendererOnFirstUse:
    """The app's renderer, built when the first invoice is printed: a tick or a job run with
    nothing to print never loads WeasyPrint (seconds of start-up for `invoicebot tick`)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def arender(self, document: InvoiceDocument) -> RenderedInvoice:
        return await self.app.renderer.arender(document)


@dataclass
class App:
    """Everything a front end needs, built lazily from one `Settings`."""

    settings: Settings
    clock: Clock = None  # type: ignore[assignment]  # set in __post_init__
    #: A command that does one thing and exits (not the service): see `renderer`.
    one_shot: bool = False

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = SystemClock(self.settings.zone)

    @cached_property
    def db(self) -> Database:
        """The database, its schema brought up to date on first use."""
        from invoicing.db import migrate
        from invoicing.db.engine import Database
        from invoicing.webhook_rules import ENDPOINTS_INFO

        info = {ENDPOINTS_INFO: self.settings.webhooks}  # what `webhooks.emit` tells events to
        database = Database.from_url(self.settings.database, self.settings.audit_key_bytes, info)
        migrate.ensure_current(database.engine)
        return database

    @cached_property
    def store(self) -> FileStore:
        from invoicing.files import FileStore

        return FileStore(self.settings.files_dir)

    @cached_property
    def reader(self) -> DocumentReader:
        from intake.ocr import OcrOptions
        from intake.reading import DocumentReader
        from intake.sandbox import Limits

        limits = Limits(
            wall_seconds=self.settings.read_timeout_seconds,
            cpu_seconds=max(1, int(self.settings.read_timeout_seconds)),
            memory_bytes=self.settings.read_memory_mb * 2**20,
        )
        ocr = OcrOptions(languages=self.settings.ocr_languages, engine=self.settings.ocr_engine)
        return DocumentReader(self.settings.workers, ocr, limits, self.settings.max_pages)

    @cached_property
    def intake(self) -> Intake:
        from intake.pipeline import Intake
        from invoicing.receiving import ReceivingPolicy

        policy = ReceivingPolicy(
            currency=self.settings.currency, min_confidence=self.settings.review_confidence
        )
        return Intake(self.db, self.clock, self.store, self.reader, policy, self.settings.max_document_bytes)

    @cached_property
    def issuing_policy(self) -> IssuingPolicy:
        """What issuing needs; raises `MissingDetails` while our own details are incomplete."""
        from invoicing.issuing import IssuingPolicy
        from invoicing.parties import seller_from_settings

        s = self.settings
        return IssuingPolicy(
            seller_from_settings(s), invoice_format=s.invoice_number_format,
            credit_note_format=s.credit_note_number_format, terms_days=s.payment_terms_days,
            language=s.language, currency=s.currency,
        )  # fmt: skip

    @cached_property
    def renderer(self) -> InvoiceRenderer | InProcessRenderer:
        """What prints invoices (PDF with Factur-X XML inside): warm worker processes in the
        service; in a one-off command, this process (starting workers would cost more)."""
        from invoicing.render import RenderOptions
        from invoicing.render.pool import InvoiceRenderer

        options = RenderOptions(templates_dir=self.settings.templates_dir, logo=self.settings.seller_logo)
        if self.one_shot:
            return InProcessRenderer(options)
        return InvoiceRenderer(max(1, min(2, self.settings.workers or 2)), options)

    @cached_property
    def dunning_policy(self) -> DunningPolicy:
        """The reminder schedule and what late-fee invoices are issued with."""
        from invoicing.dunning import DunningSchedule
        from invoicing.errors import InvoicingError
        from invoicing.reminders import DunningPolicy

        try:
            issuing = self.issuing_policy
        except InvoicingError:
            issuing = None  # reminders still go out; late fees wait for the business's details
        return DunningPolicy(
            DunningSchedule.parse(self.settings.dunning_schedule), issuing,
            self.settings.late_fee_reference_rate, self.settings.late_fee_margin,
        )  # fmt: skip

    def job_handlers(self) -> dict[str, Handler]:
        """Return the handlers of every outbox job this process performs without the chat."""
        from invoicing.issuing import INVOICE_RENDER, INVOICE_SEND
        from invoicing.mail_texts import MailTemplates
        from invoicing.mailer import MAIL_SEND, MailSendHandler, mailer_from_settings
        from invoicing.outgoing import RenderHandler, SendHandler
        from invoicing.reminder_mail import ReminderSendHandler
        from invoicing.reminders import REMINDER_SEND
        from invoicing.webhooks import WEBHOOK_DELIVER, WebhookDeliverHandler

        mailer = mailer_from_settings(self.settings)
        texts = MailTemplates(self.settings.templates_dir)
        return {
            MAIL_SEND: MailSendHandler(self.db, self.store, mailer, self.clock),
            INVOICE_RENDER: RenderHandler(self.db, self.clock, self.store, RendererOnFirstUse(self)),
            INVOICE_SEND: SendHandler(self.db, self.clock, self.store, mailer, texts, self.settings.mail_from),
            REMINDER_SEND: ReminderSendHandler(self.db, self.clock, self.store, mailer, texts, self.settings.mail_from),
            WEBHOOK_DELIVER: WebhookDeliverHandler(self.settings.webhooks, self.clock, self.settings.webhook_timeout_seconds),
        }

    def upgrade_database(self) -> None:
        """Bring the schema up to date now (opening the database does it; see `db`)."""
        _ = self.db

    def close(self) -> None:
        if "renderer" in self.__dict__:
            self.renderer.close()
        if "reader" in self.__dict__:
            self.reader.close()
        if "db" in self.__dict__:
            self.db.dispose()
