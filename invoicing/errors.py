"""Errors the invoicing core raises on purpose; the front ends turn them into answers."""

from __future__ import annotations


class InvoicingError(Exception):
    """Base of every error the invoicing package raises on purpose."""


class NotFound(InvoicingError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} not found")
        self.what = what
        self.key = key


class InvalidTransition(InvoicingError):
    def __init__(self, invoice_id: int, status: str, action: str) -> None:
        super().__init__(f"invoice {invoice_id} is {status}; it cannot be {action}")
        self.invoice_id = invoice_id
        self.status = status
        self.action = action


class NotAuthorised(InvoicingError):
    def __init__(self, who: str, action: str) -> None:
        super().__init__(f"{who} may not {action}")
        self.who = who
        self.action = action


class Conflict(InvoicingError):
    """The thing already exists (a Telegram user id registered twice, for instance)."""


class AuditChainBroken(InvoicingError):
    def __init__(self, event_id: int, reason: str) -> None:
        super().__init__(f"audit event {event_id}: {reason}")
        self.event_id = event_id
        self.reason = reason
