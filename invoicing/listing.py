"""Invoices by filter, a page at a time (the HTTP API) or all of them (exports).

Pages run newest first by id and continue from an opaque cursor (the last id seen), so a page
never repeats or skips an invoice while new ones arrive, and each page is one indexed query.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, selectinload

from invoicing.db.models import Contact, Invoice
from invoicing.domain import Direction, InvoiceStatus
from invoicing.errors import InvoicingError
from invoicing.views import InvoiceSummary, summarise

MAX_LIMIT = 500
#: The large JSON columns a list never shows: read only when a page touches them.
_UNLISTED = (defer(Invoice.extracted), defer(Invoice.issued), defer(Invoice.payee_alerts))


class InvalidQuery(InvoicingError):
    """A filter or cursor that cannot be used; the message says which."""


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    direction: Direction | None = None
    status: InvoiceStatus | None = None
    #: Issue dates from and up to these days (both included).
    since: dt.date | None = None
    until: dt.date | None = None
    contact_id: int | None = None
    #: The invoice number exactly as printed.
    number: str | None = None

    def where(self) -> list[Any]:
        """Return the SQL conditions of this filter (archived invoices are never listed)."""
        if self.since and self.until and self.since > self.until:
            raise InvalidQuery(f"since {self.since} is after until {self.until}")
        conditions: list[Any] = [Invoice.archived_at.is_(None)]
        for column, value in ((Invoice.direction, self.direction), (Invoice.status, self.status),
                              (Invoice.contact_id, self.contact_id), (Invoice.number, self.number)):  # fmt: skip
            if value is not None:
                conditions.append(column == value)
        if self.since is not None:
            conditions.append(Invoice.issue_date >= self.since)
        if self.until is not None:
            conditions.append(Invoice.issue_date <= self.until)
        return conditions


@dataclass(frozen=True, slots=True)
class Page:
    items: list[InvoiceSummary]
    #: How many invoices match the filter in all.
    total: int
    #: Where the next page starts; None on the last page.
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"i{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Return the last id a cursor stands for; raise `InvalidQuery` for one not made here."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidQuery("the cursor is not one this API gave") from None
    if not (text.startswith("i") and text[1:].isdigit()):
        raise InvalidQuery("the cursor is not one this API gave")
    return int(text[1:])


def page(session: Session, filters: InvoiceFilter, limit: int = 50, cursor: str | None = None) -> Page:
    """Return one page of the invoices matching `filters`, newest first, after `cursor`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}")
    conditions = filters.where()
    total = session.execute(select(func.count()).select_from(Invoice).where(*conditions)).scalar_one()
    if cursor is not None:
        conditions.append(Invoice.id < decode_cursor(cursor))
    query = (
        select(Invoice).where(*conditions)
        .options(selectinload(Invoice.document), selectinload(Invoice.contact), *_UNLISTED)
        .order_by(Invoice.id.desc()).limit(limit + 1)
    )  # fmt: skip
    rows = list(session.execute(query).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([summarise(r) for r in rows], int(total), encode_cursor(rows[-1].id) if more and rows else None)


def matching_ids(session: Session, filters: InvoiceFilter) -> list[int]:
    """Return the ids of every invoice matching `filters`, oldest first (what an export walks)."""
    query = select(Invoice.id).where(*filters.where()).order_by(Invoice.id)
    return list(session.execute(query).scalars())


def invoices(session: Session, ids: list[int], batch: int = 200) -> Iterator[Invoice]:
    """Yield the invoices with these ids, in that order, loaded `batch` at a time."""
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        query = select(Invoice).where(Invoice.id.in_(chunk)).options(
            selectinload(Invoice.document), selectinload(Invoice.contact), selectinload(Invoice.lines)
        )  # fmt: skip
        found = {invoice.id: invoice for invoice in session.execute(query).scalars()}
        yield from (found[i] for i in chunk if i in found)


def contact_page(session: Session, limit: int = 50, cursor: str | None = None) -> tuple[list[Contact], int, str | None]:
    """Return one page of the live contacts, oldest first, the total and the next cursor."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}")
    live = Contact.archived_at.is_(None)
    total = session.execute(select(func.count()).select_from(Contact).where(live)).scalar_one()
    query = select(Contact).where(live).order_by(Contact.id).limit(limit + 1)
    if cursor is not None:
        query = query.where(Contact.id > decode_cursor(cursor))
    rows = list(session.execute(query).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, int(total), encode_cursor(rows[-1].id) if more and rows else None
