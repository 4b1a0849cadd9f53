"""`invoicebot run`: the long-running service, every channel and worker in one event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket

from bot.wiring import App
from intake.folder import DropFolder
from intake.mail import watcher_from_settings
from invoicing import jobs
from invoicing.mailer import MAIL_SEND, MailSendHandler, mailer_from_settings

log = logging.getLogger(__name__)

JOB_POLL_SECONDS = 1.0


async def job_worker(app: App, handlers: dict[str, jobs.Handler], stop: asyncio.Event) -> None:
    """Run due outbox jobs until `stop` is set, waking at least every second."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    assert app.clock is not None
    while not stop.is_set():
        try:
            ran = await jobs.run_due(app.db, app.clock, handlers, worker, asyncio.to_thread)
        except Exception:  # noqa: BLE001 - the database may be briefly away; keep the service up
            log.exception("job worker: claiming jobs failed")
            ran = 0
        if not ran:
            try:
                await asyncio.wait_for(stop.wait(), JOB_POLL_SECONDS)
            except TimeoutError:
                pass


async def serve(app: App, stop: asyncio.Event | None = None) -> None:
    """Run the service until SIGINT/SIGTERM (or `stop`)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    await asyncio.to_thread(app.upgrade_database)
    folder = DropFolder(app.settings.inbox_dir, app.intake)
    folder.prepare()
    handlers: dict[str, jobs.Handler] = {
        MAIL_SEND: MailSendHandler(app.db, app.store, mailer_from_settings(app.settings)),
    }
    log.info(
        "invoicebot running: database %s, drop folder %s, IMAP %s, outgoing mail %s",
        app.db.engine.url.render_as_string(hide_password=True), folder.inbox,
        app.settings.imap_host or "off", app.settings.smtp_host or app.settings.outbox_dir,
    )  # fmt: skip
    tasks = [
        asyncio.create_task(folder.watch(stop), name="drop-folder"),
        asyncio.create_task(job_worker(app, handlers, stop), name="job-worker"),
    ]
    if app.settings.imap_host:
        watcher = watcher_from_settings(app.settings, app.intake)
        tasks.append(asyncio.create_task(watcher.run(stop), name="imap"))
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        app.close()
