"""The daily digest through the fake Bot API: one message per person with something waiting, its
buttons those of the items' own messages, each press settling its own row; /digest on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from invoicing.db.models import Approval, Invoice, Task
from invoicing.digest import queue_due
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import InvoiceStatus, Role, TaskState
from tests.books import customer_invoice, supplier_invoice
from tests.integration.fake_telegram import BotHarness, Call, start_bot, stop_bot

MIA, OTTO = 7301, 7302  # Mia manages the vendor and ACME; Otto nothing
DAY = dt.date(2026, 3, 2)  # the clock fixture's day: 10:30 in Berlin


@pytest.fixture
async def bot(db, clock, store, reader, tmp_path) -> AsyncIterator[BotHarness]:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTTO)
        add_contact(s, clock, ContactInput(name="Lieferant GmbH", vat_id="DE123456788", is_vendor=True, manager_id=mia.id))
        add_contact(s, clock, ContactInput(name="ACME GmbH", is_customer=True, country="DE", city="Köln", manager_id=mia.id))
    harness = await start_bot(db, clock, store, reader, tmp_path / "var", timezone="Europe/Berlin")
    yield harness
    await stop_bot(harness)


def _latest(bot: BotHarness, message_id: int) -> Call:
    """Return the newest call that sent or edited the message, as the chat shows it now."""
    return [c for c in bot.fake.calls if isinstance(c.result, dict) and c.result.get("message_id") == message_id][-1]


async def _press(bot: BotHarness, digest_id: int, label: str) -> Call:
    """Press `label` on the digest as it is now; return the edit that took that item's row off."""
    before = len(bot.fake.calls)
    await bot.fake.press(MIA, _latest(bot, digest_id), label)
    [edit] = await bot.fake.wait_for(lambda c: c in bot.fake.calls[before:] and c.method == "editMessageReplyMarkup"
                                     and int(c.params["message_id"]) == digest_id, timeout=30)  # fmt: skip
    return edit


async def test_the_digest_lists_mia_s_items_with_their_buttons_and_each_press_works(bot, db, clock, store):
    """GIVEN a supplier invoice waiting for Mia's approval and ACME's invoice overdue with its task
    WHEN the digest hour has come and the jobs run THEN Mia gets one digest with a row of buttons per
    item and Otto, with nothing waiting, none; Approve approves (and updates the request message),
    Hold holds the reminders, Done closes the task, each taking only its own row off the digest;
    queueing again sends nothing, nor does a digest whose day is over; /digest answers Otto that
    nothing waits and shows Mia what still does."""
    waiting = supplier_invoice(db, clock, store, number="L-7", total="119.00", due=DAY + dt.timedelta(days=9),
                               issued=DAY - dt.timedelta(days=3), approver=None)  # fmt: skip
    late = customer_invoice(db, clock, 2, issued=DAY - dt.timedelta(days=45))
    await bot.run_jobs()  # the approval request goes out first, as it would have days ago
    request = await bot.fake.wait_for_text(MIA, "L-7")

    with db.transaction() as s:
        assert sorted(queue_due(s, clock, bot.channel.services.settings.zone, 8)) == [1, 2]
    await bot.run_jobs()
    digest = await bot.fake.wait_for_text(MIA, "Your day")
    text = str(digest.params["text"])
    assert text.startswith("📋") and "L-7 from Lieferant GmbH" in text and "INV-2026-0001 to ACME GmbH" in text
    assert "Collect payment of INV-2026-0001" in text
    with db.transaction() as s:
        token = s.execute(select(Approval.token).where(Approval.invoice_id == waiting)).scalar_one()
    assert digest.buttons == [
        ("1. Approve", f"a:{token}"), ("1. Reject", f"r:{token}"), ("1. Details", f"d:{token}"),
        ("2. Hold 7 days", f"fin:hold:{late}"), ("2. I'll call", f"fin:call:{late}"), ("3. Done", "task:1"),
    ]  # fmt: skip
    assert not [c for c in bot.fake.sent("sendMessage", OTTO)]
    with db.transaction() as s:
        assert queue_due(s, clock, bot.channel.services.settings.zone, 8) == []
    assert await bot.run_jobs() == 0

    digest_id = int(digest.result["message_id"])
    approved = await _press(bot, digest_id, "1. Approve")
    assert [label for label, _ in approved.buttons] == ["2. Hold 7 days", "2. I'll call", "3. Done"]
    request_id = int(request.result["message_id"])
    await bot.fake.wait_for(lambda c: c.method.startswith("editMessage") and int(c.params["message_id"]) == request_id
                            and "Approved" in str(c.params.get("text") or c.params.get("caption")))  # fmt: skip
    held = await _press(bot, digest_id, "2. Hold 7 days")
    assert [label for label, _ in held.buttons] == ["3. Done"]
    await bot.fake.wait_for_text(MIA, "Reminders wait until")
    done = await _press(bot, digest_id, "3. Done")
    assert done.buttons == []
    assert not [c for c in bot.fake.calls if c.method in ("editMessageText", "editMessageCaption")
                and int(c.params["message_id"]) == digest_id]  # fmt: skip
    with db.transaction() as s:
        assert s.get(Invoice, waiting).status is InvoiceStatus.APPROVED
        assert s.get(Invoice, late).reminders_held_until == clock.today() + dt.timedelta(days=7)
        assert s.execute(select(Task.state)).scalar_one() is TaskState.DONE

    digests = len([c for c in bot.fake.sent("sendMessage", MIA) if "Your day" in str(c.params.get("text"))])
    clock.advance(dt.timedelta(days=1))
    with db.transaction() as s:
        assert sorted(queue_due(s, clock, bot.channel.services.settings.zone, 8)) == [1, 2]
    clock.advance(dt.timedelta(days=1))  # the service was away for a day: yesterday's digest is not sent now
    assert await bot.run_jobs() == 2
    assert len([c for c in bot.fake.sent("sendMessage", MIA) if "Your day" in str(c.params.get("text"))]) == digests

    await bot.fake.send_text(OTTO, "/digest")
    assert await bot.fake.wait_for_text(OTTO, "Nothing waits for you today.", timeout=30)
    await bot.fake.send_text(MIA, "/digest")
    again = await bot.fake.wait_for(lambda c: c.chat_id == MIA and c.method == "sendMessage"
                                    and c is not digest and "Your day" in str(c.params.get("text")), timeout=30)  # fmt: skip
    assert "reminders held until" in str(again[0].params["text"]) and [b for b, _ in again[0].buttons][0] == "1. Hold 7 days"
