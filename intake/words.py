"""Words with their positions: what every reader gives and what field extraction reads.

A PDF's text layer and tesseract's output both become `Page`s of `Word`s, so the same field
extractor serves text PDFs, scans and photos. Coordinates are in points from the page's top-left
corner (PDF user space flipped; OCR pixels scaled by 72/dpi).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

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
class Picture:
    """The picture OCR read a page from, as its first reading left it: kept so that a second OCR
    engine reads it again without decoding, preparing and searching it for a QR code again."""

    #: The picture as decoded from the file or the page, in its own colours and size.
    image: Image.Image
    #: Degrees it was turned counter-clockwise to straighten its lines (`intake.preprocess`),
    rotated: float
    #: and then clockwise to stand upright (0, 90, 180 or 270; `intake.orientation`).
    turned: int
    #: Where the upright picture lies on its page, in points: left, top, width, height.
    box: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class ReadDocument:
    """All pages of one document as read, plus any e-invoice XML or payment QR code found."""

    pages: tuple[Page, ...]
    embedded_xml: bytes | None = None
    embedded_xml_name: str | None = None
    warnings: tuple[str, ...] = field(default=())
    payment_qr: PaymentQr | None = None
    #: By page number, the pictures OCR read, where kept for a second engine
    #: (`OcrOptions.keeps_pictures`).
    pictures: Mapping[int, Picture] = field(default_factory=dict)
