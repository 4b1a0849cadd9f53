"""The HTTP API accounting systems, web forms and CRMs use: FastAPI, served by uvicorn inside
`invoicebot run` (on when `INVOICEBOT_API_TOKENS` is set). OpenAPI at `/docs`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Iterator

import uvicorn
from fastapi import FastAPI

from bot.api import contacts, invoices, problems
from bot.api.auth import Gate
from bot.wiring import App
from invoicing.api_tokens import RateLimiter

log = logging.getLogger(__name__)

DESCRIPTION = """Invoices in and out, their PDFs and e-invoice XML, payments and contacts.

Every call needs `Authorization: Bearer <token>` with a token of `INVOICEBOT_API_TOKENS`; reading
needs the `read` scope, writing `write`. Errors are problem details (`application/problem+json`)
whose `detail` says what to change. Too many requests get 429 with `Retry-After`.
"""


def create_api(app: App, now: Callable[[], float] = time.monotonic) -> FastAPI:
    """Return the API of `app`; `now` is the clock the rate limits count on."""
    api = FastAPI(title="invoicebot", version="1", description=DESCRIPTION, docs_url="/docs", redoc_url=None)
    api.state.app = app
    limiter = RateLimiter(app.settings.api_rate_per_second, app.settings.api_rate_burst)
    api.state.gate = Gate(app.settings.api_tokens, limiter, now)
    problems.install(api)
    api.include_router(invoices.router)
    api.include_router(contacts.router)

    @api.get("/health", tags=["service"], summary="Whether the API answers (no token needed)")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return api


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside the service's event loop: the service owns SIGINT and SIGTERM and says when
    to stop, so uvicorn must not take the signals over."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listening_socket(host: str, port: int) -> socket.socket:
    """Return a socket bound to `host:port` and listening; raise `OSError` (port taken...)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


async def serve_api(app: App, stop: asyncio.Event, sock: socket.socket | None = None) -> None:
    """Serve the API until `stop` is set; a port that cannot be taken is logged, the rest runs on."""
    settings = app.settings
    try:
        sock = sock or listening_socket(settings.api_listen, settings.api_port)
    except OSError as e:
        log.error("the API cannot listen on %s:%s (%s); running without it", settings.api_listen, settings.api_port, e)
        return
    config = uvicorn.Config(create_api(app), lifespan="off", log_config=None, access_log=False,
                            server_header=False, timeout_graceful_shutdown=10)  # fmt: skip
    server = EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="api-server")
    host, port = sock.getsockname()[:2]
    log.info("API listening on http://%s:%s (OpenAPI at /docs)", host, port)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([task, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()
