"""Use cases: register the people who decide and the businesses we deal with, and find the vendor
an incoming invoice comes from."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum import iban as iban_number
from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.no import mva as no_mva

from invoicing import audit
from invoicing.billing import DiscountTerms, LateFeeTerms
from invoicing.clock import Clock
from invoicing.db.models import Contact, User
from invoicing.domain import Role
from invoicing.errors import Conflict, InvoicingError, NotFound
from invoicing.extraction import ExtractedInvoice
from invoicing.issuing import LANGUAGES
from invoicing.parties import address_lines
from invoicing.payee_rules import compact_iban, name_key


class InvalidValue(InvoicingError):
    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(f"{field} {value!r}: {reason}" if value else f"{field}: {reason}")
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


#: ISO 3166-1 alpha-2 codes (and XK, Kosovo, which VAT systems use).
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT
HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS
LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI
NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG
SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK
""".split())
#: Longest values the contacts table holds.
_LIMITS = {"name": 300, "email": 320, "invoice_email": 320, "postcode": 20, "city": 100, "external_id": 200}


def normalise_vat_id(value: str, country: str | None = None) -> str:
    """Return the VAT ID compacted and checked ("DE 123.456.789" -> "DE123456789").

    EU numbers (and Swiss, British and Norwegian ones) are checked by their checksum; a number
    written without its country prefix takes the contact's `country`.
    """
    compact = "".join(value.split()).upper()
    if country and compact[:1].isdigit():
        compact = country.upper() + compact
    try:
        if compact[:2] == "CH":
            return ch_vat.validate(compact)
        if compact[:2] == "GB":
            return "GB" + gb_vat.validate(compact)
        if compact[:2] == "NO":
            return "NO" + no_mva.validate(compact)
        return eu_vat.validate(compact)
    except ValidationError as e:
        raise InvalidValue("VAT ID", value, f"not a valid VAT ID ({e})") from e


def normalise_iban(value: str) -> str:
    try:
        return iban_number.validate(value)
    except ValidationError as e:
        raise InvalidValue("IBAN", value, f"not a valid IBAN ({e})") from e


def normalise_country(value: str) -> str:
    """Return a known two-letter country code in capitals ("de" -> "DE")."""
    code = value.strip().upper()
    if code not in COUNTRIES:
        raise InvalidValue("country", value, "unknown country; use the two-letter ISO code, such as DE or FR")
    return code


def normalise_language(value: str) -> str:
    """Return one of the invoice languages ("de-DE" -> "de")."""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise InvalidValue("language", value, f"unknown language; use one of {', '.join(LANGUAGES)}")
    return code


def check_email(field: str, value: str) -> str:
    """Return the address stripped; raise `InvalidValue` unless it looks like one address."""
    address = value.strip()
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain) or any(c.isspace() or c in ",;<>" for c in address):
        raise InvalidValue(field, value, "not an e-mail address")
    return address


def check_terms(data: ContactInput) -> None:
    """Raise `InvalidValue` or `billing.InvalidTerms` when the contact's terms cannot be read."""
    if data.payment_terms_days is not None and not 0 <= data.payment_terms_days <= 3650:
        raise InvalidValue("payment terms", str(data.payment_terms_days), "days between 0 and 3650")
    if data.discount_terms:
        DiscountTerms.parse(data.discount_terms)
    if data.late_fee_terms:
        LateFeeTerms.parse(data.late_fee_terms)


def clean_contact(data: ContactInput) -> ContactInput:
    """Return the contact with every value checked and in its stored form.

    Raises `InvalidValue` for a value that is missing, malformed or too long, and
    `billing.InvalidTerms` for discount or late-fee terms that cannot be read.
    """
    name = " ".join(data.name.split())
    if not name:
        raise InvalidValue("name", data.name, "missing")
    check_terms(data)
    currency = data.currency.strip().upper() if data.currency else None
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise InvalidValue("currency", data.currency or "", "use the three-letter ISO code, such as EUR")
    country = normalise_country(data.country) if data.country else None
    cleaned = replace(
        data, name=name, currency=currency, country=country,
        email=check_email("e-mail", data.email) if data.email else None,
        invoice_email=check_email("invoice e-mail", data.invoice_email) if data.invoice_email else None,
        vat_id=normalise_vat_id(data.vat_id, country) if data.vat_id else None,
        iban=normalise_iban(data.iban) if data.iban else None,
        language=normalise_language(data.language) if data.language else None,
        address="\n".join(address_lines(data.address)) or None,
        postcode=data.postcode.strip() or None if data.postcode else None,
        city=" ".join(data.city.split()) or None if data.city else None,
        external_id=data.external_id.strip() or None if data.external_id else None,
        discount_terms=DiscountTerms.parse(data.discount_terms).to_text() if data.discount_terms else None,
        late_fee_terms=LateFeeTerms.parse(data.late_fee_terms).to_text() if data.late_fee_terms else None,
    )  # fmt: skip
    for field, limit in _LIMITS.items():
        value = getattr(cleaned, field)
        if value is not None and len(value) > limit:
            raise InvalidValue(field.replace("_", " "), value[:40] + "...", f"longer than {limit} characters")
    return cleaned


#: The values an update takes from a `ContactInput` whenever it gives one.
_UPDATABLE = ("name", "email", "vat_id", "iban", "manager_id", "language", "currency", "payment_terms_days",
              "address", "postcode", "city", "country", "invoice_email", "discount_terms", "late_fee_terms",
              "external_id")  # fmt: skip


def add_contact(session: Session, clock: Clock, data: ContactInput, *, actor: str = "cli") -> Contact:
    """Record a customer and/or vendor and return it."""
    if data.manager_id is not None and session.get(User, data.manager_id) is None:
        raise NotFound("user", data.manager_id)
    data = clean_contact(data)
    contact = Contact(
        **{field: getattr(data, field) for field in _UPDATABLE},
        is_customer=data.is_customer, is_vendor=data.is_vendor or not data.is_customer,
        learned={}, created_at=clock.now(),
    )  # fmt: skip
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


def update_contact(
    session: Session, clock: Clock, contact: Contact, data: ContactInput, *, actor: str = "cli"
) -> list[str]:
    """Give `contact` every value `data` has, and return the names of the fields that changed.

    A value `data` leaves out (None) is kept, never erased, and the roles only grow: a vendor
    updated as a customer becomes both. A change writes one `contact.updated` event with the
    changed fields before and after; no change writes nothing.
    """
    if data.manager_id is not None and session.get(User, data.manager_id) is None:
        raise NotFound("user", data.manager_id)
    data = clean_contact(data)
    before = contact_dict(contact)
    for field in _UPDATABLE:
        value = getattr(data, field)
        if value is not None and value != getattr(contact, field):
            setattr(contact, field, value)
    contact.is_customer = contact.is_customer or data.is_customer
    contact.is_vendor = contact.is_vendor or data.is_vendor
    after = contact_dict(contact)
    changed = [key for key in after if after[key] != before[key]]
    if changed:
        session.flush()
        audit.record(
            session, clock, actor=actor, action="contact.updated", entity_type="contact", entity_id=contact.id,
            before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
        )  # fmt: skip
    return changed


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
