"""A small installation with real books, made through the `invoicebot` command as a user would:
invoices issued (with PDFs), a credit note, a supplier invoice read from a PDF and approved,
payments, tasks, jobs and the audit events of all of it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import scratch_db
from tests.factories import simple_invoice_pdf
from tests.integration.cli import invoicebot, invoicebot_json
from tests.integration.test_cli_billing import SELLER


@dataclass(frozen=True)
class Books:
    """What was made, to compare a copy with."""

    issued: tuple[str, ...]
    credit_note: str
    received_id: int


def make_books(data_dir: Path, database_url: str | None = None) -> Books:
    """Fill the installation in `data_dir` (and `database_url`) with books made by the product."""
    def run(*args: str) -> object:
        return invoicebot_json(data_dir, *args, database_url=database_url, env=SELLER)

    customer = run("contacts", "add", "--name", "ACME GmbH", "--customer", "--country", "DE", "--city", "Köln",
                   "--postcode", "50667", "--address", "Domplatz 1", "--email", "ap@acme.example")["id"]  # type: ignore[index]  # fmt: skip
    first = run("invoice", "new", "--customer", str(customer), "--line", "Beratung;10;100;19", "--send")
    second = run("invoice", "new", "--customer", str(customer), "--line", "Hosting;3;49.99;19",
                 "--line", "Setup;1;0.05;7")  # fmt: skip
    credit = run("invoice", "credit", second["number"], "--line", "Hosting;1;49.99;19")  # type: ignore[index]
    run("payments", "add", first["number"], "500.00", "--date", "2026-03-10")  # type: ignore[index]
    run("payments", "add", first["number"], "690.00")  # type: ignore[index]
    pdf = data_dir.parent / "RE-2026-0042.pdf"
    pdf.write_bytes(simple_invoice_pdf())
    received = run("ingest", str(pdf))
    assert received["status"] == "pending_approval", received  # type: ignore[index]
    invoicebot(data_dir, "users", "add", "--name", "Ada", "--telegram-id", "4242", "--role", "admin",
               database_url=database_url)  # fmt: skip
    invoicebot(data_dir, "approve", str(received["invoice_id"]), database_url=database_url)
    return Books((first["number"], second["number"]), credit["number"], received["invoice_id"])  # type: ignore[index]


def listing(data_dir: Path, database_url: str | None = None) -> list[dict[str, object]]:
    """Return `invoices list --json` of every invoice, oldest first."""
    return sorted(invoicebot_json(data_dir, "invoices", "list", "--limit", "1000", database_url=database_url),
                  key=lambda i: i["id"])  # fmt: skip


def audit_state(data_dir: Path, database_url: str | None = None) -> tuple[dict[str, object], str]:
    """Return `audit verify --json` and `audit head`."""
    verify = invoicebot_json(data_dir, "audit", "verify", database_url=database_url)
    head = invoicebot(data_dir, "audit", "head", database_url=database_url).stdout.strip()
    return verify, head


def pdf_of(data_dir: Path, number: str, database_url: str | None = None) -> bytes:
    """Return the stored PDF of issued invoice `number` (never rendered anew: see `invoice pdf`)."""
    out = data_dir.parent / f"{uuid.uuid4().hex}.pdf"
    invoicebot(data_dir, "invoice", "pdf", number, "-o", str(out), database_url=database_url, env=SELLER)
    return out.read_bytes()


@contextmanager
def scratch_postgres(base_url: str) -> Iterator[str]:
    """Yield the URL of a new, empty PostgreSQL database on the server of `base_url`, dropped after."""
    with scratch_db.scratch_postgres(base_url, "invoicebot_ops") as url:
        yield url


def dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True)
