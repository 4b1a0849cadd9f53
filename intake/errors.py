"""Errors raised while getting documents in and reading them."""

from __future__ import annotations


class IntakeError(Exception):
    """Base of every error the intake package raises on purpose."""


class UnreadableDocument(IntakeError):
    """The file cannot be read as an invoice (broken, encrypted, empty, unknown type)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedMediaType(UnreadableDocument):
    def __init__(self, media_type: str) -> None:
        super().__init__(f"unsupported file type: {media_type}")
        self.media_type = media_type


class DocumentTooLarge(UnreadableDocument):
    def __init__(self, what: str, size: int, limit: int) -> None:
        super().__init__(f"{what} too large: {size} > {limit}")
        self.size = size
        self.limit = limit


class NotAnEInvoice(UnreadableDocument):
    """The bytes are not well-formed XML, or XML of a kind that is not a supported e-invoice."""

    def __init__(self, reason: str, root_tag: str | None = None) -> None:
        super().__init__(reason)
        self.root_tag = root_tag


class UnsafeXml(NotAnEInvoice):
    """The XML declares a DTD or entities (XXE, "billion laughs"); it is refused unread."""
