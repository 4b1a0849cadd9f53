"""Paying suppliers: approved invoices due soon go into a SEPA pain.001 file once, never twice."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree
from sqlalchemy import select

from invoicing.config import load_settings
from invoicing.db.models import Invoice
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import Role
from invoicing.errors import InvoicingError
from invoicing.payable_export import export_transfers
from tests.books import supplier_invoice

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
SETTINGS = load_settings(seller_name="Muster Software GmbH", seller_iban="DE02120300000000202051")


def test_due_payables_are_exported_once_and_the_second_export_leaves_them_out(db, clock, store):
    """GIVEN two approved supplier invoices, one due in 3 days and one in 40 WHEN exported for the
    next 7 days THEN the file pays the first only and marks it; exporting again finds nothing."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=71)
        add_contact(s, clock, ContactInput(name="Lieferant GmbH", vat_id="DE123456788", is_vendor=True, manager_id=mia.id))
    today = clock.today()
    soon = supplier_invoice(db, clock, store, number="L-1", total="119.00", due=today + dt.timedelta(days=3),
                            issued=today, approver=71)  # fmt: skip
    later = supplier_invoice(db, clock, store, number="L-2", total="500.00", due=today + dt.timedelta(days=40),
                             issued=today, approver=71)  # fmt: skip
    with db.transaction() as s:
        export = export_transfers(s, clock, SETTINGS, within_days=7, include_flagged=False, actor="t")
    root = etree.fromstring(export.xml)
    amounts = root.xpath("//p:CdtTrfTxInf/p:Amt/p:InstdAmt/text()", namespaces=NS)
    assert amounts == ["119.00"] and [p.invoice_id for p, _, _ in export.paid] == [soon]
    with db.transaction() as s:
        assert s.get(Invoice, soon).payment_exported_at is not None
        assert s.get(Invoice, later).payment_exported_at is None
    with db.transaction() as s, pytest.raises(InvoicingError, match="nothing to pay"):
        export_transfers(s, clock, SETTINGS, within_days=7, include_flagged=False, actor="t")
    with db.transaction() as s:
        assert s.execute(select(Invoice.id).where(Invoice.payment_exported_at.is_not(None))).scalars().all() == [soon]
