"""`invoicebot contacts import|show|add|list` end to end: the real command, a real database (SQLite
and PostgreSQL), a 1,000-row CRM export with some bad rows, imported twice."""

from __future__ import annotations

import json
import time
from pathlib import Path

from stdnum.iso7064 import mod_11_10

from tests.integration.cli import invoicebot, invoicebot_json

ROWS = 1000
#: Line of the file (the header is line 1) -> what is wrong with the row written there.
BAD = {
    18: ("vat_id", "DE123456789"),
    118: ("country", "Germany-ish"),
    220: ("iban", "DE02 1203 0000 0000 2020 52"),
    320: ("terms", "whenever"),
    422: ("name", ""),
    522: ("manager", "nobody@example.com"),
    624: ("late_fee", "sometimes"),
    724: ("discount", "lots"),
}


def _vat_id(n: int) -> str:
    base = f"{10_000_000 + n}"
    return f"DE{base}{mod_11_10.calc_check_digit(base)}"


def _export(path: Path, city: str = "Berlin") -> None:
    """Write a ;-separated UTF-8 export with a BOM, a quoted two-line address and the BAD rows."""
    header = ["Kundennummer", "name", "email", "vat_id", "address", "postcode", "city", "country", "terms",
              "discount", "late_fee", "iban", "manager"]  # fmt: skip
    lines = [";".join(header)]
    for n in range(1, ROWS + 1):
        row = {"Kundennummer": f"K{n:05d}", "name": f"Kunde {n} GmbH", "email": f"buchhaltung{n}@kunde.example",
               "vat_id": _vat_id(n), "address": f'"Straße {n}\nHinterhaus"', "postcode": "10115", "city": city,
               "country": "DE", "terms": "30", "discount": "2% 10" if n % 3 == 0 else "", "late_fee": "eu",
               "iban": "", "manager": "mia@example.com" if n % 2 == 0 else ""}  # fmt: skip
        line = 2 * n  # each record takes two lines of the file: its address has two
        if line in BAD:
            field, value = BAD[line]
            row[field] = value
        lines.append(";".join(row[h] for h in header))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def _url(db) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_a_thousand_row_export_goes_in_once_with_its_bad_rows_named_then_changes_nothing(tmp_path, db):
    """GIVEN a 1,000-row export (mapped external-id column, two-line addresses) with 8 bad rows
    WHEN imported THEN 992 contacts are added, the 8 rows are refused with their file lines and
    reasons, and the exit status is 1; WHEN imported again THEN all 992 are unchanged and no audit
    event is written; WHEN the city changes THEN each contact is updated in that field alone."""
    data_dir, url = tmp_path / "var", _url(db)
    env = {"INVOICEBOT_CONTACTS_IMPORT_COLUMNS": "external_id=Kundennummer"}
    invoicebot(data_dir, "users", "add", "--name", "Mia", "--role", "manager", "--email", "mia@example.com",
               database_url=url)  # fmt: skip
    export = tmp_path / "kunden.csv"
    _export(export)

    started = time.perf_counter()
    first = invoicebot(data_dir, "contacts", "import", str(export), "--json", check=False, database_url=url, env=env)
    seconds = time.perf_counter() - started
    print(f"\n{db.dialect}: importing {ROWS} rows took {seconds:.2f} s (whole process)")
    assert first.returncode == 1, first.stderr
    report = json.loads(first.stdout)
    assert report["counts"] == {"added": ROWS - len(BAD), "updated": 0, "unchanged": 0, "refused": len(BAD)}
    assert [e["line"] for e in report["errors"]] == sorted(BAD)
    reasons = {e["line"]: e["reason"] for e in report["errors"]}
    assert "not a valid VAT ID" in reasons[18] and "unknown country" in reasons[118]
    assert "not a valid IBAN" in reasons[220] and "payment terms 'whenever'" in reasons[320]
    assert reasons[422] == "name: missing" and "unknown manager 'nobody@example.com'" in reasons[522]
    events = invoicebot_json(data_dir, "audit", "verify", database_url=url)
    assert events["ok"] and events["events"] == 1 + ROWS - len(BAD)

    started = time.perf_counter()
    again = invoicebot(data_dir, "contacts", "import", str(export), check=False, database_url=url, env=env)
    print(f"{db.dialect}: importing them again (no change) took {time.perf_counter() - started:.2f} s")
    assert again.returncode == 1
    assert again.stdout.splitlines()[0] == (f"kunden.csv: {ROWS} rows; added 0, updated 0, "
                                            f"unchanged {ROWS - len(BAD)}, refused {len(BAD)}")  # fmt: skip
    assert "line 18: refused: VAT ID 'DE123456789'" in again.stdout
    assert invoicebot_json(data_dir, "audit", "verify", database_url=url)["events"] == events["events"]

    _export(export, city="Potsdam")
    moved = invoicebot(data_dir, "contacts", "import", str(export), "--json", check=False, database_url=url, env=env)
    report = json.loads(moved.stdout)
    assert report["counts"]["updated"] == ROWS - len(BAD)
    assert report["updated"][0] == {"line": 2, "id": 1, "fields": ["city"]}


def test_a_clean_vcard_import_exits_0_and_the_contact_shows_its_details(tmp_path, db):
    """GIVEN a vCard export WHEN imported (dry run first) THEN the dry run changes nothing, the real
    run exits 0, and `contacts show` and `contacts list` give the details."""
    data_dir, url = tmp_path / "var", _url(db)
    cards = tmp_path / "outlook.vcf"
    cards.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nUID:olk-1\r\nFN:Anna\r\n"
        b"ORG;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:B=E4ckerei Gro=DF\r\n"
        b"ADR;WORK:;;Marktplatz 1;M\xfcnchen;;80331;DE\r\nEMAIL;PREF;INTERNET:anna@baeckerei.example\r\n"
        b"TEL;WORK:+49 89 1\r\nNOTE:ignored\r\nEND:VCARD\r\n"
    )
    dry = invoicebot_json(data_dir, "contacts", "import", str(cards), "--dry-run", database_url=url)
    assert dry["dry_run"] and dry["counts"]["added"] == 1 and invoicebot_json(data_dir, "contacts", "list",
                                                                               database_url=url) == []  # fmt: skip
    result = invoicebot(data_dir, "contacts", "import", str(cards), database_url=url)
    assert result.stdout.startswith("outlook.vcf: 1 row; added 1,")

    [listed] = invoicebot_json(data_dir, "contacts", "list", database_url=url)
    assert (listed["name"], listed["city"], listed["country"]) == ("Bäckerei Groß", "München", "DE")
    shown = invoicebot(data_dir, "contacts", "show", str(listed["id"]), database_url=url).stdout
    assert "Bäckerei Groß  (customer)" in shown and "80331 München" in shown and "olk-1" in shown
    detail = invoicebot_json(data_dir, "contacts", "show", str(listed["id"]), database_url=url)
    assert detail["days_to_pay"] == {"average": None, "last": [], "count": 0} and detail["invoices_out"] == [] and detail["documents"] == []


def test_contacts_add_takes_the_postal_and_terms_details_and_list_shows_country_and_email(tmp_path, db):
    data_dir, url = tmp_path / "var", _url(db)
    added = invoicebot_json(
        data_dir, "contacts", "add", "--name", "ACME SARL", "--customer", "--address", "1 rue de la Paix",
        "--address", "Bâtiment B", "--postcode", "75002", "--city", "Paris", "--country", "fr",
        "--invoice-email", "factures@acme.example", "--discount", "2 10", "--late-fee", "interest 9,5",
        "--external-id", "CRM-7", database_url=url,
    )  # fmt: skip
    assert (added["address"], added["country"], added["discount_terms"], added["late_fee_terms"]) == (
        "1 rue de la Paix\nBâtiment B", "FR", "2% 10", "interest 9.5")  # fmt: skip
    listed = invoicebot(data_dir, "contacts", "list", database_url=url).stdout
    assert "ACME SARL" in listed and " FR " in listed and "factures@acme.example" in listed
    refused = invoicebot(data_dir, "contacts", "add", "--name", "X", "--country", "XX", check=False, database_url=url)
    assert refused.returncode == 1 and "unknown country" in refused.stderr
    unreadable = tmp_path / "none.csv"
    unreadable.write_text("Firma;Ort\nA;B\n")
    failed = invoicebot(data_dir, "contacts", "import", str(unreadable), check=False, database_url=url)
    assert failed.returncode == 1 and "no name column" in failed.stderr
