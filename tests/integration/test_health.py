"""`invoicebot health`: exit 0 when the installation can work, 1 with the reasons when it cannot."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.health import WORKER_KINDS
from bot.wiring import App
from invoicing import jobs
from invoicing.clock import FixedClock
from invoicing.config import load_settings
from invoicing.db import migrate
from invoicing.db.engine import Database, make_engine
from tests.integration.cli import cli_env, invoicebot


def _health(data_dir: Path, *args: str, database_url: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    result = invoicebot(data_dir, "health", "--json", *args, check=False, database_url=database_url, env=env)
    return result.returncode, json.loads(result.stdout)


def _failed(report: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}


def test_a_new_data_dir_is_unhealthy_until_the_database_is_made(tmp_path):
    """GIVEN a data dir that does not exist yet WHEN health runs THEN it exits 1 naming the missing
    database and data dir (and creates neither); after `db upgrade` it exits 0 on every check."""
    data_dir = tmp_path / "var"
    code, report = _health(data_dir)
    assert code == 1 and set(_failed(report)) == {"database", "data dir"}
    assert "run `invoicebot db upgrade`" in _failed(report)["database"] and not data_dir.exists()
    invoicebot(data_dir, "db", "upgrade")
    code, report = _health(data_dir, "--service")
    assert code == 0 and report["ok"] is True
    assert [c["name"] for c in report["checks"]] == ["database", "data dir", "tesseract", "neural OCR", "jobs"]
    text = invoicebot(data_dir, "health")
    assert "ok tesseract: runs, reads eng+deu+fra+dan" in text.stdout


def test_a_schema_behind_the_code_is_reported(tmp_path):
    """GIVEN a database migrated only to revision 0003 THEN health says so and exits 1."""
    path = tmp_path / "var" / "invoicebot.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0003")
    engine.dispose()
    code, report = _health(tmp_path / "var")
    assert code == 1 and _failed(report) == {"database": "schema at revision 0003, this invoicebot needs "
                                                         f"{migrate.HEAD}; run `invoicebot db upgrade`"}


def test_a_database_that_does_not_answer_is_reported_without_its_password(tmp_path):
    """GIVEN a PostgreSQL URL where nothing listens, with a password THEN health exits 1 saying
    the database does not answer, and the password appears nowhere."""
    url = "postgresql+psycopg://invoicebot:pw-Zq81x@127.0.0.1:9/invoicebot"
    (tmp_path / "var").mkdir()
    result = invoicebot(tmp_path / "var", "health", check=False, database_url=url)
    assert result.returncode == 1
    assert "FAILED database: does not answer at postgresql+psycopg://invoicebot:***@127.0.0.1:9/invoicebot" in result.stdout
    assert "pw-Zq81x" not in result.stdout + result.stderr


def test_a_data_dir_that_cannot_be_written_is_reported(tmp_path, sqlite_template):
    """GIVEN a data dir path that is a file (the database elsewhere) THEN the data dir check fails."""
    not_a_dir = tmp_path / "var"
    not_a_dir.write_text("a file")
    code, report = _health(not_a_dir, database_url=f"sqlite:///{sqlite_template}")
    assert code == 1 and set(_failed(report)) == {"data dir"}
    assert _failed(report)["data dir"].startswith(f"cannot write into {not_a_dir}")


def test_tesseract_missing_or_without_a_configured_language_is_reported(tmp_path):
    """GIVEN no tesseract on PATH, then a language tesseract has no data for THEN each is named."""
    data_dir = tmp_path / "var"
    invoicebot(data_dir, "db", "upgrade")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    code, report = _health(data_dir, env={"PATH": str(empty_bin)})
    assert code == 1 and _failed(report) == {"tesseract": "not found on PATH (install tesseract-ocr)"}
    code, report = _health(data_dir, env={"INVOICEBOT_OCR_LANGUAGES": "eng+xyz"})
    assert code == 1 and _failed(report)["tesseract"].startswith("language data missing for xyz")


def test_with_service_a_job_due_too_long_fails_the_check(db: Database, tmp_path):
    """GIVEN an e-mail job due 30 minutes ago and a chat message due an hour ago, Telegram off
    WHEN `health --service` runs THEN it fails on the e-mail job alone; with --max-wait 45 it passes;
    once the e-mail job is done it passes."""
    long_ago = FixedClock(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30))
    with db.transaction() as session:
        jobs.enqueue(session, long_ago, kind="mail.send", key="mail.send:health", payload={})
        jobs.enqueue(session, FixedClock(long_ago.now() - dt.timedelta(minutes=30)), kind="approval.request",
                     key="approval.request:health", payload={"invoice_id": 1})  # fmt: skip
    url = db.engine.url.render_as_string(hide_password=False)
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    code, report = _health(data_dir, "--service", database_url=url)
    assert code == 1
    assert _failed(report) == {"jobs": "the job worker is not keeping up: 1 mail.send (oldest due 30 minutes ago)"}
    assert _health(data_dir, "--service", "--max-wait", "45", database_url=url)[0] == 0
    [job] = jobs.claim(db, FixedClock(dt.datetime.now(dt.UTC)), "test", ["mail.send"])
    jobs.finish(db, FixedClock(dt.datetime.now(dt.UTC)), job, None)
    assert _health(data_dir, "--service", database_url=url)[0] == 0


def test_the_worker_kinds_health_counts_are_the_ones_the_service_performs_without_chat(tmp_path):
    """The kinds `health --service` holds the worker to are those of `App.job_handlers`."""
    app = App(load_settings(data_dir=tmp_path / "var"), one_shot=True)
    assert set(app.job_handlers()) == WORKER_KINDS


def test_health_loads_no_reader_renderer_or_chat_code(tmp_path):
    """GIVEN a healthy installation WHEN health runs THEN neither the readers, OCR, PDF rendering,
    the chat library nor the issuing code was imported (it stays quick). The default engine's
    check imports RapidOCR (and the OCR options with it) by design: the probe runs on tesseract."""
    data_dir = tmp_path / "var"
    invoicebot(data_dir, "db", "upgrade")
    probe = ("import sys\nfrom bot.cli import main\ntry:\n    main(['health', '--service'])\nexcept SystemExit as e:\n"
             "    code = e.code\nheavy = [m for m in ('weasyprint', 'intake.pipeline', 'intake.ocr', 'telegram', "
             "'invoicing.issuing', 'pdfplumber', 'matplotlib') if m in sys.modules]\nprint(code, heavy)")  # fmt: skip
    env = {**cli_env(data_dir), "INVOICEBOT_OCR_ENGINE": "tesseract"}
    result = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert result.stdout.splitlines()[-1] == "0 []"


@pytest.mark.postgres
def test_health_passes_on_postgresql(postgres_url, tmp_path):
    """GIVEN the migrated PostgreSQL database of the test session THEN health --service exits 0."""
    (tmp_path / "var").mkdir()
    code, report = _health(tmp_path / "var", "--service", database_url=postgres_url)
    assert code == 0, report


def test_an_ocr_engine_that_needs_rapidocr_is_checked_for_it(tmp_path):
    """GIVEN the default OCR engine ('both') THEN health checks RapidOCR: it passes where RapidOCR
    is installed, and fails naming the package where it cannot be imported; with
    INVOICEBOT_OCR_ENGINE=tesseract RapidOCR is not checked."""
    data_dir = tmp_path / "var"
    invoicebot(data_dir, "db", "upgrade")
    code, report = _health(data_dir)
    assert code == 0 and "neural OCR" in {c["name"] for c in report["checks"]}
    blocked = tmp_path / "blocked" / "rapidocr_onnxruntime"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('not here')\n")
    code, report = _health(data_dir, env={"PYTHONPATH": str(blocked.parent)})
    assert code == 1 and _failed(report)["neural OCR"].startswith("OCR engine 'both' needs RapidOCR")
    tesseract_only = _health(data_dir, env={"INVOICEBOT_OCR_ENGINE": "tesseract"})[1]
    assert "neural OCR" not in {c["name"] for c in tesseract_only["checks"]}
