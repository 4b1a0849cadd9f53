"""`invoicebot db copy --to URL`: move an installation's database to another one (SQLite to PostgreSQL).

Tables are copied in dependency order, rows in id order (a credit note and a duplicate point to
an earlier invoice), in batches, through the schema's own column types, so amounts stay exact
decimals (integer cents on SQLite, `numeric` on PostgreSQL) and instants stay UTC. The target
must be empty and is migrated to the source's revision first; its triggers stay in force (the
copy only inserts). Everything happens in one transaction on the target, which commits only
after the copy has the same rows per table and an audit chain that verifies and ends in the
same head; then the id sequences are set past the copied ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Integer, Table, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.db import migrate
from invoicing.db.dump import DatabaseFacts, engine_facts, facts
from invoicing.db.models import Base
from invoicing.errors import InvoicingError

BATCH = 1000
#: Called after each batch with the table's name and the rows copied into it so far.
Progress = Callable[[str, int], None]


class CopyError(InvoicingError):
    """The database could not be copied; the target holds none of its rows."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    #: Rows copied per table.
    tables: dict[str, int]
    audit_head: str | None
    audit_events: int


def copy_database(
    source: Engine, target: Engine, *, audit_key: bytes | None = None, batch: int = BATCH,
    progress: Progress | None = None,
) -> CopyReport:  # fmt: skip
    """Copy every row of `source` into the empty `target` and return what was copied."""
    revision = migrate.current_revision(source)
    if revision != migrate.HEAD:
        raise CopyError(f"the source database is at revision {revision or 'none'}, this invoicebot at "
                        f"{migrate.HEAD}: run `invoicebot db upgrade` first")  # fmt: skip
    _prepare_target(target)
    with source.connect() as reading, target.connect() as writing:
        # One read transaction: the tables are copied as they were at one moment.
        with reading.begin(), writing.begin():
            before = facts(reading)
            _refuse_broken_chain(reading, audit_key)
            for table in Base.metadata.sorted_tables:
                _copy_table(reading, writing, table, batch, progress)
            if writing.dialect.name == "postgresql":
                _reset_sequences(writing)
            report = _verify(before, facts(writing), writing, audit_key)
    return report


def _refuse_broken_chain(reading: Connection, key: bytes | None) -> None:
    with Session(bind=reading) as session:
        chain = audit.verify_chain(session, key)
    if not chain.ok:
        event, problem = chain.problems[0]
        raise CopyError(f"the source's audit trail does not verify (event {event}: {problem}); "
                        "see `invoicebot audit verify` before moving it")  # fmt: skip


def _prepare_target(target: Engine) -> None:
    """Migrate an empty target to this code's revision; refuse one that holds rows or another schema."""
    found = engine_facts(target)
    if found.rows:
        busy = ", ".join(f"{name} ({count})" for name, count in found.tables.items() if count)
        raise CopyError(f"the target database is not empty: {busy}; copy into a new, empty database")
    if found.revision is None and found.tables:
        raise CopyError("the target database has invoicebot's tables but no schema revision; use a new database")
    if found.revision not in (None, migrate.HEAD):
        raise CopyError(f"the target database is at revision {found.revision}, the source at {migrate.HEAD}; "
                        "run `invoicebot db upgrade` on it or use a new database")  # fmt: skip
    if found.revision is None:
        migrate.upgrade(target)


def _copy_table(reading: Connection, writing: Connection, table: Table, batch: int, progress: Progress | None) -> int:
    order = list(table.primary_key.columns)
    rows = reading.execution_options(yield_per=batch).execute(select(table).order_by(*order))
    copied = 0
    for part in rows.partitions():
        values = [dict(row._mapping) for row in part]
        try:
            writing.execute(table.insert(), values)
        except DBAPIError as e:
            first = values[0].get("id")
            raise CopyError(f"{table.name}: rows from id {first} cannot be written to the target: "
                            f"{str(e.orig).strip().splitlines()[0]}") from e  # fmt: skip
        copied += len(values)
        if progress is not None:
            progress(table.name, copied)
    return copied


def _reset_sequences(writing: Connection) -> None:
    """Set each table's id sequence past the ids copied, so new rows get new ids."""
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer) or column.autoincrement is False:
                continue
            sequence = writing.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                       {"t": table.name, "c": column.name}).scalar()  # fmt: skip
            if sequence is None:
                continue
            highest = writing.execute(select(func.max(column))).scalar()
            writing.execute(text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                            {"s": sequence, "v": highest or 1, "called": highest is not None})  # fmt: skip


def _verify(before: DatabaseFacts, after: DatabaseFacts, writing: Connection, key: bytes | None) -> CopyReport:
    """Return the report once the copy has the source's rows and audit chain; raise otherwise."""
    problems = [f"{name}: {after.tables.get(name)} rows copied of {count}"
                for name, count in before.tables.items() if after.tables.get(name) != count]  # fmt: skip
    with Session(bind=writing) as session:
        chain = audit.verify_chain(session, key)
    problems += [f"audit event {event}: {problem}" for event, problem in chain.problems]
    if after.audit_head != before.audit_head:
        problems.append(f"the copy's audit head is {after.audit_head}, the source's {before.audit_head}")
    if problems:
        raise CopyError("the copy does not match the source, nothing was kept: " + "; ".join(problems[:10]))
    return CopyReport(after.tables, after.audit_head, chain.events)
