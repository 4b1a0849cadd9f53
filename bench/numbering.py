"""Gapless numbering under concurrency: N threads issue M invoices each, at once, on SQLite and
PostgreSQL; prints the gaps and duplicates found (both must be 0) and the invoices per second.

    .venv/bin/python -m bench.numbering [--issuers 8] [--each 200] [--postgres URL]

Each issue is the whole issuing transaction (number, frozen document, task, audit event, jobs),
not only the counter; the PDF is made afterwards by the job worker and is not timed here.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from invoicing import issuing
from invoicing.billing import parse_line
from invoicing.clock import SystemClock
from invoicing.config import load_settings
from invoicing.db import migrate
from invoicing.db.engine import Database
from invoicing.db.models import Invoice
from invoicing.directory import ContactInput, add_contact
from invoicing.issuing import InvoiceRequest, IssuingPolicy
from invoicing.parties import seller_from_settings
from tests.scratch_db import scratch_postgres

SELLER = dict(seller_name="Bench GmbH", seller_address="Hauptstraße 1\n10115 Berlin", seller_country="DE",
              seller_vat_id="DE123456788", seller_iban="DE02120300000000202051")  # fmt: skip


@contextlib.contextmanager
def database(postgres: str | None) -> Iterator[Database]:
    """Yield a fresh migrated database: a SQLite file, or a scratch PostgreSQL database."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            db = Database.from_url(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
            migrate.upgrade(db.engine)
            yield db
            db.dispose()
        return
    with scratch_postgres(postgres, "invoicebot_bench", migrated=True) as url:
        db = Database.from_url(url)
        try:
            yield db
        finally:
            db.dispose()


def run(db: Database, issuers: int, each: int) -> tuple[int, int, int, float]:
    """Issue `issuers` x `each` invoices at once; return (issued, gaps, duplicates, seconds)."""
    clock = SystemClock()
    policy = IssuingPolicy(seller_from_settings(load_settings(**SELLER)))
    with db.transaction() as session:
        customer = add_contact(session, clock, ContactInput(name="Kunde AG", is_customer=True, country="DE", city="Köln")).id
    request = InvoiceRequest(customer, (parse_line("Beratung;1;100;19"),))
    errors: list[BaseException] = []
    start = threading.Barrier(issuers + 1)

    def issuer() -> None:
        start.wait()
        try:
            for _ in range(each):
                with db.transaction() as session:
                    issuing.issue_new(session, clock, request, policy, "bench")
        except BaseException as e:  # noqa: BLE001 - reported after the run
            errors.append(e)

    threads = [threading.Thread(target=issuer) for _ in range(issuers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{len(errors)} issuer(s) failed: {errors[0]!r}")
    with db.transaction() as session:
        numbers = list(session.execute(select(Invoice.number)).scalars())
    year = dt.date.today().year
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if n and n.startswith(f"INV-{year}-"))
    duplicates = len(seqs) - len(set(seqs))
    gaps = len(set(range(1, max(seqs, default=0) + 1)) - set(seqs))
    return len(numbers), gaps, duplicates, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issuers", type=int, default=8)
    parser.add_argument("--each", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server to create a scratch database on ('' to skip)")  # fmt: skip
    args = parser.parse_args()
    engines = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    print(f"{args.issuers} concurrent issuers x {args.each} invoices")
    for label, url in engines:
        with database(url) as db:
            issued, gaps, duplicates, seconds = run(db, args.issuers, args.each)
        print(f"{label:<11} issued {issued}, gaps {gaps}, duplicates {duplicates}, "
              f"{issued / seconds:.0f} issues/s ({seconds:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
