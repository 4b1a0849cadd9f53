"""Test documents made on the spot: text PDFs written by hand (no binaries in the repository)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

A4 = (595, 842)


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(
    items: Sequence[tuple[float, float, str]], size: float = 10, *, pages: int = 1,
    page_size: tuple[float, float] = A4,
) -> bytes:  # fmt: skip
    """Return a PDF showing each text at (x, y) points from the top-left corner, on each of
    `pages` pages of `page_size` points (A4) that share one content stream."""
    ops = [b"BT", f"/F1 {size} Tf".encode()]
    for x, y, text in items:
        ops.append(f"1 0 0 1 {x} {page_size[1] - y} Tm".encode() + b" (" + _escape(text) + b") Tj")
    ops.append(b"ET")
    content = zlib.compress(b"\n".join(ops))
    kids = " ".join(f"{5 + n} 0 R" for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode() + content + b"\nendstream",
    ]
    page = (
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_size[0]} {page_size[1]}] ".encode()
        + b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    objects += [page] * pages
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def simple_invoice_pdf(number: str = "RE-2026-0042", total: str = "1.190,00") -> bytes:
    """Return a German one-page invoice with the usual fields in the usual places."""
    return text_pdf(
        [
            (50, 60, "Muster Software GmbH"),
            (50, 74, "Hauptstraße 1, 10115 Berlin"),
            (50, 140, "Rechnung an:"),
            (50, 154, "Kunde AG"),
            (350, 140, f"Rechnungsnummer: {number}"),
            (350, 154, "Rechnungsdatum: 02.03.2026"),
            (350, 168, "Fällig am: 01.04.2026"),
            (50, 260, "Beratung"),
            (450, 260, "1.000,00 EUR"),
            (350, 300, "Nettobetrag"),
            (450, 300, "1.000,00 EUR"),
            (350, 314, "MwSt. 19 %"),
            (450, 314, "190,00 EUR"),
            (350, 328, "Gesamtbetrag"),
            (450, 328, f"{total} EUR"),
            (50, 760, "USt-IdNr.: DE123456788  IBAN: DE02 1203 0000 0000 2020 51"),
        ]
    )


def packed_words_pdf(pages: int, words: int = 600) -> bytes:
    """Return a PDF of `pages` A4 pages, each packed with `words` small words (one shared,
    compressed content stream keeps the file small whatever the page count)."""
    per_line = 12
    items = [
        (20 + 47 * (n % per_line), 20 + 8 * (n // per_line % 100), f"w{n:05d}")
        for n in range(words)
    ]
    return text_pdf(items, size=5, pages=pages)
