"""`invoicebot run` as a real process: files dropped in the inbox become invoices."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from tests.factories import simple_invoice_pdf
from tests.integration.cli import INVOICEBOT, cli_env, invoicebot_json


def _wait_for(predicate, timeout: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out")


def test_given_the_service_runs_when_files_are_dropped_then_invoices_appear_and_files_move(tmp_path):
    data_dir = tmp_path / "var"
    log = (tmp_path / "service.log").open("w")
    service = subprocess.Popen([INVOICEBOT, "run"], cwd=tmp_path, env=cli_env(data_dir), stdout=log, stderr=subprocess.STDOUT)
    try:
        inbox = data_dir / "inbox"
        _wait_for(lambda: inbox.is_dir())
        (inbox / "invoice.pdf.part").write_bytes(simple_invoice_pdf())
        (inbox / "invoice.pdf.part").rename(inbox / "invoice.pdf")
        (inbox / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf")

        _wait_for(lambda: (inbox / "done" / "invoice.pdf").exists() and (inbox / "failed" / "broken.pdf").exists())
        [invoice] = invoicebot_json(data_dir, "invoices", "list")
        assert invoice["number"] == "RE-2026-0042" and invoice["status"] in ("pending_approval", "needs_review")
        assert (inbox / "failed" / "broken.pdf.error.txt").read_text().strip()
        assert not list(inbox.glob("*.pdf"))
    finally:
        service.send_signal(signal.SIGTERM)
        code = service.wait(timeout=30)
        log.close()
    assert code == 0, Path(log.name).read_text()


async def test_a_refused_bot_token_is_one_clear_line_without_the_token_and_the_rest_runs(tmp_path):
    """GIVEN a token the Bot API refuses WHEN the service starts THEN the log says so in one line
    that does not show the token, and the drop folder still turns files into invoices."""
    import asyncio

    from tests.integration.fake_telegram import FakeTelegram

    fake = FakeTelegram()
    await fake.start()
    wrong = "987654321:AAwrong-token-that-must-never-be-logged-xyz"
    data_dir = tmp_path / "var"
    env = {**cli_env(data_dir), "INVOICEBOT_TELEGRAM_TOKEN": wrong,
           "INVOICEBOT_TELEGRAM_API_URL": fake.base_url, "INVOICEBOT_TELEGRAM_FILE_URL": fake.base_file_url}
    service = await asyncio.create_subprocess_exec(
        INVOICEBOT, "run", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        inbox = data_dir / "inbox"
        lines: list[str] = []
        while not any("invoicebot running" in line for line in lines):
            line = await asyncio.wait_for(service.stdout.readline(), 60)  # type: ignore[union-attr]
            assert line, "the service stopped:\n" + "".join(lines)
            lines.append(line.decode())
        (inbox / "invoice.pdf").write_bytes(simple_invoice_pdf())
        for _ in range(300):
            if (inbox / "done" / "invoice.pdf").exists():
                break
            await asyncio.sleep(0.1)
        assert (inbox / "done" / "invoice.pdf").exists()
    finally:
        service.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(service.stdout.read(), 30)  # type: ignore[union-attr]
        await service.wait()
        await fake.stop()
    log = "".join(lines) + rest.decode()
    refused = [line for line in log.splitlines() if "Telegram refused the bot token" in line]
    assert len(refused) == 1 and "INVOICEBOT_TELEGRAM_TOKEN" in refused[0]
    assert wrong not in log and wrong.split(":")[1] not in log
