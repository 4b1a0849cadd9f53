"""Prepare a photo or scan for tesseract: grey, evenly lit and straight.

Pure functions on Pillow images (no I/O). Tesseract binarises a page with one global threshold
(Otsu), so a receipt photographed under a lamp loses the words in its darker half, and faint
thermal print on a bright background can vanish entirely; dividing by an estimate of the
background brightness removes both. A photo also shows what lies around the page (a desk, a
table): that is whitened first, or its texture counts as ink in tesseract's threshold, which then
rises until grey table rules and paper grain are ink too and whole rows are lost. Small skew is
measured from the row profile of the ink and undone. Small print (a page rendered or captured
on screen at 72-120 dpi) is enlarged; print of a readable size is read as it is (see
`prepare_for_ocr`).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from typing import TYPE_CHECKING

from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat

if TYPE_CHECKING:
    import numpy as np

#: Text lines whose ink (ascenders to descenders) is lower than this many pixels are small print:
#: a page rendered or captured at about 120 dpi or less, where tesseract loses characters.
SMALL_PRINT = 13.0
#: Small print is enlarged to this line height, never by more than `_MAX_ENLARGEMENT` nor past
#: `MAX_ENLARGED_PIXELS` (an A4 page at about 350 dpi): a wrong estimate must stay harmless.
ENLARGED_LINE = 24.0
_MAX_ENLARGEMENT = 3.0
MAX_ENLARGED_PIXELS = 12_000_000
#: Skew angles searched, in degrees either way; larger tilts are left to tesseract.
_MAX_SKEW = 5.0
#: Angles below this are not worth a rotation (interpolation blurs the strokes a little).
_MIN_SKEW = 0.4
#: Width of the small copy used to measure skew and background.
_ANALYSIS_WIDTH = 300
_BACKGROUND_WIDTH = 120
#: Around the page is darker than this share of the paper's brightness (a page's own shading
#: stays above it), and covers at most this share of the picture.
_SURROUNDINGS_CONTRAST = 0.6
_SURROUNDINGS_SHARE = 0.5
#: At the page's edge the paper's brightness drops at least by this factor within two pixels of
#: the small copy.
_EDGE_STEP = 0.8
#: Percentage of the darkest pixels that the contrast stretch ignores as specks (at most).
_DARK_CUTOFF = 0.5
#: Width of the small copy in which the surroundings are found.
_SURROUNDINGS_WIDTH = 150


@dataclass(frozen=True, slots=True)
class Prepared:
    """An image ready for tesseract and how it relates to the original."""

    image: Image.Image
    #: Prepared pixels per original pixel.
    scale: float
    #: Degrees the content was turned (counter-clockwise) to straighten it.
    rotated: float


def prepare_for_ocr(image: Image.Image) -> Prepared:
    """Return the image as 8-bit grey, evenly lit and deskewed for tesseract, small print enlarged.

    Only small print is rescaled (`enlargement`). Bringing every picture's lines to one height
    gained one field in 184 on the corpus receipts and made tesseract ~45% slower: enlarged photos
    also enlarge their noise into garbage words.
    """
    gray = grayscale(image)
    around = surroundings(gray)
    gray = even_light(gray)
    if around is not None:
        gray.paste(255, mask=around)
    angle = skew_angle(gray)
    if abs(angle) >= _MIN_SKEW:
        gray = deskew(gray, angle)
    else:
        angle = 0.0
    pixels = gray.width * gray.height
    # A picture too large to be enlarged is not measured (33 ms on a 12-megapixel photo).
    scale = enlargement(text_line_height(gray), pixels) if pixels < MAX_ENLARGED_PIXELS else 1.0
    if scale != 1.0:
        gray = gray.resize((round(gray.width * scale), round(gray.height * scale)), Image.Resampling.BICUBIC)
    return Prepared(gray, scale, angle)


def grayscale(image: Image.Image) -> Image.Image:
    """Return the image as 8-bit grey; transparent parts become white, not black."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    return image.convert("L")


def background(gray: Image.Image) -> Image.Image:
    """Return an estimate of the paper's brightness at each pixel, text removed."""
    factor = max(1, gray.width // _BACKGROUND_WIDTH)
    small = gray.reduce(factor) if factor > 1 else gray.copy()
    # A max filter wider than a letter replaces dark text by the paper around it.
    size = 2 * max(2, small.width // 40) + 1
    paper = small.filter(ImageFilter.MaxFilter(size)).filter(ImageFilter.MinFilter(size))
    paper = paper.filter(ImageFilter.GaussianBlur(size))
    return paper.resize(gray.size, Image.Resampling.BILINEAR)


def even_light(gray: Image.Image) -> Image.Image:
    """Return the grey image divided by its background: white paper, text contrast kept."""
    # Imported here, not with this module: a text PDF never needs numpy (see `intake.ocr`).
    import numpy as np

    # One flat index per pixel (paper * 256 + grey): a third faster than indexing by the pair.
    index = np.asarray(background(gray)).astype(np.intp) << 8 | np.asarray(gray)
    divided = Image.fromarray(_quotients().take(index), "L")
    return ImageOps.autocontrast(divided, cutoff=(_dark_cutoff(divided.histogram()), 0))


def _dark_cutoff(histogram: list[int]) -> float:
    """Return the percentage of darkest pixels the contrast stretch may ignore as specks:
    `_DARK_CUTOFF`, but never more than half the ink. A page with less ink than the cutoff (a
    last page of two lines) would otherwise have all its text ignored and its paper's grain
    stretched to black, drowning the text."""
    ink = sum(histogram[: otsu_threshold(histogram)]) / max(sum(histogram), 1)
    return min(_DARK_CUTOFF, 100 * ink / 2)


@cache
def _quotients() -> np.ndarray:
    """Return min(255, grey * 255 // (paper + 1)) for every pair of levels, at paper * 256 + grey.

    Looking every pixel up in it gives the division exactly, 5-6x as fast as computing it
    (Pillow's ImageMath or numpy's integer division) on a 12-megapixel photo.
    """
    import numpy as np

    levels = np.arange(256, dtype=np.uint32)
    return np.minimum(levels[None, :] * 255 // (levels[:, None] + 1), 255).astype(np.uint8).ravel()


def surroundings(gray: Image.Image) -> Image.Image | None:
    """Return a mask (255) of what a photo shows around the page, or None when it is all page.

    Around the page is what is much darker than the paper once text is closed over, reached from
    the picture's edge along a row or a column (a page is convex, so every point of the desk
    around it is), where the paper steps down at the page's edge. A dark logo or bar on the page
    is not reached; a scan has nothing darker at its edges; a page that only darkens towards one
    side has no such step.
    """
    factor = -(-gray.width // _SURROUNDINGS_WIDTH)
    small = gray.reduce(factor) if factor > 1 else gray
    # Opening the paper (max, then min filter) removes strokes thinner than the filter: text.
    paper = small.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.MinFilter(3))
    histogram = paper.histogram()
    threshold = otsu_threshold(histogram)
    dark, light = sum(histogram[:threshold]), sum(histogram[threshold:])
    if not dark or not light:
        return None
    dark_mean = sum(level * count for level, count in enumerate(histogram[:threshold])) / dark
    light_mean = sum(level * count for level, count in enumerate(histogram) if level >= threshold) / light
    if dark_mean > _SURROUNDINGS_CONTRAST * light_mean:
        return None
    mask = paper.point(lambda v: 255 if v < threshold else 0)
    across = _from_edges(mask)
    down = _from_edges(mask.transpose(Image.Transpose.TRANSPOSE)).transpose(Image.Transpose.TRANSPOSE)
    around = ImageChops.lighter(across, down)
    share = around.histogram()[255] / (around.width * around.height)
    if share == 0 or share > _SURROUNDINGS_SHARE or not _sharp_edge(paper, around):
        return None
    # One more pixel of the small copy covers the blurred edge of the page.
    return around.filter(ImageFilter.MaxFilter(3)).resize(gray.size, Image.Resampling.NEAREST)


def _sharp_edge(paper: Image.Image, around: Image.Image) -> bool:
    """Return whether the paper steps down where the surroundings begin (the page's edge), as
    opposed to darkening gradually (light falling off across a page that fills the picture)."""
    outside = ImageChops.subtract(around.filter(ImageFilter.MaxFilter(5)), around)
    inside = ImageChops.subtract(around, around.filter(ImageFilter.MinFilter(5)))
    if not outside.getbbox() or not inside.getbbox():
        return False
    page_side = ImageStat.Stat(paper, outside).mean[0]
    desk_side = ImageStat.Stat(paper, inside).mean[0]
    return desk_side <= _EDGE_STEP * page_side


def _from_edges(mask: Image.Image) -> Image.Image:
    """Return the mask's set (255) runs that reach the left or right edge of their row."""
    width = mask.width
    data = mask.tobytes()
    out = bytearray(len(data))
    for start in range(0, len(data), width):
        row = data[start : start + width]
        left = width - len(row.lstrip(b"\xff"))
        right = width - len(row.rstrip(b"\xff"))
        out[start : start + left] = b"\xff" * left
        out[start + width - right : start + width] = b"\xff" * right
    return Image.frombytes("L", mask.size, bytes(out))


def ink_mask(gray: Image.Image) -> Image.Image:
    """Return 255 where the grey image has ink (darker than its Otsu threshold), else 0."""
    threshold = otsu_threshold(gray.histogram())
    return gray.point(lambda v: 255 if v < threshold else 0)


def otsu_threshold(histogram: list[int]) -> int:
    """Return the grey level that best splits a 256-bin histogram into two classes."""
    total = sum(histogram)
    if total == 0:
        return 128
    sum_all = sum(i * h for i, h in enumerate(histogram))
    best, best_level = -1.0, 128
    weight_dark = sum_dark = 0
    for level, count in enumerate(histogram):
        weight_dark += count
        if weight_dark == 0:
            continue
        weight_light = total - weight_dark
        if weight_light == 0:
            break
        sum_dark += level * count
        mean_dark = sum_dark / weight_dark
        mean_light = (sum_all - sum_dark) / weight_light
        between = weight_dark * weight_light * (mean_dark - mean_light) ** 2
        if between > best:
            best, best_level = between, level + 1
    return best_level


def row_profile(mask: Image.Image) -> list[float]:
    """Return the share of ink (0..255) in each row of a mask."""
    return list(mask.resize((1, mask.height), Image.Resampling.BOX).tobytes())


def _sharpness(profile: list[float]) -> float:
    """Return how crisply rows alternate between ink and gap (high when lines are level)."""
    return sum((b - a) ** 2 for a, b in zip(profile, profile[1:], strict=False))


def skew_angle(gray: Image.Image) -> float:
    """Return the angle in degrees (counter-clockwise) that makes the text lines level."""
    factor = max(1.0, gray.width / _ANALYSIS_WIDTH)
    small = gray.resize((max(1, round(gray.width / factor)), max(1, round(gray.height / factor))))
    mask = ink_mask(small)

    def score(angle: float) -> float:
        # Nearest neighbour is enough for a mask whose rows are only counted, and 2-3x as fast.
        turned = mask.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
        return _sharpness(row_profile(turned))

    best = max((step * 1.0 for step in range(-5, 6)), key=score)
    fine = [best + step * 0.25 for step in range(-3, 4) if abs(best + step * 0.25) <= _MAX_SKEW]
    return max(fine, key=score)


def deskew(gray: Image.Image, angle: float) -> Image.Image:
    """Return the grey image turned by `angle` degrees about its centre, corners filled white."""
    return gray.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)


def text_line_height(gray: Image.Image) -> float | None:
    """Return the height in pixels of the text lines' ink bands, or None if none are seen: the
    median of the bands weighed by their ink, so that the many thin bands of a photo's noise and
    grain, which hold little ink, do not stand for its text."""
    profile = row_profile(ink_mask(gray))
    peak = max(profile, default=0)
    if peak == 0:
        return None
    bands: list[tuple[int, float]] = []  # (height, ink)
    run, ink = 0, 0.0
    for value in [*profile, 0.0]:
        if value > peak * 0.05:
            run, ink = run + 1, ink + value
        elif run:
            bands.append((run, ink))
            run, ink = 0, 0.0
    # Bands of one or two rows are rules, dust or noise, not text.
    bands = sorted(band for band in bands if band[0] >= 3)
    if len(bands) < 3:
        return None
    running = list(accumulate(ink for _, ink in bands))
    return float(bands[bisect_left(running, running[-1] / 2)][0])


def enlargement(line_height: float | None, pixels: int) -> float:
    """Return the factor that brings small print's text lines (under `SMALL_PRINT`) to
    `ENLARGED_LINE` in a picture of `pixels`, or 1.0 for print of a readable size, when no line is
    seen, or when the picture is too large to be enlarged within `MAX_ENLARGED_PIXELS`."""
    if line_height is None or line_height >= SMALL_PRINT:
        return 1.0
    factor = min(ENLARGED_LINE / line_height, _MAX_ENLARGEMENT, math.sqrt(MAX_ENLARGED_PIXELS / max(pixels, 1)))
    return factor if factor > 1.0 else 1.0

