"""Settings come from invoicebot.toml and INVOICEBOT_* variables; the environment wins."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoicing.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for key in list(__import__("os").environ):
        if key.startswith("INVOICEBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults_live_under_var():
    settings = load_settings()
    assert settings.database == "sqlite:///var/invoicebot.sqlite3"
    assert settings.currency == "EUR" and settings.language == "en"
    assert settings.inbox_dir.as_posix() == "var/inbox"


def test_toml_tables_flatten_and_environment_wins(tmp_path, monkeypatch):
    (tmp_path / "invoicebot.toml").write_text(
        'currency = "DKK"\ntimezone = "Europe/Copenhagen"\n[approvals]\nsecond_approval_over = "5000"\n'
    )
    monkeypatch.setenv("INVOICEBOT_CURRENCY", "chf")
    settings = load_settings()
    assert settings.currency == "CHF"
    assert settings.timezone == "Europe/Copenhagen"
    assert settings.approvals_second_approval_over == Decimal("5000")


def test_config_path_from_environment_and_clear_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("INVOICEBOT_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings()
    bad = tmp_path / "bad.toml"
    bad.write_text("currency = \n")
    monkeypatch.setenv("INVOICEBOT_CONFIG", str(bad))
    with pytest.raises(ConfigError):
        load_settings()
    monkeypatch.delenv("INVOICEBOT_CONFIG")
    monkeypatch.setenv("INVOICEBOT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="unknown time zone"):
        load_settings()
