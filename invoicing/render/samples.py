"""A small invoice every rendering worker renders once when it starts, so the first real one is fast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from invoicing.billing import LineItem, creditor_reference, price
from invoicing.document import Address, BankDetails, DocumentKind, InvoiceDocument, PartyDetails


def warm_up_document() -> InvoiceDocument:
    """Return a one-page EUR invoice with two rates, bank details and every kind of text."""
    lines = [
        LineItem("Beratung / consulting", Decimal("2"), Decimal("120.00"), Decimal("19"), unit="HUR"),
        LineItem("Fachbuch — Übersicht «Él» Øre", Decimal("1"), Decimal("39.90"), Decimal("7")),
    ]
    return InvoiceDocument(
        kind=DocumentKind.INVOICE, number="WARM-UP-1", issue_date=dt.date(2025, 1, 2),
        due_date=dt.date(2025, 1, 16), currency="EUR", language="de",
        seller=PartyDetails("Muster GmbH", Address(("Hauptstraße 1",), "10115", "Berlin", "DE"), "DE136695976"),
        buyer=PartyDetails("Kunde AG", Address(("Marktplatz 2",), "80331", "München", "DE")),
        totals=price(lines), bank=BankDetails("DE89370400440532013000", "COBADEFFXXX"),
        payment_reference=creditor_reference("WARM-UP-1"),
    )  # fmt: skip
