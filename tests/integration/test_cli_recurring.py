"""`invoicebot recurring ...` end to end: a real process and database file, the scheduler in between."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from invoicing import recurring
from invoicing.clock import FixedClock
from invoicing.config import load_settings
from invoicing.db.engine import Database
from invoicing.issuing import IssuingPolicy
from invoicing.parties import seller_from_settings
from tests.integration.cli import invoicebot, invoicebot_json
from tests.services.test_issuing import SELLER


def test_add_list_show_pause_and_resume_a_plan(tmp_path: Path):
    """GIVEN a customer WHEN a monthly plan from 15 December is added and the scheduler runs on
    2 March THEN `show` lists its three invoices by period; pausing and resuming say what they did,
    and resuming names the periods it did not issue."""
    data_dir = tmp_path / "var"
    customer = invoicebot_json(data_dir, "contacts", "add", "--name", "ACME SARL", "--customer", "--country", "FR",
                               "--city", "Paris")["id"]  # fmt: skip
    added = invoicebot(data_dir, "recurring", "add", "--customer", str(customer), "--every", "month",
                       "--line", "Hosting;1;100;20", "--line", "Support;2,5;80;20", "--start", "2025-12-15")  # fmt: skip
    plan_id = int(added.stdout)
    assert "past period(s), from 2025-12-15 on, will be issued at the next tick" in added.stderr
    refused = invoicebot(data_dir, "recurring", "add", "--customer", str(customer), "--every", "week",
                         "--line", "X;1;1;20", "--until", "2027-01-01", "--count", "2", check=False)  # fmt: skip
    assert refused.returncode == 1 and "give --until or --count, not both" in refused.stderr
    [listed] = invoicebot_json(data_dir, "recurring", "list")
    assert (listed["id"], listed["customer"], listed["schedule"], listed["next_on"], listed["total"]) == (
        plan_id, "ACME SARL", "every month on day 15", "2025-12-15", "360.00")
    assert "every month on day 15" in invoicebot(data_dir, "recurring", "list").stdout

    db = Database.from_url(f"sqlite:///{data_dir / 'invoicebot.sqlite3'}")
    try:
        clock = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
        policy = IssuingPolicy(seller_from_settings(load_settings(**SELLER)))
        assert len(recurring.issue_due(db, clock, policy).issued) == 3
    finally:
        db.dispose()

    shown = invoicebot_json(data_dir, "recurring", "show", str(plan_id))
    assert [(i["period"], i["number"]) for i in shown["invoices"]] == [
        ("2025-12-15", "INV-2026-0001"), ("2026-01-15", "INV-2026-0002"), ("2026-02-15", "INV-2026-0003")]
    assert shown["issued_count"] == 3 and shown["next_on"] == "2026-03-15"
    assert invoicebot(data_dir, "recurring", "pause", str(plan_id)).stdout.strip() == f"plan {plan_id} paused"
    resumed = invoicebot_json(data_dir, "recurring", "resume", str(plan_id))
    assert resumed["state"] == "active" and resumed["next_on"] >= dt.date.today().isoformat()
    assert resumed["skipped"][0] == "2026-03-15" and all(d < resumed["next_on"] for d in resumed["skipped"])
    missing = invoicebot(data_dir, "recurring", "show", "99", check=False)
    assert missing.returncode == 1 and "recurring plan 99 not found" in missing.stderr
    assert invoicebot_json(data_dir, "audit", "verify")["problems"] == []
