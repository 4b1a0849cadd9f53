"""The column mapping for CRM imports: a TOML table kept whole, or `field=Header` pairs in the environment."""

from __future__ import annotations

import os

import pytest

from invoicing.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("INVOICEBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_the_toml_table_maps_our_fields_to_their_headers(tmp_path):
    """GIVEN [contacts_import.columns] in invoicebot.toml THEN the setting is that table, not
    flattened into unknown keys, with headers kept as written."""
    (tmp_path / "invoicebot.toml").write_text(
        '[contacts_import.columns]\nname = "Firma"\nvat_id = "USt-IdNr."\n"external-id" = "Kunden-Nr., intern"\n',
        encoding="utf-8",
    )
    assert load_settings().contacts_import_columns == {
        "name": "Firma", "vat_id": "USt-IdNr.", "external_id": "Kunden-Nr., intern"}  # fmt: skip


def test_the_environment_gives_field_equals_header_pairs_and_wins(tmp_path, monkeypatch):
    (tmp_path / "invoicebot.toml").write_text('[contacts_import.columns]\nname = "Firma"\n')
    monkeypatch.setenv("INVOICEBOT_CONTACTS_IMPORT_COLUMNS", "name=Company Name, email = E-Mail ")
    assert load_settings().contacts_import_columns == {"name": "Company Name", "email": "E-Mail"}


def test_without_a_mapping_the_setting_is_empty_and_a_malformed_one_is_refused(monkeypatch):
    assert load_settings().contacts_import_columns == {}
    monkeypatch.setenv("INVOICEBOT_CONTACTS_IMPORT_COLUMNS", "name")
    with pytest.raises(ConfigError, match="field=Header"):
        load_settings()
