"""Test documents made on the spot: text PDFs written by hand (no binaries in the repository)."""

from __future__ import annotations

from collections.abc import Sequence

A4 = (595, 842)


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(items: Sequence[tuple[float, float, str]], size: float = 10) -> bytes:
    """Return a one-page A4 PDF showing each text at (x, y) points from the top-left corner."""
    ops = [b"BT", f"/F1 {size} Tf".encode()]
    for x, y, text in items:
        ops.append(f"1 0 0 1 {x} {A4[1] - y} Tm".encode() + b" (" + _escape(text) + b") Tj")
    ops.append(b"ET")
    content = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4[0]} {A4[1]}] ".encode()
        + b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
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
