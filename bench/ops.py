"""Backup, restore and the move to PostgreSQL on books of a few thousand invoices: prints the
seconds each `invoicebot` command took, as it reports them and as wall time with start-up.

    .venv/bin/python -m bench.ops [--issued 3000] [--received 500] [--postgres URL]

The books are made through the service layer: customer invoices issued (lines, numbers, tasks,
jobs, audit events) each with a stored PDF, half of them paid, and supplier invoices received
and stored. The PDFs are one real rendered invoice with a different trailer each (the size of a
real one, each file distinct); rendering thousands would take longer than everything timed here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from invoicing import issuing, payments
from invoicing.billing import parse_line
from invoicing.clock import SystemClock
from invoicing.config import load_settings
from invoicing.db import migrate
from invoicing.db.engine import Database
from invoicing.directory import ContactInput, add_contact
from invoicing.domain import Channel
from invoicing.extraction import ExtractedInvoice, Party, Source
from invoicing.files import FileStore
from invoicing.issuing import InvoiceRequest, IssuingPolicy, document_of
from invoicing.outgoing import attach_pdf
from invoicing.parties import seller_from_settings
from invoicing.receiving import IncomingFile, receive
from invoicing.render import RenderOptions, render_invoice
from tests.scratch_db import scratch_postgres

SELLER = dict(seller_name="Bench GmbH", seller_address="Hauptstraße 1\n10115 Berlin", seller_country="DE",
              seller_vat_id="DE123456788", seller_iban="DE02120300000000202051")  # fmt: skip
INVOICEBOT = str(Path(sys.executable).with_name("invoicebot"))


def make_books(data_dir: Path, issued: int, received: int) -> None:
    """Fill a new SQLite installation in `data_dir` with `issued` + `received` invoices."""
    rng = random.Random(7)
    clock = SystemClock()
    db = Database.from_url(load_settings(data_dir=data_dir).database)
    migrate.upgrade(db.engine)
    store = FileStore(data_dir / "files")
    policy = IssuingPolicy(seller_from_settings(load_settings(**SELLER)))
    with db.transaction() as session:
        customers = [add_contact(session, clock, ContactInput(name=f"Kunde {i} GmbH", is_customer=True,
                                                              country="DE", city="Köln", postcode="50667", address=f"Domplatz {i}",
                                                              email=f"ap{i}@example.com")).id
                     for i in range(100)]  # fmt: skip
    pdf = None
    for n in range(issued):
        lines = tuple(parse_line(f"Leistung {k};{rng.randint(1, 20)};{rng.randint(100, 99999) / 100};19")
                      for k in range(rng.randint(1, 5)))  # fmt: skip
        with db.transaction() as session:
            invoice_id = issuing.issue_new(session, clock, InvoiceRequest(rng.choice(customers), lines), policy, "bench")
            if pdf is None:
                pdf = render_invoice(document_of(issuing.find_issued(session, str(invoice_id))), RenderOptions()).pdf
        attach_pdf(db, clock, store, invoice_id, pdf + f"\n%bench {n}\n".encode(), f"{n}.pdf")
        if n % 2:
            with db.transaction() as session:
                payments.record_payment(session, clock, f"#{invoice_id}", method="cli", actor="bench")
    for n in range(received):
        total = Decimal(rng.randint(1000, 500000)) / 100
        extraction = ExtractedInvoice(
            source=Source.PDF_TEXT, invoice_number=f"RE-{n}", issue_date=dt.date(2026, 3, 1), currency="EUR",
            total=total, net_total=total, tax_total=Decimal("0.00"),
            seller=Party(name=f"Lieferant {n % 50} GmbH"), confidence={"total": 0.99},
        )  # fmt: skip
        data = pdf + f"\n%received {n}\n".encode()  # type: ignore[operator]
        receive(db, clock, store, IncomingFile(data=data, filename=f"RE-{n}.pdf", media_type="application/pdf",
                                               channel=Channel.FOLDER), extraction)  # fmt: skip
    db.dispose()


def timed(data_dir: Path, *args: str, database_url: str | None = None) -> tuple[float, dict[str, object]]:
    """Run `invoicebot ARGS --json` in `data_dir`; return its wall time and what it printed."""
    env = {"PATH": "/usr/bin:/bin", "INVOICEBOT_DATA_DIR": str(data_dir), "INVOICEBOT_LOG_LEVEL": "WARNING"}
    if database_url:
        env["INVOICEBOT_DATABASE_URL"] = database_url
    began = time.perf_counter()
    done = subprocess.run([INVOICEBOT, *args, "--json"], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - began, json.loads(done.stdout)

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issued", type=int, default=3000)
    parser.add_argument("--received", type=int, default=500)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        began = time.perf_counter()
        make_books(root / "var", args.issued, args.received)
        size = (root / "var" / "invoicebot.sqlite3").stat().st_size
        files = sum(p.stat().st_size for p in (root / "var" / "files").rglob("*") if p.is_file())
        print(f"books: {args.issued} issued + {args.received} received invoices, database {size / 2**20:.1f} MiB, "
              f"files {files / 2**20:.1f} MiB (made in {time.perf_counter() - began:.0f} s)")  # fmt: skip
        var, backup = root / "var", str(root / "backup")
        runs = [("backup, SQLite (first: every file copied)", var, ("backup", backup), None),
                ("backup, SQLite (again: no new file)", var, ("backup", backup), None),
                ("restore, SQLite into a new data dir", root / "restored", ("restore", backup), None)]  # fmt: skip
        with scratch_postgres(args.postgres, "invoicebot_opsbench") as source, \
                scratch_postgres(args.postgres, "invoicebot_opsbench") as target:  # fmt: skip
            runs += [("db copy, SQLite to PostgreSQL", var, ("db", "copy", "--to", source), None),
                     ("backup, PostgreSQL (pg_dump)", var, ("backup", str(root / "pgbackup")), source),
                     ("restore, PostgreSQL (pg_restore) into a new database", root / "pgrestored",
                      ("restore", str(root / "pgbackup")), target)]  # fmt: skip
            print(f"{'command':55s} {'reported':>9s} {'wall':>7s}")
            for what, data_dir, command, url in runs:
                wall, printed = timed(data_dir, *command, database_url=url)
                if "tables" in printed and what.startswith("backup, SQLite (first"):
                    print("rows: " + ", ".join(f"{k} {v}" for k, v in printed["tables"].items() if v))  # type: ignore[union-attr]
                print(f"{what:55s} {printed['seconds']:7.2f} s {wall:5.2f} s")


if __name__ == "__main__":
    main()
