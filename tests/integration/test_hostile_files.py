"""Hostile and broken files each get a clear error within 60 s, and the next file is read normally.

The files are made here: a decompression bomb, a PDF whose page tree loops, a truncated image,
an encrypted PDF, a 0-byte file, random bytes.
"""

from __future__ import annotations

import io
import json
import struct
import time
import zlib
from pathlib import Path

from PIL import Image

from tests.factories import packed_words_pdf, simple_invoice_pdf, text_pdf
from tests.hostile.files import pdf
from tests.integration.cli import invoicebot


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decompression_bomb_png(side: int = 20_000) -> bytes:
    """Return a small PNG that decodes to side x side grey pixels (400 MB at the default)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + pixels
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def looping_pdf() -> bytes:
    """Return a PDF whose page tree contains itself."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 1 >>",
    ]
    return pdf(objects)


def encrypted_pdf() -> bytes:
    data = simple_invoice_pdf()
    return data.replace(
        b"trailer\n<< /Size 6 /Root 1 0 R >>",
        b"trailer\n<< /Size 6 /Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /P -4 /O <"
        + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> >> /ID [<00> <00>] >>",
    )


def truncated_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(buffer, "JPEG")
    return buffer.getvalue()[: len(buffer.getvalue()) // 3]


def test_each_hostile_file_gets_a_clear_error_and_the_good_one_is_read(tmp_path: Path):
    files = {
        "bomb.png": decompression_bomb_png(),
        "loop.pdf": looping_pdf(),
        "truncated.jpg": truncated_jpeg(),
        "encrypted.pdf": encrypted_pdf(),
        "empty.pdf": b"",
        "random.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 40,
        "good.pdf": simple_invoice_pdf(),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))

    started = time.monotonic()
    result = invoicebot(tmp_path / "var", "extract", "--json", *paths)
    elapsed = time.monotonic() - started

    rows = {Path(r["path"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert elapsed < 60
    for name in files:
        if name == "good.pdf":
            assert rows[name]["error"] is None and rows[name]["total"] == "1190.00"
        else:
            assert rows[name]["error"], f"{name} should have been refused"
    assert "too large" in rows["bomb.png"]["error"] or "pixels" in rows["bomb.png"]["error"]
    assert "password" in rows["encrypted.pdf"]["error"]
    assert "0 bytes" in rows["empty.pdf"]["error"]


def test_a_pdf_of_thousands_of_packed_pages_is_recorded_from_its_first_pages(tmp_path: Path):
    """GIVEN a small PDF of 2,000 pages packed with words (it would hold a reader for minutes) WHEN
    ingested with a 20 s reading limit THEN the invoice is recorded from its first 50 pages, with
    a warning that says so."""
    path = tmp_path / "packed.pdf"
    path.write_bytes(packed_words_pdf(2_000, words=150))

    started = time.monotonic()
    result = invoicebot(tmp_path / "var", "ingest", "--json", str(path),
                        env={"INVOICEBOT_READ_TIMEOUT_SECONDS": "20"})  # fmt: skip

    record = json.loads(result.stdout)
    assert record["error"] is None and record["invoice_id"] is not None, record
    assert "only the first 50 of 2000 pages were read (page limit)" in record["warnings"]
    assert time.monotonic() - started < 60


def test_the_page_cap_is_a_setting(tmp_path: Path):
    """GIVEN INVOICEBOT_MAX_PAGES=2 WHEN a 5-page invoice is extracted THEN two pages are read."""
    path = tmp_path / "five.pdf"
    path.write_bytes(text_pdf([(50, 60, "Rechnungsnummer: RE-5"), (350, 328, "Gesamtbetrag 50,00 EUR")], pages=5))

    result = invoicebot(tmp_path / "var", "extract", "--json", str(path), env={"INVOICEBOT_MAX_PAGES": "2"})

    [row] = map(json.loads, result.stdout.splitlines())
    assert row["error"] is None
    assert "only the first 2 of 5 pages were read (page limit)" in row["warnings"]
