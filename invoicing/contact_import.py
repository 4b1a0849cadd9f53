"""Use case: take the customers of a CRM export into the contacts, without entering them twice.

Each record is matched to a live contact by its external id, then its VAT ID, then its e-mail,
and is added, updated (only the fields that changed, one audited `contact.updated` event) or
left alone (no event). A record whose keys point at two different contacts is refused and
reported, never merged.

Transactions: rows go in batches, one transaction per batch and a savepoint per row. A refused
row is rolled back to its savepoint and never touches the others; batching spares a commit per
row (a disk flush each), and keeps short the time the audit chain's lock is held on PostgreSQL,
where it lasts until the commit. A crash loses at most the batch under way, and importing the
file again finishes the job, since rows already in are left unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from invoicing import directory
from invoicing.clock import Clock
from invoicing.crm_export import ExportRow, RowError
from invoicing.db.engine import Database
from invoicing.db.models import Contact, User
from invoicing.directory import ContactInput
from invoicing.errors import InvoicingError

BATCH_SIZE = 200
#: The keys a record is matched by, strongest first: (label, contact attribute).
_KEYS = (("external id", "external_id"), ("VAT ID", "vat_id"), ("e-mail", "email"))


class Outcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class RowResult:
    #: The line of the file the record starts on (the header is line 1).
    line: int
    outcome: Outcome
    contact_id: int | None = None
    #: The fields an update changed (as `directory.contact_dict` names them).
    changed: tuple[str, ...] = ()
    #: Why the row was refused.
    reason: str | None = None


class KeyConflict(InvoicingError):
    """A record's keys point at different contacts, or at one that holds another key."""


class UnknownManager(InvoicingError):
    """No single user has the id, e-mail or name a record gives as its manager."""


class Managers:
    """The users a record may name as its relationship manager, by id, e-mail or name."""

    def __init__(self, users: Sequence[User]) -> None:
        self._users = list(users)

    @classmethod
    def load(cls, session: Session) -> Managers:
        return cls(directory.live_users(session))

    def resolve(self, text: str) -> int:
        """Return the id of the one user `text` names; raise `UnknownManager` otherwise."""
        key = " ".join(text.split()).casefold()
        if key.isdigit():
            found = [u for u in self._users if u.id == int(key)]
        elif "@" in key:
            found = [u for u in self._users if (u.email or "").strip().casefold() == key]
        else:
            found = [u for u in self._users if " ".join(u.name.split()).casefold() == key]
        if len(found) == 1:
            return found[0].id
        if not found:
            raise UnknownManager(f"unknown manager {text!r}: no user has that id, e-mail or name")
        ids = ", ".join(f"#{u.id}" for u in found)
        raise UnknownManager(f"manager {text!r} names users {ids}; give the id or e-mail instead")


def _key(attribute: str, value: str) -> str:
    """Return a key as compared: e-mail addresses without case, the others as stored."""
    return value.lower() if attribute == "email" else value


class ContactIndex:
    """The live contacts a batch of records may be, by each key; kept current as rows go in.

    One query per batch finds them all, instead of one per key and row.
    """

    def __init__(self) -> None:
        self._ids: dict[str, dict[str, set[int]]] = {attribute: {} for _, attribute in _KEYS}
        self._contacts: dict[int, Contact] = {}
        self._held: dict[int, list[tuple[str, str]]] = {}

    @classmethod
    def load(cls, session: Session, rows: Sequence[ExportRow | RowError]) -> ContactIndex:
        wanted: dict[str, set[str]] = {attribute: set() for _, attribute in _KEYS}
        for row in rows:
            for _, attribute in _KEYS:
                if isinstance(row, ExportRow) and (value := getattr(row.contact, attribute)):
                    wanted[attribute].add(_key(attribute, value))
        columns = {"external_id": Contact.external_id, "vat_id": Contact.vat_id, "email": func.lower(Contact.email)}
        matching = [columns[attribute].in_(sorted(keys)) for attribute, keys in wanted.items() if keys]
        index = cls()
        if matching:
            query = select(Contact).where(Contact.archived_at.is_(None), or_(*matching)).order_by(Contact.id)
            for contact in session.execute(query).scalars():
                index.put(contact)
        return index

    def put(self, contact: Contact) -> None:
        """Index `contact` under the keys it holds now (a new contact, or one whose keys changed)."""
        for attribute, key in self._held.pop(contact.id, []):
            self._ids[attribute][key].discard(contact.id)
        held = [(attribute, _key(attribute, value)) for _, attribute in _KEYS if (value := getattr(contact, attribute))]
        for attribute, key in held:
            self._ids[attribute].setdefault(key, set()).add(contact.id)
        self._held[contact.id] = held
        self._contacts[contact.id] = contact

    def find(self, attribute: str, value: str) -> list[Contact]:
        """Return the contacts holding `value` as their `attribute`, oldest first."""
        return [self._contacts[i] for i in sorted(self._ids[attribute].get(_key(attribute, value), ()))]


def find_match(index: ContactIndex, data: ContactInput) -> Contact | None:
    """Return the live contact the record is, or None for a new one; raise `KeyConflict`.

    The strongest key that finds a contact decides. Refused: a key that finds several contacts;
    an external id or VAT ID of the record that belongs to another contact (e-mail addresses
    may be shared); and a contact found by a weaker key that holds another external id or VAT ID.
    """
    found = {label: (value, index.find(attr, value)) for label, attr in _KEYS if (value := getattr(data, attr))}
    hits = [(label, value, contacts) for label, (value, contacts) in found.items() if contacts]
    if not hits:
        return None
    label, value, contacts = hits[0]
    if len(contacts) > 1:
        ids = ", ".join(f"#{c.id}" for c in contacts)
        raise KeyConflict(f"{label} {value} belongs to contacts {ids}; merge them or give each its own")
    contact = contacts[0]
    rank = [key for key, _ in _KEYS].index(label)
    for other_rank, (other, attr) in enumerate(_KEYS[:2]):
        if other == label or other not in found:
            continue
        other_value, others = found[other]
        stranger = next((c for c in others if c.id != contact.id), None)
        if stranger is not None:
            raise KeyConflict(f"{label} {value} is contact #{contact.id}, "
                              f"but {other} {other_value} is contact #{stranger.id}")  # fmt: skip
        held = getattr(contact, attr)
        if other_rank < rank and held and held != other_value:
            raise KeyConflict(f"{label} {value} is contact #{contact.id}, whose {other} is {held}, not {other_value}")
    return contact


@dataclass(frozen=True, slots=True)
class Batch:
    """What the rows of one transaction share: the session, the users and the contacts they may be."""

    session: Session
    clock: Clock
    managers: Managers
    index: ContactIndex
    actor: str

    @classmethod
    def start(cls, session: Session, clock: Clock, rows: Sequence[ExportRow | RowError], actor: str) -> Batch:
        return cls(session, clock, Managers.load(session), ContactIndex.load(session, rows), actor)


def upsert(batch: Batch, row: ExportRow) -> tuple[RowResult, Contact]:
    """Add or update the contact one record describes; return what happened, and the contact."""
    data = row.contact
    if row.manager:
        data = replace(data, manager_id=batch.managers.resolve(row.manager))
    contact = find_match(batch.index, data)
    if contact is None:
        contact = directory.add_contact(batch.session, batch.clock, data, actor=batch.actor)
        return RowResult(row.line, Outcome.ADDED, contact.id), contact
    changed = directory.update_contact(batch.session, batch.clock, contact, data, actor=batch.actor)
    outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
    return RowResult(row.line, outcome, contact.id, tuple(changed)), contact


def _take(batch: Batch, row: ExportRow | RowError) -> RowResult:
    """Return the outcome of one row, rolled back to its savepoint when refused."""
    if isinstance(row, RowError):
        return RowResult(row.line, Outcome.REFUSED, reason=row.reason)
    try:
        with batch.session.begin_nested():
            result, contact = upsert(batch, row)
        batch.index.put(contact)
        return result
    except InvoicingError as e:
        return RowResult(row.line, Outcome.REFUSED, reason=str(e))
    except (IntegrityError, DataError) as e:
        return RowResult(row.line, Outcome.REFUSED, reason=f"the database refused it: {e.orig}")


class _DryRun(Exception):
    """Raised at the end of a dry run to roll everything back."""


def import_rows(
    db: Database, clock: Clock, rows: Sequence[ExportRow | RowError], *,
    actor: str = "cli", dry_run: bool = False, batch_size: int = BATCH_SIZE,
) -> Iterator[RowResult]:  # fmt: skip
    """Yield the outcome of every row, in order, each batch once it is committed.

    With `dry_run` every batch is tried in one transaction that is rolled back at the end, so the
    outcomes say what an import would do, later rows seeing earlier ones, and nothing is kept.
    """
    chunks = [rows[start : start + batch_size] for start in range(0, len(rows), batch_size)]
    if dry_run:
        try:
            with db.transaction() as session:
                for chunk in chunks:
                    yield from _take_all(Batch.start(session, clock, chunk, actor), chunk)
                raise _DryRun
        except _DryRun:
            return
    for chunk in chunks:
        with db.transaction() as session:
            results = _take_all(Batch.start(session, clock, chunk, actor), chunk)
        yield from results


def _take_all(batch: Batch, rows: Sequence[ExportRow | RowError]) -> list[RowResult]:
    return [_take(batch, row) for row in rows]
