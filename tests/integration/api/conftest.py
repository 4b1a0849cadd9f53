"""Fixtures of the API tests: an App with API tokens on the test database, and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.api import create_api
from bot.wiring import App
from invoicing.clock import FixedClock
from invoicing.db.engine import Database
from tests.integration.api.helpers import WRITE, Ticks, bearer, make_app


@pytest.fixture
def app(db: Database, tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    application = make_app(db, tmp_path / "var", clock, api_rate_burst=1000)
    yield application
    application.close()


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
async def client(app: App, ticks: Ticks) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_api(app, now=ticks), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api", headers=bearer(WRITE)) as http:
        yield http
