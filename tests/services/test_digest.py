"""The daily digest: what each person's holds, and that the tick queues it once a business day."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.scheduler import run_tick, scheduled_work
from bot.wiring import App
from invoicing import approvals, bank_import, tasks
from invoicing.clock import FixedClock
from invoicing.config import load_settings
from invoicing.db.engine import Database
from invoicing.db.models import Job
from invoicing.digest import digest_for
from invoicing.digest_rules import DIGEST_KIND
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import Role
from tests.bank_files import Entry, Tx, camt053
from tests.books import customer_invoice, supplier_invoice

MIA, OTTO, ADA = 8101, 8102, 8103  # Mia manages the vendor and ACME; Otto manages nothing; Ada is an admin
DAY = dt.date(2026, 3, 2)


def _people(db: Database, clock: FixedClock) -> dict[str, int]:
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        otto = add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTTO)
        ada = add_user(s, clock, name="Ada", role=Role.ADMIN, telegram_user_id=ADA)
        add_user(s, clock, name="Nora", role=Role.MANAGER)  # no Telegram id: no digest
        add_contact(s, clock, ContactInput(name="Lieferant GmbH", vat_id="DE123456788", is_vendor=True, manager_id=mia.id))
        acme = add_contact(s, clock, ContactInput(name="ACME GmbH", is_customer=True, country="DE", city="Köln",
                                                  manager_id=mia.id))  # fmt: skip
        solo = add_contact(s, clock, ContactInput(name="Solo KG", is_customer=True, country="DE", city="Bonn"))
        return {"mia": mia.id, "otto": otto.id, "ada": ada.id, "acme": acme.id, "solo": solo.id}


def _app(db: Database, clock: FixedClock, tmp_path: Path, *, own_db: bool = False, **settings: object) -> App:
    """An app on the test's database; with `own_db`, its own connections to it, as another process has."""
    app = App(load_settings(data_dir=tmp_path / "var", telegram_token="123:digest-test", **settings), clock, one_shot=True)
    app.__dict__["db"] = Database.from_url(db.engine.url.render_as_string(hide_password=False)) if own_db else db
    return app


def _digest_jobs(db: Database) -> list[str]:
    with db.transaction() as s:
        return sorted(s.execute(select(Job.idempotency_key).where(Job.kind == DIGEST_KIND)).scalars())


def test_each_person_sees_what_is_theirs_and_an_admin_what_is_nobodys(db, clock, store):
    """GIVEN a supplier invoice waiting for Mia, overdue invoices of ACME (Mia's) and Solo (no manager),
    one paid, one not due, an unmatched bank payment and a task due tomorrow WHEN each digest is read
    THEN Mia sees her approval, ACME's invoice and its task; Ada Solo's, its task and the payment;
    Otto nothing."""
    ids = _people(db, clock)
    waiting = supplier_invoice(db, clock, store, number="L-7", total="119.00", due=DAY + dt.timedelta(days=9),
                               issued=DAY - dt.timedelta(days=3), approver=None)  # fmt: skip
    with db.transaction() as s:
        approvals.open_step(s, clock, waiting)
    late = DAY - dt.timedelta(days=45)
    acme_late = customer_invoice(db, clock, ids["acme"], issued=late, line="Beratung;1;100;19")
    solo_late = customer_invoice(db, clock, ids["solo"], issued=late, line="Wartung;1;50;19")
    customer_invoice(db, clock, ids["acme"], issued=late, paid_on=DAY - dt.timedelta(days=1))
    customer_invoice(db, clock, ids["acme"], issued=DAY - dt.timedelta(days=5))
    bank_import.import_statement(db, clock, camt053([Entry((Tx("77.00", name="Unknown payer", ustrd=("thanks",)),),
                                                             ref="E1")]), "s.xml", actor="t")  # fmt: skip
    with db.transaction() as s:
        tasks.open_task(s, clock, kind=tasks.CALL_CUSTOMER, title="Call ACME", assignee_id=ids["mia"],
                        due_on=DAY + dt.timedelta(days=1))  # fmt: skip

    with db.transaction() as s:
        mia = digest_for(s, clock, ids["mia"], DAY)
        otto = digest_for(s, clock, ids["otto"], DAY)
        ada = digest_for(s, clock, ids["ada"], DAY)

    assert [(a.invoice_id, a.number, a.party, a.total) for a in mia.approvals.items] == [
        (waiting, "L-7", "Lieferant GmbH", D("119.00"))]
    assert mia.approvals.items[0].token  # the request's own token: its buttons work from the digest
    assert [(o.invoice_id, o.customer, o.open) for o in mia.overdue.items] == [(acme_late, "ACME GmbH", D("119.00"))]
    assert [t.title for t in mia.tasks.items] == ["Collect payment of INV-2026-0001 from ACME GmbH"]
    assert mia.unmatched.total == 0 and not mia.empty and mia.chat_id == MIA
    assert otto.empty
    assert ada.approvals.total == 0
    assert [(o.invoice_id, o.customer, o.open) for o in ada.overdue.items] == [(solo_late, "Solo KG", D("59.50"))]
    assert [t.title for t in ada.tasks.items] == ["Collect payment of INV-2026-0002 from Solo KG"]
    assert [(u.amount, u.counterparty) for u in ada.unmatched.items] == [(D("77.00"), "Unknown payer")]


async def test_the_hour_is_the_business_s_and_the_digest_is_queued_once_a_day(db, tmp_path):
    """GIVEN a digest hour of 8 WHEN it is 07:30 UTC THEN a business in UTC waits and one in Berlin
    (08:30) queues a digest for each person reachable in chat; a second tick, a second process and
    `invoicebot tick` queue nothing more that day; the next day, the same two processes ticking
    at once queue each digest exactly once."""
    clock = FixedClock(dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.UTC))
    ids = _people(db, clock)
    assert (await scheduled_work(_app(db, clock, tmp_path, timezone="UTC"))).digests_queued == []
    assert (await scheduled_work(_app(db, clock, tmp_path, timezone="Europe/Berlin", digest_hour="off"))).digests_queued == []
    berlin = _app(db, clock, tmp_path, timezone="Europe/Berlin")
    assert berlin.settings.digest_hour == 8
    first = await scheduled_work(berlin)
    assert sorted(first.digests_queued) == sorted([ids["mia"], ids["otto"], ids["ada"]])
    assert "daily digest queued for 3 user(s)" in first.summary()
    other = _app(db, clock, tmp_path, own_db=True, timezone="Europe/Berlin")
    assert (await scheduled_work(berlin)).digests_queued == []
    assert (await scheduled_work(other)).digests_queued == []
    assert (await run_tick(_app(db, clock, tmp_path, timezone="Europe/Berlin"))).digests_queued == []
    assert _digest_jobs(db) == sorted(f"{DIGEST_KIND}:{i}:2026-03-02" for i in (ids["mia"], ids["otto"], ids["ada"]))

    clock.advance(dt.timedelta(days=1))
    one, two = await asyncio.gather(scheduled_work(berlin), scheduled_work(other))
    assert sorted(one.digests_queued + two.digests_queued) == sorted([ids["mia"], ids["otto"], ids["ada"]])
    assert len([k for k in _digest_jobs(db) if k.endswith(":2026-03-03")]) == 3
    other.db.dispose()


@pytest.mark.parametrize("hour, at, day", [
    (8, dt.datetime(2026, 3, 2, 6, 59, tzinfo=dt.UTC), None),  # 07:59 in Berlin
    (8, dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC), dt.date(2026, 3, 2)),
    (0, dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC), dt.date(2026, 3, 3)),  # already tomorrow in Berlin
    (8, dt.datetime(2026, 7, 2, 6, 0, tzinfo=dt.UTC), dt.date(2026, 7, 2)),  # summer time: 08:00 CEST
])  # fmt: skip
def test_the_day_of_a_digest_is_berlin_s(hour, at, day, tmp_path):
    from invoicing.digest_rules import due_day

    assert due_day(at, load_settings(data_dir=tmp_path, timezone="Europe/Berlin").zone, hour) == day
