"""Requests per second of the HTTP API's list call, served by one or more `invoicebot run` processes.

    python -m bench.api [--invoices 1000] [--processes 2] [--concurrency 8] [--seconds 10] [--database URL]

Seeds a fresh database with received invoices, starts the service(s) on loopback ports (each
its own process on the same database), and for a bounded time sends `GET /invoices?limit=50`
from `--concurrency` clients, spread over the processes. Prints one JSON line: requests per
second, latency percentiles, and any answers other than 200. The load runs on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx

TOKEN = "bench-token-0123456789-abcdefghij"
INVOICEBOT = str(Path(sys.executable).with_name("invoicebot"))


def seed(database_url: str, data_dir: Path, count: int) -> None:
    """Receive `count` supplier invoices into a fresh database."""
    from bot.wiring import App
    from invoicing.config import load_settings
    from invoicing.domain import Channel
    from invoicing.extraction import ExtractedInvoice, Party, Source
    from invoicing.receiving import IncomingFile, receive

    app = App(load_settings(database_url=database_url, data_dir=data_dir))
    try:
        for n in range(count):
            total = Decimal(100 + n % 900).quantize(Decimal("0.01"))
            extraction = ExtractedInvoice(
                source=Source.PDF_TEXT, invoice_number=f"B-{n:05d}", issue_date=dt.date(2026, 1, 1) + dt.timedelta(days=n % 300),
                currency="EUR", net_total=total, tax_total=Decimal("0.00"), total=total,
                seller=Party(name=f"Vendor {n % 37}"), buyer=Party(name="Bench GmbH"),
            )  # fmt: skip
            incoming = IncomingFile(f"%PDF-1.4 bench {n}".encode(), f"b{n}.pdf", "application/pdf", Channel.FOLDER)
            receive(app.db, app.clock, app.store, incoming, extraction)
    finally:
        app.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(database_url: str, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOICEBOT_")}
    env |= {"INVOICEBOT_DATA_DIR": str(data_dir), "INVOICEBOT_DATABASE_URL": database_url, "INVOICEBOT_WORKERS": "1",
            "INVOICEBOT_API_TOKENS": f"bench:read:{TOKEN}", "INVOICEBOT_API_PORT": str(port),
            "INVOICEBOT_API_RATE_PER_SECOND": "1000000", "INVOICEBOT_API_RATE_BURST": "1000000",
            "INVOICEBOT_LOG_LEVEL": "WARNING"}  # fmt: skip
    return subprocess.Popen([INVOICEBOT, "run"], cwd=data_dir.parent, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)  # fmt: skip


def wait_ready(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the service on port {port} did not answer in {timeout} s")


async def load(ports: list[int], concurrency: int, seconds: float) -> dict[str, object]:
    """Send list calls from `concurrency` clients for `seconds`; return the figures."""
    latencies: list[float] = []
    failures: dict[str, int] = {}
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {TOKEN}"}

    async def client(index: int) -> None:
        base = f"http://127.0.0.1:{ports[index % len(ports)]}"
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            while time.monotonic() < stop_at:
                began = time.perf_counter()
                response = await http.get("/invoices", params={"limit": 50, "direction": "in"})
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    failures[str(response.status_code)] = failures.get(str(response.status_code), 0) + 1

    began = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = time.monotonic() - began
    ordered = sorted(latencies)
    return {
        "requests": len(latencies), "seconds": round(elapsed, 2), "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)] * 1000, 1), "non_200": failures,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database", help="a PostgreSQL URL of an empty database (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="invoicebot-bench-api-") as tmp:
        data_dir = Path(tmp) / "var"
        url = args.database or f"sqlite:///{data_dir / 'invoicebot.sqlite3'}"
        seed(url, data_dir, args.invoices)
        ports = [_free_port() for _ in range(args.processes)]
        services = [start(url, data_dir, port, Path(tmp) / f"service-{port}.log") for port in ports]
        try:
            for port in ports:
                wait_ready(port)
            figures = asyncio.run(load(ports, args.concurrency, args.seconds))
        finally:
            for service in services:
                service.send_signal(signal.SIGTERM)
            for service in services:
                service.wait(timeout=60)
    engine = "postgresql" if args.database else "sqlite"
    print(json.dumps({"engine": engine, "processes": args.processes, "concurrency": args.concurrency,
                      "invoices": args.invoices, **figures}))  # fmt: skip


if __name__ == "__main__":
    main()
