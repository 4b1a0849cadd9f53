"""`invoicebot payables`, `cashflow` and `contacts show` end to end: a real process on the test database."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from invoicing import payments
from invoicing.clock import FixedClock
from invoicing.db.models import Invoice
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import Role
from tests.books import customer_invoice, on_day, supplier_invoice
from tests.integration.cli import invoicebot, invoicebot_json

MIA = 71


@pytest.fixture
def books(db, store):  # type: ignore[no-untyped-def]
    """Today's books (the CLI runs on the real clock): a customer who took 10 and 20 days to pay
    and owes 500 EUR due in 5 days; an approved supplier invoice of 119 EUR due in 2 days that
    offers 2 % within 10 days of issue (yesterday); a paid one also put into a transfer file."""
    today = dt.date.today()
    clock = FixedClock(dt.datetime.combine(today, dt.time(12, 0), tzinfo=dt.UTC))
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        add_contact(s, clock, ContactInput(name="Lieferant GmbH", vat_id="DE123456788", is_vendor=True, manager_id=mia.id))
        acme = add_contact(s, clock, ContactInput(name="ACME SARL", is_customer=True, country="FR", city="Paris",
                                                  payment_terms_days=5)).id  # fmt: skip
    day = today - dt.timedelta(days=60)
    customer_invoice(db, clock, acme, issued=day, paid_on=day + dt.timedelta(days=10))
    customer_invoice(db, clock, acme, issued=day, paid_on=day + dt.timedelta(days=20))
    customer_invoice(db, clock, acme, issued=today, line="Consulting;1;500;0")
    yesterday = today - dt.timedelta(days=1)
    to_pay = supplier_invoice(db, clock, store, number="L-1", total="119.00", due=today + dt.timedelta(days=2),
                              issued=yesterday, approver=MIA, extra={"discount_terms": "2% 10"})  # fmt: skip
    paid = supplier_invoice(db, clock, store, number="L-0", total="40.00", due=yesterday,
                            issued=yesterday - dt.timedelta(days=20), approver=MIA)  # fmt: skip
    with on_day(clock, yesterday), db.transaction() as s:
        s.get(Invoice, paid).payment_exported_at = clock.now()
    with db.transaction() as s:
        payments.record_payment(s, clock, f"#{paid}", method="cli", actor="test")
    return {"acme": acme, "to_pay": to_pay, "paid": paid, "today": today,
            "url": db.engine.url.render_as_string(hide_password=False)}  # fmt: skip


def test_payables_lists_what_to_pay_with_its_discount_and_json(tmp_path, books):
    """GIVEN the books WHEN `payables` runs THEN it lists the supplier invoice due in 2 days with
    its IBAN and the discount (pay 116.62 by the 10th day), not the paid one; --json says the same;
    `--days 1` leaves nothing."""
    data_dir, url, today = tmp_path / "var", books["url"], books["today"]
    text = invoicebot(data_dir, "payables", database_url=url).stdout
    assert f"#{books['to_pay']}" in text and "in 2 days" in text and "119.00 EUR  Lieferant GmbH  L-1" in text
    assert "IBAN DE02 1203 0000 0000 2020 51" in text
    until = today + dt.timedelta(days=9)
    assert f"discount 2 %: pay 116.62 EUR by {until} (saves 2.38)" in text
    assert "total 119.00 EUR (1 invoice)" in text and f"#{books['paid']}" not in text
    [item] = invoicebot_json(data_dir, "payables", database_url=url)
    assert (item["id"], item["open"], item["days_left"], item["discount"]["pay"]) == (books["to_pay"], "119.00", 2, "116.62")
    assert invoicebot(data_dir, "payables", "--days", "1", database_url=url).stdout.strip() == "no supplier invoices to pay"


def test_cashflow_prints_weeks_as_json_and_text_and_draws_the_chart(tmp_path, books):
    """GIVEN the books WHEN `cashflow --days 30` runs THEN the customer's 500 EUR is expected 15
    days from today (they take 15 days on average, beyond their 5-day terms) and the supplier's 119
    EUR goes out in 2 days; the weeks are ISO weeks; -o writes a PNG chart."""
    data_dir, url, today = tmp_path / "var", books["url"], books["today"]
    data = invoicebot_json(data_dir, "cashflow", "--days", "30", database_url=url)
    assert data["today"] == today.isoformat() and data["currency"] == "EUR" and data["chart"] is None
    weeks = data["weeks"]
    assert weeks[0]["start"] == (today - dt.timedelta(days=today.weekday())).isoformat()
    inflow = [w for w in weeks if w["figures"]["EUR"]["in"] != "0.00"]
    expected = today + dt.timedelta(days=15)
    assert [(w["start"] <= expected.isoformat() <= w["end"], w["figures"]["EUR"]["in"]) for w in inflow] == [(True, "500.00")]
    assert weeks[-1]["figures"]["EUR"]["balance"] == "381.00"

    chart = tmp_path / "flow.png"
    text = invoicebot(data_dir, "cashflow", "--days", "30", "-o", str(chart), database_url=url).stdout
    assert "week" in text and "balance" in text and f"chart of EUR written to {chart}" in text
    assert text.splitlines()[-3].rstrip().endswith("381.00")
    image = Image.open(io.BytesIO(chart.read_bytes()))
    assert image.format == "PNG" and image.size == (1000, 500)
    refused = invoicebot(data_dir, "cashflow", "--days", "0", database_url=url, check=False)
    assert refused.returncode == 2 and "--days" in refused.stderr


def test_contacts_show_tells_how_many_days_a_customer_takes_to_pay(tmp_path, books):
    data_dir, url = tmp_path / "var", books["url"]
    shown = invoicebot_json(data_dir, "contacts", "show", str(books["acme"]), database_url=url)
    assert shown["name"] == "ACME SARL" and shown["days_to_pay"] == {"average": "15.0", "last": [20, 10], "count": 2}
    text = invoicebot(data_dir, "contacts", "show", str(books["acme"]), database_url=url).stdout
    assert "days to pay    15.0 on average over 2 paid invoice(s); last (newest first): 20, 10" in text
    missing = invoicebot(data_dir, "contacts", "show", "999", database_url=url, check=False)
    assert missing.returncode == 1 and "contact 999 not found" in missing.stderr
