"""`invoicebot run --only ROLE[,ROLE]`: a process runs some parts of the service, the rest is off."""

from __future__ import annotations

from bot.cli.service import ROLES
from bot.service import Role
from tests.integration.cli import invoicebot


def test_the_roles_the_command_accepts_are_the_services_roles():
    assert set(ROLES) == {role.value for role in Role}


def test_an_unknown_role_is_refused_with_the_roles_there_are(tmp_path):
    result = invoicebot(tmp_path / "var", "run", "--only", "jobs,nonsense", check=False)
    assert result.returncode == 2
    assert "nonsense" in result.stderr and "folder, mail, chat, jobs, readers, scheduler, api" in result.stderr


async def test_given_only_jobs_and_scheduler_when_the_service_runs_then_it_says_so_and_leaves_the_folder_off(
    sqlite_db, tmp_path, caplog
):
    """GIVEN the roles jobs and scheduler on SQLite WHEN the service starts THEN its first line
    names those roles, the drop folder is off (no inbox is made) and it stops when told."""
    import asyncio
    import logging

    from bot.service import serve
    from bot.wiring import App
    from invoicing.config import Settings

    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    app = App(Settings(data_dir=tmp_path / "var", database_url=url, workers=1))
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO, logger="bot.service"):
        service = asyncio.create_task(serve(app, stop, roles=frozenset({Role.JOBS, Role.SCHEDULER})))
        for _ in range(600):
            if any("invoicebot running" in r.getMessage() for r in caplog.records) or service.done():
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(service, 30)
    [line] = [r.getMessage() for r in caplog.records if "invoicebot running" in r.getMessage()]
    assert "invoicebot running (jobs, scheduler)" in line and "drop folder off" in line
    assert not (tmp_path / "var" / "inbox").exists()
