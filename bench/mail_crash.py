"""Crash safety of e-mail intake: mails keep arriving while `invoicebot run` is killed with
SIGKILL at random moments and restarted; at the end nothing may be lost or taken twice.

    python -m bench.mail_crash [--mails 300] [--kills 20] [--seed 1] [--json]

Half the mails carry a one-page text PDF, half a CII e-invoice XML (no OCR), each with its own
invoice number. Mails are appended to a real Dovecot at a steady rate; after each (re)start the
service is killed at a random moment within `--max-life` seconds of it starting to watch, and
started again. After the last kill it runs until every mail is recorded (or `--timeout`), then
the mailbox and the SQLite database are counted. Loopback only; needs root and Dovecot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.mail_latency import FOLDER, Service, dovecot_server, read_only, service_env
from bench.mails import invoice_mail
from tests.factories import simple_invoice_pdf
from tests.integration.dovecot import Dovecot, mailbox
from tests.unit.test_einvoice import CII

PROCESSED = b"$InvoicebotProcessed"


def mails(count: int) -> list[bytes]:
    """Return `count` distinct invoice mails, every other one with an XML e-invoice."""
    made = []
    for n in range(count):
        number = f"CR-{n:04d}"
        if n % 2:
            xml = CII.replace(b" RE-2024/0042 ", f" {number} ".encode())
            made.append(invoice_mail(number, xml, f"{number}.xml", subtype="xml"))
        else:
            made.append(invoice_mail(number, simple_invoice_pdf(number=number), f"{number}.pdf"))
    return made


@dataclass(frozen=True, slots=True)
class CrashReport:
    mails_appended: int
    mails_in_mailbox: int
    mails_flagged: int
    processed_rows: int
    processed_distinct: int
    documents: int
    invoices: int
    invoice_numbers_distinct: int
    lost: int
    recorded_twice: int
    invoices_twice: int
    states: dict[str, int]
    kills: int
    seconds: float


async def append_all(server: Dovecot, raws: list[bytes], rate: float) -> None:
    async with mailbox(server) as client:
        for raw in raws:
            await client.append(raw, mailbox=FOLDER)
            await asyncio.sleep(1 / rate)


async def mailbox_uids(server: Dovecot) -> tuple[int, set[int], set[int]]:
    """Return the folder's UIDVALIDITY, its UIDs and the UIDs flagged as processed."""
    async with mailbox(server) as client:
        response = await client.select(FOLDER)
        uidvalidity = next(
            int(m.group(1)) for line in response.lines if (m := re.search(rb"UIDVALIDITY (\d+)", bytes(line)))
        )
        fetched = await client.uid("fetch", "1:*", "(FLAGS)")
    uids, flagged = set(), set()
    for line in fetched.lines:
        match = re.search(rb"UID (\d+)", bytes(line))
        if match:
            uids.add(int(match.group(1)))
            if PROCESSED in bytes(line):
                flagged.add(int(match.group(1)))
    return uidvalidity, uids, flagged


def recorded(database: Path) -> list[tuple[int, int, str]]:
    if not database.exists():
        return []
    with contextlib.closing(read_only(database)) as conn:
        try:
            return conn.execute("SELECT uidvalidity, uid, state FROM processed_mail").fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []


def count_database(database: Path) -> tuple[int, int, int]:
    with contextlib.closing(read_only(database)) as conn:
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        invoices, numbers = conn.execute("SELECT count(*), count(DISTINCT number) FROM invoices").fetchone()
    return documents, invoices, numbers


async def wait_watching(service: Service, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not service.watching():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the service did not start watching: {service.log.read_text()[-2000:]}")
        await asyncio.sleep(0.05)


async def run(count: int, kills: int, seed: int, rate: float, max_life: float, timeout: float) -> CrashReport:
    root = Path(tempfile.mkdtemp(prefix="bench-crash-"))
    try:
        return await _run(root, count, kills, random.Random(seed), rate, max_life, timeout)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def _run(
    root: Path, count: int, kills: int, rng: random.Random, rate: float, max_life: float, timeout: float
) -> CrashReport:
    raws = mails(count)
    began = time.monotonic()
    with dovecot_server() as server:
        data_dir = root / "var"
        database = data_dir / "invoicebot.sqlite3"
        service = Service(service_env(server, data_dir, workers=1), root)
        service.start()
        await wait_watching(service)
        appending = asyncio.create_task(append_all(server, raws, rate))
        try:
            for _ in range(kills):
                await asyncio.sleep(rng.uniform(0, max_life))
                service.kill()
                service.start()
                await wait_watching(service)
            await appending
            deadline = began + timeout
            while len({(v, u) for v, u, _ in recorded(database)}) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            await asyncio.sleep(1)  # the last flag follows its commit
        finally:
            appending.cancel()
            code = service.stop()
        if code != 0:
            print(f"the last service exited {code}: {service.log.read_text()[-2000:]}", file=sys.stderr)
        uidvalidity, uids, flagged = await mailbox_uids(server)
    rows = recorded(database)
    keys = {(v, u) for v, u, _ in rows}
    documents, invoices, numbers = count_database(database)
    return CrashReport(
        mails_appended=count, mails_in_mailbox=len(uids), mails_flagged=len(flagged),
        processed_rows=len(rows), processed_distinct=len(keys), documents=documents,
        invoices=invoices, invoice_numbers_distinct=numbers,
        lost=len({(uidvalidity, u) for u in uids} - keys), recorded_twice=len(rows) - len(keys),
        invoices_twice=invoices - numbers, states=dict(Counter(s for _, _, s in rows)), kills=kills,
        seconds=round(time.monotonic() - began, 1),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=4.0, help="mails appended per second")
    parser.add_argument("--max-life", type=float, default=6.0, help="longest a service runs before its kill")
    parser.add_argument("--timeout", type=float, default=300, help="give up waiting after this many seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = asyncio.run(run(args.mails, args.kills, args.seed, args.rate, args.max_life, args.timeout))
    if args.json:
        print(json.dumps(asdict(report)))
        return
    print(f"{report.mails_appended} mails appended while `invoicebot run` was SIGKILLed {report.kills} times "
          f"({report.seconds} s):")  # fmt: skip
    print(f"  mailbox: {report.mails_in_mailbox} mails, {report.mails_flagged} flagged processed")
    print(f"  processed_mail: {report.processed_rows} rows, {report.processed_distinct} distinct (uidvalidity, uid); "
          f"states {report.states}")  # fmt: skip
    print(f"  documents {report.documents}, invoices {report.invoices} ({report.invoice_numbers_distinct} distinct numbers)")
    print(f"  lost = {report.lost}   recorded twice = {report.recorded_twice}   invoices twice = {report.invoices_twice}")


if __name__ == "__main__":
    main()
