"""`invoicebot digest` end to end on the test database, the fake Bot API as Telegram.

In this process (click's runner, settings from the environment as a user's shell gives them):
a process of its own would spend most of the test importing the chat code.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from invoicing.clock import FixedClock
from invoicing.db.models import Job
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import JobState, Role
from tests.books import customer_invoice
from tests.integration.fake_telegram import FakeTelegram

MIA, OTTO = 7401, 7402


def _invoicebot(env: dict[str, str], *args: str) -> str:
    """Run `invoicebot ARGS` with `env` and return what it printed (failing on a non-zero exit)."""
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


async def test_digest_prints_with_dry_run_then_sends_under_the_day_s_key(sqlite_db, tmp_path, monkeypatch):
    """GIVEN Mia's customer owing an invoice 15 days late (and its task), Otto with nothing WHEN
    `digest --dry-run` runs THEN it prints Mia's digest with its buttons and Otto's "nothing waits",
    queueing and sending nothing; `digest --user` sends Mia's through Telegram under the day's key,
    the one the scheduler would use, and a second run says it was sent today; without the chat
    configured the command refuses.
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
    url = db.engine.url.render_as_string(hide_password=False)
    for name in [n for n in os.environ if n.startswith("INVOICEBOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no invoicebot.toml here
    monkeypatch.setattr("bot.wiring.configure_logging", lambda *_args, **_kwargs: None)  # leave pytest's logging be
    fake = FakeTelegram()
    await fake.start()
    try:
        env = {"INVOICEBOT_DATA_DIR": str(tmp_path / "var"), "INVOICEBOT_DATABASE_URL": url,
               "INVOICEBOT_TELEGRAM_TOKEN": fake.token, "INVOICEBOT_TELEGRAM_API_URL": fake.base_url,
               "INVOICEBOT_TELEGRAM_FILE_URL": fake.base_file_url}  # fmt: skip
        dry = await asyncio.to_thread(_invoicebot, env, "digest", "--dry-run")
        assert f"user {mia.id} (Mia): would send" in dry and "1. INV-2026-0001 to ACME GmbH" in dry
        assert "[1. Hold 7 days] [1. I'll call]" in dry and "[2. Done]" in dry
        assert "(Otto): nothing waits" in dry
        with db.transaction() as s:
            assert s.execute(select(Job).where(Job.kind == "chat.digest")).first() is None
        assert not fake.sent("sendMessage")

        [sent] = json.loads(await asyncio.to_thread(_invoicebot, env, "digest", "--user", str(mia.id), "--json"))
        assert sent["outcome"] == "sent" and sent["day"] == today.isoformat()
        [message] = fake.sent("sendMessage")
        assert message.chat_id == MIA and str(message.params["text"]).startswith("📋")
        assert ("1. Hold 7 days", "fin:hold:1") in message.buttons
        [again] = json.loads(await asyncio.to_thread(_invoicebot, env, "digest", "--user", str(mia.id), "--json"))
        assert again["outcome"] == "already sent today" and len(fake.sent("sendMessage")) == 1
    finally:
        await fake.stop()
    env.pop("INVOICEBOT_TELEGRAM_TOKEN")
    refused = CliRunner().invoke(main, ["digest"], env=env)
    assert refused.exit_code == 1 and "the chat is off" in refused.output
    with db.transaction() as s:
        [(key, state)] = s.execute(select(Job.idempotency_key, Job.state).where(Job.kind == "chat.digest")).all()
    assert key == f"chat.digest:{mia.id}:{today.isoformat()}" and state is JobState.DONE
