"""Recognise what kind of file a document is from its first bytes (the name is only a hint)."""

from __future__ import annotations

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
XML = "application/xml"
UNKNOWN = "application/octet-stream"

IMAGE_TYPES = frozenset({PNG, JPEG, TIFF})
SUPPORTED = frozenset({PDF, XML}) | IMAGE_TYPES


def sniff_media_type(data: bytes, filename: str = "") -> str:
    """Return the media type of `data`, judged by its magic bytes."""
    head = data[:1024]
    if b"%PDF-" in head:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml") or (stripped.startswith(b"<") and b"Invoice" in head):
        return XML
    if stripped.startswith(b"<") and filename.lower().endswith(".xml"):
        return XML
    return UNKNOWN
