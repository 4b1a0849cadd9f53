"""The probes behind `invoicebot health`: can this installation do its work right now?

Each probe looks at one thing (the database and its schema, the data dir, tesseract, the job
queue) with a short timeout and turns any failure into a reason; nothing here migrates, creates
or loads the readers. The rules that judge what was found are in `invoicing.health`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import Engine, and_, case, func, or_, select, type_coerce
from sqlalchemy.engine import make_url

from invoicing.clock import Clock
from invoicing.config import Settings
from invoicing.health import (
    Check,
    HealthReport,
    WaitingJobs,
    jobs_check,
    languages_check,
    schema_check,
)

#: The job kinds `App.job_handlers` performs, that is every worker whether or not the chat is on
#: (a test keeps the two in step). The chat's own kinds are performed only while it is configured.
WORKER_KINDS = frozenset({"mail.send", "invoice.render", "invoice.send", "reminder.send", "webhook.deliver"})
CONNECT_TIMEOUT_SECONDS = 5
TESSERACT_TIMEOUT_SECONDS = 15


def check_health(settings: Settings, clock: Clock, *, service: bool, max_wait: dt.timedelta) -> HealthReport:
    """Return the report of every check; with `service`, the job queue's too."""
    checks: list[Check] = []
    engine = None
    try:
        engine, check = _database(settings)
        checks.append(check)
        checks.append(_data_dir(settings.data_dir))
        checks.append(_tesseract(settings.ocr_languages))
        if settings.ocr_engine != "tesseract":
            checks.append(_neural_ocr(settings.ocr_engine))
        if service:
            performed = None if settings.telegram_token else WORKER_KINDS
            checks.append(_jobs(engine, clock.now(), max_wait, performed) if engine is not None else
                          Check("jobs", False, "not checked: no database to read the queue from"))  # fmt: skip
    finally:
        if engine is not None:
            engine.dispose()
    return HealthReport(tuple(checks))


def _database(settings: Settings) -> tuple[Engine | None, Check]:
    """Return an engine on the database when it answers (else None) and what was found."""
    from invoicing.db import migrate
    from invoicing.db.engine import make_engine

    url = make_url(settings.database)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if url.database not in (None, "", ":memory:") and not path.is_file():
            return None, Check("database", False, f"no database file at {path}; run `invoicebot db upgrade`")
        engine = make_engine(settings.database)
    else:
        engine = make_engine(settings.database, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    try:
        revision = migrate.current_revision(engine)
    except Exception as e:  # noqa: BLE001 - any failure to answer is the finding itself
        engine.dispose()
        where = url.render_as_string(hide_password=True)
        return None, Check("database", False, f"does not answer at {where}: {_first_line(e)}")
    return engine, schema_check(revision, migrate.HEAD)


def _data_dir(data_dir: Path) -> Check:
    """Return whether files can be written into the data dir (and its file store, once made)."""
    folders = [data_dir] + [p for p in (data_dir / "files", data_dir / "inbox") if p.exists()]
    for folder in folders:
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".health-"):
                pass
        except OSError as e:
            return Check("data dir", False, f"cannot write into {folder}: {e.strerror or e}")
    return Check("data dir", True, f"{data_dir} is writable")


def _tesseract(languages: str) -> Check:
    """Return whether tesseract runs and has the language data of `languages`."""
    command = shutil.which("tesseract")
    if command is None:
        return Check("tesseract", False, "not found on PATH (install tesseract-ocr)")
    try:
        done = subprocess.run([command, "--list-langs"], capture_output=True, text=True,
                              timeout=TESSERACT_TIMEOUT_SECONDS, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("tesseract", False, f"does not run: {e}")
    if done.returncode != 0:
        return Check("tesseract", False, f"exits {done.returncode}: {_first_line(done.stderr)}")
    return languages_check(languages, done.stdout)


def _neural_ocr(chosen: str) -> Check:
    """Return whether RapidOCR, which the chosen OCR engine needs, can be loaded."""
    from intake import neural_ocr

    if not neural_ocr.available():
        return Check("neural OCR", False, f"OCR engine '{chosen}' needs RapidOCR, which is not installed "
                     f"or cannot be loaded (pip install rapidocr-onnxruntime; on Debian it needs libgl1 and libglib2.0-0)")  # fmt: skip
    return Check("neural OCR", True, f"RapidOCR is installed (OCR engine '{chosen}')")


def _jobs(engine: Engine, now: dt.datetime, max_wait: dt.timedelta, performed: frozenset[str] | None) -> Check:
    """Return whether the worker keeps up, from the jobs due before `now - max_wait` still waiting."""
    from invoicing.db.models import Job, UtcDateTime
    from invoicing.domain import JobState

    cutoff = now - max_wait
    # A running job whose lease ran out long ago belongs to a worker that died and was not taken over.
    due_at = case((Job.state == JobState.RUNNING, Job.lease_until), else_=Job.run_after)
    waiting = or_(
        and_(Job.state == JobState.PENDING, Job.run_after < cutoff),
        and_(Job.state == JobState.RUNNING, Job.lease_until < cutoff),
    )
    oldest = type_coerce(func.min(due_at), UtcDateTime())
    query = select(Job.kind, func.count(), oldest).where(waiting).group_by(Job.kind)
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    except Exception as e:  # noqa: BLE001 - any failure to answer is the finding itself
        return Check("jobs", False, f"the job queue cannot be read: {_first_line(e)}")
    found = [WaitingJobs(kind, count, since) for kind, count, since in rows]
    return jobs_check(found, now, max_wait, performed)


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
