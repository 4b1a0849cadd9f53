"""Broken and malicious files: PDFs, images, XML, archives and mislabelled bytes.

Each builder makes its bytes on the spot; `files(seed)` returns them all, varied by the seed
where a variation tells something (where a PDF is cut, which bytes are flipped).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

from PIL import Image

from tests.factories import simple_invoice_pdf, text_pdf
from tests.hostile import Case

BROKEN_PDF = ("damaged or truncated", "no page of the PDF", "no text found", "has no pages")
NO_TEXT = ("no text found",)
TOO_LARGE = ("too large",)
NOT_INVOICE = ("unsupported file type", "not a readable image", "damaged or truncated", "cannot be decoded")
UNSAFE_XML = ("DTD",)
BAD_XML = ("not well-formed XML", "not a supported e-invoice", "without an invoice number", "DTD")


def repeated_zlib(size: int, byte: bytes = b"\x00") -> bytes:
    """Return `size` copies of `byte` compressed as a zlib stream, made in a fraction of the time
    zlib would take: one fully flushed block of a megabyte repeats."""
    chunk = byte * 2**20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(size, len(chunk))
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = last.compress(byte * rest) + last.flush(zlib.Z_FINISH)
    # Adler-32 of n copies of byte c, in closed form: A = 1 + n c, B = n + c n (n + 1) / 2.
    value = byte[0]
    a = (1 + size * value) % 65521
    b = (size + value * size * (size + 1) // 2) % 65521
    checksum = b << 16 | a
    return b"\x78\xda" + block * whole + tail + struct.pack(">I", checksum)


def pdf(objects: list[bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """Return a PDF of `objects` (numbered from 1) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer_extra, xref,
    )  # fmt: skip
    return bytes(out)


def _page(content: bytes, media_box: bytes = b"0 0 595 842", extra: bytes = b"") -> list[bytes]:
    """Return the objects of a one-page PDF whose page draws `content` (objects 1 to 4; a
    compressed stream may be given as is)."""
    stream = content if content.startswith(b"\x78\xda") else zlib.compress(content)
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [" + media_box + b"] /Contents 3 0 R " + extra + b">>",
    ]


def looping_page_tree() -> bytes:
    """A page tree that contains itself."""
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 1 >>",
    ])  # fmt: skip


def deep_page_tree(levels: int) -> bytes:
    """A page tree `levels` intermediate nodes deep with no page at the bottom."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for n in range(levels):
        node, child = 2 + n, 3 + n
        kids = b"[%d 0 R]" % child if n < levels - 1 else b"[]"
        objects.append(b"<< /Type /Pages /Parent %d 0 R /Kids %s /Count 1 >>" % (max(1, node - 1), kids))
    return pdf(objects)


def deep_nesting(levels: int) -> bytes:
    """A page whose resources hold an array nested `levels` deep (parsers that recurse overflow)."""
    nested = b"[" * levels + b"1" + b"]" * levels
    return pdf(_page(b"", extra=b"/Resources << /Deep " + nested + b" >>"))


def huge_page(side_points: int) -> bytes:
    """A blank page `side_points` square (14,400 is PDF's largest): rendering it for OCR would
    take gigabytes."""
    return pdf(_page(b"", media_box=b"0 0 %d %d" % (side_points, side_points)))


def many_pages(count: int) -> bytes:
    """`count` blank pages sharing one empty content stream."""
    return text_pdf([], pages=count)


def content_stream_bomb(megabytes: int) -> bytes:
    """A page whose content stream inflates to `megabytes` MB of blanks."""
    return pdf(_page(repeated_zlib(megabytes * 2**20, b" ")))


def image_bomb_in_pdf(side: int) -> bytes:
    """A page showing one `side` x `side` grey image that compresses to almost nothing."""
    pixels = repeated_zlib(side * side)
    objects = _page(b"q 595 0 0 842 0 0 cm /Im0 Do Q", extra=b"/Resources << /XObject << /Im0 5 0 R >> >>")
    objects.append(
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /FlateDecode /Length %d >>\nstream\n" % (side, side, len(pixels)) + pixels + b"\nendstream"
    )
    return pdf(objects)


def encrypted(revision: int) -> bytes:
    """The usual invoice, claiming a password-protected security handler of that revision."""
    version = {2: 1, 3: 2, 4: 4}[revision]
    handler = b"/Encrypt << /Filter /Standard /V %d /R %d /Length 128 /P -4 /O <%s> /U <%s> >> /ID [<00> <00>] " % (
        version, revision, b"ab" * 32, b"cd" * 32,
    )  # fmt: skip
    data = simple_invoice_pdf()
    return data.replace(b"/Root 1 0 R >>", b"/Root 1 0 R " + handler + b">>")


def flipped(data: bytes, rng: random.Random, count: int) -> bytes:
    """`data` with `count` random bytes past the header overwritten."""
    out = bytearray(data)
    for _ in range(count):
        out[rng.randrange(16, len(out))] = rng.randrange(256)
    return bytes(out)


# --- images -------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, rows: int = 1) -> bytes:
    """A PNG whose header claims `width` x `height` grey pixels, with `rows` rows of data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress((b"\x00" + b"\xff" * min(width, 4096)) * rows)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def png_bomb(side: int) -> bytes:
    """A small PNG that really decodes to `side` x `side` grey pixels."""
    body = repeated_zlib(side * (side + 1))  # each row: filter 0, then black pixels
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A JPEG whose frame header claims `width` x `height` (its data is a small picture's)."""
    buffer = io.BytesIO()
    Image.new("L", (16, 16), 255).save(buffer, "JPEG")
    data = buffer.getvalue()
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def tiff_declaring(width: int, height: int) -> bytes:
    """A TIFF whose directory claims `width` x `height` with a few bytes of strip."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8 + 2 + 12 * 8 + 4), (277, 3, 1, 1), (279, 4, 1, 16)]  # fmt: skip
    directory = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + directory + b"\x00" * 16


def truncated_image(kind: str, fraction: float) -> bytes:
    buffer = io.BytesIO()
    picture = Image.effect_noise((300, 200), 64).convert("RGB")
    picture.save(buffer, kind)
    data = buffer.getvalue()
    return data[: max(24, int(len(data) * fraction))]


def blank_image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, kind)
    return buffer.getvalue()


# --- XML ------------------------------------------------------------------------------------------

CII = b"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"


def billion_laughs(levels: int = 10) -> bytes:
    entities = [b'<!ENTITY lol0 "lol">']
    for n in range(1, levels):
        entities.append(b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10))
    return (b'<?xml version="1.0"?>\n<!DOCTYPE Invoice [' + b"".join(entities) + b"]>\n"
            b"<Invoice>&lol%d;</Invoice>" % (levels - 1))  # fmt: skip


def xxe(target: bytes) -> bytes:
    return (b'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY x SYSTEM "' + target + b'">]>\n'
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&x;</ID></Invoice>')  # fmt: skip


def external_dtd() -> bytes:
    return (b'<?xml version="1.0"?>\n<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
            b"<Invoice><ID>1</ID></Invoice>")  # fmt: skip


def parameter_entity() -> bytes:
    return (b'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
            b"<Invoice/>")  # fmt: skip


def xinclude() -> bytes:
    return (b'<?xml version="1.0"?>\n<rsm:CrossIndustryInvoice xmlns:rsm="' + CII + b'" '
            b'xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/>'
            b"</rsm:CrossIndustryInvoice>")  # fmt: skip


def deep_xml(levels: int) -> bytes:
    return b'<?xml version="1.0"?>\n<Invoice>' + b"<a>" * levels + b"x" + b"</a>" * levels + b"</Invoice>"


def huge_text_node(megabytes: int) -> bytes:
    return b'<?xml version="1.0"?>\n<Invoice><ID>' + b"A" * (megabytes * 2**20) + b"</ID></Invoice>"


def cii(body: bytes) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<rsm:CrossIndustryInvoice xmlns:rsm="' + CII + b'">' + body + b"</rsm:CrossIndustryInvoice>"


def malformed_einvoices() -> dict[str, bytes]:
    return {
        "cii-empty.xml": cii(b""),
        "cii-unclosed.xml": cii(b"<rsm:ExchangedDocument><ram:ID>R-1")[:-30],
        "cii-wrong-namespace.xml": cii(b"").replace(CII, b"urn:example:not-an-invoice"),
        "ubl-no-total.xml": b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>R-1</ID></Invoice>',
        "ubl-bad-encoding.xml": b'<?xml version="1.0" encoding="x-no-such-charset"?><Invoice><ID>1</ID></Invoice>',
        "ubl-invalid-utf8.xml": b'<?xml version="1.0" encoding="UTF-8"?><Invoice><ID>\xff\xfe\xc3</ID></Invoice>',
        "two-roots.xml": b'<?xml version="1.0"?><Invoice/><Invoice/>',
        "not-xml.xml": b"<?xml version='1.0'?> this is not xml at all <<<>>>",
        "html.xml": b"<!DOCTYPE html><html><body><h1>Invoice</h1></body></html>",
        "svg-script.xml": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    }  # fmt: skip


# --- archives and other things --------------------------------------------------------------------


def zip_of(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method, compresslevel=1) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(megabytes: int) -> bytes:
    return zip_of({f"invoice-{n}.pdf": b"\x00" * megabytes * 2**20 for n in range(3)})


def pdf_in_zip_polyglot() -> bytes:
    """A ZIP whose first file is named like a PDF header, so "%PDF-" appears up front."""
    return zip_of({"%PDF-1.7 invoice.pdf": simple_invoice_pdf()}, zipfile.ZIP_STORED)


def jpeg_claiming_pdf() -> bytes:
    """A JPEG whose comment says %PDF-: sniffed as a PDF, it is no PDF."""
    data = blank_image("JPEG")
    return data[:2] + b"\xff\xfe" + struct.pack(">H", 2 + 9) + b"%PDF-1.7\n" + data[2:]


def html_pdf_polyglot() -> bytes:
    return b"<html><script>fetch('http://127.0.0.1:9/')</script>\n" + simple_invoice_pdf()[:200]


def gifar() -> bytes:
    return b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + zip_of({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n"})


ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00\x3e\x00" + b"\x00" * 44
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 56 + b"PE\x00\x00" + b"\x00" * 100


def files(seed: int = 20260302, *, oversize: int = 0) -> list[Case]:
    """Return the hostile files, with a good invoice every so often, varied by `seed`.

    `oversize` > 0 adds a file of that many bytes (set it just above the service's limit).
    """
    rng = random.Random(seed)
    good = simple_invoice_pdf()
    cases: list[Case] = []

    def add(name: str, data: bytes, kind: str, reasons: tuple[str, ...] = (), expect: str = "refused") -> None:
        cases.append(Case(name, data, kind, reasons, expect))

    for ext in ("pdf", "png", "jpg", "tif", "xml"):
        add(f"empty.{ext}", b"", "zero-byte file", ("0 bytes",))
    for n, fraction in enumerate(sorted(rng.uniform(0.02, 0.6) for _ in range(8))):
        add(f"truncated-{n}.pdf", good[: int(len(good) * fraction)], f"PDF cut at {fraction:.0%}", BROKEN_PDF)
    for n in range(8):
        add(f"flipped-{n}.pdf", flipped(good, rng, 40 + 20 * n), "PDF with random bytes overwritten",
            BROKEN_PDF, "either")  # fmt: skip
    for n in range(4):
        noise = rng.randbytes(2_000 + 3_000 * n)
        add(f"noise-{n}.pdf", b"%PDF-1.4\n" + noise, "PDF header then random bytes", BROKEN_PDF)
    add("header-only.pdf", b"%PDF-1.7\n%%EOF\n", "PDF header and nothing else", BROKEN_PDF)
    add("page-tree-loop.pdf", looping_page_tree(), "page tree containing itself", BROKEN_PDF)
    add("deep-page-tree.pdf", deep_page_tree(3_000), "page tree 3,000 levels deep", BROKEN_PDF)
    for levels in (1_000, 100_000):
        add(f"nested-{levels}.pdf", deep_nesting(levels), f"array nested {levels} deep", NO_TEXT + BROKEN_PDF)
    for side in (14_400, 200_000):
        add(f"huge-page-{side}.pdf", huge_page(side), f"blank page {side} pt square", NO_TEXT + BROKEN_PDF)
    add("many-pages.pdf", many_pages(50_000), "50,000 blank pages", NO_TEXT + BROKEN_PDF)
    add("stream-bomb.pdf", content_stream_bomb(64), "content stream inflating to 64 MB", NO_TEXT)
    add("image-bomb.pdf", image_bomb_in_pdf(20_000), "page image of 400 million pixels", NO_TEXT + TOO_LARGE)
    for revision in (2, 3, 4):
        add(f"encrypted-r{revision}.pdf", encrypted(revision), f"password-protected PDF (R{revision})", ("password",))

    for width, height in ((100_000, 100_000), (65_535, 65_535), (1, 2_000_000_000), (2**31 - 1, 2)):
        add(f"declared-{width}x{height}.png", png_declaring(width, height), "PNG declaring enormous dimensions",
            TOO_LARGE + ("not a readable image", "cannot be decoded"))  # fmt: skip
    add("bomb-10000.png", png_bomb(10_000), "PNG decoding to 100 million pixels", TOO_LARGE)
    for width, height in ((65_500, 65_500), (60_000, 1_100)):
        add(f"declared-{width}x{height}.jpg", jpeg_declaring(width, height), "JPEG declaring enormous dimensions",
            TOO_LARGE + ("cannot be decoded",))  # fmt: skip
    add("declared-huge.tif", tiff_declaring(200_000, 200_000), "TIFF declaring enormous dimensions",
        TOO_LARGE + ("not a readable image", "cannot be decoded"))  # fmt: skip
    for kind, ext in (("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif")):
        for n, fraction in enumerate((0.1, 0.5)):
            add(f"truncated-{n}.{ext}", truncated_image(kind, fraction), f"{kind} cut at {fraction:.0%}",
                NO_TEXT + ("not a readable image", "cannot be decoded", "broken"))  # fmt: skip
        add(f"blank.{ext}", blank_image(kind), f"blank {kind}", NO_TEXT)
    add("corrupt.png", flipped(blank_image("PNG"), rng, 30), "PNG with random bytes overwritten",
        NO_TEXT + ("not a readable image", "cannot be decoded", "broken"))  # fmt: skip

    add("image-as.pdf", blank_image("PNG"), "a PNG named .pdf", NO_TEXT)
    add("zip-as.pdf", zip_of({"invoice.pdf": good}), "a ZIP named .pdf", NOT_INVOICE)
    add("elf-as.pdf", ELF, "a Linux program named .pdf", NOT_INVOICE)
    add("exe-as.jpg", WINDOWS_EXE, "a Windows program named .jpg", NOT_INVOICE)
    add("html-as.pdf", b"<html><body>Invoice</body></html>", "HTML named .pdf", NOT_INVOICE + BAD_XML)
    add("text-as.png", b"Invoice 42, total 100 EUR\n" * 20, "text named .png", NOT_INVOICE)
    add("docx-as.xml", zip_of({"word/document.xml": b"<w:document/>"}), "an Office file named .xml", NOT_INVOICE + BAD_XML)
    add("invoice.pdf.exe", good[:100] + ELF, "double extension", BROKEN_PDF + NOT_INVOICE)
    add("no-extension", rng.randbytes(4_096), "random bytes without a name", NOT_INVOICE)
    add("pdf-in-zip.pdf", pdf_in_zip_polyglot(), "ZIP holding a PDF stored whole: a PDF too", BROKEN_PDF, "either")
    add("jpeg-pdf.jpg", jpeg_claiming_pdf(), "JPEG saying %PDF- in a comment", BROKEN_PDF)
    add("html-pdf.pdf", html_pdf_polyglot(), "HTML with a script, then a cut PDF", BROKEN_PDF)
    add("gifar.png", gifar(), "GIF and JAR in one", NOT_INVOICE)
    add("zip-bomb.zip", zip_bomb(10), "ZIP inflating to 30 MB", NOT_INVOICE)
    add("nested.zip", zip_of({"inner.zip": zip_of({"invoice.pdf": good})}), "ZIP in a ZIP", NOT_INVOICE)

    add("billion-laughs.xml", billion_laughs(), "billion laughs", UNSAFE_XML)
    add("quadratic.xml", billion_laughs(2).replace(b'"lol"', b'"' + b"x" * 100_000 + b'"'), "quadratic blow-up",
        UNSAFE_XML)  # fmt: skip
    add("xxe-passwd.xml", xxe(b"file:///etc/passwd"), "XXE reading /etc/passwd", UNSAFE_XML)
    add("xxe-http.xml", xxe(b"http://127.0.0.1:9/secret"), "XXE fetching a URL", UNSAFE_XML)
    add("external-dtd.xml", external_dtd(), "external DTD", UNSAFE_XML)
    add("parameter-entity.xml", parameter_entity(), "parameter entity", UNSAFE_XML)
    add("xinclude.xml", xinclude(), "XInclude of /etc/passwd", BAD_XML)
    add("deep.xml", deep_xml(100_000), "XML nested 100,000 deep", BAD_XML)
    add("huge-text.xml", huge_text_node(12), "12 MB text node", BAD_XML)
    for name, data in malformed_einvoices().items():
        # A UBL invoice with a number and nothing else is recorded, for review.
        add(name, data, "malformed e-invoice XML", BAD_XML, "either" if name == "ubl-no-total.xml" else "refused")
    if oversize:
        add("oversize.pdf", good + b"\n%" + b"x" * oversize, "larger than the document limit", TOO_LARGE)

    for n in range(max(1, len(cases) // 15)):  # the service must still read good invoices in between
        index = rng.randrange(len(cases))
        cases.insert(index, Case(f"good-{n}.pdf", simple_invoice_pdf(number=f"RE-G{n}"), "a good invoice", expect="read"))
    return cases

