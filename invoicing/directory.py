"""Use cases: register the people who decide and the businesses we deal with, and find the vendor
an incoming invoice comes from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import iban as iban_number
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from invoicing import audit
from invoicing.clock import Clock
from invoicing.db.models import Contact, User
from invoicing.domain import Role
from invoicing.errors import Conflict, InvoicingError, NotFound
from invoicing.extraction import ExtractedInvoice
from invoicing.payee_rules import compact_iban, name_key


class InvalidValue(InvoicingError):
    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(f"{field} {value!r}: {reason}")
        self.field = field
        self.value = value


def add_user(
    session: Session,
    clock: Clock,
    *,
    name: str,
    role: Role,
    telegram_user_id: int | None = None,
    email: str | None = None,
    actor: str = "cli",
) -> User:
    """Register a person who may approve invoices and return them."""
    if telegram_user_id is not None:
        taken = session.execute(select(User).where(User.telegram_user_id == telegram_user_id)).scalar()
        if taken is not None:
            raise Conflict(f"Telegram user {telegram_user_id} is already registered as user {taken.id}")
    user = User(name=name, role=role, telegram_user_id=telegram_user_id, email=email, created_at=clock.now())
    session.add(user)
    session.flush()
    audit.record(
        session, clock, actor=actor, action="user.added", entity_type="user", entity_id=user.id,
        after={"name": name, "role": role, "telegram_user_id": telegram_user_id, "email": email},
    )  # fmt: skip
    return user


@dataclass(frozen=True, slots=True)
class ContactInput:
    name: str
    email: str | None = None
    vat_id: str | None = None
    iban: str | None = None
    manager_id: int | None = None
    is_customer: bool = False
    is_vendor: bool = False
    language: str | None = None
    currency: str | None = None
    payment_terms_days: int | None = None
    address: str | None = None


def normalise_vat_id(value: str) -> str:
    """Return the VAT ID compacted and checked ("DE 123.456.789" -> "DE123456789")."""
    try:
        return eu_vat.validate(value)
    except ValidationError as e:
        raise InvalidValue("VAT ID", value, str(e)) from e


def normalise_iban(value: str) -> str:
    try:
        return iban_number.validate(value)
    except ValidationError as e:
        raise InvalidValue("IBAN", value, str(e)) from e


def add_contact(session: Session, clock: Clock, data: ContactInput, *, actor: str = "cli") -> Contact:
    """Record a customer and/or vendor and return it."""
    if data.manager_id is not None and session.get(User, data.manager_id) is None:
        raise NotFound("user", data.manager_id)
    if data.payment_terms_days is not None and data.payment_terms_days < 0:
        raise InvalidValue("payment terms", str(data.payment_terms_days), "must not be negative")
    contact = Contact(
        name=data.name.strip(),
        email=data.email,
        vat_id=normalise_vat_id(data.vat_id) if data.vat_id else None,
        iban=normalise_iban(data.iban) if data.iban else None,
        manager_id=data.manager_id,
        is_customer=data.is_customer,
        is_vendor=data.is_vendor or not data.is_customer,
        language=data.language,
        currency=data.currency.upper() if data.currency else None,
        payment_terms_days=data.payment_terms_days,
        address=data.address,
        learned={},
        created_at=clock.now(),
    )
    session.add(contact)
    session.flush()
    audit.record(
        session, clock, actor=actor, action="contact.added", entity_type="contact",
        entity_id=contact.id, after=contact_dict(contact),
    )  # fmt: skip
    return contact


def find_vendor(session: Session, extraction: ExtractedInvoice) -> Contact | None:
    """Return the vendor contact matching the seller by VAT ID, then IBAN, then exact name.

    The name matches only as a whole, after folding case and spaces: it is what a sender writes,
    never a pattern (a seller named "%" matches no one).
    """
    seller = extraction.seller
    live = Contact.archived_at.is_(None)
    for column, value in ((Contact.vat_id, seller.vat_id), (Contact.iban, seller.iban)):
        if value:
            wanted = compact_iban(value)  # VAT IDs and IBANs are kept compact and upper case alike
            query = select(Contact).where(live, column == wanted).order_by(Contact.id).limit(1)
            found = session.execute(query).scalar()
            if found is not None:
                return found
    if not seller.name or not name_key(seller.name):
        return None
    wanted = name_key(seller.name)
    # Case folding in SQL differs by engine (SQLite folds ASCII only), so names are compared here;
    # a business has hundreds of contacts, not millions.
    names = session.execute(select(Contact.id, Contact.name).where(live).order_by(Contact.id))
    found = next((contact_id for contact_id, name in names if name_key(name) == wanted), None)
    return session.get(Contact, found) if found is not None else None


def contact_dict(contact: Contact) -> dict[str, object]:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "vat_id": contact.vat_id,
        "iban": contact.iban,
        "manager_id": contact.manager_id,
        "customer": contact.is_customer,
        "vendor": contact.is_vendor,
        "language": contact.language,
        "currency": contact.currency,
        "terms_days": contact.payment_terms_days,
    }


def user_dict(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role.value,
        "telegram_user_id": user.telegram_user_id,
        "email": user.email,
    }
