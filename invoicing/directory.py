"""Use cases: register the people who decide and the businesses we deal with, and find the vendor
an incoming invoice comes from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum import iban as iban_number
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from invoicing import audit
from invoicing.billing import DiscountTerms, InvalidTerms, LateFeeTerms
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
    #: Street lines, one per line (or separated by ";").
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    #: ISO 3166-1 alpha-2 country code.
    country: str | None = None
    invoice_email: str | None = None
    #: "2% 10": 2 % off when paid within 10 days (`billing.DiscountTerms`).
    discount_terms: str | None = None
    #: "interest 9.5", "fixed 15", "percent 5" or "eu" (`billing.LateFeeTerms`).
    late_fee_terms: str | None = None
    external_id: str | None = None


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


def normalise_country(value: str) -> str:
    """Return a two-letter country code in capitals ("de" -> "DE")."""
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InvalidValue("country", value, "use the two-letter ISO code, such as DE or FR")
    return code


def check_terms(data: ContactInput) -> None:
    """Raise `InvalidValue` when the contact's payment, discount or late-fee terms cannot be read."""
    if data.payment_terms_days is not None and data.payment_terms_days < 0:
        raise InvalidValue("payment terms", str(data.payment_terms_days), "must not be negative")
    try:
        if data.discount_terms:
            DiscountTerms.parse(data.discount_terms)
        if data.late_fee_terms:
            LateFeeTerms.parse(data.late_fee_terms)
    except InvalidTerms as e:
        raise InvalidValue("terms", data.discount_terms or data.late_fee_terms or "", str(e)) from e


def add_contact(session: Session, clock: Clock, data: ContactInput, *, actor: str = "cli") -> Contact:
    """Record a customer and/or vendor and return it."""
    if data.manager_id is not None and session.get(User, data.manager_id) is None:
        raise NotFound("user", data.manager_id)
    check_terms(data)
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
        postcode=data.postcode,
        city=data.city,
        country=normalise_country(data.country) if data.country else None,
        invoice_email=data.invoice_email,
        discount_terms=DiscountTerms.parse(data.discount_terms).to_text() if data.discount_terms else None,
        late_fee_terms=LateFeeTerms.parse(data.late_fee_terms).to_text() if data.late_fee_terms else None,
        external_id=data.external_id,
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
        "address": contact.address,
        "postcode": contact.postcode,
        "city": contact.city,
        "country": contact.country,
        "invoice_email": contact.invoice_email,
        "discount_terms": contact.discount_terms,
        "late_fee_terms": contact.late_fee_terms,
        "external_id": contact.external_id,
    }


def user_dict(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role.value,
        "telegram_user_id": user.telegram_user_id,
        "email": user.email,
    }


def live_users(session: Session) -> list[User]:
    """Return the registered users not archived, oldest first."""
    return list(session.execute(select(User).where(User.archived_at.is_(None)).order_by(User.id)).scalars())


def live_contacts(session: Session) -> list[Contact]:
    """Return the contacts not archived, oldest first."""
    return list(session.execute(select(Contact).where(Contact.archived_at.is_(None)).order_by(Contact.id)).scalars())


def find_customers(session: Session, text: str, limit: int = 6) -> list[Contact]:
    """Return the contacts whose name contains `text` (case-insensitive), customers first."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return []
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(Contact)
        .where(Contact.archived_at.is_(None), func.lower(Contact.name).like(f"%{escaped}%", escape="\\"))
        .order_by(Contact.is_customer.desc(), func.length(Contact.name), Contact.id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def contact_row(session: Session, contact_id: int) -> Contact:
    """Return the contact with this id; raise `NotFound` (archived ones too)."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.archived_at is not None:
        raise NotFound("contact", contact_id)
    return contact
