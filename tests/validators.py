"""The EN 16931 business rules, as the official CEN artefacts check them (kept outside the repository).

`../shared/validators/en16931_check.py` beside the checkout, or the folder named by
`INVOICEBOT_VALIDATORS`, runs the CEN/TC 434 XSLT with Saxon. Tests that need it skip with a
clear reason when it is not on the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.corpus import REPO


def validators_dir() -> Path | None:
    """Return the folder holding en16931_check.py, or None when it is not on this machine."""
    configured = os.environ.get("INVOICEBOT_VALIDATORS")
    candidate = Path(configured) if configured else REPO.parent / "shared" / "validators"
    return candidate if (candidate / "en16931_check.py").is_file() else None


def _checker() -> Path:
    found = validators_dir()
    if found is None:
        pytest.skip("EN 16931 validator not found: set INVOICEBOT_VALIDATORS or place it at ../shared/validators")
    return found / "en16931_check.py"


def en16931_failures(paths: Sequence[Path]) -> dict[str, str]:
    """Return, per file name, the failed fatal rules the CEN artefacts report (empty when all pass).

    The checker runs in a process of its own: Saxon reserves tens of GB of address space, which
    would stay in the test process and trip the address-space limits of readers forked from it.
    """
    checker = _checker()
    done = subprocess.run([sys.executable, str(checker), *map(str, paths)], capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    if done.returncode not in (0, 1):
        raise RuntimeError(f"the EN 16931 checker failed: {done.stderr[-2000:]}")
    lines = done.stdout.splitlines()
    checked = {line.split(":", 1)[0] for line in lines}
    missing = {p.name: "not checked" for p in paths if p.name not in checked}
    return missing | {line.split(":", 1)[0]: line for line in lines if ": ok" not in line}
