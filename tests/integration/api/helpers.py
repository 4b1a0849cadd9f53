"""An invoicebot `App` on the test database with API tokens (see conftest.py for the fixtures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.wiring import App
from invoicing.clock import FixedClock
from invoicing.config import load_settings
from invoicing.db.engine import Database
from tests.services.test_issuing import SELLER

WRITE = "erp-token-0123456789-abcdefghij"
READ = "viewer-token-0123456789-abcdefg"
TOKENS = f"erp:read,write:{WRITE};viewer:read:{READ}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_app(db: Database, data_dir: Path, clock: FixedClock, **settings: Any) -> App:
    """Return an App on the same database as `db` (SQLite file or PostgreSQL), with API tokens."""
    url = db.engine.url.render_as_string(hide_password=False)
    values = {"database_url": url, "data_dir": data_dir, "api_tokens": TOKENS, **SELLER, **settings}
    return App(load_settings(**values), clock=clock)


@dataclass
class Ticks:
    """The rate limiter's clock, moved by hand."""

    seconds: float = 1000.0
    calls: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.seconds
