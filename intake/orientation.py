"""Read a picture upright: a page scanned or photographed sideways or upside down is turned.

Checking costs nothing on an upright page: the first reading's words and confidences show whether
the page was read. Only a poor reading pays for tesseract's orientation detection (`--psm 0`,
about a second) and one or two more OCR passes of the turned picture; the best reading is kept.
An upright page of print reads with most of its words clear and a high mean confidence; the same
page turned 90 or 180 degrees reads with few clear words and a low mean confidence, or (turned a
quarter, under automatic layout analysis) confidently but in standing word boxes.
"""

from __future__ import annotations

import logging
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from intake.errors import IntakeError
from intake.ocr import OcrOptions, PixelWord, ocr_picture, run_pytesseract

log = logging.getLogger(__name__)

#: A reading is poor below this mean word confidence,
POOR_MEAN_CONFIDENCE = 0.65
#: or when fewer than this share of its words are clear (confident, two letters or digits),
POOR_CLEAR_SHARE = 0.5
#: or when it has fewer words than this.
POOR_WORD_COUNT = 10
_CLEAR_CONFIDENCE = 0.6
_ROTATE = re.compile(r"^Rotate:\s*(\d+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Reading:
    """The words OCR read in a picture, and the picture they are placed on, as the engine read it:
    tesseract the picture prepared (`intake.preprocess`), RapidOCR at its own size."""

    words: list[PixelWord]
    image: Image.Image
    #: Degrees the picture was turned clockwise before it was read (0, 90, 180 or 270).
    turned: int = 0

    @property
    def sideways(self) -> bool:
        return self.turned in (90, 270)


def clear_words(words: list[PixelWord]) -> int:
    """Return how many words tesseract read confidently with at least two letters or digits."""
    return sum(
        1
        for w in words
        if w.confidence >= _CLEAR_CONFIDENCE and sum(ch.isalnum() for ch in w.text) >= 2
    )


def reads_poorly(words: list[PixelWord]) -> bool:
    """Return whether a reading looks like text read at the wrong angle (or no text at all)."""
    if len(words) < POOR_WORD_COUNT:
        return True
    mean = statistics.fmean(w.confidence for w in words)
    if mean < POOR_MEAN_CONFIDENCE or clear_words(words) < POOR_CLEAR_SHARE * len(words):
        return True
    # Automatic layout analysis reads some sideways lines confidently, one standing word at a time.
    long_words = [w for w in words if len(w.text) >= 3]
    return sum(w.height > w.width for w in long_words) > 0.5 * len(long_words)


def read_upright(
    image: Image.Image,
    path: Path,
    options: OcrOptions,
    *,
    dpi: int | None = None,
    by_shape: bool = True,
) -> Reading:
    """Return the best reading of a picture (grey or RGB): as it is, or turned when it reads poorly.

    `path` is where the picture is written when the tesseract program reads it (overwritten for
    each turn, and for orientation detection); with
    `by_shape` the options are adapted to each turn's shape (`OcrOptions.for_picture`).
    """
    best = _read(image, path, options, dpi, 0, by_shape)
    if not reads_poorly(best.words):
        return best
    for turn in _turns_to_try(image, path, options):
        reading = _read(image.rotate(-turn, expand=True), path, options, dpi, turn, by_shape)
        if _merit(reading) > _merit(best):
            best = reading
        if not reads_poorly(best.words):
            break
    if best.turned:
        log.info("the page was read turned by %d degrees", best.turned)
    return best


def _merit(reading: Reading) -> tuple[bool, int]:
    """Return how good a reading is: a good reading first, then more clear words."""
    return not reads_poorly(reading.words), clear_words(reading.words)


def _read(
    image: Image.Image, path: Path, options: OcrOptions, dpi: int | None, turn: int, by_shape: bool
) -> Reading:
    words = ocr_picture(
        image, path, options.for_picture(image.width, image.height) if by_shape else options, dpi=dpi
    )
    return Reading(words, image, turn)


def _turns_to_try(image: Image.Image, path: Path, options: OcrOptions) -> list[int]:
    """Return the clockwise turns worth reading, the one orientation detection names first."""
    image.save(path, format="PPM")
    turn = detect_turn(path, options)
    if not turn:
        return []
    # Detection confuses a quarter turn with the opposite one more often than with any other.
    return [turn, 360 - turn] if turn in (90, 270) else [turn]


def detect_turn(path: Path, options: OcrOptions) -> int | None:
    """Return the clockwise turn (0, 90, 180, 270) that tesseract's orientation detection says
    makes the picture upright, or None when it cannot tell."""
    try:
        said = run_pytesseract(path, "osd", "osd", "--psm 0", options, options.timeout)
    except IntakeError as e:
        # Too little text, or no 'osd' language data (apt-get install tesseract-ocr-osd).
        log.info("orientation not detected: %s", str(e)[:200])
        return None
    found = _ROTATE.search(said)
    return None if found is None else int(found.group(1)) % 360
