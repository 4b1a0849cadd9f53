"""Secrets never reach the logs: not in messages, exception texts or tracebacks."""

from __future__ import annotations

import io
import logging

from bot.wiring import SecretsFilter
from invoicing.config import load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _logged(secrets: list[str], emit) -> str:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretsFilter(secrets))
    logger = logging.getLogger("test.secrets")
    logger.handlers[:] = [handler]
    logger.propagate = False
    emit(logger)
    return stream.getvalue()


def test_a_token_in_an_exception_text_and_traceback_is_masked():
    """GIVEN a library exception that repeats the rejected token WHEN logged with its traceback
    THEN neither the message nor the traceback shows the token."""

    def emit(logger: logging.Logger) -> None:
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            logger.exception("starting the bot failed")

    text = _logged([TOKEN], emit)
    assert "was rejected" in text and "Traceback" in text
    assert TOKEN not in text and TOKEN.split(":")[1] not in text


def test_a_token_shaped_string_is_masked_even_when_it_is_not_configured():
    text = _logged([], lambda logger: logger.warning("GET https://api.telegram.org/bot%s/getMe", TOKEN))
    assert TOKEN not in text and "***" in text


def test_the_database_password_is_a_secret_too(monkeypatch):
    monkeypatch.setenv("INVOICEBOT_DATABASE_URL", "postgresql+psycopg://bot:p%40ss-w0rd@db.example:5432/books")
    settings = load_settings()
    assert "p@ss-w0rd" in settings.secrets()
    text = _logged(settings.secrets(), lambda logger: logger.error("could not connect with password %s", "p@ss-w0rd"))
    assert "p@ss-w0rd" not in text
