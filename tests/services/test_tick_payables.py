"""The scheduler's tick reminds the approvers of supplier invoices soon due, and says so."""

from __future__ import annotations

import datetime as dt

from bot.scheduler import scheduled_work
from bot.wiring import App
from invoicing.config import load_settings
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import Role
from tests.books import supplier_invoice

MIA = 71


def _app(db, clock, tmp_path, **settings) -> App:  # type: ignore[no-untyped-def]
    app = App(load_settings(data_dir=tmp_path / "var", **settings), clock)
    app.__dict__["db"] = db  # the test's database instead of one built from the settings
    return app


async def test_the_tick_reminds_once_and_reports_the_invoices(db, clock, store, tmp_path):
    """GIVEN an approved supplier invoice due in 3 days WHEN the tick runs twice with the default
    notice of 3 days THEN the first reports it reminded, the second nothing; with 2 days' notice
    nothing is due yet."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        add_contact(s, clock, ContactInput(name="Lieferant GmbH", vat_id="DE123456788", is_vendor=True, manager_id=mia.id))
    invoice_id = supplier_invoice(db, clock, store, number="L-1", total="119.00", due=dt.date(2026, 3, 5),
                                  issued=dt.date(2026, 2, 20), approver=MIA)  # fmt: skip

    assert (await scheduled_work(_app(db, clock, tmp_path, payables_remind_days=2))).payables_reminded == []
    app = _app(db, clock, tmp_path)
    assert app.settings.payables_remind_days == 3
    first = await scheduled_work(app)
    assert first.payables_reminded == [invoice_id]
    assert "approvers reminded of 1 supplier invoice(s) to pay" in first.summary()
    assert first.to_json()["payables_reminded"] == [invoice_id]
    assert (await scheduled_work(app)).payables_reminded == []


def test_the_notice_is_a_setting_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INVOICEBOT_PAYABLES_REMIND_DAYS", "5")
    assert load_settings(data_dir=tmp_path).payables_remind_days == 5
