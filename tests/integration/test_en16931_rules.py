"""Issued invoices checked by someone else's rules: the official CEN EN 16931 artefacts (Saxon).

Hundreds of generated invoices (every VAT scenario, credit notes, several rates, discount terms,
with and without IBAN, long descriptions, many lines) are written as XML, some also as Factur-X
PDFs, and all must pass every fatal business rule. A broken copy must fail, so that a validator
that checks nothing cannot pass the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from invoicing.document import DocumentKind
from invoicing.render import render_invoice
from invoicing.render.pdf import einvoice_xml
from tests.invoices import SCENARIOS, generate, sample
from tests.validators import en16931_failures

pytestmark = pytest.mark.slow


def test_generated_invoices_pass_the_en16931_business_rules(tmp_path: Path) -> None:
    """GIVEN 240 generated invoices WHEN their XML goes through the CEN artefacts THEN no fatal rule
    fails, and the set covered every scenario, both kinds, discounts, IBANs and multi-line invoices."""
    documents = sample(160) + [generate(seed) for seed in range(1000, 1080)]
    assert {d.totals.groups[-1].category.value for d in documents} == {"S", "Z", "E", "AE", "K", "G", "O"}
    assert {d.kind for d in documents} == set(DocumentKind)
    assert any(d.discount for d in documents) and any(d.bank is None for d in documents)
    assert any(len(d.totals.groups) > 2 for d in documents) and max(len(d.totals.lines) for d in documents) > 25
    assert any(max(len(line.item.description) for line in d.totals.lines) > 500 for d in documents)
    paths = []
    for index, document in enumerate(documents):
        path = tmp_path / f"{index:03d}-{document.number.replace('/', '_')}.xml"
        path.write_bytes(einvoice_xml(document))
        paths.append(path)
    assert en16931_failures(paths) == {}


def test_the_xml_inside_the_pdf_passes_too(tmp_path: Path) -> None:
    """GIVEN one Factur-X PDF per scenario (an invoice and a credit note each) WHEN the validator reads
    the XML out of the PDF THEN every rule passes."""
    paths = []
    for index, scenario in enumerate(SCENARIOS):
        for kind in DocumentKind:
            path = tmp_path / f"{scenario}-{kind.value}.pdf"
            path.write_bytes(render_invoice(generate(index, scenario, kind)).pdf)
            paths.append(path)
    assert en16931_failures(paths) == {}


def test_a_wrong_total_fails(tmp_path: Path) -> None:
    """GIVEN an invoice whose grand total was changed by one cent WHEN validated THEN BR-CO-15 fails."""
    document = generate(1, "rates")
    total = f"<ram:GrandTotalAmount>{document.totals.total}</ram:GrandTotalAmount>"
    xml = einvoice_xml(document).decode()
    assert total in xml
    path = tmp_path / "broken.xml"
    path.write_text(xml.replace(total, f"<ram:GrandTotalAmount>{document.totals.total + 1}</ram:GrandTotalAmount>"))
    assert "BR-CO-15" in en16931_failures([path])["broken.xml"]
