"""Chat texts about money fit Telegram's limits, keep currencies apart and escape what people wrote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from bot.telegram import money_texts
from bot.telegram.formats import CAPTION_LIMIT, TEXT_LIMIT, Formats, plain, telegram_length
from invoicing.cashflow import Payable, Receivable, project
from invoicing.domain import Direction, InvoiceStatus
from invoicing.payables import PayableItem
from invoicing.views import InvoiceSummary, SellerView

TODAY = dt.date(2026, 3, 2)
FMT = Formats("en")


def summary(invoice_id: int, customer: str, total: str, due: dt.date, currency: str = "EUR",
            direction: Direction = Direction.OUT) -> InvoiceSummary:  # fmt: skip
    return InvoiceSummary(
        id=invoice_id, kind="invoice", direction=direction, status=InvoiceStatus.SENT, number=f"INV-{invoice_id}",
        issue_date=due - dt.timedelta(days=14), due_date=due, currency=currency, net_total=None, tax_total=None,
        total=D(total), amount_paid=D(0), contact_id=None, contact=customer, seller=SellerView(name=None, vat_id=None,
        iban=None), buyer=customer, sha256=None, filename=None, source=None, warnings=[], duplicate_of=None,
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def test_overdue_totals_each_customer_per_currency_and_fits_one_message():
    """GIVEN 400 overdue invoices of 40 customers, some in USD WHEN rendered THEN the invoices do
    not fit one message, so every customer's total comes alone, EUR and USD apart, late longest
    first; with 4,000 customers even the totals are cut, and the last line says so."""
    items = [summary(i, f"Customer {i % 40}", "100.00", TODAY - dt.timedelta(days=1 + i % 30),
                     "USD" if i % 7 == 0 else "EUR") for i in range(400)]  # fmt: skip
    lines = money_texts.who_owes_what(items, TODAY, FMT).splitlines()
    assert lines[:2] == ["Owed to us (outgoing):", "Customer 29 owes €900.00 + US$100.00 (10 invoices)"]
    assert len(lines) == 1 + 40 + 2 and lines[-1] == "/show <number> shows one invoice."
    many = [summary(i, f"Customer {i}", "100.00", TODAY - dt.timedelta(days=1)) for i in range(4000)]
    text = money_texts.who_owes_what(many, TODAY, FMT)
    assert telegram_length(text) <= TEXT_LIMIT and text.endswith("… and more: invoicebot invoices list shows them all")


def _item(invoice_id: int, supplier: str) -> PayableItem:
    return PayableItem(invoice_id, "N-1", supplier, "EUR", D("10.00"), D("10.00"), TODAY, TODAY, 0,
                       "DE02120300000000202051", None, None, ())  # fmt: skip


def test_payables_escape_names_and_leave_out_what_does_not_fit():
    text = money_texts.payables_text([_item(i, "A <b>&</b> Co") for i in range(200)], FMT)
    assert telegram_length(plain(text)) <= TEXT_LIMIT and text.endswith(money_texts.MORE)
    assert "A &lt;b&gt;&amp;&lt;/b&gt; Co: €10.00, due 2 Mar 2026 (today)" in text
    assert text.startswith("<b>To pay: €2,000.00 (200 invoices)</b>")
    assert money_texts.payables_text([], FMT, 7) == "Nothing to pay in the next 7 days."


def test_the_caption_and_the_weeks_fit_with_many_currencies():
    """GIVEN money in 30 currencies over a year WHEN summed up THEN the caption and the week tables
    stay within Telegram's limits, the business currency first."""
    currencies = ["EUR"] + [f"X{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(29)]
    receivables = [Receivable(i, None, c, D("10.00"), TODAY, TODAY + dt.timedelta(days=i)) for i, c in enumerate(currencies)]
    p = project(TODAY, days=366, currency="EUR", receivables=receivables, payables=[Payable(99, "EUR", D("5.00"), TODAY)])
    caption, weeks = money_texts.cashflow_caption(p, FMT), money_texts.cashflow_weeks(p, FMT)
    assert telegram_length(plain(caption)) <= CAPTION_LIMIT and "EUR (chart): in €10.00, out €5.00" in plain(caption)
    assert telegram_length(plain(weeks)) <= TEXT_LIMIT and weeks.startswith("<b>EUR</b>\n<pre>week")
    assert weeks.endswith("… more currencies: invoicebot cashflow lists them all")
