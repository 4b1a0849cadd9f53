"""Exports for accounting: invoices as CSV, as JSON (the HTTP API's shape), as UBL 2.1 files, and
the issued Factur-X PDFs themselves.

CSV cells are safe to open in a spreadsheet: a text that starts with `=`, `+`, `-`, `@`, a tab
or a carriage return is prefixed with a single quote, so it is never run as a formula; amounts
and other plain numbers are written as numbers, with a dot.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, TextIO

from invoicing import listing, views
from invoicing.db.engine import Database
from invoicing.db.models import Document, Invoice
from invoicing.domain import Direction, InvoiceStatus
from invoicing.files import FileStore
from invoicing.issuing import document_of
from invoicing.ubl import issued_texts, issued_ubl, received_ubl


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    UBL = "ubl"
    FACTURX = "facturx"


CSV_COLUMNS = (
    "id", "direction", "kind", "status", "number", "issue_date", "due_date", "currency", "net_total", "tax_total",
    "total", "amount_paid", "contact_id", "contact", "seller_name", "seller_vat_id", "seller_iban", "buyer",
    "source", "filename", "sha256", "created_at",
)  # fmt: skip
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
#: What a spreadsheet reads as the start of a formula (or hides one behind).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: States whose invoices carry no number or are not invoices (any more): left out of file exports.
_NOT_DOCUMENTS = (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED)


def safe_cell(value: object) -> str:
    """Return `value` as a CSV cell no spreadsheet runs as a formula (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return f"{value:f}" if isinstance(value, Decimal) else str(value)
    text = value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
    if _PLAIN_NUMBER.match(text):
        return text
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(summary: views.InvoiceSummary) -> list[str]:
    """Return one invoice's CSV row, in the order of `CSV_COLUMNS`."""
    values = summary.model_dump()
    seller = values.pop("seller")
    values |= {"seller_name": seller["name"], "seller_vat_id": seller["vat_id"], "seller_iban": seller["iban"]}
    return [safe_cell(values.get(column)) for column in CSV_COLUMNS]


def write_csv(out: TextIO, summaries: Iterable[views.InvoiceSummary]) -> int:
    """Write the header and one row per invoice to `out`; return how many rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for summary in summaries:
        writer.writerow(csv_row(summary))
        count += 1
    return count


def write_json(out: TextIO, details: Iterable[dict[str, Any]]) -> int:
    """Write a JSON array of invoices (as `GET /invoices/{id}` gives them) to `out`; return how many."""
    count = 0
    out.write("[")
    for detail in details:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(detail, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def file_name(invoice: Invoice, extension: str) -> str:
    """Return a safe, unique file name for an invoice: `<id>-<number>.<extension>`."""
    number = re.sub(r"[^A-Za-z0-9._-]+", "_", invoice.number or "").strip("._")[:80]
    return f"{invoice.id}-{number}.{extension}" if number else f"{invoice.id}.{extension}"


def ubl_of(invoice: Invoice, templates_dir: Path | None = None) -> bytes:
    """Return the UBL 2.1 XML of an invoice (issued: EN 16931; received: what was read)."""
    if invoice.direction is Direction.OUT:
        document = document_of(invoice)
        exemption_texts, terms = issued_texts(document, templates_dir)
        return issued_ubl(document, exemption_texts, terms)
    return received_ubl(invoice)


@dataclass
class Report:
    written: int = 0
    #: (invoice id, why it was left out).
    skipped: list[tuple[int, str]] = field(default_factory=list)


class FileSink:
    """Files written into a folder, or into a zip file when the target ends in `.zip`."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.zip: zipfile.ZipFile | None = None
        if target.suffix.lower() == ".zip":
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, self.partial = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".zip")
            os.close(fd)
            self.zip = zipfile.ZipFile(self.partial, "w", zipfile.ZIP_DEFLATED)
        else:
            target.mkdir(parents=True, exist_ok=True)

    def put(self, name: str, data: bytes) -> None:
        if self.zip is not None:
            self.zip.writestr(name, data)
        else:
            (self.target / name).write_bytes(data)

    def close(self) -> None:
        """Finish the zip (it appears under its name only now, complete)."""
        if self.zip is not None:
            self.zip.close()
            os.replace(self.partial, self.target)


def _walk(db: Database, filters: listing.InvoiceFilter) -> Iterator[Invoice]:
    with db.reading() as session:
        ids = listing.matching_ids(session, filters)
        yield from listing.invoices(session, ids)


def summaries(db: Database, filters: listing.InvoiceFilter) -> Iterator[views.InvoiceSummary]:
    """Yield the invoices matching `filters` as the API lists them, oldest first."""
    for invoice in _walk(db, filters):
        yield views.summarise(invoice)


def details(db: Database, filters: listing.InvoiceFilter) -> Iterator[dict[str, Any]]:
    """Yield the invoices matching `filters` as the API shows one, oldest first."""
    with db.reading() as session:
        ids = listing.matching_ids(session, filters)
    for invoice_id in ids:
        with db.reading() as session:
            yield views.show_invoice(session, invoice_id).model_dump(mode="json")


def export_files(
    db: Database, store: FileStore, filters: listing.InvoiceFilter, kind: Format, sink: FileSink,
    templates_dir: Path | None = None,
) -> Report:  # fmt: skip
    """Write one UBL file (`ubl`) or the issued PDF (`facturx`) per invoice into `sink`."""
    report = Report()
    with db.reading() as session:
        for invoice in listing.invoices(session, listing.matching_ids(session, filters)):
            if invoice.status in _NOT_DOCUMENTS:
                report.skipped.append((invoice.id, f"a {invoice.status.value} invoice is no document"))
                continue
            try:
                name, data = _one(session, store, invoice, kind, templates_dir)
            except ValueError as e:
                report.skipped.append((invoice.id, str(e)))
                continue
            sink.put(name, data)
            report.written += 1
    sink.close()
    return report


def _one(session: Any, store: FileStore, invoice: Invoice, kind: Format, templates_dir: Path | None) -> tuple[str, bytes]:
    if kind is Format.UBL:
        return file_name(invoice, "xml"), ubl_of(invoice, templates_dir)
    if invoice.direction is not Direction.OUT:
        raise ValueError("received invoices have no Factur-X PDF of ours (export them as ubl)")
    document = session.get(Document, invoice.document_id) if invoice.document_id else None
    if document is None:
        raise ValueError("its PDF is not rendered yet (the service or `invoicebot tick` makes it)")
    return file_name(invoice, "pdf"), store.read(document.storage_path)
