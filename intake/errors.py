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


class EmptyDocument(UnreadableDocument):
    """The file holds nothing to read: 0 bytes, a PDF without pages, or no text on any page."""


class BrokenDocument(UnreadableDocument):
    """The file is damaged or truncated, or is not the kind of file its first bytes claim."""


class EncryptedDocument(UnreadableDocument):
    """The PDF is protected by a password (or a security handler) that we cannot open."""


class ImageTooLarge(DocumentTooLarge):
    """An image has more pixels than we agree to decode (memory and decompression bombs)."""

    def __init__(self, pixels: int | None, limit: int) -> None:
        size = "an unknown number of" if pixels is None else f"{pixels / 1e6:.1f} million"
        UnreadableDocument.__init__(
            self, f"image too large to read: {size} pixels (the limit is {limit / 1e6:.0f} million)"
        )
        self.size = pixels if pixels is not None else 0
        self.limit = limit


class OcrFailed(UnreadableDocument):
    """Tesseract ran but gave no result for the image."""


class OcrTimeout(OcrFailed):
    """Tesseract took longer than allowed for the image and was stopped."""


class OcrUnavailable(IntakeError):
    """Tesseract (or one of its language packs) is not installed: a setup fault, not the file's."""
