"""`invoicebot run`: the long-running service, every channel and worker in one event loop.

On PostgreSQL several processes may run it against one database, each with all roles or some
(`Role`, `--only`): jobs are shared through `FOR UPDATE SKIP LOCKED` and leases, single-owner work
(a mailbox, Telegram updates, the scheduler) runs under an advisory lock in one process at a
time, and a NOTIFY with each new job wakes the workers of every process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import socket
from collections.abc import Callable
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from telegram.error import InvalidToken

from bot.scheduler import every_minute
from bot.telegram import TelegramChannel
from bot.telegram.services import ChatServices
from bot.wiring import App
from intake.folder import DropFolder
from intake.mail import watcher_from_settings
from intake.read_jobs import DOCUMENT_READ, ReadHandler
from invoicing import jobs
from invoicing.db.models import Job
from invoicing.db.notify import JobNotices
from invoicing.db.owner import OwnerLock

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


class Role(StrEnum):
    """A part of the service; `invoicebot run --only` runs some of them (all by default)."""

    FOLDER = "folder"  # the drop folder
    MAIL = "mail"  # the IMAP mailbox (single owner)
    CHAT = "chat"  # receiving Telegram updates (single owner) and approval follow-ups
    JOBS = "jobs"  # the outbox worker: mails, approval requests, renders, webhooks
    READERS = "readers"  # reading documents queued as jobs (`read_in_jobs`), one per reading process
    SCHEDULER = "scheduler"  # the minute tick: recurring invoices, reminders (single owner)
    API = "api"  # the HTTP API


ALL_ROLES = frozenset(Role)


class WakeUps(asyncio.Event):
    """One wake-up (a commit here, a NOTIFY from elsewhere) for several workers: setting it sets
    each follower, and each worker clears only its own, so none misses one another cleared."""

    def __init__(self) -> None:
        super().__init__()
        self._followers: list[asyncio.Event] = []

    def follower(self) -> asyncio.Event:
        """Return a new event set with this one, for one worker to wait on and clear."""
        own = asyncio.Event()
        self._followers.append(own)
        return own

    def set(self) -> None:
        super().set()
        for own in self._followers:
            own.set()


#: The single-owner lock of the scheduler's tick.
SCHEDULER_LOCK = "invoicebot scheduler"


async def job_worker(
    app: App, handlers: dict[str, jobs.Handler], stop: asyncio.Event, wake: asyncio.Event | None = None,
    name: str = "", limit: int = 10,
) -> None:  # fmt: skip
    """Run due outbox jobs until `stop` is set, woken by `wake` and at least every second."""
    worker = f"{socket.gethostname()}:{os.getpid()}{name}"
    lease = dt.timedelta(seconds=app.settings.job_lease_seconds)
    wake = wake or asyncio.Event()
    renewing = asyncio.create_task(_renew_leases(app, worker, lease, stop), name="job-leases")
    try:
        while not stop.is_set():
            wake.clear()
            try:
                ran = await jobs.run_due(app.db, app.clock, handlers, worker, lease, limit)
            except Exception:  # noqa: BLE001 - the database may be briefly away; keep the service up
                log.exception("job worker: claiming jobs failed")
                ran = 0
            if not ran:
                await _first_of(stop, wake, JOB_POLL_SECONDS)
    finally:
        renewing.cancel()
        await asyncio.gather(renewing, return_exceptions=True)


async def _renew_leases(app: App, worker: str, lease: dt.timedelta, stop: asyncio.Event) -> None:
    """Keep the leases of this worker's running jobs from running out while it lives."""
    while not stop.is_set():
        await _first_of(stop, None, lease.total_seconds() / 3)
        try:
            await asyncio.to_thread(jobs.renew, app.db, app.clock, worker, lease)
        except Exception:  # noqa: BLE001 - tried again shortly; the lease has two more thirds
            log.exception("job worker: renewing leases failed")


async def _first_of(stop: asyncio.Event, wake: asyncio.Event | None, timeout: float) -> None:
    """Return when `stop` or `wake` is set, or after `timeout` seconds."""
    waiters = [asyncio.ensure_future(e.wait()) for e in (stop, wake) if e is not None]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)


async def serve(app: App, stop: asyncio.Event | None = None, roles: frozenset[Role] = ALL_ROLES) -> None:
    """Run the service's `roles` until SIGINT/SIGTERM (or `stop`)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    await asyncio.to_thread(app.upgrade_database)
    settings, shared = app.settings, app.db.dialect == "postgresql"
    folder = DropFolder(settings.inbox_dir, app.intake, queue=settings.read_in_jobs) if Role.FOLDER in roles else None
    if folder is not None:
        folder.prepare()
    # Refuses a bad mail setting now, before anything starts.
    handlers = app.job_handlers() if Role.JOBS in roles else {}
    watcher = watcher_from_settings(settings, app.intake) if settings.imap_host and Role.MAIL in roles else None
    wake = WakeUps()
    unlisten = wake_on_new_jobs(app, wake)
    wants_chat = settings.telegram_token and roles & {Role.CHAT, Role.JOBS}
    chat = await _start_telegram(app) if wants_chat else None
    if chat is not None and Role.JOBS in roles:
        handlers.update(chat.job_handlers())
    log.info(
        "invoicebot running (%s): database %s, drop folder %s, IMAP %s, outgoing mail %s, Telegram %s",
        ", ".join(sorted(roles)), app.db.engine.url.render_as_string(hide_password=True),
        folder.inbox if folder else "off", settings.imap_host if watcher else "off",
        settings.smtp_host or settings.outbox_dir, "on" if chat else "off",
    )  # fmt: skip
    tasks: list[asyncio.Task[None]] = []
    if folder is not None:
        tasks.append(asyncio.create_task(folder.watch(stop), name="drop-folder"))
    if Role.JOBS in roles:
        tasks.append(asyncio.create_task(job_worker(app, handlers, stop, wake.follower()), name="job-worker"))
    if Role.READERS in roles and settings.read_in_jobs:
        tasks += _readers(app, stop, wake)
    if shared and (Role.JOBS in roles or Role.READERS in roles and settings.read_in_jobs):
        notices = JobNotices(app.db.engine.url, wake, check=settings.takeover_seconds)
        tasks.append(asyncio.create_task(notices.run(stop), name="job-notices"))
    if Role.SCHEDULER in roles:
        tasks.append(asyncio.create_task(_scheduler(app, stop), name="scheduler"))
    if chat is not None and Role.CHAT in roles:
        tasks.append(asyncio.create_task(chat.receive_updates(stop), name="telegram"))
        tasks.append(asyncio.create_task(chat.follow_ups(stop), name="approval-follow-ups"))
    if watcher is not None:
        tasks.append(asyncio.create_task(watcher.run(stop), name="imap"))
    if settings.api_tokens and Role.API in roles:
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


def _readers(app: App, stop: asyncio.Event, wake: WakeUps) -> list[asyncio.Task[None]]:
    """Start one worker of `document.read` jobs per reading process, each taking one at a time."""
    handlers: dict[str, jobs.Handler] = {DOCUMENT_READ: ReadHandler(app.intake)}

    async def warm() -> None:
        try:
            await asyncio.to_thread(app.reader.start)
            log.info("%s reading processes ready for queued documents", app.reader.workers)
        except Exception:  # noqa: BLE001 - they are started again with the first document
            log.exception("the reading processes could not be started ahead")

    return [asyncio.create_task(warm(), name="readers-start")] + [
        asyncio.create_task(job_worker(app, handlers, stop, wake.follower(), name=f":reader{n}", limit=1),
                            name=f"reader-{n}")  # fmt: skip
        for n in range(app.reader.workers)
    ]


async def _scheduler(app: App, stop: asyncio.Event) -> None:
    """Tick every minute while this process owns the scheduler (always, on SQLite)."""
    takeover = app.settings.takeover_seconds
    owner = OwnerLock(app.db, SCHEDULER_LOCK, retry=takeover, check=takeover)
    try:
        await owner.run(stop, lambda owned: every_minute(app, owned))
    finally:
        await asyncio.to_thread(owner.dispose)


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
