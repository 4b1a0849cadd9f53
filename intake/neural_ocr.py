"""Read a picture with RapidOCR: PP-OCRv4 detection and recognition as ONNX models shipped inside
the `rapidocr-onnxruntime` wheel, so nothing is downloaded at run time.

It reads photos and faint thermal receipts better than tesseract, at about twice its time per
page, so `OcrOptions.engine` chooses where it is used. Its recognition model returns a line at a
time and often without the spaces between words; each character comes with its own box, so the
line is cut into words at spaces and at gaps wider than half a character (the boxes are the
model's estimates, so a word may still be cut or two joined now and then).
"""

from __future__ import annotations

import logging
import statistics
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from PIL import Image

from intake.errors import OcrFailed, OcrUnavailable
from intake.ocr import PixelWord

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

log = logging.getLogger(__name__)

#: On a till receipt's strip, a gap between two characters wider than this share of a character's
#: width separates words.
WORD_GAP = 0.5
#: On the picture of a page, a run of blank columns at least this share of the line's height
#: between two characters separates words: the picture's own spaces. RapidOCR places characters
#: by estimate, so its gaps cut a page's words apart ("Be stellun g", "Custom er no.") and glue
#: others ("VielenDankfur"). Two digits stay together (a "1" stands in white of its own).
INK_GAP = 0.2
#: A gap between two characters wider than this share of a character's width always separates
#: words (the next column's).
COLUMN_GAP = 1.5
PIP_PACKAGE = "rapidocr-onnxruntime"


def available() -> bool:
    """Return whether RapidOCR can be imported here."""
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _engine() -> Any:
    """Return the RapidOCR engine of this process, loaded once (about half a second), one thread.

    The pictures it gets are already turned upright (`straightened`), so the per-line classifier
    that turns lines read upside down is not run. Lines are recognised one at a time: in a batch
    each is padded to the widest, and on one CPU thread that padding costs more than batching
    saves. Both together took a fifth off its CPU time on in-sample receipts and photos and lost
    no field there or on a development seed's photos and scans (README, Accuracy and Speed).
    """
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:
        raise OcrUnavailable(f"the neural OCR is not installed (pip install {PIP_PACKAGE})") from e
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False, rec_batch_num=1)


def straightened(picture: Image.Image, rotated: float) -> Image.Image:
    """Return the picture in its own colours and size, turned `rotated` degrees as it was prepared
    for tesseract (`intake.preprocess.Prepared.rotated`):
    the neural OCR reads colour and shading better than the evened grey, and scales a picture
    itself (small print that tesseract reads enlarged, RapidOCR reads better as it is)."""
    image = picture.convert("RGB")
    if rotated:
        image = image.rotate(rotated, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    return image


def read_picture(image: Image.Image, *, receipt: bool = False) -> list[PixelWord]:
    """Return the words RapidOCR reads in the picture, with pixel boxes (page 1). A page's lines are
    cut into words where the picture is blank between characters (`INK_GAP`), a `receipt`'s where
    its characters stand apart (`WORD_GAP`)."""
    import numpy as np

    try:
        result, _ = _engine()(np.asarray(image.convert("RGB")), return_word_box=True)
    except OcrUnavailable:
        raise
    except Exception as e:  # noqa: BLE001 - the engine's own errors have no common base
        raise OcrFailed(f"neural OCR failed: {e}") from e
    words: list[PixelWord] = []
    grey = None if receipt else np.asarray(image.convert("L"))
    for found in result or []:
        box, text, score = found[0], found[1], float(found[2])
        if len(found) >= 6 and len(found[4]) == len(found[3]):
            breaks = None if grey is None else blank_columns(grey, _span(box))
            words += split_line(found[4], found[3], found[5], breaks)
        else:
            words += _whole_line(box, text, score)
    return words


def blank_columns(grey: NDArray[np.uint8], span: tuple[int, int, int, int]) -> list[float]:
    """Return the middles of the runs of blank columns inside a line's box in the grey picture that
    are at least `INK_GAP` of its height wide, not counting the box's margins. Ink is what is
    darker than halfway between the box's paper and its print; a box without contrast has none."""
    import numpy as np

    h, w = grey.shape
    left, top, right, bottom = max(0, span[0]), max(0, span[1]), min(w, span[2]), min(h, span[3])
    if right - left < 2 or bottom - top < 2:
        return []
    crop = grey[top:bottom, left:right]
    dark, light = np.percentile(crop, 5), np.percentile(crop, 95)
    if light - dark < _MIN_CONTRAST:
        return []
    blank = ~(crop < (dark + light) / 2).any(axis=0)
    edges = np.diff(blank.astype(np.int8), prepend=0, append=0)  # 1 where a blank run starts, -1 after it
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    inside = (starts > 0) & (ends < blank.size) & (ends - starts >= INK_GAP * (bottom - top))
    return [left + (start + end) / 2 for start, end in zip(starts[inside].tolist(), ends[inside].tolist(), strict=True)]


#: Below this difference of grey levels between a line box's paper and print, it shows no ink.
_MIN_CONTRAST = 40


def _span(points: Sequence[Sequence[float]]) -> tuple[int, int, int, int]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))


def _whole_line(box: Sequence[Sequence[float]], text: str, score: float) -> list[PixelWord]:
    """Return a line without character boxes as words placed in proportion to their length."""
    left, top, right, bottom = _span(box)
    text = unicodedata.normalize("NFKC", text)
    step = (right - left) / max(len(text), 1)
    words, start = [], 0
    for part in text.split(" "):
        if part:
            x0 = left + round(start * step)
            words.append(PixelWord(1, part, x0, top, max(1, round(len(part) * step)), bottom - top, score))
        start += len(part) + 1
    return words


def split_line(
    chars: Sequence[str], boxes: Sequence[Sequence[Sequence[float]]], scores: Sequence[float],
    breaks: Sequence[float] | None = None,
) -> list[PixelWord]:
    """Return the words of one recognised line: characters joined until a space, or a gap wider
    than `WORD_GAP` of a character's width; where the picture's blank columns `breaks` are given
    (their x), until one of them between two characters but two digits, or a `COLUMN_GAP`."""
    spans = [_span(b) for b in boxes]
    widths = [s[2] - s[0] for s, c in zip(spans, chars, strict=True) if c.strip()] or [1]
    gap = (WORD_GAP if breaks is None else COLUMN_GAP) * max(statistics.median(widths), 1)
    words: list[PixelWord] = []
    run: list[int] = []

    def close() -> None:
        if run:
            text = unicodedata.normalize("NFKC", "".join(chars[i] for i in run)).strip()
            left, right = spans[run[0]][0], spans[run[-1]][2]
            top, bottom = min(spans[i][1] for i in run), max(spans[i][3] for i in run)
            score = sum(float(scores[i]) for i in run) / len(run)
            if text:
                words.append(PixelWord(1, text, left, top, max(1, right - left), max(1, bottom - top), score))
            run.clear()

    for i, char in enumerate(chars):
        if not char.strip():
            close()
            continue
        if run and (spans[i][0] - spans[run[-1]][2] > gap or _blank_between(run[-1], i, chars, spans, breaks)):
            close()
        run.append(i)
    close()
    return words


def _blank_between(
    before: int, after: int, chars: Sequence[str], spans: Sequence[tuple[int, int, int, int]],
    breaks: Sequence[float] | None,
) -> bool:
    """Return whether a blank run in `breaks` stands between the middles of two characters that
    are not both of a number: digits, or a digit and the decimal mark or thousands separator
    beside it ("836" "." "60": the white around a small dot is no space)."""
    if not breaks or (_of_number(chars, before) and _of_number(chars, after)):
        return False
    start, end = (spans[before][0] + spans[before][2]) / 2, (spans[after][0] + spans[after][2]) / 2
    return any(start < x < end for x in breaks)


def _of_number(chars: Sequence[str], i: int) -> bool:
    """Return whether `chars[i]` is a digit, or a decimal mark or thousands separator: a mark
    between a digit and the two or three digits of cents or of a group ("836.60", "1,234"), not
    a comma before a year ("21, 2025")."""
    if chars[i].isdigit():
        return True
    if chars[i] not in ".,'" or i == 0 or not chars[i - 1].isdigit():
        return False
    after = 0
    while i + 1 + after < len(chars) and chars[i + 1 + after].isdigit():
        after += 1
    return after in (2, 3)
