"""bench.generate writes a set: each invoice as a text PDF and degraded copies, each beside its truth."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bench.generate import degrade
from bench.generate.__main__ import generate


@pytest.mark.slow
def test_screen_captures_are_added_without_changing_the_other_documents(tmp_path: Path) -> None:
    """GIVEN the same seed with and without screen captures THEN the set with them holds every
    document of the other with the same truth (the same random draws), and a PNG of the second
    invoice's page at a viewer's resolution, with the invoice's truth. (Scans and photos are not
    compared byte for byte: their grain comes from Pillow's own noise.)"""
    plain, screens = tmp_path / "plain", tmp_path / "screens"
    generate(plain, 5150, invoices=3, receipts=0, degraded=True, screens=False)
    generate(screens, 5150, invoices=3, receipts=0, degraded=True)

    added = sorted({p.name for p in screens.iterdir()} - {p.name for p in plain.iterdir()})
    assert added == ["s5150-inv001-screen.json", "s5150-inv001-screen.png"]
    for path in plain.glob("*.json"):
        assert (screens / path.name).read_bytes() == path.read_bytes(), path.name
    picture = Image.open(io.BytesIO((screens / "s5150-inv001-screen.png").read_bytes()))
    assert picture.format == "PNG"
    assert round(picture.width * 72 / 595) in degrade.SCREEN_DPI  # an A4 page, 595 points wide
    truth = (screens / "s5150-inv001-screen.json").read_text()
    assert truth.replace('"image"', '"text-pdf"') == (screens / "s5150-inv001.json").read_text()
    assert "s5150-inv001-screen.png\timage" in (screens / "MANIFEST.tsv").read_text()
