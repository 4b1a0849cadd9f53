"""What the extractor has learnt about each vendor's invoices, kept on the vendor's contact.

A correction of an incoming invoice teaches a hint (where the vendor prints the field, or the
field's fixed value); hints live in `Contact.learned`, keyed by field, and the next invoice from
the same vendor (matched by VAT ID, IBAN, then name) is read with them. The hints themselves are
made and applied by `intake.learning`; this module only stores and finds them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.clock import Clock
from invoicing.db.models import Contact, Invoice
from invoicing.directory import find_vendor
from invoicing.errors import NotFound
from invoicing.extraction import ExtractedInvoice, Party

#: Correctable invoice columns and the extraction field each one is.
EXTRACTED_FIELD = {
    "number": "invoice_number",
    "issue_date": "issue_date",
    "due_date": "due_date",
    "currency": "currency",
    "net_total": "net_total",
    "tax_total": "tax_total",
    "total": "total",
    "seller_name": "seller.name",
    "seller_vat_id": "seller.vat_id",
    "seller_iban": "seller.iban",
    "payment_reference": "payment_reference",
}


def _seller_of(invoice: Invoice) -> ExtractedInvoice:
    return ExtractedInvoice(
        seller=Party(name=invoice.seller_name, vat_id=invoice.seller_vat_id, iban=invoice.seller_iban)
    )


def vendor_of(session: Session, clock: Clock, invoice: Invoice, actor: str) -> Contact | None:
    """Return the invoice's vendor contact, recording one from its seller when there is none."""
    if invoice.contact is not None:
        return invoice.contact
    vendor = find_vendor(session, _seller_of(invoice))
    if vendor is None and invoice.seller_name:
        vendor = Contact(
            name=invoice.seller_name, is_vendor=True, vat_id=invoice.seller_vat_id, iban=invoice.seller_iban,
            learned={}, created_at=clock.now(),
        )  # fmt: skip
        session.add(vendor)
        session.flush()
        audit.record(
            session, clock, actor=actor, action="contact.added", entity_type="contact", entity_id=vendor.id,
            after={"name": vendor.name, "vat_id": vendor.vat_id, "iban": vendor.iban, "from_invoice": invoice.id},
        )  # fmt: skip
    if vendor is not None:
        invoice.contact_id = vendor.id
    return vendor


def remember(session: Session, clock: Clock, invoice_id: int, hint: dict[str, Any], actor: str) -> Contact | None:
    """Keep `hint` for the vendor of the invoice and return the vendor (None if it has no seller)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    vendor = vendor_of(session, clock, invoice, actor)
    if vendor is None:
        return None
    before = dict(vendor.learned or {})
    vendor.learned = {**before, hint["field"]: hint}
    audit.record(
        session, clock, actor=actor, action="contact.learned", entity_type="contact", entity_id=vendor.id,
        before={"learned": before.get(hint["field"])}, after={"learned": hint, "from_invoice": invoice_id},
    )  # fmt: skip
    return vendor


def hints_for(session: Session, extraction: ExtractedInvoice) -> list[dict[str, Any]]:
    """Return the hints learnt for the vendor of this extraction (none for an unknown vendor)."""
    vendor = find_vendor(session, extraction)
    return list((vendor.learned or {}).values()) if vendor is not None else []
