"""Learning from corrections end to end: a field read wrongly, corrected once, then read right."""

from __future__ import annotations

from pathlib import Path

from tests.factories import simple_invoice_pdf
from tests.integration.cli import invoicebot, invoicebot_json
from tests.unit.test_learning import odd_vendor_invoice

ATTACKER = "GB33BUKB20201555555555"


def test_given_a_layout_the_rules_miss_when_corrected_once_then_the_next_invoice_is_read_right(tmp_path: Path):
    data_dir = tmp_path / "var"
    first, second = tmp_path / "q17.pdf", tmp_path / "q18.pdf"
    first.write_bytes(odd_vendor_invoice("Q-2026-17", "250,00", "03.02.2026"))
    second.write_bytes(odd_vendor_invoice("Q-2026-18", "99,50", "03.03.2026"))

    before = invoicebot_json(data_dir, "ingest", str(first))
    assert invoicebot_json(data_dir, "invoices", "show", str(before["invoice_id"]))["number"] is None

    change = invoicebot_json(data_dir, "invoices", "edit", str(before["invoice_id"]), "number", "Q-2026-17")
    assert change == {"invoice_id": before["invoice_id"], "field": "number", "before": None,
                      "after": "Q-2026-17", "learnt": True}  # fmt: skip

    after = invoicebot_json(data_dir, "ingest", str(second))
    detail = invoicebot_json(data_dir, "invoices", "show", str(after["invoice_id"]))
    assert detail["number"] == "Q-2026-18"
    assert detail["contact"] == "Kleinbetrieb Quirin"
    assert detail["confidence"]["invoice_number"] >= 0.9


def test_a_bad_correction_is_refused_with_the_reason(tmp_path: Path):
    data_dir = tmp_path / "var"
    pdf = tmp_path / "q.pdf"
    pdf.write_bytes(odd_vendor_invoice("Q-1", "250,00", "03.02.2026"))
    received = invoicebot_json(data_dir, "ingest", str(pdf))
    refused = invoicebot(data_dir, "invoices", "edit", str(received["invoice_id"]), "total", "lots", check=False)
    assert refused.returncode == 1 and "total 'lots'" in refused.stderr


def test_given_an_iban_corrected_once_when_the_next_invoice_prints_the_old_one_then_the_page_wins(tmp_path: Path):
    """The audit's case: a corrected IBAN is remembered for the vendor, yet the next invoice keeps the
    IBAN it prints, with a warning, and is held for review as a change of bank details."""
    data_dir = tmp_path / "var"
    first, second = tmp_path / "re1.pdf", tmp_path / "re2.pdf"
    first.write_bytes(simple_invoice_pdf("RE-1"))
    second.write_bytes(simple_invoice_pdf("RE-2"))
    received = invoicebot_json(data_dir, "ingest", str(first))
    change = invoicebot_json(data_dir, "invoices", "edit", str(received["invoice_id"]), "seller_iban", ATTACKER)
    assert change["learnt"] is True
    alone = invoicebot(data_dir, "approve", str(received["invoice_id"]), check=False)  # a new IBAN needs two people
    assert alone.returncode == 1 and "needs two approvals" in alone.stderr

    after = invoicebot_json(data_dir, "ingest", str(second))
    detail = invoicebot_json(data_dir, "invoices", "show", str(after["invoice_id"]))
    assert detail["seller"]["iban"] == "DE02120300000000202051"
    assert detail["status"] == "needs_review"
    assert any("learnt for this vendor" in w for w in detail["warnings"])
    assert any(w.startswith("IBAN changed from GB33") for w in detail["warnings"])
