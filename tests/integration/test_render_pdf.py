"""Issued invoices as PDFs, rendered by the real WeasyPrint and read back with pypdfium2 and pypdf.

The text on the page comes from customers, and the templates may come from the user: neither may
make the renderer read local files or reach the network, and the only file a PDF carries is its
e-invoice XML. A loopback HTTP server counts every request, so "fetched nothing" is observed.
"""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from intake import media
from intake.qr import QrKind
from intake.readers import read_document
from invoicing.billing import DiscountTerms, LineItem, TaxCategory, price
from invoicing.document import BankDetails, DocumentKind
from invoicing.render import RenderError, RenderOptions, render_invoice
from invoicing.render.pdf import Renderer
from invoicing.render.preview import PreviewError, preview_png
from invoicing.render.samples import warm_up_document
from tests.invoices import generate


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that answers every GET with a PNG and records the path asked for."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def page_texts(pdf: bytes) -> list[str]:
    """Return the text of each page, whitespace collapsed."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))]
    finally:
        document.close()


def embedded_files(pdf: bytes) -> dict[str, bytes]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return {name: contents[0] for name, contents in reader.attachments.items()}


def images_on_pages(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return sum(1 for i in range(len(document)) for o in document[i].get_objects(max_depth=3)
                   if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)  # fmt: skip
    finally:
        document.close()


def with_descriptions(*descriptions: str):  # type: ignore[no-untyped-def]
    items = [LineItem(text, Decimal(1), Decimal("10.00"), Decimal(19)) for text in descriptions]
    return replace(warm_up_document(), totals=price(items))


def test_hostile_customer_text_is_printed_as_text_and_fetches_nothing(http_server: tuple[str, list[str]]) -> None:
    """GIVEN descriptions holding an <img> of /etc/passwd, an <img> and a stylesheet on a web server and
    an attachment link WHEN rendered THEN each is printed as written, the web server was never asked,
    and the PDF embeds nothing but factur-x.xml."""
    url, requests = http_server
    hostile = (
        '<img src="file:///etc/passwd">',
        f'<img src="{url}/tracker.png"> {url}/plain-link.png',
        f'<link rel="attachment" href="file:///etc/hostname"><link rel="stylesheet" href="{url}/x.css">',
    )
    result = render_invoice(with_descriptions(*hostile))
    text = "".join(page_texts(result.pdf)[0].split())  # long words wrap anywhere
    for description in hostile:
        assert "".join(description.split()) in text
    assert requests == []
    assert list(embedded_files(result.pdf)) == ["factur-x.xml"]
    assert images_on_pages(result.pdf) == 1  # the GiroCode; nothing fetched
    assert b"root:" not in result.pdf


def test_a_user_template_reaches_its_own_folder_but_nothing_else(
    tmp_path: Path, http_server: tuple[str, list[str]]
) -> None:
    """GIVEN a user invoice.html that asks for a picture in its folder, /etc/passwd, a web image and two
    attachments WHEN rendered THEN only its own picture is drawn, the server saw no request and
    factur-x.xml is the only embedded file."""
    url, requests = http_server
    (tmp_path / "invoice").mkdir()
    (tmp_path / "invoice" / "stamp.png").write_bytes(PNG)
    (tmp_path / "invoice" / "invoice.html").write_text(
        '<html><head><link rel="attachment" href="file:///etc/passwd">'
        f'<link rel="attachment" href="{url}/a.txt"></head><body>'
        f'<h1>{{{{ title }}}} {{{{ document.number }}}}</h1><img src="stamp.png"><img src="file:///etc/passwd">'
        f'<img src="{url}/x.png"><img src="file://{tmp_path}/../../etc/hostname"></body></html>'
    )
    renderer = Renderer(RenderOptions(templates_dir=tmp_path))
    result = renderer.render(warm_up_document())
    assert page_texts(result.pdf)[0].startswith("Rechnung WARM-UP-1")
    assert images_on_pages(result.pdf) == 1
    assert requests == []
    assert list(embedded_files(result.pdf)) == ["factur-x.xml"]
    # The pictures were asked for and refused; the attachments are dropped before anything is fetched.
    assert renderer.assets.refused == ["file:///etc/passwd", f"{url}/x.png", f"file://{tmp_path}/../../etc/hostname"]


def test_labels_and_styles_are_overridden_by_name(tmp_path: Path) -> None:
    """GIVEN a user labels.toml changing the German title and an invoice.css WHEN a German invoice is
    rendered THEN the new title is printed, the other labels are the packaged ones."""
    (tmp_path / "invoice").mkdir()
    (tmp_path / "invoice" / "labels.toml").write_text('[de]\ntitle_invoice = "Honorarnote"\n')
    (tmp_path / "invoice" / "invoice.css").write_text("@page { size: A5; margin: 10mm; }")
    result = Renderer(RenderOptions(templates_dir=tmp_path)).render(warm_up_document())
    text = " ".join(page_texts(result.pdf))
    assert "Honorarnote WARM-UP-1" in text and "Rechnungsnummer" in text
    page = pdfium.PdfDocument(result.pdf)[0]
    assert round(page.get_width() / 72 * 25.4) == 148  # A5


def test_the_logo_is_drawn_and_a_missing_one_is_a_clear_error(tmp_path: Path) -> None:
    """GIVEN a PNG logo WHEN rendered THEN it is drawn beside the GiroCode; a logo path that does not
    exist is refused when the options are made."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    result = Renderer(RenderOptions(logo=logo)).render(warm_up_document())
    assert images_on_pages(result.pdf) == 2
    # PDF/A forbids pictures marked for interpolation; a photo logo would be one by default.
    reader = pypdf.PdfReader(io.BytesIO(result.pdf))
    pictures = [x.get_object() for page in reader.pages for x in page["/Resources"]["/XObject"].values()]
    assert len(pictures) == 2 and all(p.get("/Interpolate") is not True for p in pictures)
    with pytest.raises(RenderError, match="logo"):
        RenderOptions(logo=tmp_path / "missing.png")


def test_the_pdf_is_pdf_a_3_with_the_factur_x_xml() -> None:
    """GIVEN an invoice WHEN rendered THEN the PDF declares PDF/A-3B and Factur-X EN 16931 in its XMP
    metadata, has an sRGB output intent, and carries the XML as factur-x.xml (relationship Data)."""
    result = render_invoice(warm_up_document())
    reader = pypdf.PdfReader(io.BytesIO(result.pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert reader.trailer["/Root"]["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert embedded_files(result.pdf) == {"factur-x.xml": result.xml}
    spec = reader.trailer["/Root"]["/AF"][0].get_object()
    assert spec["/AFRelationship"] == "/Data"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Invoice no.", "Due date", "Total due", "Reverse charge: the recipient is liable"]),
        ("de", ["Rechnungsnummer", "Fälligkeitsdatum", "Gesamtbetrag", "Steuerschuldnerschaft des Leistungsempfängers"]),
        ("fr", ["Facture n°", "Date d'échéance", "Total TTC", "Autoliquidation"]),
        ("da", ["Fakturanr.", "Forfaldsdato", "At betale", "Omvendt betalingspligt"]),
    ],
)
def test_every_language_prints_its_labels_and_the_reverse_charge_note(language: str, words: list[str]) -> None:
    """GIVEN a reverse-charge invoice in each language WHEN rendered THEN its labels and the legal note."""
    document = replace(generate(2, "reverse_charge", DocumentKind.INVOICE), language=language)
    text = " ".join(page_texts(render_invoice(document).pdf))
    for word in words:
        assert word in text


def test_payment_terms_show_the_discount_and_the_discounted_amount() -> None:
    """GIVEN 2 % within 10 days on 1,190.00 EUR WHEN rendered in English THEN the deadline and the
    1,166.20 to pay instead are printed, beside the due date and the late-fee terms."""
    items = [LineItem("Consulting", Decimal(10), Decimal(100), Decimal(19))]
    document = replace(warm_up_document(), language="en", totals=price(items), discount=DiscountTerms(Decimal(2), 10))
    text = " ".join(page_texts(render_invoice(document).pdf))
    assert "Early payment: 2% discount if paid by 12 Jan 2025, that is €1,166.20 instead." in text
    assert f"Please transfer €1,190.00 by 16 Jan 2025 to the account below, quoting {document.payment_reference}." in text


def test_a_long_invoice_runs_over_pages_with_headers_and_page_numbers() -> None:
    """GIVEN 60 lines WHEN rendered THEN several pages, each numbered 'Page n of N', the lines' header
    repeated and the document named at the top of the following pages."""
    document = replace(generate(11, "rates", DocumentKind.INVOICE, line_count=60), language="en")
    texts = page_texts(render_invoice(document).pdf)
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
    assert f"Invoice {document.number}" in texts[1] and "Description" in texts[1]


def test_a_eur_invoice_carries_a_girocode_the_reader_finds() -> None:
    """GIVEN a EUR invoice with IBAN WHEN its PDF is read by the product THEN the EPC code gives the
    IBAN, the total and the reference."""
    document = warm_up_document()
    found = read_document(render_invoice(document).pdf, media.PDF).payment_qr
    assert found is not None and found.kind is QrKind.EPC
    assert (found.iban, found.amount, found.reference) == (document.bank.iban, document.totals.total,
                                                           document.payment_reference)  # fmt: skip


def test_a_chf_invoice_ends_with_a_qr_bill_page() -> None:
    """GIVEN a CHF invoice to a Swiss IBAN WHEN rendered THEN its last page is the QR-bill (receipt and
    payment part, in the invoice's language) and the reader finds the Swiss code on it."""
    document = replace(warm_up_document(), currency="CHF", language="fr", bank=BankDetails("CH9300762011623852957"))
    pdf = render_invoice(document).pdf
    texts = page_texts(pdf)
    assert "Section paiement" in texts[-1] and "Récépissé" in texts[-1] and "Payable par" in texts[-1]
    assert "Section paiement" not in texts[0]
    found = read_document(pdf, media.PDF).payment_qr
    assert found is not None and found.kind is QrKind.SWISS and found.amount == document.totals.total


def test_a_credit_note_names_the_invoice_and_asks_for_no_payment() -> None:
    """GIVEN a German credit note WHEN rendered THEN its title, the corrected invoice and the refund
    sentence are printed, and no GiroCode."""
    document = replace(generate(4, "domestic", DocumentKind.CREDIT_NOTE), language="de")
    pdf = render_invoice(document).pdf
    text = " ".join(page_texts(pdf))
    assert f"Gutschrift {document.number}" in text and document.preceding_number in text
    assert "erstattet oder mit offenen Rechnungen verrechnet" in text
    assert images_on_pages(pdf) == 0


def test_zero_rated_and_exempt_lines_show_their_category() -> None:
    """GIVEN a standard, a zero-rated and an exempt line WHEN rendered THEN the breakdown names each
    category and rate, and the exemption note is printed."""
    items = [LineItem("A", Decimal(1), Decimal(100), Decimal(19)),
             LineItem("B", Decimal(1), Decimal(50), Decimal(0), TaxCategory.ZERO),
             LineItem("C", Decimal(1), Decimal(20), Decimal(0), TaxCategory.EXEMPT)]  # fmt: skip
    document = replace(warm_up_document(), language="en", totals=price(items))
    text = " ".join(page_texts(render_invoice(document).pdf))
    assert "VAT 19% on 100.00 19.00" in text
    assert "Zero rate: VAT 0% on 50.00 0.00" in text and "Exempt: VAT 0% on 20.00 0.00" in text
    assert "Exempt from VAT." in text


def test_a_preview_is_a_png_of_the_width_asked_for() -> None:
    """GIVEN a rendered PDF WHEN page 1 is previewed 600 pixels wide THEN a 600 x 849 PNG; a page it
    does not have is a clear error."""
    pdf = render_invoice(warm_up_document()).pdf
    png = preview_png(pdf, width=600)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (600, 849)
    with pytest.raises(PreviewError, match="no page 3"):
        preview_png(pdf, page=2)
