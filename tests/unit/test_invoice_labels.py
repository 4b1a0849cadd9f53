"""The words of an issued invoice: complete in every language, and changed one by one by a user file."""

from __future__ import annotations

from pathlib import Path

from invoicing.render.labels import all_labels, labels_for
from invoicing.templating import LANGUAGES


def _keys(table: dict[str, object], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in table.items():
        keys |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return keys


def test_every_language_has_every_label() -> None:
    """GIVEN the packaged labels WHEN the languages are compared THEN each has the same keys, none empty
    except the unit of a piece."""
    labels = all_labels()
    english = _keys(labels["en"])
    for language in LANGUAGES:
        assert _keys(labels[language]) == english, language
    assert {"exemption.AE", "categories.K", "qrbill.payment_part", "units.HUR"} <= english
    empty = {(language, key) for language in LANGUAGES for key in english
             if not eval_path(labels[language], key)}  # fmt: skip
    assert empty == {(language, "units.C62") for language in LANGUAGES}


def eval_path(table: dict[str, object], dotted: str) -> object:
    for part in dotted.split("."):
        table = table[part]  # type: ignore[assignment]
    return table


def test_a_user_file_changes_only_the_words_it_names(tmp_path: Path) -> None:
    """GIVEN a user labels.toml with one German word and one English exemption note WHEN loaded THEN
    those two change and everything else is the packaged text."""
    (tmp_path / "invoice").mkdir()
    (tmp_path / "invoice" / "labels.toml").write_text(
        '[de]\ntitle_invoice = "Honorarnote"\n[en.exemption]\nE = "Exempt under section 7."\n'
    )
    german, english = labels_for("de", tmp_path), labels_for("en", tmp_path)
    assert german["title_invoice"] == "Honorarnote" and german["due_date"] == "Fälligkeitsdatum"
    assert english["exemption"]["E"] == "Exempt under section 7."
    assert english["exemption"]["AE"] == labels_for("en")["exemption"]["AE"]
