"""Issuing and chasing from the command line, end to end: a real `invoicebot` process, a database
file, rendered PDFs and mails written to the outbox."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from pathlib import Path

from tests.bank_files import Entry, Tx, camt053
from tests.integration.cli import invoicebot, invoicebot_json

SELLER = {
    "INVOICEBOT_SELLER_NAME": "Muster Software GmbH", "INVOICEBOT_SELLER_ADDRESS": "Hauptstraße 1;10115 Berlin",
    "INVOICEBOT_SELLER_COUNTRY": "DE", "INVOICEBOT_SELLER_VAT_ID": "DE123456788",
    "INVOICEBOT_SELLER_IBAN": "DE02120300000000202051", "INVOICEBOT_SELLER_REGISTRATION_ID": "HRB 12345",
    "INVOICEBOT_LATE_FEE_REFERENCE_RATE": "2.15",
}  # fmt: skip


def _mails(data_dir: Path) -> dict[str, email.message.EmailMessage]:
    outbox = data_dir / "outbox"
    return {p.name: email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(outbox.glob("*.eml"))}  # fmt: skip


def test_an_invoice_is_issued_sent_chased_with_a_fee_and_paid_from_a_statement(tmp_path):
    """GIVEN a customer with EU late-payment terms WHEN an invoice is issued with --send, the tick
    runs 15 days after its due date, and a camt.053 pays it THEN the customer got the invoice PDF,
    then one second reminder with the invoice and its fee invoice attached, and the invoice is paid."""
    data_dir = tmp_path / "var"
    customer = invoicebot_json(data_dir, "contacts", "add", "--name", "ACME GmbH", "--customer", "--country", "DE",
                               "--city", "Köln", "--postcode", "50667", "--address", "Domplatz 1",
                               "--email", "ap@acme.example", "--terms-days", "14", "--late-fee", "eu", env=SELLER)["id"]
    refused = invoicebot(data_dir, "invoice", "new", "--customer", str(customer), "--line", "X;1;10;19", check=False)
    assert refused.returncode == 1 and "INVOICEBOT_SELLER_NAME" in refused.stderr  # no seller details yet
    issued = invoicebot_json(data_dir, "invoice", "new", "--customer", str(customer), "--line", "Beratung;10;100;19",
                             "--send", env=SELLER)  # fmt: skip
    assert (issued["number"], issued["status"], issued["total"]) == (f"INV-{dt.date.today().year}-0001", "sent", "1190.00")
    [sent] = _mails(data_dir).values()
    assert sent["To"] == "ap@acme.example" and issued["number"] in sent["Subject"]
    [pdf] = [part for part in sent.iter_attachments()]
    assert pdf.get_filename() == f"{issued['number']}.pdf" and pdf.get_content()[:5] == b"%PDF-"

    late = (dt.date.fromisoformat(issued["due_date"]) + dt.timedelta(days=15)).isoformat()
    tick = invoicebot_json(data_dir, "tick", "--today", late, env=SELLER)
    assert tick["reminded"] == [{"invoice_id": issued["id"], "level": 2}] and not tick["problems"]
    reminders = [m for name, m in _mails(data_dir).items() if name.startswith("reminder.send")]
    [reminder] = reminders
    assert "Second reminder" in reminder["Subject"]
    names = sorted(part.get_filename() for part in reminder.iter_attachments())
    # The fee invoice is issued on the tick's day: its year's series goes on, or a new year's starts.
    fee_year = dt.date.fromisoformat(late).year
    fee_number = f"INV-{fee_year}-{'0002' if fee_year == dt.date.today().year else '0001'}"
    assert names == sorted([f"{issued['number']}.pdf", f"{fee_number}.pdf"])
    assert "late fee" in reminder.get_body(("plain",)).get_content()
    again = invoicebot_json(data_dir, "tick", "--today", late, env=SELLER)
    assert again["reminded"] == []

    statement = tmp_path / "statement.xml"
    statement.write_bytes(camt053([Entry((Tx("1190.00", name="ACME GmbH", ref=issued["payment_reference"]),), ref="B1")]))
    report = invoicebot_json(data_dir, "payments", "import", str(statement), env=SELLER)
    assert report["matched"] == [{"entry": "B1", "invoice_id": issued["id"]}]
    assert invoicebot_json(data_dir, "payments", "import", str(statement), env=SELLER)["already_imported"] == 1
    [paid] = [i for i in invoicebot_json(data_dir, "invoices", "list", "--direction", "out") if i["id"] == issued["id"]]
    assert paid["status"] == "paid" and paid["amount_paid"] == "1190.00"
    tasks = json.loads(invoicebot(data_dir, "tasks", "list", "--all", "--json").stdout)
    assert [t["state"] for t in tasks if t["invoice_id"] == issued["id"]] == ["done"]


def test_json_import_credit_note_pdf_and_extract_give_back_what_was_issued(tmp_path):
    """GIVEN an invoice posted as JSON in the shape `invoice show --json` prints WHEN it is issued,
    credited in part and printed THEN `invoicebot extract` reads number, dates, currency, totals,
    VAT id and IBAN back exactly from each PDF."""
    data_dir = tmp_path / "var"
    customer = invoicebot_json(data_dir, "contacts", "add", "--name", "Kunde AG", "--customer", "--country", "AT",
                               "--city", "Wien", "--vat-id", "ATU13585627", env=SELLER)["id"]  # fmt: skip
    posted = tmp_path / "invoice.json"
    posted.write_text(json.dumps({"contact_id": customer, "currency": "EUR", "note": "Project Q4", "lines": [
        {"description": "Implementation", "quantity": "12", "unit_price": "95.50", "tax_rate": "0", "tax_category": "AE"},
        {"description": "Hosting", "quantity": "1", "unit_price": "49.99", "tax_rate": "0", "tax_category": "AE"},
    ]}))  # fmt: skip
    issued = invoicebot_json(data_dir, "invoice", "import", str(posted), env=SELLER)
    assert (issued["net_total"], issued["tax_total"], issued["total"]) == ("1195.99", "0.00", "1195.99")
    credit = invoicebot_json(data_dir, "invoice", "credit", issued["number"], "--line", "Hosting;1;49.99;AE", env=SELLER)
    assert credit["kind"] == "credit_note" and credit["number"].startswith("CN-") and credit["total"] == "49.99"
    for document in (issued, credit):
        pdf = tmp_path / f"{document['number']}.pdf"
        invoicebot(data_dir, "invoice", "pdf", document["number"], "-o", str(pdf), env=SELLER)
        [read] = [json.loads(line) for line in invoicebot(data_dir, "extract", "--json", str(pdf)).stdout.splitlines()]
        assert (read["invoice_number"], read["issue_date"], read["due_date"], read["currency"]) == (
            document["number"], document["issue_date"], document["due_date"], "EUR")
        assert (read["net_total"], read["tax_total"], read["total"]) == (
            document["net_total"], document["tax_total"], document["total"])
        iban = "DE02120300000000202051" if document["kind"] == "invoice" else None  # a credit note asks no payment
        assert (read["seller"]["vat_id"], read["seller"]["iban"]) == ("DE123456788", iban), document["kind"]


def test_a_list_of_invoices_is_imported_all_or_none(tmp_path):
    """GIVEN a JSON list of three invoices whose third names an unknown customer WHEN it is imported
    THEN nothing is issued and the error names the third; fixed and imported again, three invoices
    get consecutive numbers (a file can be imported again after a fix without doubles)."""
    data_dir = tmp_path / "var"
    customer = invoicebot_json(data_dir, "contacts", "add", "--name", "Kunde AG", "--customer", "--country", "AT",
                               "--city", "Wien", env=SELLER)["id"]  # fmt: skip
    line = {"description": "Support", "quantity": "1", "unit_price": "100", "tax_rate": "20"}
    posted = tmp_path / "invoices.json"
    posted.write_text(json.dumps([{"contact_id": customer, "lines": [line]}] * 2 + [{"contact_id": 999, "lines": [line]}]))
    refused = invoicebot(data_dir, "invoice", "import", str(posted), env=SELLER, check=False)
    assert refused.returncode == 1 and "invoice 3 of 3" in refused.stderr and "nothing was issued" in refused.stderr
    assert json.loads(invoicebot(data_dir, "invoices", "list", "--direction", "out", "--json").stdout) == []
    posted.write_text(json.dumps([{"contact_id": customer, "lines": [line]}] * 3))
    out = invoicebot(data_dir, "invoice", "import", str(posted), "--json", env=SELLER).stdout
    numbers = [json.loads(text)["number"] for text in out.splitlines() if text.strip()]
    assert [n.rsplit("-", 1)[1] for n in numbers] == ["0001", "0002", "0003"]
