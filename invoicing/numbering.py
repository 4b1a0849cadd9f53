"""Gapless invoice numbers: one counter per series and year, taken in the issuing transaction.

The counter row is locked (`FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` serialises
writers) and advanced in the same transaction that writes the invoice carrying the number, so
a number is used exactly when that invoice commits: a rollback returns it, and two issuers can
never take the same one (the invoices' unique constraint would refuse it anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from invoicing.clock import Clock
from invoicing.db.models import NumberSeries


def format_number(pattern: str, year: int, seq: int) -> str:
    """Return the number `pattern` gives for a year and a sequence value ("INV-2026-0007")."""
    return pattern.format(year=year, seq=seq)


@dataclass(frozen=True, slots=True)
class Assigned:
    series_id: int
    number: str
    seq: int


def take_next(session: Session, clock: Clock, series: str, pattern: str, year: int) -> Assigned:
    """Return the next number of `series` in `year`, advancing its counter in `session`'s transaction."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(NumberSeries)
        .values(name=series, year=year, pattern=pattern, next_value=1, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["name", "year"])
    )
    query = select(NumberSeries).where(NumberSeries.name == series, NumberSeries.year == year)
    if dialect == "postgresql":
        query = query.with_for_update()
    row = session.execute(query.execution_options(populate_existing=True)).scalar_one()
    seq = row.next_value
    row.next_value = seq + 1
    session.flush()
    return Assigned(row.id, format_number(pattern, year, seq), seq)
