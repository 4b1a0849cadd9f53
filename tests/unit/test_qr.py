"""Payment QR codes: Swiss QR-bill and EPC GiroCode payloads, decoding, and merging into invoices.

The codes are made on the spot with segno and put into a JPEG with invoice text or into hand-written
PDFs (as a picture or drawn in vector paths), then read through `extract_bytes` as a user's file.
"""

from __future__ import annotations

import io
import zlib
from decimal import Decimal

import pytest
import segno
from PIL import Image, ImageDraw, ImageFont

from intake.extract import extract_bytes, with_payment_qr
from intake.qr import (
    PaymentQr,
    QrKind,
    find_payment_qr,
    parse_epc,
    parse_payment_qr,
    parse_swiss_qr,
)
from intake.readers import OcrOptions, read_document
from invoicing.extraction import ExtractedInvoice, Party, Source
from tests.unit import test_einvoice as einvoice_samples
from tests.unit import test_readers as pdfs

QR_IBAN = "CH4431999123000889012"
CH_IBAN = "CH9300762011623852957"
QR_REFERENCE = "210000000003139471430009017"
RF_REFERENCE = "RF18539007547034"
DE_IBAN = "DE89370400440532013000"


def swiss_payload(
    *,
    version: str = "0200",
    iban: str = QR_IBAN,
    name: str = "Robert Schneider AG",
    amount: str = "1949.75",
    currency: str = "CHF",
    reference_type: str = "QRR",
    reference: str = QR_REFERENCE,
    message: str = "Auftrag vom 15.06.2020",
) -> str:
    """Return a Swiss QR-bill payload (structured creditor address), CR LF between lines."""
    creditor = ["S", name, "Rue du Lac", "1268", "2501", "Biel", "CH"]
    debtor = ["S", "Pia-Maria Rutschmann", "Grosse Marktgasse", "28", "9400", "Rorschach", "CH"]
    lines = ["SPC", version, "1", iban, *creditor, *[""] * 7, amount, currency, *debtor]
    return "\r\n".join([*lines, reference_type, reference, message, "EPD"])


def epc_payload(
    *,
    version: str = "002",
    charset: str = "1",
    bic: str = "COBADEFFXXX",
    name: str = "Muster Software GmbH",
    iban: str = DE_IBAN,
    amount: str = "EUR119.00",
    reference: str = "",
    text: str = "Rechnung RE-2026-0042",
    identification: str = "SCT",
) -> str:
    """Return an EPC069-12 GiroCode payload."""
    lines = ["BCD", version, charset, identification, bic, name, iban, amount, "", reference, text]
    return "\n".join(lines)


# --- Swiss QR-bill -----------------------------------------------------------------------------


def test_swiss_qr_bill_gives_iban_creditor_amount_currency_and_qr_reference() -> None:
    assert parse_swiss_qr(swiss_payload()) == PaymentQr(
        kind=QrKind.SWISS,
        iban=QR_IBAN,
        creditor_name="Robert Schneider AG",
        currency="CHF",
        amount=Decimal("1949.75"),
        reference=QR_REFERENCE,
        message="Auftrag vom 15.06.2020",
    )


def test_swiss_qr_bill_with_combined_address_creditor_reference_and_euro() -> None:
    payload = swiss_payload(
        iban=CH_IBAN, currency="EUR", reference_type="SCOR", reference=RF_REFERENCE
    )
    payload = payload.replace("\r\nS\r\nRobert", "\r\nK\r\nRobert", 1)

    qr = parse_swiss_qr(payload)

    assert qr is not None
    assert (qr.iban, qr.currency, qr.reference) == (CH_IBAN, "EUR", RF_REFERENCE)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1949.75", Decimal("1949.75")),
        ("50", Decimal("50.00")),
        ("0.5", Decimal("0.50")),
        ("999999999.99", Decimal("999999999.99")),
        ("", None),  # no amount: the payer fills it in
    ],
)
def test_swiss_amounts(amount: str, expected: Decimal | None) -> None:
    qr = parse_swiss_qr(swiss_payload(amount=amount))

    assert qr is not None and qr.amount == expected


@pytest.mark.parametrize(
    "payload",
    [
        swiss_payload(version="0100"),
        swiss_payload(iban="CH4431999123000889013"),  # checksum
        swiss_payload(iban=DE_IBAN),  # only CH and LI accounts
        swiss_payload(amount="1,949.75"),
        swiss_payload(amount="1949.755"),
        swiss_payload(amount="0.00"),
        swiss_payload(amount="-5.00"),
        swiss_payload(amount="1000000000.00"),
        swiss_payload(currency="USD"),
        swiss_payload(name=""),
        swiss_payload(reference="210000000003139471430009018"),  # check digit
        swiss_payload(iban=CH_IBAN),  # a QR reference needs a QR-IBAN
        swiss_payload(reference_type="NON", reference=""),  # a QR-IBAN needs a QR reference
        swiss_payload(iban=CH_IBAN, reference_type="SCOR", reference="RF18539007547035"),
        swiss_payload().replace("\r\nEPD", ""),
        swiss_payload().replace("SPC", "XYZ"),
        "https://example.com/pay",
        "",
    ],
    ids=[
        "version", "iban-checksum", "iban-country", "amount-comma", "amount-3-decimals",
        "amount-zero", "amount-negative", "amount-too-large", "currency", "no-name",
        "qrr-check-digit", "qrr-without-qr-iban", "qr-iban-without-qrr", "scor-check-digits",
        "no-trailer", "not-spc", "url", "empty",
    ],
)  # fmt: skip
def test_malformed_swiss_payloads_are_refused_quietly(payload: str) -> None:
    assert parse_swiss_qr(payload) is None


# --- EPC GiroCode ------------------------------------------------------------------------------


def test_epc_girocode_gives_iban_name_amount_bic_and_text() -> None:
    assert parse_epc(epc_payload()) == PaymentQr(
        kind=QrKind.EPC,
        iban=DE_IBAN,
        creditor_name="Muster Software GmbH",
        currency="EUR",
        amount=Decimal("119.00"),
        message="Rechnung RE-2026-0042",
        bic="COBADEFFXXX",
    )


@pytest.mark.parametrize(
    ("changes", "amount", "reference"),
    [
        ({"amount": "EUR12.3"}, Decimal("12.30"), None),
        ({"amount": "EUR1"}, Decimal("1.00"), None),
        ({"amount": ""}, None, None),
        ({"bic": "", "reference": "RF18 5390 0754 7034", "text": ""}, Decimal("119"), RF_REFERENCE),
        ({"version": "001"}, Decimal("119.00"), None),
    ],
    ids=["one-decimal", "whole-euros", "no-amount", "rf-reference-no-bic", "version-001"],
)
def test_epc_amounts_and_references(
    changes: dict[str, str], amount: Decimal | None, reference: str | None
) -> None:
    qr = parse_epc(epc_payload(**changes))

    assert qr is not None
    assert (qr.amount, qr.reference) == (amount, reference)


@pytest.mark.parametrize(
    "changes",
    [
        {"version": "003"},
        {"version": "001", "bic": ""},  # version 001 requires the BIC
        {"iban": "DE89370400440532013001"},
        {"amount": "EUR12,30"},
        {"amount": "12.30"},
        {"amount": "CHF12.30"},
        {"amount": "EUR0"},
        {"amount": "EUR12.345"},
        {"charset": "9"},
        {"identification": "INST"},
        {"bic": "NOTABIC"},
        {"name": ""},
        {"reference": "RF18539007547035", "text": ""},
    ],
    ids=[
        "version", "v001-without-bic", "iban-checksum", "amount-comma", "amount-no-currency",
        "amount-chf", "amount-zero", "amount-3-decimals", "charset", "not-sct", "bic", "no-name",
        "rf-check-digits",
    ],
)  # fmt: skip
def test_malformed_epc_payloads_are_refused_quietly(changes: dict[str, str]) -> None:
    assert parse_epc(epc_payload(**changes)) is None


def test_epc_bytes_are_decoded_in_the_character_set_the_payload_names() -> None:
    """GIVEN a GiroCode in ISO 8859-1 (charset 2) WHEN its bytes are read THEN umlauts survive."""
    raw = epc_payload(charset="2", name="Müller Bäckerei").encode("iso-8859-1")

    qr = parse_payment_qr(raw)

    assert qr is not None and qr.creditor_name == "Müller Bäckerei"


# --- decoding pictures -------------------------------------------------------------------------


def qr_picture(payload: str, scale: int = 4) -> Image.Image:
    """Return the payload's QR code (error correction M, as both standards ask) as a picture."""
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False, encoding="utf-8").save(out, kind="png", scale=scale)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def test_a_qr_code_that_is_not_a_payment_code_is_not_an_error() -> None:
    assert find_payment_qr([qr_picture("https://example.com/invoice/42")]) is None


def test_payment_code_is_found_among_other_qr_codes() -> None:
    page = Image.new("L", (600, 300), 255)
    page.paste(qr_picture("https://example.com/invoice/42"), (20, 20))
    page.paste(qr_picture(epc_payload()), (300, 20))

    qr = find_payment_qr([page])

    assert qr is not None and qr.iban == DE_IBAN


# --- merging into the invoice ------------------------------------------------------------------

EPC_QR = PaymentQr(
    kind=QrKind.EPC, iban=DE_IBAN, creditor_name="Muster Software GmbH", currency="EUR",
    amount=Decimal("119.00"), reference=RF_REFERENCE,
)  # fmt: skip


def test_code_fills_missing_fields_at_full_confidence_and_becomes_the_source() -> None:
    page = ExtractedInvoice(
        source=Source.OCR, invoice_number="42", confidence={"invoice_number": 0.7}
    )

    merged = with_payment_qr(page, EPC_QR)

    assert merged.seller == Party(name="Muster Software GmbH", iban=DE_IBAN)
    assert (merged.total, merged.currency) == (Decimal("119.00"), "EUR")
    assert merged.payment_reference == RF_REFERENCE
    assert merged.confidence["total"] == merged.confidence["seller.iban"] == 1.0
    assert merged.source == Source.QR
    assert merged.warnings == ()


def test_code_confirms_matching_fields_and_names_disagreements() -> None:
    """GIVEN a page whose total and IBAN differ from the code WHEN merged THEN the code's IBAN
    is taken, the page's total kept, and both disagreements are named."""
    page = ExtractedInvoice(
        source=Source.PDF_TEXT, invoice_number="42", currency="EUR", total=Decimal("120.00"),
        seller=Party(name="MUSTER  Software GmbH", iban="DE02120300000000202051"),
        confidence={"currency": 0.8, "total": 0.9, "seller.name": 0.6, "seller.iban": 0.9},
    )  # fmt: skip

    merged = with_payment_qr(page, EPC_QR)

    assert merged.total == Decimal("120.00")
    assert merged.seller.iban == DE_IBAN
    assert merged.confidence["currency"] == merged.confidence["seller.name"] == 1.0
    assert merged.source == Source.PDF_TEXT
    assert merged.warnings == (
        f"IBAN on the page DE02120300000000202051 differs from the payment QR code {DE_IBAN}; "
        "the code's is taken",
        "total on the page 120.00 differs from the payment QR code 119.00",
    )


def test_weakly_read_seller_name_gives_way_to_the_creditor() -> None:
    page = ExtractedInvoice(seller=Party(name="Rechnung"), confidence={"seller.name": 0.3})

    assert with_payment_qr(page, EPC_QR).seller.name == "Muster Software GmbH"


def test_e_invoice_xml_is_only_confirmed_by_the_code() -> None:
    xml = ExtractedInvoice(
        source=Source.EINVOICE_XML,
        total=Decimal("120.00"),
        currency="EUR",
        seller=Party(iban="DE02120300000000202051"),
    )

    merged = with_payment_qr(xml, EPC_QR, confirm_only=True)

    assert (merged.total, merged.seller.iban, merged.payment_reference) == (
        Decimal("120.00"), "DE02120300000000202051", None,
    )  # fmt: skip
    assert merged.source == Source.EINVOICE_XML
    assert merged.warnings[-1] == (
        "total in the e-invoice XML 120.00 differs from the payment QR code 119.00"
    )


# --- whole documents ---------------------------------------------------------------------------

INVOICE_TEXT = (
    pdfs.text_at(50, 780, "Muster Software GmbH", 14)
    + pdfs.text_at(350, 700, "Rechnungsnummer: RE-2026-0042")
    + pdfs.text_at(350, 680, "Rechnungsdatum: 02.03.2026")
    + pdfs.text_at(350, 600, "Gesamtbetrag 120,00 EUR")
)


def image_xobject(picture: Image.Image) -> bytes:
    """Return a grey, Flate-compressed image XObject showing the picture."""
    pixels = zlib.compress(picture.convert("L").tobytes())
    head = b"<< /Type /XObject /Subtype /Image /Width %d /Height %d " % picture.size
    head += b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode "
    head += b"/Length %d >>\n" % len(pixels)
    return head + b"stream\n" + pixels + b"\nendstream"


def vector_qr(payload: str, x: float, y: float, side: float) -> bytes:
    """Return content-stream operators drawing the payload's QR code as filled squares."""
    matrix = segno.make(payload, error="m", micro=False, encoding="utf-8").matrix
    module = side / len(matrix)
    ops = [b"q 0 g"]
    for row, bits in enumerate(matrix):
        for column, dark in enumerate(bits):
            if dark:
                top = y + side - (row + 1) * module
                ops.append(b"%.3f %.3f %.3f %.3f re" % (x + column * module, top, module, module))
    return b"\n".join([*ops, b"f Q\n"])


def test_text_pdf_with_a_girocode_picture_gets_iban_and_reference_and_a_total_warning() -> None:
    """GIVEN a text PDF with a GiroCode picture for 119.00 and "120,00" printed WHEN extracted
    THEN IBAN, currency, reference and creditor come from the code and the totals' disagreement
    is named."""
    payload = epc_payload(bic="", reference=RF_REFERENCE, text="")
    content = INVOICE_TEXT + b"q 100 0 0 100 440 60 cm /Im1 Do Q\n"
    data = pdfs.make_pdf(content, extra_objects=(image_xobject(qr_picture(payload)),))

    invoice = extract_bytes(data, "invoice.pdf")

    assert invoice.seller.iban == DE_IBAN
    assert invoice.seller.name == "Muster Software GmbH"
    assert (invoice.currency, invoice.payment_reference) == ("EUR", RF_REFERENCE)
    assert invoice.total == Decimal("120.00")
    assert "total on the page 120.00 differs from the payment QR code 119.00" in invoice.warnings
    assert invoice.confidence["seller.iban"] == 1.0


def test_text_pdf_with_a_vector_drawn_qr_bill_payment_part_is_rendered_and_read() -> None:
    """GIVEN a QR-bill whose code is drawn in paths under "Zahlteil" WHEN extracted THEN the
    code's QR-IBAN, amount and QR reference are read."""
    content = (
        pdfs.text_at(50, 780, "Robert Schneider AG", 14)
        + pdfs.text_at(50, 300, "Zahlteil")
        + vector_qr(swiss_payload(), 50, 120, 130)
    )
    data = pdfs.make_pdf(content, extra_objects=(pdfs.embedded_file_objects(b"x", b"")[0],))

    invoice = extract_bytes(data, "qr-bill.pdf")

    assert (invoice.seller.iban, invoice.currency) == (QR_IBAN, "CHF")
    assert invoice.total == Decimal("1949.75")
    assert invoice.payment_reference == QR_REFERENCE
    assert invoice.seller.name == "Robert Schneider AG"
    assert invoice.source == Source.QR


def test_facturx_pdf_keeps_its_xml_and_names_what_the_code_contradicts() -> None:
    """GIVEN a Factur-X PDF whose GiroCode asks for another total WHEN extracted THEN the XML's
    fields stand and a warning names the difference."""
    payload = epc_payload(iban="DE02120300000000202051", amount="EUR1100.00")
    _, spec, stream = pdfs.embedded_file_objects(b"factur-x.xml", einvoice_samples.CII)
    content = pdfs.text_at(350, 700, "Invoice No: RE-2024/0042")
    content += pdfs.text_at(350, 600, "Total 1100.75 EUR")
    data = pdfs.make_pdf(
        content + b"q 100 0 0 100 440 60 cm /Im1 Do Q\n",
        extra_objects=(image_xobject(qr_picture(payload)), spec, stream),
        catalog_extra=b"/Names << /EmbeddedFiles << /Names [(factur-x.xml) 6 0 R] >> >> ",
    )

    invoice = extract_bytes(data, "facturx.pdf")

    assert invoice.source == Source.EINVOICE_XML
    assert invoice.total == Decimal("1100.75")
    assert invoice.warnings == (
        "total in the e-invoice XML 1100.75 differs from the payment QR code 1100.00",
    )


def jpeg_with_qr(lines: list[str], picture: Image.Image) -> bytes:
    """Return a 150 dpi JPEG with invoice text on the left and the QR code on the right."""
    image = Image.new("L", (1240, 700), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 80 * i), line, fill=0, font=font)
    image.paste(picture, (860, 300))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, dpi=(150, 150))
    return out.getvalue()


@pytest.mark.slow
def test_photo_of_a_qr_bill_gives_the_payment_fields_beside_ocr() -> None:
    """GIVEN a JPEG of an invoice with a Swiss QR code WHEN extracted (OCR) THEN the code's
    IBAN, amount, currency, reference and creditor are in the invoice."""
    payload = swiss_payload(
        iban=CH_IBAN, reference_type="SCOR", reference=RF_REFERENCE, amount="250.00"
    )
    lines = ["Robert Schneider AG", "Invoice 2026-17", "Total CHF 250.00"]
    data = jpeg_with_qr(lines, qr_picture(payload))

    invoice = extract_bytes(data, "photo.jpg", OcrOptions(languages="eng"))

    assert (invoice.seller.iban, invoice.currency) == (CH_IBAN, "CHF")
    assert invoice.total == Decimal("250.00")
    assert invoice.payment_reference == RF_REFERENCE
    assert invoice.seller.name == "Robert Schneider AG"
    assert not [w for w in invoice.warnings if "payment QR code" in w]


@pytest.mark.slow
def test_a_qr_code_in_the_dark_half_of_an_unevenly_lit_colour_photo_is_read() -> None:
    """GIVEN a colour photo lit from the left, its QR-bill code on the dark right side (paper at
    80 grey) WHEN read THEN the code is decoded from the picture tesseract read (grey, evened)."""
    payload = swiss_payload(iban=CH_IBAN, reference_type="SCOR", reference=RF_REFERENCE, amount="99.50")
    page = Image.open(io.BytesIO(jpeg_with_qr(["Invoice 2026-18"], qr_picture(payload)))).convert("L")
    ramp = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(page.size)
    shade = ramp.point(lambda v: 250 - v * 170 // 255)  # paper 250 on the left, 80 on the right
    photo = Image.composite(shade, page, page).convert("RGB")  # ink stays black
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=90, dpi=(150, 150))

    read = read_document(out.getvalue(), "image/jpeg", OcrOptions(languages="eng", engine="tesseract"))

    assert read.payment_qr is not None
    assert (read.payment_qr.iban, read.payment_qr.amount) == (CH_IBAN, Decimal("99.50"))
