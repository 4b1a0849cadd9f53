"""Domain vocabulary: the states and kinds an invoice and its companions go through.

Pure: no database, network or clock here.
"""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    IN = "in"  # payables: invoices we receive
    OUT = "out"  # receivables: invoices we issue


class InvoiceStatus(StrEnum):
    # incoming
    PENDING_APPROVAL = "pending_approval"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    # outgoing
    DRAFT = "draft"
    ISSUED = "issued"
    SENT = "sent"
    PARTLY_PAID = "partly_paid"
    CANCELLED = "cancelled"
    # both
    PAID = "paid"


#: Incoming states from which a person may still approve or reject.
DECIDABLE = frozenset({InvoiceStatus.PENDING_APPROVAL, InvoiceStatus.NEEDS_REVIEW})


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"


class Channel(StrEnum):
    """How a document reached us."""

    FOLDER = "folder"
    EMAIL = "email"
    TELEGRAM = "telegram"
    CLI = "cli"
    GENERATED = "generated"  # PDFs we rendered ourselves


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    #: The effect may or may not have happened (e.g. SMTP connection lost after DATA): an admin decides.
    UNKNOWN = "unknown"


class TaskState(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class MailState(StrEnum):
    INGESTED = "ingested"
    NO_INVOICE = "no_invoice"
    REFUSED = "refused"
    FAILED = "failed"
