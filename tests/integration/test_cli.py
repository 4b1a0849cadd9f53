"""The admin CLI end to end: a real process, a real database file, real documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import simple_invoice_pdf
from tests.integration.cli import invoicebot, invoicebot_json


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


def test_extract_prints_one_json_object_per_file_and_errors_do_not_stop_the_run(tmp_path, data_dir):
    good = tmp_path / "invoice.pdf"
    good.write_bytes(simple_invoice_pdf())
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(simple_invoice_pdf()[:300])
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")

    result = invoicebot(data_dir, "extract", "--json", str(good), str(broken), str(empty), str(tmp_path / "nope.pdf"))

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in rows] == [str(good), str(broken), str(empty), str(tmp_path / "nope.pdf")]
    assert rows[0]["error"] is None and rows[0]["invoice_number"] == "RE-2026-0042"
    assert rows[0]["total"] == "1190.00" and rows[0]["currency"] == "EUR"
    assert all(r["error"] for r in rows[1:]), rows
    assert "no such file" in rows[3]["error"]


def test_extract_usage_errors_exit_non_zero(data_dir):
    assert invoicebot(data_dir, "extract", check=False).returncode == 2
    assert invoicebot(data_dir, "extract", "--bogus", "x.pdf", check=False).returncode == 2


def test_admin_registers_people_ingests_lists_and_decides(tmp_path, data_dir):
    manager = invoicebot(data_dir, "users", "add", "--name", "Mia", "--telegram-id", "4242", "--role", "manager").stdout.strip()
    contact = invoicebot_json(data_dir, "contacts", "add", "--name", "Muster Software GmbH", "--vat-id", "DE123456788",
                              "--manager", manager, "--vendor", "--terms-days", "30")  # fmt: skip
    assert contact["manager_id"] == int(manager) and contact["vat_id"] == "DE123456788"
    pdf = tmp_path / "rechnung.pdf"
    pdf.write_bytes(simple_invoice_pdf())

    first = invoicebot_json(data_dir, "ingest", str(pdf))
    again = invoicebot_json(data_dir, "ingest", str(pdf))
    assert again["already_known"] and again["invoice_id"] == first["invoice_id"]

    [listed] = invoicebot_json(data_dir, "invoices", "list", "--direction", "in")
    assert listed["id"] == first["invoice_id"] and listed["contact"] == "Muster Software GmbH"
    assert listed["total"] == "1190.00" and listed["seller"]["vat_id"] == "DE123456788"
    assert len(listed["sha256"]) == 64

    assert invoicebot(data_dir, "approve", str(listed["id"])).stdout.strip() == f"invoice {listed['id']} approved"
    refused = invoicebot(data_dir, "reject", str(listed["id"]), "--reason", "late", check=False)
    assert refused.returncode == 1 and "cannot be rejected" in refused.stderr

    detail = invoicebot_json(data_dir, "invoices", "show", str(listed["id"]))
    assert detail["status"] == "approved"
    assert [e["action"] for e in detail["audit"]] == ["invoice.received", "invoice.approved"]
    assert invoicebot_json(data_dir, "audit", "verify") == {"events": 4, "keyed": 0, "ok": True, "problems": []}


def test_a_second_telegram_registration_is_refused_clearly(data_dir):
    invoicebot(data_dir, "users", "add", "--name", "A", "--telegram-id", "1", "--role", "admin")
    again = invoicebot(data_dir, "users", "add", "--name", "B", "--telegram-id", "1", "--role", "admin", check=False)
    assert again.returncode == 1 and "already registered" in again.stderr


def test_audit_head_kept_elsewhere_proves_later_that_nothing_before_it_changed(data_dir):
    """GIVEN a head printed by `audit head` WHEN the chain is later rebuilt from scratch by someone
    with write access to the database THEN `audit verify --head` fails, while a plain verify passes."""
    import sqlite3

    invoicebot(data_dir, "users", "add", "--name", "A", "--telegram-id", "1", "--role", "admin")
    invoicebot(data_dir, "users", "add", "--name", "B", "--telegram-id", "2", "--role", "manager")
    head = invoicebot(data_dir, "audit", "head").stdout.strip()
    assert invoicebot_json(data_dir, "audit", "verify", "--head", head)["ok"]

    with sqlite3.connect(data_dir / "invoicebot.sqlite3") as conn:  # the attacker rewrites event 1 ...
        conn.execute("DROP TRIGGER audit_events_no_update")
        rows = conn.execute("SELECT id, at, actor, action, entity_type, entity_id, before, after FROM audit_events ORDER BY id").fetchall()
        prev = "0" * 64
        for event_id, at, actor, action, entity_type, entity_id, before, after in rows:
            actor = "mallory" if event_id == 1 else actor
            digest = _plain_digest(prev, at, actor, action, entity_type, entity_id, before, after)
            conn.execute("UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?",
                         (actor, prev, digest, event_id))  # fmt: skip
            prev = digest
    assert invoicebot_json(data_dir, "audit", "verify")["ok"]  # ... and the plain chain cannot tell
    caught = invoicebot(data_dir, "audit", "verify", "--head", head, check=False)
    assert caught.returncode == 1 and "rebuilt" in caught.stdout


def _plain_digest(prev, at, actor, action, entity_type, entity_id, before, after) -> str:
    import datetime as dt
    import hashlib

    moment = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
    body = {"at": moment.isoformat(timespec="microseconds"), "actor": actor, "action": action,
            "entity_type": entity_type, "entity_id": entity_id,
            "before": json.loads(before) if before else None, "after": json.loads(after) if after else None}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + canonical).encode()).hexdigest()


def test_with_an_audit_key_events_are_sealed_and_unsealed_ones_after_them_are_caught(data_dir):
    env_key = {"INVOICEBOT_AUDIT_KEY": "k3y-kept-elsewhere"}
    invoicebot(data_dir, "users", "add", "--name", "A", "--telegram-id", "1", "--role", "admin", env=env_key)
    assert invoicebot_json(data_dir, "audit", "verify", env=env_key)["keyed"] == 1
    # Without the key (an intruder), a new event can only be sealed with plain SHA-256 ...
    invoicebot(data_dir, "users", "add", "--name", "B", "--telegram-id", "2", "--role", "admin")
    caught = invoicebot(data_dir, "audit", "verify", env=env_key, check=False)
    assert caught.returncode == 1 and "not sealed with the audit key" in caught.stdout


def test_help_lists_every_command_group(data_dir):
    shown = invoicebot(data_dir, "--help").stdout
    for group in ("run", "extract", "ingest", "invoices", "approve", "reject", "users", "contacts", "db", "audit"):
        assert f"  {group} " in shown, group
