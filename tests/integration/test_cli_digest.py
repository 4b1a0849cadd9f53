"""`invoicebot digest` end to end: a real process on the test database, the fake Bot API as Telegram."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from sqlalchemy import select

from invoicing.clock import FixedClock
from invoicing.db.models import Job
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import JobState, Role
from tests.books import customer_invoice
from tests.integration.cli import invoicebot
from tests.integration.fake_telegram import FakeTelegram

MIA, OTTO = 7401, 7402


async def test_digest_prints_with_dry_run_then_sends_under_the_day_s_key(sqlite_db, tmp_path):
    """GIVEN Mia's customer owing an invoice 15 days late (and its task), Otto with nothing WHEN
    `digest --dry-run` runs THEN it prints Mia's digest with its buttons and Otto's "nothing waits",
    queueing and sending nothing; `digest --user` sends Mia's (only) through Telegram under the day's key,
    the one the scheduler would use, so the day's scheduled digest is not sent again.
    (One engine: the process is what is tested here; the queueing is tested on both.)"""
    db = sqlite_db
    today = dt.date.today()
    clock = FixedClock(dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC))
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTTO)
        acme = add_contact(s, clock, ContactInput(name="ACME GmbH", is_customer=True, country="DE", city="Köln",
                                                  manager_id=mia.id))  # fmt: skip
    customer_invoice(db, clock, acme.id, issued=today - dt.timedelta(days=45))
    url, data_dir = db.engine.url.render_as_string(hide_password=False), tmp_path / "var"
    fake = FakeTelegram()
    await fake.start()
    try:
        env = {"INVOICEBOT_TELEGRAM_TOKEN": fake.token, "INVOICEBOT_TELEGRAM_API_URL": fake.base_url,
               "INVOICEBOT_TELEGRAM_FILE_URL": fake.base_file_url}  # fmt: skip
        # Both at once (a dry run writes nothing), to keep the test to one process start's time.
        dry_run, send = await asyncio.gather(
            asyncio.to_thread(invoicebot, data_dir, "digest", "--dry-run", database_url=url, env=env),
            asyncio.to_thread(invoicebot, data_dir, "digest", "--user", str(mia.id), "--json", database_url=url, env=env),
        )  # fmt: skip
        dry = dry_run.stdout
        assert f"user {mia.id} (Mia): " in dry and "1. INV-2026-0001 to ACME GmbH" in dry
        assert "[1. Hold 7 days] [1. I'll call]" in dry and "[2. Done]" in dry
        assert "(Otto): nothing waits" in dry
        [sent] = json.loads(send.stdout)
        assert sent["outcome"] == "sent" and sent["day"] == today.isoformat()
        [message] = fake.sent("sendMessage")
        assert message.chat_id == MIA and str(message.params["text"]).startswith("📋")
        assert ("1. Hold 7 days", "fin:hold:1") in message.buttons
    finally:
        await fake.stop()
    with db.transaction() as s:
        [(key, state)] = s.execute(select(Job.idempotency_key, Job.state).where(Job.kind == "chat.digest")).all()
    assert key == f"chat.digest:{mia.id}:{today.isoformat()}" and state is JobState.DONE
