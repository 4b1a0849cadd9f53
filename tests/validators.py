"""The EN 16931 business rules, as the official CEN artefacts check them (kept outside the repository).

`../shared/validators/en16931_check.py` beside the checkout, or the folder named by
`INVOICEBOT_VALIDATORS`, runs the CEN/TC 434 XSLT with Saxon. Tests that need it skip with a
clear reason when it is not on the machine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from tests.corpus import REPO


def validators_dir() -> Path | None:
    """Return the folder holding en16931_check.py, or None when it is not on this machine."""
    configured = os.environ.get("INVOICEBOT_VALIDATORS")
    candidate = Path(configured) if configured else REPO.parent / "shared" / "validators"
    return candidate if (candidate / "en16931_check.py").is_file() else None


def _checker() -> ModuleType:
    found = validators_dir()
    if found is None:
        pytest.skip("EN 16931 validator not found: set INVOICEBOT_VALIDATORS or place it at ../shared/validators")
    spec = importlib.util.spec_from_file_location("en16931_check", found / "en16931_check.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {found / 'en16931_check.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def en16931_failures(paths: Sequence[Path]) -> dict[str, str]:
    """Return, per file name, the failed fatal rules the CEN artefacts report (empty when all pass)."""
    checker = _checker()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        checker.main([str(p) for p in paths])
    lines = out.getvalue().splitlines()
    checked = {line.split(":", 1)[0] for line in lines}
    missing = {p.name: "not checked" for p in paths if p.name not in checked}
    return missing | {line.split(":", 1)[0]: line for line in lines if ": ok" not in line}
