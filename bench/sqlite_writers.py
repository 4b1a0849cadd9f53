"""Eight writers on one SQLite file: does "database is locked" ever reach a user?

The writers are real processes: `invoicebot run` ingesting files dropped into its folder every
fraction of a second, and seven loops of CLI commands that write (`invoice new` twice, which
numbers and prints an invoice; `contacts add` twice; `ingest` twice; `tick`). Every command's
output and the service's log are searched for "locked"; a command that fails otherwise is
counted too.

    python -m bench.sqlite_writers [--seconds 60]
"""

from __future__ import annotations

import argparse
import itertools
import math
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.running import service_env, wait_until
from tests.factories import simple_invoice_pdf

INVOICEBOT = str(Path(sys.executable).with_name("invoicebot"))
SELLER = {
    "INVOICEBOT_SELLER_NAME": "Muster Software GmbH", "INVOICEBOT_SELLER_ADDRESS": "Hauptstraße 1;10115 Berlin",
    "INVOICEBOT_SELLER_COUNTRY": "DE", "INVOICEBOT_SELLER_VAT_ID": "DE123456788",
    "INVOICEBOT_SELLER_IBAN": "DE02120300000000202051", "INVOICEBOT_WORKERS": "1",
}  # fmt: skip


@dataclass
class Outcome:
    """What the writers did: commands run per kind, and what went wrong."""

    commands: Counter[str] = field(default_factory=Counter)
    #: Seconds each command took, start to exit (lock waits included).
    durations: list[float] = field(default_factory=list)
    dropped: int = 0
    locked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Writers:
    """The service and seven command loops against one data dir, for a number of seconds."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "var"
        self.env = service_env(self.data_dir) | SELLER
        self.outcome = Outcome()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    def command(self, kind: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `invoicebot ARGS`, noting a "locked" in its output or a failure."""
        begun = time.monotonic()
        result = subprocess.run([INVOICEBOT, *args], cwd=self.workdir, env=self.env, capture_output=True,
                                text=True, timeout=300)  # fmt: skip
        said = result.stdout + result.stderr
        with self._lock:
            self.outcome.commands[kind] += 1
            self.outcome.durations.append(time.monotonic() - begun)
            if "locked" in said:
                self.outcome.locked.append(f"{kind}: {said.strip()[-300:]}")
            elif result.returncode != 0:
                self.outcome.failed.append(f"{kind} exited {result.returncode}: {said.strip()[-300:]}")
        return result

    def unique_pdf(self, prefix: str) -> Path:
        number = f"{prefix}-{next(self._numbers):05d}"
        path = self.workdir / "files" / f"{number}.pdf"
        path.write_bytes(simple_invoice_pdf(number=number))
        return path

    def loop(self, kind: str, until: float, args: list[str] | None = None) -> None:
        while time.monotonic() < until:
            if kind == "ingest":
                self.command(kind, "ingest", str(self.unique_pdf("CLI")))
            elif kind == "contacts add":
                self.command(kind, "contacts", "add", "--name", f"Kunde {next(self._numbers)} GmbH", "--customer")
            else:
                self.command(kind, *(args or [kind]))

    def feed(self, inbox: Path, until: float) -> None:
        """Drop a new invoice into the service's folder every half second until `until`."""
        while time.monotonic() < until:
            source = self.unique_pdf("DROP")
            source.replace(inbox / source.name)
            self.outcome.dropped += 1
            time.sleep(0.5)  # the pace of arrivals, not a wait for anything

    def run(self, seconds: float) -> Outcome:
        (self.workdir / "files").mkdir(parents=True, exist_ok=True)
        customer = self.command("contacts add", "contacts", "add", "--name", "ACME GmbH", "--customer",
                                "--country", "DE", "--city", "Berlin").stdout.split()[0]  # fmt: skip
        issue = ["invoice", "new", "--customer", customer, "--line", "Beratung;1;100;19"]
        log_path = self.workdir / "service.log"
        with open(log_path, "w") as log:
            service = subprocess.Popen([INVOICEBOT, "run"], cwd=self.workdir, env=self.env, stdout=log,
                                       stderr=subprocess.STDOUT)  # fmt: skip
        inbox = self.data_dir / "inbox"
        try:
            wait_until(lambda: (inbox / "failed").is_dir(), "the service to start", 120)
            started = time.monotonic()
            until = started + seconds
            loops = [("invoice new", issue), ("invoice new", issue), ("contacts add", None),
                     ("contacts add", None), ("ingest", None), ("ingest", None), ("tick", ["tick"])]  # fmt: skip
            threads = [threading.Thread(target=self.loop, args=(kind, until, args)) for kind, args in loops]
            threads.append(threading.Thread(target=self.feed, args=(inbox, until)))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wait_until(lambda: not any(inbox.glob("DROP-*.pdf")), "the service to file every dropped invoice", 300)
            self.outcome.seconds = time.monotonic() - started
        finally:
            service.send_signal(signal.SIGTERM)
            code = service.wait(60)
        text = log_path.read_text()
        self.outcome.locked += [line for line in text.splitlines() if "locked" in line]
        if code != 0:
            self.outcome.failed.append(f"the service exited {code}")
        return self.outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="invoicebot-bench-") as tmp:
        outcome = Writers(Path(tmp)).run(args.seconds)
    total = sum(outcome.commands.values())
    print(f"8 writers on one SQLite file for {args.seconds:g} s (the service + 7 command loops):")
    print(f"  commands run: {total} ({', '.join(f'{k} {n}' for k, n in sorted(outcome.commands.items()))}); "
          f"files dropped into the service: {outcome.dropped}")  # fmt: skip
    durations = sorted(outcome.durations)
    print(f"  one command, start to exit: p50 {durations[len(durations) // 2]:.1f} s, "
          f"p95 {durations[max(0, math.ceil(0.95 * len(durations)) - 1)]:.1f} s, max {durations[-1]:.1f} s")
    print(f"  'database is locked' seen by a user: {len(outcome.locked)}; other failures: {len(outcome.failed)}")
    for line in outcome.locked + outcome.failed:
        print("   ", line)


if __name__ == "__main__":
    main()
