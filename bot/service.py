"""`invoicebot run`: the long-running service, every channel and worker in one event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from telegram.error import InvalidToken

from bot.scheduler import every_minute
from bot.telegram import TelegramChannel
from bot.telegram.services import ChatServices
from bot.wiring import App
from intake.folder import DropFolder
from intake.mail import watcher_from_settings
from invoicing import jobs
from invoicing.db.models import Job

log = logging.getLogger(__name__)

JOB_POLL_SECONDS = 1.0


def wake_on_new_jobs(app: App, wake: asyncio.Event) -> Callable[[], None]:
    """Set `wake` after each commit in this process that wrote a job row; return the undo."""
    loop = asyncio.get_running_loop()
    engine = app.db.engine

    def noted(state: ORMExecuteState) -> None:
        table = getattr(state.statement, "table", None)
        if state.is_insert and getattr(table, "name", None) == Job.__tablename__:
            state.session.info["wrote_job"] = True

    def committed(session: Session) -> None:
        if session.info.pop("wrote_job", False) and session.bind is engine:
            loop.call_soon_threadsafe(wake.set)

    def rolled_back(session: Session) -> None:
        session.info.pop("wrote_job", None)

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("do_orm_execute", noted), ("after_commit", committed), ("after_rollback", rolled_back),
    ]  # fmt: skip
    for name, listener in listeners:
        event.listen(Session, name, listener)

    def undo() -> None:
        for name, listener in listeners:
            event.remove(Session, name, listener)

    return undo


async def job_worker(
    app: App, handlers: dict[str, jobs.Handler], stop: asyncio.Event, wake: asyncio.Event | None = None
) -> None:
    """Run due outbox jobs until `stop` is set, woken by `wake` and at least every second."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    wake = wake or asyncio.Event()
    while not stop.is_set():
        wake.clear()
        try:
            ran = await jobs.run_due(app.db, app.clock, handlers, worker)
        except Exception:  # noqa: BLE001 - the database may be briefly away; keep the service up
            log.exception("job worker: claiming jobs failed")
            ran = 0
        if not ran:
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            await asyncio.wait(waiters, timeout=JOB_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()


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
    handlers = app.job_handlers()  # refuses a bad mail setting now, before anything starts
    watcher = watcher_from_settings(app.settings, app.intake) if app.settings.imap_host else None
    wake = asyncio.Event()
    unlisten = wake_on_new_jobs(app, wake)
    chat = await _start_telegram(app) if app.settings.telegram_token else None
    if chat is not None:
        handlers.update(chat.job_handlers())
    log.info(
        "invoicebot running: database %s, drop folder %s, IMAP %s, outgoing mail %s, Telegram %s",
        app.db.engine.url.render_as_string(hide_password=True), folder.inbox,
        app.settings.imap_host or "off", app.settings.smtp_host or app.settings.outbox_dir,
        "on" if chat else "off",
    )  # fmt: skip
    tasks = [
        asyncio.create_task(folder.watch(stop), name="drop-folder"),
        asyncio.create_task(job_worker(app, handlers, stop, wake), name="job-worker"),
        asyncio.create_task(every_minute(app, stop), name="scheduler"),
    ]
    if chat is not None:
        tasks.append(asyncio.create_task(chat.receive_updates(stop), name="telegram"))
        tasks.append(asyncio.create_task(chat.follow_ups(stop), name="approval-follow-ups"))
    if watcher is not None:
        tasks.append(asyncio.create_task(watcher.run(stop), name="imap"))
    if app.settings.api_tokens:
        from bot.api import serve_api  # FastAPI and uvicorn load only when the API is on

        tasks.append(asyncio.create_task(serve_api(app, stop), name="api"))
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if chat is not None:
            await chat.close()
        unlisten()
        app.close()


async def _start_telegram(app: App) -> TelegramChannel | None:
    """Return the started chat channel, or None (the rest of the service runs) when it cannot start."""
    services = ChatServices(app.db, app.clock, app.store, app.intake, app.settings, renderer=app.renderer,
                            issuing_policy=lambda: app.issuing_policy, dunning_policy=lambda: app.dunning_policy)  # fmt: skip
    chat = TelegramChannel(services)
    try:
        await chat.start()
    except InvalidToken:
        log.error("Telegram refused the bot token; check INVOICEBOT_TELEGRAM_TOKEN. Running without chat.")
        return None
    return chat
