"""Use case: correct one field of an incoming invoice by hand, as an audited change.

The invoice keeps what was read in `extracted`; a correction changes the field itself and writes
an `invoice.corrected` audit event with the value before and after (what learning reads later).
Only an admin or a person asked to approve the invoice may correct it; a refusal is audited. A
change of a payment field once the approvers were asked starts a fresh approval round, and a
change of the seller's bank details or identity is checked against what the vendor used before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import iban as iban_number

from invoicing import audit, reapproval
from invoicing.approval_rules import may_edit, must_reapprove
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import Approval, Invoice
from invoicing.domain import Direction, InvoiceStatus, Role
from invoicing.errors import InvalidTransition, InvoicingError, NotAuthorised, NotFound
from invoicing.money import parse_amount, quantize
from invoicing.payee_rules import AS_CORRECTED, KnownIban
from invoicing.payees import payee_alerts


class InvalidCorrection(InvoicingError):
    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(f"{field} {value!r}: {reason}")
        self.field = field
        self.value = value


def parse_date(text: str) -> dt.date:
    """Return the date in "2026-03-31" or "31.03.2026"."""
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"not a date: {text!r} (use 2026-03-31 or 31.03.2026)") from e


def _amount(text: str) -> Decimal:
    return quantize(parse_amount(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text))


def _currency(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError("a currency is a three-letter code such as EUR")
    return code


def _text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        text = text.strip()
        if not text or len(text) > limit:
            raise ValueError(f"needs 1 to {limit} characters")
        return text

    return parse


#: The fields a person may correct, each with the parser of its value.
FIELDS: dict[str, Callable[[str], object]] = {
    "number": _text(100),
    "issue_date": parse_date,
    "due_date": parse_date,
    "currency": _currency,
    "net_total": _amount,
    "tax_total": _amount,
    "total": _amount,
    "seller_name": _text(300),
    "seller_vat_id": _text(32),
    "seller_iban": lambda t: iban_number.validate(_text(50)(t)),
    "buyer_name": _text(300),
    "payment_reference": _text(200),
}
_CLOSED = frozenset({InvoiceStatus.PAID, InvoiceStatus.REJECTED})
#: Fields that say who the seller is and where it is paid: a change is checked like a new invoice.
_PAYEE_FIELDS = frozenset({"seller_iban", "seller_name", "seller_vat_id"})


@dataclass(frozen=True, slots=True)
class Editor:
    """Who asks for a correction: the audit trail's actor, their role and user id (None at the CLI)."""

    actor: str
    role: Role
    user_id: int | None


#: The command line: whoever runs it holds the database, so it acts as an admin.
LOCAL_ADMIN = Editor("cli", Role.ADMIN, None)


class EditRefused(NotAuthorised):
    """Someone who is neither an admin nor asked to approve the invoice tried to change it."""

    def __init__(self, invoice_id: int, field: str, value: str, editor: Editor) -> None:
        super().__init__(editor.actor, f"change invoice #{invoice_id}")
        # The message is what the person reads (the chat answers "Sorry: ..." with it).
        self.args = (f"only an admin or the invoice's approver may change invoice #{invoice_id}; "
                     "this attempt has been recorded.",)  # fmt: skip
        self.invoice_id, self.field, self.value = invoice_id, field, value


@dataclass(frozen=True, slots=True)
class Correction:
    invoice_id: int
    field: str
    before: object
    after: object
    #: The change sent the invoice back for a fresh approval round.
    reopened: bool = False
    #: Alerts the change raised about where the money goes (each needs an admin's second approval).
    alerts: tuple[str, ...] = ()
    #: The invoice's currency, to show amounts with.
    currency: str = "EUR"


def correct(db: Database, clock: Clock, invoice_id: int, field: str, value: str, editor: Editor) -> Correction:
    """Correct the field in a transaction of its own and return the change; a refused attempt is
    audited in a transaction of its own (the refused one leaves nothing) and raised."""
    try:
        with db.transaction() as session:
            return correct_field(session, clock, invoice_id, field, value, editor)
    except EditRefused:
        with db.transaction() as session:
            audit.record(
                session, clock, actor=editor.actor, action="invoice.edit_refused", entity_type="invoice",
                entity_id=invoice_id,
                after={"field": field, "value": value, "why": "not an admin or the invoice's approver"},
            )  # fmt: skip
        raise


def approver_ids(session: Session, invoice: Invoice) -> set[int]:
    """Return the users asked to approve the invoice in any round, and its vendor's manager."""
    query = select(Approval.approver_id).where(Approval.invoice_id == invoice.id, Approval.approver_id.is_not(None))
    asked = {int(user_id) for user_id in session.execute(query).scalars()}
    manager = invoice.contact.manager_id if invoice.contact is not None else None
    return asked | ({manager} if manager is not None else set())


def correct_field(
    session: Session, clock: Clock, invoice_id: int, field: str, value: str, editor: Editor
) -> Correction:
    """Set one field of an incoming invoice to a corrected value, audited, and return the change."""
    if field not in FIELDS:
        raise InvalidCorrection(field, value, f"not a field that can be corrected ({', '.join(FIELDS)})")
    try:
        parsed = FIELDS[field](value)
    except ValueError as e:
        raise InvalidCorrection(field, value, str(e)) from e
    invoice = session.get(Invoice, invoice_id, with_for_update=True)
    if invoice is None or invoice.archived_at is not None:
        raise NotFound("invoice", invoice_id)
    if not may_edit(editor.role, editor.user_id, approver_ids(session, invoice)):
        raise EditRefused(invoice_id, field, value, editor)
    if invoice.direction is not Direction.IN or invoice.status in _CLOSED:
        raise InvalidTransition(invoice_id, invoice.status.value, "corrected")
    before = getattr(invoice, field)
    if before == parsed:
        return Correction(invoice_id, field, before, parsed, currency=invoice.currency)
    asked = reapproval.was_asked(session, invoice)
    setattr(invoice, field, parsed)
    invoice.updated_at = clock.now()
    audit.record(
        session, clock, actor=editor.actor, action="invoice.corrected", entity_type="invoice",
        entity_id=invoice_id, before={field: before}, after={field: parsed},
    )  # fmt: skip
    alerts = _new_alerts(session, invoice, field, before) if field in _PAYEE_FIELDS else []
    reopen = must_reapprove(field, invoice.status, asked=asked, alerted=bool(alerts))
    if reopen:
        reapproval.reopen(session, clock, invoice, actor=editor.actor, fields=[field])
    return Correction(invoice_id, field, before, parsed, reopen, tuple(alerts), invoice.currency)


def _new_alerts(session: Session, invoice: Invoice, field: str, before: object) -> list[str]:
    """Add the alerts the changed seller details raise to the invoice (they stay) and return them."""
    replaced = KnownIban(str(before), None, AS_CORRECTED) if field == "seller_iban" and before else None
    alerts = payee_alerts(
        session, invoice.contact, invoice.seller_key, iban=invoice.seller_iban, name=invoice.seller_name,
        vat_id=invoice.seller_vat_id, exclude=invoice.id, fallback=replaced,
    )  # fmt: skip
    new = [alert for alert in alerts if alert not in (invoice.payee_alerts or [])]
    if new:
        invoice.payee_alerts = [*(invoice.payee_alerts or []), *new]
        invoice.warnings = [*(invoice.warnings or []), *new]
    return new
