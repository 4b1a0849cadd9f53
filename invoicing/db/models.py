"""The database schema: every table of the domain, typed with SQLAlchemy 2.

Nothing is hard-deleted: rows that go away get `archived_at`, and audit events cannot be updated
or deleted at all (triggers in the migration). Amounts are `ExactDecimal` (see `types.py`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from invoicing.db.types import ExactDecimal, Money
from invoicing.domain import (
    ApprovalState,
    Channel,
    Direction,
    InvoiceStatus,
    JobState,
    MailState,
    Role,
    TaskState,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(kind: type[StrEnum]) -> Enum:
    """Return a portable enum column type storing the values (not the names)."""
    return Enum(
        kind,
        native_enum=False,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware instant, stored in UTC (SQLite has no time zones, so it is put back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UtcDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[Role] = mapped_column(_enum(Role))
    created_at: Mapped[dt.datetime]
    archived_at: Mapped[dt.datetime | None]


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_vendor: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(320))
    vat_id: Mapped[str | None] = mapped_column(String(32), index=True)
    iban: Mapped[str | None] = mapped_column(String(34), index=True)
    #: Street lines of the postal address, one per line (postcode, city and country apart).
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    #: ISO 3166-1 alpha-2 country code.
    country: Mapped[str | None] = mapped_column(String(2))
    #: Where our invoices to this customer go (else `email`).
    invoice_email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(8))
    currency: Mapped[str | None] = mapped_column(String(3))
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    #: Early-payment discount as `billing.DiscountTerms` writes it ("2% 10").
    discount_terms: Mapped[str | None] = mapped_column(String(40))
    #: Late fee as `billing.LateFeeTerms` writes it ("interest 9.5", "fixed 15", "eu").
    late_fee_terms: Mapped[str | None] = mapped_column(String(40))
    #: The key of this contact in the CRM it was imported from.
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    #: Reminders are not sent to this contact while set (a per-contact pause).
    reminders_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Field corrections learnt for this vendor's invoices: field name -> rule.
    learned: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime]
    archived_at: Mapped[dt.datetime | None]

    manager: Mapped[User | None] = relationship()


class Document(Base):
    """An original file as received, stored content-addressed under the data dir."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    #: Path of the stored bytes relative to the data dir's `files/` folder.
    storage_path: Mapped[str] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    #: Where it came from within the channel: a mail's Message-ID, a chat message, a file path.
    source_ref: Mapped[str | None] = mapped_column(String(1000))
    sender: Mapped[str | None] = mapped_column(String(320))
    #: Why no invoice could be read from it, when that happened.
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime]


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_direction_status", "direction", "status"),
        # The tick's selection (`reminders.due_invoice_ids`): every condition it filters on, in one.
        Index("ix_invoices_reminders_due", "direction", "status", "next_reminder_on"),
        Index("ix_invoices_seller_number", "seller_key", "number"),
        # Gapless numbering: one issued number per series value.
        UniqueConstraint("direction", "number_series_id", "number", name="uq_invoices_series_number"),
        # Each period of a recurring plan is issued once.
        UniqueConstraint("recurring_plan_id", "recurring_period", name="uq_invoices_plan_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    status: Mapped[InvoiceStatus] = mapped_column(_enum(InvoiceStatus))
    number: Mapped[str | None] = mapped_column(String(100))
    number_series_id: Mapped[int | None] = mapped_column(ForeignKey("number_series.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    issue_date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Decimal | None] = mapped_column(Money())
    tax_total: Mapped[Decimal | None] = mapped_column(Money())
    total: Mapped[Decimal | None] = mapped_column(Money())
    amount_paid: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    seller_name: Mapped[str | None] = mapped_column(String(300))
    seller_vat_id: Mapped[str | None] = mapped_column(String(32))
    seller_iban: Mapped[str | None] = mapped_column(String(34))
    buyer_name: Mapped[str | None] = mapped_column(String(300))
    #: Normalised seller identity (VAT ID, else IBAN, else folded name) for duplicate detection.
    seller_key: Mapped[str | None] = mapped_column(String(300))
    payment_reference: Mapped[str | None] = mapped_column(String(200))
    #: Where the fields came from (einvoice-xml, pdf-text, ocr, qr, manual).
    source: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: The extraction as read, before any correction (the JSON of `ExtractedInvoice`).
    extracted: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    #: Alerts about where the money goes (a changed IBAN, a known VAT ID under another name): each
    #: needs an admin's second approval. They stay once raised, whatever is corrected later.
    payee_alerts: Mapped[list[Any] | None] = mapped_column(JSON)
    #: The approval round now asked: a change to a payment field after approval starts the next one.
    approval_round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    language: Mapped[str | None] = mapped_column(String(8))
    #: UNTDID 1001 document type: 380 invoice, 381 credit note.
    document_type: Mapped[str] = mapped_column(String(3), default="380")
    buyer_vat_id: Mapped[str | None] = mapped_column(String(32))
    #: The invoice a credit note corrects (or a fee invoice charges for).
    preceding_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    #: What an issued invoice says, frozen at issue (the JSON of `document.InvoiceDocument`).
    issued: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    issued_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    recurring_plan_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_plans.id"))
    #: The period of the plan this invoice bills (its first day, ISO).
    recurring_period: Mapped[str | None] = mapped_column(String(10))
    #: Reminders for this invoice wait until this day (a hold from chat).
    reminders_held_until: Mapped[dt.date | None] = mapped_column(Date)
    #: The day the next reminder level falls due (None: no more reminders); what the tick selects on.
    next_reminder_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    #: The day the invoice was paid in full.
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    #: When an approved supplier invoice was put into a credit-transfer file for the bank.
    payment_exported_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    archived_at: Mapped[dt.datetime | None]

    contact: Mapped[Contact | None] = relationship()
    document: Mapped[Document | None] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="save-update, merge"
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))
    unit_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    tax_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(7, 2))
    #: VAT category (`billing.TaxCategory`) and unit code of the lines we issue.
    tax_category: Mapped[str | None] = mapped_column(String(2))
    unit: Mapped[str | None] = mapped_column(String(3))


class Approval(Base):
    """One request to one person to decide on an incoming invoice (step 1 manager, 2 admin)."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    #: The invoice's approval round this request belongs to (see `Invoice.approval_round`).
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    step: Mapped[int] = mapped_column(Integer, default=1)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[ApprovalState] = mapped_column(_enum(ApprovalState))
    #: Opaque single-use token carried by the chat buttons.
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    #: Whether the message is a photo with a caption (edited with editMessageCaption) or a text.
    captioned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reminded_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(32))  # chat | cli | bank
    reference: Mapped[str | None] = mapped_column(String(500))
    #: The bank's own id of the transaction, so a statement imported twice books nothing twice.
    bank_transaction_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    #: An early-payment discount this payment earned: it settles that much of the invoice too.
    discount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    #: Days after the due date the money came (0 when on time).
    days_late: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]
    archived_at: Mapped[dt.datetime | None]


class BankEntry(Base):
    """One line of an imported bank statement, matched to an invoice or waiting for a person."""

    __tablename__ = "bank_entries"
    __table_args__ = (Index("ix_bank_entries_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The bank's reference of the entry (AcctSvcrRef...): the same statement imported twice adds nothing.
    entry_ref: Mapped[str] = mapped_column(String(200), unique=True)
    account_iban: Mapped[str | None] = mapped_column(String(34))
    booking_date: Mapped[dt.date] = mapped_column(Date)
    value_date: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    #: Money in (a customer paying) or out.
    credit: Mapped[bool] = mapped_column(Boolean)
    counterparty_name: Mapped[str | None] = mapped_column(String(300))
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    remittance: Mapped[str | None] = mapped_column(Text)
    structured_ref: Mapped[str | None] = mapped_column(String(64))
    end_to_end_id: Mapped[str | None] = mapped_column(String(100))
    #: matched | unmatched | assigned (by a person) | ignored | debit
    state: Mapped[str] = mapped_column(String(16))
    #: How it was matched (reference, number, iban_amount, person) and why not, when it was not.
    note: Mapped[str | None] = mapped_column(Text)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    #: camt.053 | camt.054 | csv, and the sha256 of the file it came in.
    source: Mapped[str] = mapped_column(String(16))
    source_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RecurringPlan(Base):
    __tablename__ = "recurring_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    #: The lines each invoice repeats: `billing.LineItem.to_json()` each, decimals as strings.
    lines: Mapped[list[Any]] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    interval_unit: Mapped[str] = mapped_column(String(16))  # week | month | quarter | year
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    #: Day of the month (1-31, the month's last day when shorter) or of the week (1 Monday - 7).
    day: Mapped[int | None] = mapped_column(Integer)
    #: The first day the plan bills; periods are counted from it.
    start_on: Mapped[dt.date] = mapped_column(Date)
    #: The next period still to issue (a cache of what `recurrence` computes from the issued ones).
    next_run_on: Mapped[dt.date] = mapped_column(Date, index=True)
    end_on: Mapped[dt.date | None] = mapped_column(Date)
    #: How many invoices the plan issues in all (None: until `end_on`, or for ever).
    max_count: Mapped[int | None] = mapped_column(Integer)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Each invoice is also sent by e-mail when set; otherwise it waits as issued.
    send: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    archived_at: Mapped[dt.datetime | None]


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("invoice_id", "level", name="uq_reminders_invoice_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    #: Negative before the due date (a friendly heads-up), 1.. dunning levels after it.
    level: Mapped[int] = mapped_column(Integer)
    scheduled_on: Mapped[dt.date] = mapped_column(Date)
    fee: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    #: The invoice that charges the late fee this reminder announces.
    fee_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_state_assignee", "state", "assignee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # collect_payment | review | unknown_delivery
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    state: Mapped[TaskState] = mapped_column(_enum(TaskState))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]


class Job(Base):
    """The transactional outbox: a side effect to perform, written with the change that causes it."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_after", "state", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    state: Mapped[JobState] = mapped_column(_enum(JobState))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    run_after: Mapped[dt.datetime]
    lease_until: Mapped[dt.datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Set by a handler just before its irreversible step (handing a mail to an SMTP server): a
    #: worker that dies after it leaves the job for a person, never to be done twice.
    effect_started_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]


class NumberSeries(Base):
    """A gapless counter per series and year: the next number is taken under a row lock in the
    issuing transaction, so a number is used exactly when the invoice that carries it commits."""

    __tablename__ = "number_series"
    __table_args__ = (UniqueConstraint("name", "year", name="uq_number_series_name_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    #: A format such as "INV-{year}-{seq:04d}".
    pattern: Mapped[str] = mapped_column(String(100))
    next_value: Mapped[int] = mapped_column(BigInteger, default=1)
    created_at: Mapped[dt.datetime]


class ProcessedMail(Base):
    __tablename__ = "processed_mail"
    __table_args__ = (
        UniqueConstraint("account", "folder", "uidvalidity", "uid", name="uq_processed_mail_uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(320))
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    sender: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(998))
    state: Mapped[MailState] = mapped_column(_enum(MailState))
    reason: Mapped[str | None] = mapped_column(Text)
    #: Document ids the mail gave.
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    processed_at: Mapped[dt.datetime]


class AuditEvent(Base):
    """An append-only, hash-chained record of one state change (who, when, what, before/after)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ApiRequest(Base):
    """A write made through the HTTP API under an `Idempotency-Key`: the same key again (a client
    retrying) gets the first outcome back instead of doing the write twice."""

    __tablename__ = "api_requests"
    __table_args__ = (UniqueConstraint("token_name", "idempotency_key", name="uq_api_requests_token_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The API token's name: keys are scoped by caller.
    token_name: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    #: What was asked (SHA-256 of method, path, query and body): a key reused for another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    #: What the write made (ids), to answer a retry with.
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
