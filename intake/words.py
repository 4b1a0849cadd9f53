"""Words with their positions: what every reader gives and what field extraction reads.

A PDF's text layer and tesseract's output both become `Page`s of `Word`s, so the same field
extractor serves text PDFs, scans and photos. Coordinates are in points from the page's top-left
corner (PDF user space flipped; OCR pixels scaled by 72/dpi).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.qr import PaymentQr


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    #: 1.0 for a PDF text layer; tesseract's word confidence (0..1) for OCR.
    confidence: float = 1.0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    words: tuple[Word, ...] = ()
    #: True when the words come from OCR rather than a text layer.
    ocr: bool = False

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True, slots=True)
class ReadDocument:
    """All pages of one document as read, plus any e-invoice XML or payment QR code found."""

    pages: tuple[Page, ...]
    embedded_xml: bytes | None = None
    embedded_xml_name: str | None = None
    warnings: tuple[str, ...] = field(default=())
    payment_qr: PaymentQr | None = None
