"""What is known about where a vendor is paid, read from the database for the rules in `payee_rules`.

The IBAN a vendor used before is the one on its last approved (or paid) incoming invoice, found by
the vendor's contact or the seller's identity, else the one in its contact record. The name a VAT ID
goes with is the contact's with that VAT ID, else the seller's on the last approved invoice with it.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from invoicing.db.models import Contact, Invoice
from invoicing.domain import Direction, InvoiceStatus
from invoicing.payee_rules import KnownIban, KnownName, compact_iban, iban_alert, name_alert

#: Incoming invoices someone approved: what they show is what the business has agreed to pay.
_SETTLED = (InvoiceStatus.APPROVED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


def _settled(query: Select, exclude: int | None) -> Select:  # type: ignore[type-arg]
    query = query.where(
        Invoice.direction == Direction.IN, Invoice.status.in_(_SETTLED), Invoice.archived_at.is_(None)
    )  # fmt: skip
    return query.where(Invoice.id != exclude) if exclude is not None else query


def known_iban(
    session: Session, vendor: Contact | None, seller_key: str | None, *, exclude: int | None = None
) -> KnownIban | None:
    """Return the IBAN the vendor used before (its last approved invoice's, else its record's), or None."""
    same_vendor = [Invoice.contact_id == vendor.id] if vendor is not None else []
    same_vendor += [Invoice.seller_key == seller_key] if seller_key else []
    if same_vendor:
        query = select(Invoice.id, Invoice.seller_iban).where(or_(*same_vendor), Invoice.seller_iban.is_not(None))
        row = session.execute(_settled(query, exclude).order_by(Invoice.id.desc()).limit(1)).first()
        if row is not None:
            return KnownIban(row.seller_iban, row.id)
    if vendor is not None and vendor.iban:
        return KnownIban(vendor.iban, None)
    return None


def known_name(session: Session, vat_id: str | None, *, exclude: int | None = None) -> KnownName | None:
    """Return the name a VAT ID goes with (its contact's, else its last approved invoice's), or None."""
    if not vat_id:
        return None
    wanted = compact_iban(vat_id)
    live = Contact.archived_at.is_(None)
    contact = session.execute(select(Contact.name).where(live, Contact.vat_id == wanted).order_by(Contact.id)).first()
    if contact is not None:
        return KnownName(wanted, contact.name)
    query = select(Invoice.seller_name).where(Invoice.seller_vat_id == wanted, Invoice.seller_name.is_not(None))
    row = session.execute(_settled(query, exclude).order_by(Invoice.id.desc()).limit(1)).first()
    return KnownName(wanted, row.seller_name) if row is not None else None


def payee_alerts(
    session: Session, vendor: Contact | None, seller_key: str | None, *, iban: str | None, name: str | None,
    vat_id: str | None, exclude: int | None = None, fallback: KnownIban | None = None,
) -> list[str]:  # fmt: skip
    """Return the alerts about where this invoice's money would go; `fallback` is the IBAN compared
    with when the vendor has none on record (the value a correction replaces)."""
    alerts = [
        iban_alert(iban, known_iban(session, vendor, seller_key, exclude=exclude) or fallback),
        name_alert(name, known_name(session, vat_id, exclude=exclude)),
    ]
    return [alert for alert in alerts if alert]
