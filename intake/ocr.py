"""Run tesseract on a picture and turn its TSV output into `Word`s.

A decoded picture (after `intake.preprocess`) is read in this process by libtesseract
(`intake.libtesseract`), whose models each reading process loads once: the same TSV as the
tesseract program's at about a quarter less CPU. Where the library cannot be loaded, where
`OcrOptions.command` names another program, and for orientation detection, pytesseract runs the
tesseract program as a subprocess on an uncompressed copy of the picture; that costs nothing
measurable over running the subprocess ourselves (same TSV; wall and CPU time within 2% on
receipts). Either way tesseract uses one core (`OMP_THREAD_LIMIT=1`): the service reads several
documents in a process pool, and tesseract's own threads only fight over the same cores.
"""

from __future__ import annotations

import logging
import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from intake import libtesseract
from intake.errors import BrokenDocument, OcrFailed, OcrTimeout, OcrUnavailable
from intake.words import Word
from invoicing.config import OCR_ENGINE, OCR_LANGUAGES, OcrEngine

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

#: Under the engine "both", a document of at most this many OCR'd pages whose reading is in doubt
#: is read again whole by RapidOCR: tesseract's layout analysis can drop a ruled table of small
#: print (a sum block on an invoice's second page) that RapidOCR reads. A longer document's second
#: reading would cost more than its fields are worth.
MOST_PAGES_READ_TWICE = 3
#: The choices of `OcrOptions.engine`.
ENGINES: tuple[str, ...] = get_args(OcrEngine)
APT_PACKAGE = "tesseract-ocr"
#: The tesseract program looked up in PATH; with any other `OcrOptions.command` that program runs.
DEFAULT_COMMAND = "tesseract"

# Column positions in tesseract's TSV output.
_LEVEL, _PAGE, _LEFT, _TOP, _WIDTH, _HEIGHT, _CONF, _TEXT = 0, 1, 6, 7, 8, 9, 10, 11
_WORD_LEVEL = "5"
#: An OCR word less tall than this share of the reading's median word is no text.
_THIN_WORD = 0.25
#: An OCR word more than this many times as tall as the reading's median word may be two lines
#: read as one (`without_overlaid`).
_OVERLAID = 2.0
#: The share of a word's box that a tall word must cover to lie over it.
_COVERED = 0.35


@dataclass(frozen=True, slots=True)
class OcrOptions:
    """How to run tesseract; the defaults suit invoices from Western Europe."""

    languages: str = OCR_LANGUAGES
    #: Page segmentation mode: 3 = automatic layout analysis (columns, tables, blocks).
    psm: int = 3
    #: Seconds allowed per page before tesseract is stopped.
    timeout: float = 120.0
    #: Images with more pixels than this are refused instead of decoded.
    max_pixels: int = 60_000_000
    #: At most this many pages of one document are OCR'd; later ones are skipped with a warning.
    max_pages: int = 10
    #: The tesseract executable (a name looked up in PATH, or a path).
    command: str = DEFAULT_COMMAND
    #: Page segmentation mode for receipt-shaped pictures (height >= `receipt_aspect` x width):
    #: 6 = one uniform block of text, which keeps a receipt's label and amount on one line
    #: where automatic layout analysis splits them into columns.
    receipt_psm: int = 6
    receipt_aspect: float = 1.5
    #: Which OCR reads pictures (`ENGINES`): "tesseract"; "rapidocr" (the neural OCR,
    #: `intake.neural_ocr`) for every picture; "auto": RapidOCR for receipt-shaped pictures
    #: (photos and scans of till receipts, where tesseract is weakest), tesseract for pages of
    #: ordinary shape; or "both": tesseract for every picture, and RapidOCR reads it (a short
    #: scan: all its pages, `MOST_PAGES_READ_TWICE`) again where tesseract's
    #: reading is in doubt (`intake.extract.doubted`: the total, the date or the seller missing or
    #: read with little confidence, or a page's invoice number missing), each field taken from the
    #: surer reading (`intake.reconcile.surer_reading`).
    engine: str = OCR_ENGINE

    def neural_for(self, width: float, height: float) -> bool:
        """Return whether a picture of this size is read by the neural OCR (first or only)."""
        return self.engine == "rapidocr" or (self.engine == "auto" and self.receipt_shaped(width, height))

    def keeps_pictures(self, count: int) -> bool:
        """Return whether a reader keeps the pictures of a document whose first `count` pages
        were OCR'd, for RapidOCR to read them again: under "both", a short document's (a PDF's
        where no page has a text layer)."""
        return self.engine == "both" and count <= MOST_PAGES_READ_TWICE

    def read_twice(self, *, doubted: bool) -> bool:
        """Return whether a picture is read by both OCR engines: under "both", when the first
        reading is in doubt."""
        return self.engine == "both" and doubted

    def receipt_shaped(self, width: float, height: float) -> bool:
        """Return whether a picture of this size is a till receipt's: much taller than wide."""
        return height >= self.receipt_aspect * width

    def for_picture(self, width: int, height: int) -> OcrOptions:
        """Return the options for a picture of this size: receipts get `receipt_psm`."""
        if self.psm == 3 and self.receipt_shaped(width, height):
            return replace(self, psm=self.receipt_psm)
        return self


@dataclass(frozen=True, slots=True)
class PixelWord:
    """A word as tesseract reports it: pixel box on its page, confidence 0..1."""

    page: int  # 1-based frame number inside the image file
    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float


def tesseract_command(image: Path, options: OcrOptions, *, dpi: int | None = None) -> list[str]:
    """Return the argument list equivalent to our OCR of `image` (TSV on stdout), for people."""
    command = [options.command, str(image), "stdout", "-l", options.languages]
    command += ["--psm", str(options.psm)]
    if dpi is not None:
        command += ["--dpi", str(dpi)]
    return [*command, "tsv"]


def tesseract_env() -> dict[str, str]:
    """Return the environment for a tesseract subprocess: ours, limited to one OpenMP thread."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run the body with `OMP_THREAD_LIMIT=1` in the environment pytesseract hands tesseract."""
    before = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = before


def run_pytesseract(
    image: Path, extension: str, languages: str, config: str, options: OcrOptions, timeout: float
) -> str:
    """Return tesseract's output of kind `extension` ("tsv", "osd") for the image file.

    Raises `OcrUnavailable` when tesseract or a language pack is missing, `BrokenDocument` when
    it cannot decode the image, `OcrTimeout` after `timeout` seconds and `OcrFailed` otherwise.
    """
    # Imported here, not with this module: pytesseract loads numpy, a fifth of the start-up of
    # `invoicebot extract`, and a text PDF never needs it.
    import pytesseract
    from pytesseract import pytesseract as tesseract_runner

    tesseract_runner.tesseract_cmd = options.command
    try:
        with _one_thread():
            return str(tesseract_runner.run_and_get_output(
                str(image), extension, languages, config, 0, timeout, False
            ))
    except pytesseract.TesseractNotFoundError as e:
        raise OcrUnavailable(
            f"the OCR program '{options.command}' is not installed "
            f"(on Debian/Ubuntu: apt-get install {APT_PACKAGE})"
        ) from e
    except pytesseract.TesseractError as e:
        raise _failure(str(e.message), options) from e
    except RuntimeError as e:  # pytesseract's word for a timeout; it has killed tesseract
        raise OcrTimeout(f"OCR took longer than {timeout:.0f} s and was stopped") from e
    except OSError as e:  # no output file: tesseract died without a word
        raise OcrFailed(f"OCR failed: {e}") from e


def run_tesseract(image: Path, options: OcrOptions, *, dpi: int | None = None) -> str:
    """Return tesseract's TSV output for the image file.

    Raises `OcrUnavailable` when tesseract or a language pack is missing, `BrokenDocument` when
    it cannot decode the image, `OcrTimeout` after `options.timeout` seconds and `OcrFailed` for
    any other failure.
    """
    config = f"--psm {options.psm}" + (f" --dpi {dpi}" if dpi is not None else "")
    config += " -c tessedit_create_tsv=1"
    return run_pytesseract(image, "tsv", options.languages, config, options, options.timeout)


def run_in_process(image: Image.Image, options: OcrOptions, *, dpi: int | None = None) -> str:
    """Return the TSV libtesseract reads in a decoded picture, as the program prints it.

    Raises `OcrUnavailable` when a language pack is missing, `OcrTimeout` after
    `options.timeout` seconds and `OcrFailed` for any other failure.
    """
    if image.mode not in ("L", "RGB"):
        image = image.convert("L" if image.mode == "1" else "RGB")
    try:
        with libtesseract.borrowed(options.languages) as tesseract:
            return tesseract.tsv(image, psm=options.psm, dpi=dpi, timeout=options.timeout)
    except libtesseract.InitFailed as e:
        raise _missing_languages(options) from e
    except libtesseract.Cancelled as e:
        raise OcrTimeout(f"OCR took longer than {options.timeout:.0f} s and was stopped") from e
    except libtesseract.RecognitionFailed as e:
        raise OcrFailed("OCR failed: tesseract recognised nothing") from e


def _missing_languages(options: OcrOptions) -> OcrUnavailable:
    """Return the error for language data tesseract lacks, naming the packages to install."""
    packs = " ".join(f"{APT_PACKAGE}-{lang}" for lang in options.languages.split("+") if lang != "osd")
    return OcrUnavailable(
        f"tesseract has no language data for '{options.languages}' "
        f"(on Debian/Ubuntu: apt-get install {packs})"
    )


def _failure(stderr: str, options: OcrOptions) -> Exception:
    """Return the error that tesseract's stderr describes."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()] or [stderr.strip()]
    if any("Failed loading language" in line for line in lines):
        return _missing_languages(options)
    if any("pixRead" in line or "cannot be read" in line for line in lines):
        # The first line is the decoder's own words, e.g. "Premature end of JPEG file".
        return BrokenDocument(f"the image cannot be decoded: {lines[0]}")
    detail = lines[0] if lines else "no message"
    return OcrFailed(f"OCR failed: {detail}")


def parse_tsv(tsv: str) -> list[PixelWord]:
    """Return the non-empty words of tesseract's TSV output, in tesseract's reading order."""
    words = []
    for line in tsv.splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) <= _TEXT or cells[_LEVEL] != _WORD_LEVEL:
            continue
        text = cells[_TEXT].strip()
        if not text:
            continue
        try:
            confidence = min(max(float(cells[_CONF]) / 100.0, 0.0), 1.0)
            words.append(
                PixelWord(
                    page=int(cells[_PAGE]),
                    text=text,
                    left=int(cells[_LEFT]),
                    top=int(cells[_TOP]),
                    width=int(cells[_WIDTH]),
                    height=int(cells[_HEIGHT]),
                    confidence=confidence,
                )
            )
        except ValueError:
            log.warning("unexpected tesseract TSV line skipped: %r", line)
    return words


def place_words(
    words: list[PixelWord], scale_x: float, scale_y: float, left: float = 0.0, top: float = 0.0
) -> tuple[Word, ...]:
    """Return the words in points: pixels times the scale, shifted to (`left`, `top`); rules read
    as text left out (`without_rules`)."""
    return tuple(
        Word(
            text=w.text,
            x0=left + w.left * scale_x,
            top=top + w.top * scale_y,
            x1=left + (w.left + w.width) * scale_x,
            bottom=top + (w.top + w.height) * scale_y,
            confidence=w.confidence,
        )
        for w in without_overlaid(without_rules(words))
    )


def without_rules(words: list[PixelWord]) -> list[PixelWord]:
    """Return the words but those of letters or digits a quarter as tall as the reading's words:
    a rule or a table's line OCR read as text, which would join the lines above and below it.
    Marks such as "-" and ":" are that thin and stay."""
    if not words:
        return []
    least = _THIN_WORD * statistics.median(w.height for w in words)
    return [w for w in words if w.height >= least or not any(ch.isalnum() for ch in w.text)]


def without_overlaid(words: list[PixelWord]) -> list[PixelWord]:
    """Return the words but those more than twice as tall as the reading's words that lie over a
    word of the usual height: print does not overlap, and such a box is what OCR made of two lines
    at once, small print read as one tall word ("107 station Rood" over "Keller Handel S.A." and
    "107 Station Road"), which would put its letters into the line of the name it covers."""
    if len(words) < 3:
        return words
    usual = statistics.median(w.height for w in words)
    tall = [w for w in words if w.height > _OVERLAID * usual]
    if not tall:
        return words
    normal = [w for w in words if w.height <= 1.5 * usual and sum(ch.isalnum() for ch in w.text) >= 2]
    covering = {id(w) for w in tall if any(_lies_over(w, other) for other in normal)}
    return [w for w in words if id(w) not in covering] if covering else words


def _lies_over(tall: PixelWord, word: PixelWord) -> bool:
    """Return whether `tall` covers more than a third of `word`'s box on the same picture (a tall
    word beside a line, whose box only grazes a neighbour's, does not)."""
    across = min(tall.left + tall.width, word.left + word.width) - max(tall.left, word.left)
    down = min(tall.top + tall.height, word.top + word.height) - max(tall.top, word.top)
    return tall.page == word.page and across > 0 and down > 0 and across * down > _COVERED * word.width * word.height


def ocr_picture(
    image: Image.Image, path: Path, options: OcrOptions, *, dpi: int | None = None
) -> list[PixelWord]:
    """Return the words tesseract reads in a decoded picture, with pixel boxes: in this process
    where libtesseract serves (`intake.libtesseract`), else by the program from a copy written
    to `path` (an uncompressed PNM, fast to write)."""
    if options.command == DEFAULT_COMMAND and libtesseract.available():
        return parse_tsv(run_in_process(image, options, dpi=dpi))
    image.save(path, format="PPM")
    return parse_tsv(run_tesseract(path, options, dpi=dpi))
