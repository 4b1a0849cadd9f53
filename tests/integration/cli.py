"""Run the installed `invoicebot` command in a temporary data dir, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

INVOICEBOT = str(Path(sys.executable).with_name("invoicebot"))


def cli_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOICEBOT_")}
    env["INVOICEBOT_DATA_DIR"] = str(data_dir)
    env["INVOICEBOT_WORKERS"] = "1"
    if database_url:
        env["INVOICEBOT_DATABASE_URL"] = database_url
    return env


def invoicebot(
    data_dir: Path, *args: str, check: bool = True, database_url: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run `invoicebot ARGS` (with `env` added to the environment) and return the finished
    process (raising on failure when `check`)."""
    result = subprocess.run(
        [INVOICEBOT, *args], cwd=data_dir.parent, env=cli_env(data_dir, database_url) | (env or {}),
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    if check and result.returncode != 0:
        raise AssertionError(f"invoicebot {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def invoicebot_json(data_dir: Path, *args: str, database_url: str | None = None) -> Any:
    return json.loads(invoicebot(data_dir, *args, "--json", database_url=database_url).stdout)
