"""The rules `invoicebot health` judges its findings by: schema, job queue, tesseract languages."""

from __future__ import annotations

import datetime as dt

from invoicing.health import (
    Check,
    HealthReport,
    WaitingJobs,
    jobs_check,
    languages_check,
    schema_check,
)

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
TEN = dt.timedelta(minutes=10)
LIST_LANGS = 'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (4):\ndan\ndeu\neng\nosd\n'


def test_the_schema_is_current_only_at_the_code_s_revision():
    """GIVEN no schema, an older one and the current one THEN only the current one passes, and the
    others say to run `db upgrade`."""
    assert schema_check("0004", "0004") == Check("database", True, "answers, schema at revision 0004")
    empty, behind = schema_check(None, "0004"), schema_check("0003", "0004")
    assert not empty.ok and "no schema" in empty.detail and "db upgrade" in empty.detail
    assert not behind.ok and "0003" in behind.detail and "needs 0004" in behind.detail


def test_a_job_due_longer_than_the_limit_means_the_worker_is_stuck():
    """GIVEN mail jobs due for 25 minutes and render jobs due for 5 THEN with a 10-minute limit
    the check fails naming the mail jobs only."""
    waiting = [WaitingJobs("mail.send", 3, NOW - dt.timedelta(minutes=25)),
               WaitingJobs("invoice.render", 1, NOW - dt.timedelta(minutes=5))]  # fmt: skip
    check = jobs_check(waiting, NOW, TEN, None)
    assert not check.ok
    assert check.detail == "the job worker is not keeping up: 3 mail.send (oldest due 25 minutes ago)"


def test_jobs_of_kinds_no_worker_here_performs_wait_by_design():
    """GIVEN chat messages due for an hour while the chat is off THEN the worker is not blamed;
    with the chat on it is."""
    waiting = [WaitingJobs("approval.request", 2, NOW - dt.timedelta(hours=1))]
    assert jobs_check(waiting, NOW, TEN, frozenset({"mail.send"})).ok
    assert not jobs_check(waiting, NOW, TEN, None).ok


def test_an_empty_queue_is_healthy():
    assert jobs_check([], NOW, TEN, None) == Check("jobs", True, "no job due for more than 10 minutes")


def test_every_configured_ocr_language_must_be_installed():
    """GIVEN tesseract listing dan, deu, eng and osd THEN eng+deu passes, eng+fra names fra."""
    assert languages_check("eng+deu", LIST_LANGS) == Check("tesseract", True, "runs, reads eng+deu")
    missing = languages_check("eng+fra", LIST_LANGS)
    assert not missing.ok and missing.detail.startswith("language data missing for fra")


def test_a_report_is_ok_only_when_every_check_is_and_lists_the_reasons():
    report = HealthReport((Check("database", True, "fine"), Check("tesseract", False, "not found on PATH")))
    assert not report.ok and report.reasons == ["tesseract: not found on PATH"]
    assert report.to_json()["checks"][1] == {"name": "tesseract", "ok": False, "detail": "not found on PATH"}
