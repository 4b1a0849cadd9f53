"""`invoicebot run --only ROLE[,ROLE]`: a process runs some parts of the service, the rest is off."""

from __future__ import annotations

import signal
import subprocess
import time

from bot.cli.service import ROLES
from bot.service import Role
from tests.integration.cli import INVOICEBOT, cli_env, invoicebot


def test_the_roles_the_command_accepts_are_the_services_roles():
    assert set(ROLES) == {role.value for role in Role}


def test_an_unknown_role_is_refused_with_the_roles_there_are(tmp_path):
    result = invoicebot(tmp_path / "var", "run", "--only", "jobs,nonsense", check=False)
    assert result.returncode == 2
    assert "nonsense" in result.stderr and "folder, mail, chat, jobs, readers, scheduler, api" in result.stderr


def test_given_only_jobs_and_scheduler_when_the_service_runs_then_it_says_so_and_leaves_the_folder_off(tmp_path):
    """GIVEN `--only jobs,scheduler` on SQLite WHEN it starts THEN its first line names those roles,
    the drop folder is off (no inbox is made) and SIGTERM stops it cleanly."""
    data_dir = tmp_path / "var"
    log = tmp_path / "service.log"
    with log.open("wb") as out:
        service = subprocess.Popen([INVOICEBOT, "run", "--only", "scheduler,jobs"], cwd=tmp_path,
                                   env=cli_env(data_dir), stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "invoicebot running" not in log.read_text() and service.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        line = next(x for x in log.read_text().splitlines() if "invoicebot running" in x)
    finally:
        service.send_signal(signal.SIGTERM)
        code = service.wait(30)
    assert code == 0, log.read_text()
    assert "invoicebot running (jobs, scheduler)" in line and "drop folder off" in line
    assert not (data_dir / "inbox").exists()
