"""The audit trail is append-only and tamper-evident; money survives every engine exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from invoicing import audit
from invoicing.db.models import Invoice, InvoiceLine
from invoicing.domain import Direction, InvoiceStatus


def _events(db, clock, n: int) -> None:
    with db.transaction() as s:
        for i in range(n):
            audit.record(s, clock, actor="cli", action="test.step", entity_type="invoice", entity_id=i,
                         before={"n": i}, after={"n": i + 1, "amount": Decimal("1.10")})  # fmt: skip


def test_given_a_trail_when_verified_then_it_is_intact(db, clock):
    _events(db, clock, 5)
    with db.transaction() as s:
        report = audit.verify_chain(s)
    assert report.ok and report.events == 5


def test_when_an_event_is_updated_or_deleted_then_the_database_refuses(db, clock):
    _events(db, clock, 2)
    for statement in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.transaction() as s:
                s.execute(text(statement))


def test_given_a_tampered_trail_when_verified_then_the_edited_and_removed_events_are_named(sqlite_db, clock):
    _events(sqlite_db, clock, 4)
    with sqlite_db.transaction() as s:  # an attacker with file access drops the guard first
        s.execute(text("DROP TRIGGER audit_events_no_update"))
        s.execute(text("DROP TRIGGER audit_events_no_delete"))
        s.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = 2"))
        s.execute(text("DELETE FROM audit_events WHERE id = 3"))
    with sqlite_db.transaction() as s:
        problems = dict(audit.verify_chain(s).problems)
    assert "edited" in problems[2] and "removed" in problems[4]


def _invoice(clock, total: Decimal) -> Invoice:
    now = clock.now()
    return Invoice(direction=Direction.IN, status=InvoiceStatus.NEEDS_REVIEW, currency="EUR", total=total,
                   created_at=now, updated_at=now)  # fmt: skip


@pytest.mark.parametrize("amount", ["0.10", "0.20", "-8.79", "99999999999.99", "1234567.01"])
def test_amounts_come_back_exactly(db, clock, amount):
    with db.transaction() as s:
        invoice = _invoice(clock, Decimal(amount))
        invoice.lines = [InvoiceLine(position=1, description="x", quantity=Decimal("0.3333"),
                                     unit_price=Decimal("0.1000"), amount=Decimal(amount), tax_rate=Decimal("19.00"))]
        s.add(invoice)
    with db.transaction() as s:
        again = s.get(Invoice, invoice.id)
        assert again.total == Decimal(amount) and str(again.total) == str(Decimal(amount))
        assert again.lines[0].quantity == Decimal("0.3333")


def test_float_money_and_too_many_decimals_are_refused(sqlite_db, clock):
    with pytest.raises(Exception, match="float"):
        with sqlite_db.transaction() as s:
            s.add(_invoice(clock, 1.1))  # type: ignore[arg-type]
    with pytest.raises(Exception, match="decimal places"):
        with sqlite_db.transaction() as s:
            s.add(_invoice(clock, Decimal("1.001")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.lists(st.integers(min_value=-10**12, max_value=10**12), min_size=1, max_size=5))
def test_sums_of_stored_amounts_are_exact(sqlite_db, clock, cents):
    amounts = [Decimal(c).scaleb(-2) for c in cents]
    with sqlite_db.transaction() as s:
        rows = [_invoice(clock, a) for a in amounts]
        s.add_all(rows)
    with sqlite_db.transaction() as s:
        loaded = [s.get(Invoice, r.id).total for r in rows]
    assert sum(loaded, Decimal(0)) == sum(amounts, Decimal(0))


def test_instants_come_back_timezone_aware_utc(db, clock):
    local = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with db.transaction() as s:
        invoice = _invoice(clock, Decimal("1.00"))
        invoice.created_at = local
        s.add(invoice)
    with db.transaction() as s:
        assert s.get(Invoice, invoice.id).created_at == local and s.get(Invoice, invoice.id).created_at.tzinfo
