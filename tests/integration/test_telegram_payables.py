"""/topay, /cashflow, /overdue and the payables reminder against the fake Bot API."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image
from sqlalchemy import select

from invoicing import payable_reminders, payments
from invoicing.db.models import Contact, Invoice, Job
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import JobState, Role
from invoicing.extraction import Party
from tests.books import customer_invoice, supplier_invoice
from tests.integration.fake_telegram import BotHarness, start_bot, stop_bot

MIA, ADA = 7201, 7203
ODD = Party(name="Schmidt & <Söhne>", vat_id="DE811907980", iban="DE89370400440532013000")


@pytest.fixture
async def bot(db, clock, store, reader, tmp_path) -> AsyncIterator[BotHarness]:  # type: ignore[no-untyped-def]
    """On Monday 2 March: Mia manages the supplier Lieferant GmbH and the customer ACME; Ada is an admin."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        add_user(s, clock, name="Ada", role=Role.ADMIN, telegram_user_id=ADA)
        add_contact(s, clock, ContactInput(name="Lieferant GmbH", vat_id="DE123456788", is_vendor=True, manager_id=mia.id))
        add_contact(s, clock, ContactInput(name="ACME SARL", is_customer=True, country="FR", city="Paris", payment_terms_days=14,
                                           manager_id=mia.id))  # fmt: skip
        add_contact(s, clock, ContactInput(name="Beta AG", is_customer=True, country="DE", city="Berlin", payment_terms_days=10))
    harness = await start_bot(db, clock, store, reader, tmp_path / "var")
    yield harness
    await stop_bot(harness)


def _contact(db, name: str) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return s.execute(select(Contact.id).where(Contact.name == name)).scalar_one()


async def ask(bot: BotHarness, user: int, text: str, expect: str, method: str = "sendMessage") -> tuple[str, object]:
    """Send `text` as `user`; return the text (or caption) and the call of the answer containing `expect`."""
    before = len(bot.fake.calls)
    await bot.fake.send_text(user, text)

    def match(c) -> bool:  # type: ignore[no-untyped-def]
        said = c.params.get("text") or c.params.get("caption") or ""
        return c in bot.fake.calls[before:] and c.method == method and c.chat_id == user and expect in said

    [call] = await bot.fake.wait_for(match)
    return str(call.params.get("text") or call.params.get("caption")), call


async def test_topay_lists_approved_supplier_invoices_by_due_date_with_discount_and_warnings(bot, db, clock, store):
    """GIVEN two approved supplier invoices (one due Wednesday offering 2 % within 10 days of
    26 Feb; one from a supplier whose name holds markup, the same invoice as one already paid)
    WHEN Mia asks /topay THEN she sees the total, each with amount, due date, IBAN, the discount
    to take by 8 March and the warning, names escaped; /topay 1 narrows it; /topay x is a usage line."""
    soon = supplier_invoice(db, clock, store, number="L-1", total="119.00", due=dt.date(2026, 3, 4),
                            issued=dt.date(2026, 2, 26), approver=MIA, extra={"discount_terms": "2% 10"})  # fmt: skip
    paid = supplier_invoice(db, clock, store, number="S-9", total="40.00", due=dt.date(2026, 3, 20),
                            issued=dt.date(2026, 2, 20), approver=ADA, seller=ODD)  # fmt: skip
    with db.transaction() as s:
        payments.record_payment(s, clock, f"#{paid}", paid_on=dt.date(2026, 3, 1), method="cli", actor="test")
    again = supplier_invoice(db, clock, store, number="S-9", total="40.00", due=dt.date(2026, 3, 20),
                             issued=dt.date(2026, 2, 20), approver=ADA, seller=ODD, lines=("copy",))  # fmt: skip

    text, _ = await ask(bot, MIA, "/topay", "To pay")
    assert text.startswith("<b>To pay: €159.00 (2 invoices)</b>")
    assert f"#{soon} <b>Lieferant GmbH: €119.00, due 4 Mar 2026 (in 2 days)</b>" in text
    assert "L-1 · IBAN DE02 1203 0000 0000 2020 51" in text
    assert "💰 2% off: pay €116.62 by 8 Mar 2026 (saves €2.38)" in text
    assert f"#{again} <b>Schmidt &amp; &lt;Söhne&gt;: €40.00, due 20 Mar 2026 (in 18 days)</b>" in text
    assert f"⚠ the same invoice from this supplier (#{paid}) was paid on 1 Mar 2026" in text
    assert text.index(f"#{soon} ") < text.index(f"#{again} ")
    narrowed, _ = await ask(bot, MIA, "/topay 2", "To pay")
    assert "due within 2 days: €119.00 (1 invoice)" in narrowed and "Söhne" not in narrowed
    assert (await ask(bot, MIA, "/topay soon", "Usage"))[0] == "Usage: /topay [days]"


async def test_the_approver_is_reminded_in_chat_once_with_the_discount(bot, db, clock, store):
    """GIVEN an invoice Mia approved, due in two days, with 2 % off until 8 March WHEN the
    reminders run twice and the jobs are done THEN Mia gets one message with amount, due date,
    the discount and the IBAN."""
    supplier_invoice(db, clock, store, number="L-1", total="119.00", due=dt.date(2026, 3, 4),
                     issued=dt.date(2026, 2, 26), approver=MIA, extra={"discount_terms": "2% 10"})  # fmt: skip
    for _ in range(2):
        with db.transaction() as s:
            payable_reminders.remind_due_payables(s, clock, days=3)
        await bot.run_jobs()
    [sent] = [c for c in bot.fake.sent("sendMessage", MIA) if "to pay by" in (c.params.get("text") or "")]
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["text"] == ("💶 <b>L-1</b> from Lieferant GmbH: €119.00 to pay by 4 Mar 2026\n"
                                   "💰 2% off if paid by 8 Mar 2026: €116.62\nIBAN DE02 1203 0000 0000 2020 51")  # fmt: skip
    with db.transaction() as s:
        assert {j.state for j in s.execute(select(Job).where(Job.kind == "chat.notify")).scalars()} == {JobState.DONE}


async def test_cashflow_sends_the_chart_as_a_photo_with_the_numbers(bot, db, clock, store):
    """GIVEN ACME owes 300 EUR due 16 March and an approved supplier invoice of 119 EUR is due on
    4 March WHEN Mia asks /cashflow 30 THEN she gets a PNG chart whose caption sums it up per
    currency, then the weeks as a table; /cashflow 0 is a usage line."""
    customer_invoice(db, clock, _contact(db, "ACME SARL"), issued=clock.today(), line="Consulting;1;300;0")
    supplier_invoice(db, clock, store, number="L-1", total="119.00", due=dt.date(2026, 3, 4),
                     issued=dt.date(2026, 2, 26), approver=MIA)  # fmt: skip
    caption, photo = await ask(bot, MIA, "/cashflow 30", "Cash flow", method="sendPhoto")
    assert caption.startswith("<b>Cash flow 2 Mar 2026 – 31 Mar 2026</b>")
    assert "EUR (chart): in €300.00, out €119.00, balance €181.00; lowest -€119.00 in 2026-W10" in caption
    image = Image.open(io.BytesIO(photo.files["photo"]))
    assert image.format == "PNG" and image.width > 500
    table, _ = await ask(bot, MIA, "/cashflow 30", "<pre>")
    assert "W12 16 Mar 300.00   0.00  181.00" in table and table.startswith("<b>EUR</b>\n<pre>week")
    assert (await ask(bot, MIA, "/cashflow 0", "Usage"))[0] == "Usage: /cashflow [days] (1 to 366 days, 90 by default)"


async def test_overdue_says_who_owes_what_grouped_by_customer_and_what_we_owe_apart(bot, db, clock, store):
    """GIVEN ACME has two invoices past due (one half paid), Beta one, and we owe a supplier one
    WHEN /overdue is asked THEN each customer comes with their total, ACME (late longest) first,
    and the supplier invoice is listed apart."""
    acme, beta = _contact(db, "ACME SARL"), _contact(db, "Beta AG")
    first = customer_invoice(db, clock, acme, issued=dt.date(2026, 1, 10), line="Consulting;1;200;0")
    second = customer_invoice(db, clock, acme, issued=dt.date(2026, 2, 1), line="Consulting;1;300;0")
    with db.transaction() as s:
        s.get(Invoice, second).amount_paid = s.get(Invoice, second).total / 2
    third = customer_invoice(db, clock, beta, issued=dt.date(2026, 2, 5), line="Support;1;80;0")
    supplier_invoice(db, clock, store, number="L-1", total="119.00", due=dt.date(2026, 2, 27),
                     issued=dt.date(2026, 2, 1), approver=MIA)  # fmt: skip

    text, _ = await ask(bot, MIA, "/overdue", "Owed to us")
    lines = text.splitlines()
    assert lines[:4] == [
        "Owed to us (outgoing):", "ACME SARL owes €350.00 (2 invoices)",
        f"  #{first} INV-2026-0001 €200.00 due 24 Jan 2026, 37 days late",
        f"  #{second} INV-2026-0002 €150.00 due 15 Feb 2026, 15 days late",
    ]  # fmt: skip
    assert lines[4:6] == ["Beta AG owes €80.00 (1 invoice)", f"  #{third} INV-2026-0003 €80.00 due 15 Feb 2026, 15 days late"]
    assert lines[6:9] == ["", "We owe (incoming):", "Lieferant GmbH is owed €119.00 (1 invoice)"]


async def test_help_and_the_menu_name_topay_and_cashflow(bot):
    [menu] = bot.fake.sent("setMyCommands")
    assert {"topay", "cashflow"} <= {c["command"] for c in menu.params["commands"]}
    text, _ = await ask(bot, MIA, "/help", "/topay")
    assert "/topay [days] - Approved supplier invoices to pay, soonest due first" in text
    assert "/cashflow [days] - Money in and out week by week, with a chart" in text
