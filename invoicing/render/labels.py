"""The words of an issued invoice per language, from `templates/invoice/labels.toml`.

A user's `invoice/labels.toml` (in the templates folder setting) is laid over the packaged one
key by key, so changing one word ("Honorarnote" for "Rechnung") takes one line.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from invoicing.templating import LANGUAGES, PACKAGED

LABELS = "invoice/labels.toml"


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def all_labels(templates_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Return the labels of every language: the packaged ones with the user's laid over them."""
    return _labels(None if templates_dir is None else Path(templates_dir).resolve())


@functools.lru_cache(maxsize=8)
def _labels(templates_dir: Path | None) -> dict[str, dict[str, Any]]:
    labels = tomllib.loads((PACKAGED / LABELS).read_text(encoding="utf-8"))
    if templates_dir is not None and (Path(templates_dir) / LABELS).is_file():
        labels = _merge(labels, tomllib.loads((Path(templates_dir) / LABELS).read_text(encoding="utf-8")))
    return {language: labels[language] for language in LANGUAGES}


def labels_for(language: str, templates_dir: Path | None = None) -> dict[str, Any]:
    """Return the labels of one language."""
    return all_labels(templates_dir)[language]
