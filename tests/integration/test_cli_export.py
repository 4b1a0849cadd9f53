"""`invoicebot export` as a user runs it: CSV and JSON files, UBL files in a zip, the issued PDFs."""

from __future__ import annotations

import csv
import json
import zipfile

from tests.factories import simple_invoice_pdf
from tests.integration.cli import invoicebot, invoicebot_json
from tests.integration.test_cli_billing import SELLER
from tests.ubl_schema import ubl_errors
from tests.validators import en16931_failures


def test_export_writes_each_format_for_accounting(tmp_path):
    """GIVEN an issued invoice (rendered by the command) and a received one WHEN exported as CSV,
    JSON, UBL into a zip and as Factur-X PDFs into a folder THEN each holds what it should: the UBL
    files are valid and the issued one passes EN 16931; a bad choice is a usage error."""
    data_dir = tmp_path / "var"
    customer = invoicebot_json(data_dir, "contacts", "add", "--name", "=cmd|' /C calc'!A0", "--customer",
                               "--country", "DE", "--city", "Köln", "--postcode", "50667", "--address", "Domplatz 1",
                               env=SELLER)["id"]  # fmt: skip
    issued = invoicebot_json(data_dir, "invoice", "new", "--customer", str(customer), "--line", "Beratung;10;100;19",
                             env=SELLER)  # fmt: skip
    (tmp_path / "in.pdf").write_bytes(simple_invoice_pdf())
    invoicebot(data_dir, "ingest", str(tmp_path / "in.pdf"))

    invoicebot(data_dir, "export", "--format", "csv", "-o", str(tmp_path / "all.csv"))
    rows = list(csv.DictReader((tmp_path / "all.csv").open(encoding="utf-8", newline="")))
    assert len(rows) == 2 and [r["direction"] for r in rows] == ["out", "in"]
    assert rows[0]["contact"] == "'=cmd|' /C calc'!A0" and rows[0]["total"] == "1190.00"

    out = invoicebot(data_dir, "export", "--format", "json", "--direction", "out").stdout
    [shown] = json.loads(out)
    assert shown["number"] == issued["number"] and shown["lines"][0]["description"] == "Beratung"

    result = invoicebot(data_dir, "export", "--format", "ubl", "-o", str(tmp_path / "ubl.zip"))
    assert "2 file(s) written" in result.stderr
    with zipfile.ZipFile(tmp_path / "ubl.zip") as archive:
        names = sorted(archive.namelist())
        assert all(ubl_errors(archive.read(n)) == [] for n in names)
        archive.extract(names[0], tmp_path / "ubl")
    assert en16931_failures([tmp_path / "ubl" / names[0]]) == {}

    invoicebot(data_dir, "export", "--format", "facturx", "-o", str(tmp_path / "pdfs"))
    [pdf] = (tmp_path / "pdfs").iterdir()
    assert pdf.name == f"{issued['id']}-{issued['number']}.pdf" and pdf.read_bytes()[:5] == b"%PDF-"

    refused = invoicebot(data_dir, "export", "--format", "facturx", "--direction", "in", "-o", "x", check=False)
    assert refused.returncode == 1 and "--format ubl for received invoices" in refused.stderr
    missing = invoicebot(data_dir, "export", "--format", "ubl", check=False)
    assert missing.returncode == 1 and "-o FOLDER or -o FILE.zip" in missing.stderr
