"""Access to the shared evaluation corpus (public invoices with their true field values).

The corpus is never copied into this repository. It is looked up in `INVOICEBOT_CORPUS`, else in
`../shared/corpus` beside the checkout; tests that need it skip with a clear reason when absent.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path | None:
    """Return the corpus folder, or None when it is not on this machine."""
    configured = os.environ.get("INVOICEBOT_CORPUS")
    candidate = Path(configured) if configured else REPO.parent / "shared" / "corpus"
    return candidate if (candidate / "MANIFEST.tsv").is_file() else None


def require_corpus() -> Path:
    """Return the corpus folder or skip the calling test with the reason."""
    found = corpus_dir()
    if found is None:
        pytest.skip("evaluation corpus not found: set INVOICEBOT_CORPUS or place it at ../shared/corpus")
    return found


@dataclass(frozen=True, slots=True)
class CorpusDoc:
    path: Path
    kind: str  # text-pdf | image | scanned-pdf | xml
    truth: dict[str, Any]


def corpus_docs(root: Path, kind: str | None = None) -> list[CorpusDoc]:
    """Return the corpus documents listed in MANIFEST.tsv, optionally of one kind."""
    with (root / "MANIFEST.tsv").open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    docs = []
    for row in rows:
        if kind is not None and row["kind"] != kind:
            continue
        path = root / row["path"]
        truth = json.loads(path.with_suffix(".json").read_text())
        docs.append(CorpusDoc(path=path, kind=row["kind"], truth=truth))
    return docs
