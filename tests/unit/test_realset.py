"""The extra real set: Factur-X PDFs of public repositories, their truth read from the embedded XML."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import facturx
from PIL import Image

from bench.realset import build, excluded_hashes, part_of, total_forms, truth_of
from intake.extract import embedded_invoice
from invoicing.extraction import ExtractedInvoice
from invoicing.render.pdf import einvoice_xml
from invoicing.render.samples import warm_up_document
from tests.unit.test_readers import make_pdf


def _plain_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(out, "PDF")
    return out.getvalue()


def _manifest(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_a_facturx_pdf_is_kept_once_with_its_xml_truth_in_its_repositorys_part(tmp_path: Path) -> None:
    """GIVEN the same Factur-X PDF in two repositories, a PDF without XML and one of the corpus
    WHEN the set is built THEN the Factur-X PDF is kept once, under the first repository's part,
    with the XML's total as truth, and the manifest lists it."""
    document = warm_up_document()
    pdf = facturx.generate_from_binary(_plain_pdf(), einvoice_xml(document), check_xsd=False)
    in_corpus = _plain_pdf() + b"%corpus\n"
    src = tmp_path / "src"
    for repo, name, data in [("alpha+facturx", "a/inv.PDF", pdf), ("beta+zugferd", "copy.pdf", pdf),
                             ("beta+zugferd", "plain.pdf", _plain_pdf()),
                             ("beta+zugferd", "corpus.pdf", in_corpus)]:  # fmt: skip
        (src / repo / name).parent.mkdir(parents=True, exist_ok=True)
        (src / repo / name).write_bytes(data)
    corpus = tmp_path / "MANIFEST.tsv"
    digest = hashlib.sha256(in_corpus).hexdigest()
    corpus.write_text(f"path\tkind\tsource_repo\tlicense\tsha256\nx.pdf\ttext-pdf\tr\tl\t{digest}\n")

    counts = build(tmp_path / "out", [src], excluded_hashes(corpus))

    assert (counts["found"], counts["kept"], counts["duplicate"], counts["in corpus"]) == (4, 1, 1, 1)
    assert part_of("alpha/facturx") == "dev"  # int(sha256(b"alpha/facturx")[:8], 16) % 3 != 0
    sha = hashlib.sha256(pdf).hexdigest()
    stem = f"alpha+facturx--{sha[:12]}"
    part = tmp_path / "out" / "dev"
    assert (part / f"{stem}.pdf").read_bytes() == pdf
    truth = json.loads((part / f"{stem}.json").read_text())
    assert truth["total"] == str(document.totals.total)
    assert truth["invoice_number"] == "WARM-UP-1" and truth["issue_date"] == "2025-01-02"
    assert truth["source"] == "alpha/facturx" and truth["license"] == "see repository"
    # The blank page prints neither the VAT ID nor the IBAN, so no reader of it could give them.
    assert set(truth["seller"]) == {"name"} and set(truth["buyer"]) == {"name"}
    assert _manifest(part / "MANIFEST.tsv") == [
        {"path": f"{stem}.pdf", "kind": "text-pdf", "source_repo": "alpha/facturx",
         "license": "see repository", "sha256": sha},
    ]  # fmt: skip
    assert _manifest(tmp_path / "out" / "heldout" / "MANIFEST.tsv") == []


def test_a_pdf_held_by_repositories_of_both_parts_is_a_development_pdf(tmp_path: Path) -> None:
    """GIVEN a Factur-X PDF in a held-out repository and in a development one listed after it (a
    fork's copy), and another only in the held-out repository WHEN the set is built THEN the shared
    PDF is kept once, in the development part under the development repository, and only the
    other is held out."""
    document = warm_up_document()
    shared = facturx.generate_from_binary(_plain_pdf(), einvoice_xml(document), check_xsd=False)
    other_page = io.BytesIO()
    Image.new("RGB", (210, 297), "white").save(other_page, "PDF")
    own = facturx.generate_from_binary(other_page.getvalue(), einvoice_xml(document), check_xsd=False)
    assert own != shared
    assert (part_of("beta/zugferd"), part_of("gamma/fork")) == ("heldout", "dev")
    src = tmp_path / "src"
    for repo, name, data in [("beta+zugferd", "inv.pdf", shared), ("beta+zugferd", "own.pdf", own),
                             ("gamma+fork", "inv.pdf", shared)]:  # fmt: skip
        (src / repo / name).parent.mkdir(parents=True, exist_ok=True)
        (src / repo / name).write_bytes(data)

    counts = build(tmp_path / "out", [src], set())

    assert (counts["kept"], counts["duplicate"], counts["dev"], counts["heldout"]) == (2, 1, 1, 1)
    dev, heldout = _manifest(tmp_path / "out" / "dev" / "MANIFEST.tsv"), _manifest(tmp_path / "out" / "heldout" / "MANIFEST.tsv")
    assert [(r["source_repo"], r["sha256"]) for r in dev] == [("gamma/fork", hashlib.sha256(shared).hexdigest())]
    assert [(r["source_repo"], r["sha256"]) for r in heldout] == [("beta/zugferd", hashlib.sha256(own).hexdigest())]


def test_shown_total_keeps_only_pdfs_whose_text_layer_prints_the_xml_total(tmp_path: Path) -> None:
    """GIVEN a Factur-X PDF whose page is blank (a sample page) and one whose page prints the
    XML's total WHEN the set is built with `shown_total` THEN only the second is kept."""
    document = warm_up_document()
    xml = einvoice_xml(document)
    total = f"{document.totals.total:.2f}"
    printed = make_pdf(f"BT /F1 12 Tf 72 700 Td (Total {total} EUR) Tj ET".encode())
    src = tmp_path / "src" / "alpha+facturx"
    src.mkdir(parents=True)
    (src / "blank.pdf").write_bytes(facturx.generate_from_binary(_plain_pdf(), xml, check_xsd=False))
    (src / "printed.pdf").write_bytes(facturx.generate_from_binary(printed, xml, check_xsd=False))

    counts = build(tmp_path / "out", [tmp_path / "src"], set(), shown_total=True)

    assert (counts["kept"], counts["total not printed"]) == (1, 1)
    assert total_forms(Decimal("-1234.50")) >= {"1234.50", "1.234,50", "1,234.50", "1'234.50"}



def test_degraded_writes_a_scan_and_a_photo_of_the_first_pdfs_of_each_repository(tmp_path: Path) -> None:
    """GIVEN two one-page Factur-X PDFs of one repository WHEN the set is built with `degraded=1`
    THEN the first (in the order of their paths) also has a scan (a PDF of a picture) and a photo
    (a JPEG), each listed under its kind with the PDF's truth and its own hash; the second has none."""
    document = warm_up_document()
    xml = einvoice_xml(document)
    total = f"{document.totals.total:.2f}"
    src = tmp_path / "src" / "alpha+facturx"
    src.mkdir(parents=True)
    for i in range(2):
        page = make_pdf(f"BT /F1 12 Tf 72 700 Td (Invoice {i} Total {total} EUR) Tj ET".encode())
        (src / f"{i}.pdf").write_bytes(facturx.generate_from_binary(page, xml, check_xsd=False))

    counts = build(tmp_path / "out", [tmp_path / "src"], set(), degraded=1)

    rows = _manifest(tmp_path / "out" / "dev" / "MANIFEST.tsv")
    assert (counts["kept"], counts["degraded"]) == (2, 1)
    assert [row["kind"] for row in rows] == ["text-pdf", "scanned-pdf", "image", "text-pdf"]
    part = tmp_path / "out" / "dev"
    scan, photo = part / rows[1]["path"], part / rows[2]["path"]
    assert scan.read_bytes().startswith(b"%PDF") and Image.open(photo).format == "JPEG"
    pdf_truth = json.loads((part / rows[0]["path"]).with_suffix(".json").read_text())
    for row, kind in ((rows[1], "scanned-pdf"), (rows[2], "image")):
        truth = json.loads((part / row["path"]).with_suffix(".json").read_text())
        assert truth == {**pdf_truth, "kind": kind}
        assert row["sha256"] == hashlib.sha256((part / row["path"]).read_bytes()).hexdigest()


def _warm_up_invoice() -> ExtractedInvoice:
    """Return the invoice the warm-up document's e-invoice XML states, as the set's reader reads it."""
    invoice = embedded_invoice(einvoice_xml(warm_up_document()))
    assert invoice is not None
    return invoice


def test_what_the_xml_leaves_empty_or_a_made_up_iban_is_no_truth() -> None:
    """GIVEN an embedded invoice whose seller's IBAN fails its checksum (a sample's made-up one)
    and no due date, and the same with a valid IBAN WHEN their truth is written THEN the due date
    and the made-up IBAN are left out, not known rather than null (the page may print a due date,
    or a valid IBAN the XML mistyped), and the valid IBAN is kept."""
    invoice = _warm_up_invoice()
    assert invoice.seller.iban == "DE89370400440532013000"
    made_up = invoice.model_copy(update={"seller": invoice.seller.model_copy(update={"iban": "DE12345678901234567890"}),
                                         "due_date": None})  # fmt: skip

    stated = truth_of(invoice, "a/b")
    assert stated["seller"]["iban"] == "DE89370400440532013000" and stated["due_date"] is not None
    truth = truth_of(made_up, "a/b")
    assert truth["seller"] == {"name": "Muster GmbH", "vat_id": "DE136695976"} and "due_date" not in truth


def test_an_identifier_the_page_does_not_print_is_no_truth() -> None:
    """GIVEN an embedded invoice and a page that prints its seller's VAT ID spaced out but not its
    IBAN WHEN its truth is written with that page's text THEN the VAT ID is kept and the IBAN left
    out: no reader of the page could give it."""
    invoice = _warm_up_invoice()
    assert invoice.seller.vat_id == "DE136695976"

    truth = truth_of(invoice, "a/b", "USt-IdNr.:DE136695976Konto:1234567")
    assert truth["seller"] == {"name": "Muster GmbH", "vat_id": "DE136695976"}
    assert truth_of(invoice, "a/b", "DE 136 695 976, IBAN DE89 3704 0044 0532 0130 00")["seller"]["iban"]
