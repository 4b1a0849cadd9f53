"""Text PDFs whose seller details are a picture: the pictures are read by OCR only when the text
layer lacks them. The PDFs are made here with WeasyPrint; the details are made up."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from intake import extract as extract_module
from intake.extract import extract_bytes

SELLER_LINES = (
    "Nordlicht Handel GmbH",
    "Hafenstrasse 12, 20457 Hamburg",
    "USt-IdNr.: DE136695976",
    "IBAN: DE89 3704 0044 0532 0130 00",
)
BODY = """
<h1>Rechnung</h1>
<p>Rechnungsnummer: RE-2024-0815<br>Rechnungsdatum: 14.03.2024</p>
<p>An: Kranich Werkstatt KG, Mühlenweg 3, 24103 Kiel</p>
<table>
<tr><td>Nettobetrag</td><td>100,00 EUR</td></tr>
<tr><td>USt. 19 %</td><td>19,00 EUR</td></tr>
<tr><td>Gesamtbetrag</td><td>119,00 EUR</td></tr>
</table>
"""


def _details_picture() -> str:
    """Return a PNG of the seller's details, as a data URL."""
    font = ImageFont.load_default(size=28)
    picture = Image.new("L", (700, 44 * len(SELLER_LINES) + 20), 255)
    draw = ImageDraw.Draw(picture)
    for i, line in enumerate(SELLER_LINES):
        draw.text((10, 10 + 44 * i), line, fill=0, font=font)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<html><body>{html}</body></html>").write_pdf()


def test_seller_details_pasted_as_a_picture_are_read_by_ocr() -> None:
    """GIVEN a text PDF whose seller name, VAT ID and IBAN are only in a picture at its foot
    THEN OCR reads them from the picture, and the text layer's fields stay as printed."""
    pdf = _pdf(BODY + f'<img src="{_details_picture()}" style="width: 12cm">')

    invoice = extract_bytes(pdf, "rechnung.pdf")

    assert invoice.seller.vat_id == "DE136695976"
    assert invoice.seller.iban == "DE89370400440532013000"
    assert invoice.invoice_number == "RE-2024-0815"
    assert str(invoice.total) == "119.00"


def test_a_text_layer_that_names_the_seller_costs_no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a text PDF that prints the seller's name and VAT ID, and a picture (a logo)
    THEN the picture is not read."""
    read: list[object] = []
    monkeypatch.setattr(extract_module, "with_picture_words", lambda *args: read.append(args) or args[1])
    printed = "<p>Nordlicht Handel GmbH, Hafenstrasse 12, 20457 Hamburg<br>USt-IdNr.: DE136695976</p>"
    pdf = _pdf(printed + BODY + f'<img src="{_details_picture()}" style="width: 12cm">')

    invoice = extract_bytes(pdf, "rechnung.pdf")

    assert invoice.seller.vat_id == "DE136695976"
    assert read == []
