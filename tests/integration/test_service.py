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
