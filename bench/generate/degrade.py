"""Degraded raster copies of a rendered PDF: a scan (grey, skewed, noisy, JPEG in a PDF, every
page), a photo (tilted on a background, unevenly lit, blurred, JPEG, of the first page) and a
screen capture (the first page as a PDF viewer shows it at 80-120 dpi, PNG: sharp but small print)."""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageFilter


def rasterise(pdf: bytes, dpi: int) -> Image.Image:
    """Return the PDF's first page as an RGB picture at `dpi`."""
    return rasterise_pages(pdf, dpi, first_only=True)[0]


def rasterise_pages(pdf: bytes, dpi: int, *, first_only: bool = False) -> list[Image.Image]:
    """Return the PDF's pages (or its first) as RGB pictures at `dpi`, the document opened once."""
    document = pdfium.PdfDocument(pdf)
    try:
        pages = [document[0]] if first_only else list(document)
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in pages]
    finally:
        document.close()


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    """Return the grey image with Gaussian noise of `sigma` grey levels added."""
    noise = Image.effect_noise(image.size, sigma)  # centred on 128
    return ImageChops.add(image, noise, scale=1.0, offset=-128)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def scan(pdf: bytes, rng: random.Random) -> bytes:
    """Return a PDF holding a scan of each page: grey, a little skewed, noisy, JPEG."""
    dpi = rng.choice((200, 240, 300))
    pictures = []
    for page in rasterise_pages(pdf, dpi):
        grey = page.convert("L")
        grey = grey.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
        grey = _noise(grey, rng, rng.uniform(6, 18))
        if rng.random() < 0.5:
            grey = grey.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
        pictures.append(Image.open(io.BytesIO(_jpeg(grey, rng.randint(45, 85)))))
    out = io.BytesIO()
    pictures[0].save(out, format="PDF", resolution=float(dpi), save_all=True, append_images=pictures[1:])
    return out.getvalue()


def photo(pdf: bytes, rng: random.Random, *, dpi: int | None = None) -> bytes:
    """Return a JPEG photo of the page: on a table, tilted, lit from one side, a little blurred."""
    page = rasterise(pdf, dpi or rng.choice((150, 180, 200)))
    margin = int(0.06 * page.width)
    table = tuple(rng.randint(60, 140) for _ in range(3))
    canvas = Image.new("RGB", (page.width + 2 * margin, page.height + 2 * margin), table)
    canvas.paste(page, (margin, margin))
    canvas = canvas.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BICUBIC, fillcolor=table)
    # Light falls off across the page: multiply by a gradient from 100% down to 60-85%.
    low = rng.randint(150, 215)
    gradient = Image.linear_gradient("L")
    if rng.random() < 0.5:
        gradient = gradient.transpose(Image.Transpose.ROTATE_90)
    gradient = gradient.resize(canvas.size)
    shade = gradient.point(lambda v: 255 - (255 - low) * v // 255).convert("RGB")
    canvas = ImageChops.multiply(canvas, shade)
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.1)))
    grey_noise = _noise(Image.new("L", canvas.size, 128), rng, rng.uniform(4, 10)).convert("RGB")
    canvas = ImageChops.add(canvas, grey_noise, scale=1.0, offset=-128)
    return _jpeg(canvas, rng.randint(55, 85))


#: Resolutions of a page captured on screen: a PDF viewer at 85 % to 125 % zoom.
SCREEN_DPI = (80, 96, 110, 120)


def screenshot(pdf: bytes, rng: random.Random) -> bytes:
    """Return a PNG of the first page as captured on screen: lossless, level and clean, but at a
    viewer's resolution, so 10-point print is 9 to 13 pixels high."""
    out = io.BytesIO()
    rasterise(pdf, rng.choice(SCREEN_DPI)).save(out, format="PNG")
    return out.getvalue()
