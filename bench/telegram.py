"""Telegram latency: from a committed invoice to its approval message, and from a press to the edit.

Runs the real service (`serve`: job worker, Telegram polling) against the fake Bot API server on
loopback, with a SQLite database in a temporary folder (or a scratch PostgreSQL database).

    .venv/bin/python -m bench.telegram [--invoices 40] [--postgres postgresql+psycopg://user@host/db]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.mails import percentile
from bot.service import serve
from bot.wiring import App
from invoicing import directory
from invoicing.config import Settings
from invoicing.domain import Channel, Role
from invoicing.receiving import IncomingFile, receive
from tests.factories import simple_invoice_pdf
from tests.integration.fake_telegram import FakeTelegram
from tests.scratch_db import scratch_postgres
from tests.services.test_receiving import extraction

MANAGER = 4242


async def measure(count: int, data_dir: Path, database_url: str | None) -> tuple[list[float], list[float]]:
    fake = FakeTelegram()
    await fake.start()
    settings = Settings(
        data_dir=data_dir, database_url=database_url, workers=1, log_level="WARNING",
        telegram_token=fake.token, telegram_api_url=fake.base_url, telegram_file_url=fake.base_file_url,
    )  # fmt: skip
    app = App(settings)
    assert app.clock is not None
    with app.db.transaction() as s:
        manager = directory.add_user(s, app.clock, name="Bench", role=Role.MANAGER, telegram_user_id=MANAGER)
        directory.add_contact(s, app.clock, directory.ContactInput(name="Lieferant GmbH", vat_id="DE123456788",
                                                                   manager_id=manager.id))  # fmt: skip
    stop = asyncio.Event()
    service = asyncio.create_task(serve(app, stop))
    await fake.wait_for(lambda c: c.method == "setMyCommands")
    await asyncio.sleep(0.5)  # let polling start
    to_message: list[float] = []
    to_edit: list[float] = []
    try:
        for i in range(count):
            number = f"BENCH-{i:04d}"
            incoming = IncomingFile(simple_invoice_pdf(number), f"{number}.pdf", "application/pdf", Channel.CLI)
            received = await asyncio.to_thread(
                receive, app.db, app.clock, app.store, incoming, extraction(invoice_number=number)
            )
            committed = time.monotonic()
            tag = f"Invoice #{received.invoice_id} "
            [request] = await fake.wait_for(
                lambda c: c.method == "sendMessage" and tag in c.params.get("text", "") and bool(c.buttons)
            )
            to_message.append(request.at - committed)
            pressed = time.monotonic()
            await fake.press(MANAGER, request, "Approve")
            message_id = request.result["message_id"]
            [edit] = await fake.wait_for(
                lambda c: c.method == "editMessageText" and c.params.get("message_id") == message_id
            )
            to_edit.append(edit.at - pressed)
    finally:
        stop.set()
        await service
        await fake.stop()
    return to_message, to_edit


def report(name: str, values: list[float], target: float) -> str:
    p50, p95 = percentile(values, 50) * 1000, percentile(values, 95) * 1000
    verdict = "ok" if p95 <= target * 1000 else "MISSED"
    return f"{name:<38} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(values) * 1000:7.1f} ms   (target p95 < {target * 1000:.0f} ms: {verdict})"


@contextlib.contextmanager
def scratch_database(server_url: str | None) -> Iterator[str | None]:
    """Yield the URL of a new, empty PostgreSQL database on that server (dropped after), or None."""
    if not server_url:
        yield None
        return
    with scratch_postgres(server_url, "invoicebot_bench") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=40)
    parser.add_argument("--postgres", metavar="SERVER_URL",
                        help="a PostgreSQL server URL: the bench creates and drops a database of its own there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="invoicebot-bench-") as tmp, scratch_database(args.postgres) as url:
        to_message, to_edit = asyncio.run(measure(args.invoices, Path(tmp) / "var", url))
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"Telegram latency over {args.invoices} invoices ({engine}, fake Bot API on loopback):")
    print(report("invoice committed -> approval message", to_message, 1.0))
    print(report("button pressed -> message edited", to_edit, 0.3))


if __name__ == "__main__":
    main()
