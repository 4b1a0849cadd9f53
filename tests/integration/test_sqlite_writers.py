"""Eight real processes writing one SQLite file at once: no "database is locked" reaches a user.

`bench.sqlite_writers` runs them for a minute; this runs them for three seconds (each loop runs at least one command).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sqlite_writers import Writers


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_service_and_seven_command_loops_write_one_sqlite_file_without_a_locked_error(tmp_path: Path):
    """GIVEN `invoicebot run` ingesting a file dropped every half second WHEN, for 3 s, seven
    loops run `invoice new` (twice), `contacts add` (twice), `ingest` (twice) and `tick` against
    the same database file THEN no command and no log line says "locked", every command
    succeeds, and every dropped file is filed as recorded."""
    outcome = Writers(tmp_path).run(3)

    assert outcome.locked == []
    assert outcome.failed == []
    assert set(outcome.commands) == {"invoice new", "contacts add", "ingest", "tick"}
    done = {p.name for p in (tmp_path / "var" / "inbox" / "done").glob("DROP-*.pdf")}
    assert outcome.dropped > 0 and len(done) == outcome.dropped
