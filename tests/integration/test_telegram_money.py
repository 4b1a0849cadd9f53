"""Writing and chasing invoices by chat: /invoice with its PDF preview, /tasks, the question before
a final notice, /hold, /unmatched with buttons, and what the manager is told."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from bot.wiring import InProcessRenderer
from invoicing import bank_import, issuing, jobs, reminders
from invoicing.billing import parse_line
from invoicing.db.models import BankEntry, Invoice, Reminder, Task
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import InvoiceStatus, Role, TaskState
from invoicing.dunning import DunningSchedule
from invoicing.issuing import InvoiceRequest, IssuingPolicy
from invoicing.outgoing import RenderHandler
from invoicing.reminders import DunningPolicy
from invoicing.render import RenderOptions
from tests.bank_files import Entry, Tx, camt053
from tests.integration.fake_telegram import BotHarness, start_bot, stop_bot
from tests.services.test_issuing import SELLER, load_settings, seller_from_settings

MIA, OTTO, ADA = 7201, 7202, 7203  # Mia manages ACME; Otto manages nobody; Ada is an admin


@pytest.fixture
def policy() -> IssuingPolicy:
    return IssuingPolicy(seller_from_settings(load_settings(**SELLER)))


@pytest.fixture
async def bot(db, clock, store, reader, tmp_path, policy) -> AsyncIterator[BotHarness]:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MIA)
        add_user(s, clock, name="Otto", role=Role.MANAGER, telegram_user_id=OTTO)
        add_user(s, clock, name="Ada", role=Role.ADMIN, telegram_user_id=ADA)
        add_contact(s, clock, ContactInput(name="ACME GmbH", is_customer=True, country="DE", city="Köln",
                                           postcode="50667", address="Domplatz 1", email="ap@acme.example",
                                           manager_id=mia.id, payment_terms_days=14))  # fmt: skip
    renderer = InProcessRenderer(RenderOptions())
    dunning = DunningPolicy(DunningSchedule.parse("7:reminder_1,30:final_notice+final"), policy)
    harness = await start_bot(db, clock, store, reader, tmp_path / "var", services={
        "renderer": renderer, "issuing_policy": lambda: policy, "dunning_policy": lambda: dunning,
    })  # fmt: skip
    yield harness
    await stop_bot(harness)


async def say(bot: BotHarness, user: int, text: str, expect: str) -> str:
    before = len(bot.fake.calls)
    await bot.fake.send_text(user, text)
    [call] = await bot.fake.wait_for(
        lambda c: c in bot.fake.calls[before:] and c.chat_id == user
        and expect in (c.params.get("text") or c.params.get("caption") or ""), timeout=30
    )
    return str(call.params.get("text") or call.params.get("caption"))


async def press(bot: BotHarness, user: int, fragment: str, label: str, expect: str) -> str:
    """Press `label` on the newest message to `user` containing `fragment`; return the reply with `expect`."""
    [message] = [c for c in bot.fake.calls if c.chat_id == user and fragment in (c.params.get("text") or
                 c.params.get("caption") or "") and c.buttons][-1:]  # fmt: skip
    before = len(bot.fake.calls)
    await bot.fake.press(user, message, label)
    [call] = await bot.fake.wait_for(
        lambda c: c in bot.fake.calls[before:] and expect in (c.params.get("text") or c.params.get("caption") or ""),
        timeout=30,
    )
    return str(call.params.get("text") or call.params.get("caption") or "")


async def test_an_invoice_written_in_chat_is_previewed_then_issued_and_queued(bot, db):
    """GIVEN Mia WHEN she writes an invoice in chat THEN she picks the customer from suggestions,
    types lines, gets a PDF preview with Send/Edit/Cancel, and Send issues it with the next number."""
    await say(bot, MIA, "/invoice", "Who is the customer")
    await say(bot, MIA, "acme", "Which one?")
    await press(bot, MIA, "Which one?", "ACME GmbH", "Send the lines")
    assert "Line 1 added" in await say(bot, MIA, "Beratung; 10; 120; 19", "Line 1")
    assert "quantity" in await say(bot, MIA, "nonsense", "Try again")
    await say(bot, MIA, "Reisekosten; 1; 80,50; 19", "Line 2")
    preview = await say(bot, MIA, "/done", "Preview")
    assert "1.523,80 €" in preview or "€1,523.80" in preview
    [document] = [c for c in bot.fake.sent("sendDocument") if c.chat_id == MIA][-1:]
    assert document.files and next(iter(document.files.values()))[:5] == b"%PDF-"
    done = await press(bot, MIA, "Preview", "Send", "issued")
    assert "INV-2026-0001" in done
    with db.transaction() as s:
        invoice = s.execute(select(Invoice).where(Invoice.number == "INV-2026-0001")).scalar_one()
        assert invoice.status is InvoiceStatus.ISSUED and invoice.total == D("1523.80")
        assert s.execute(select(Invoice).where(Invoice.status == InvoiceStatus.DRAFT)).first() is None


async def test_cancel_drops_the_draft_and_tasks_list_mine_with_a_done_button(bot, db, clock, policy):
    await say(bot, MIA, "/invoice ACME", "Which one?")
    await press(bot, MIA, "Which one?", "ACME GmbH", "Send the lines")
    await say(bot, MIA, "X; 1; 10; 19", "Line 1")
    await say(bot, MIA, "/done", "Preview")
    await press(bot, MIA, "Preview", "Cancel", "cancelled")
    with db.transaction() as s:
        assert [i.status for i in s.execute(select(Invoice)).scalars()] == [InvoiceStatus.CANCELLED]
        issuing.issue_new(s, clock, InvoiceRequest(1, (parse_line("Y;1;10;19"),)), policy, "t")
    assert "Collect payment of INV-2026-0001" in await say(bot, MIA, "/tasks", "Collect payment")
    assert "No open tasks" in await say(bot, OTTO, "/tasks", "No open tasks")
    await press(bot, MIA, "Collect payment", "Done", "✅")
    with db.transaction() as s:
        assert s.execute(select(Task)).scalar_one().state is TaskState.DONE


async def test_the_manager_is_asked_before_the_final_notice_and_may_hold_or_call(bot, db, clock, policy):
    """GIVEN an invoice whose final notice is due tomorrow WHEN the tick runs THEN Mia gets the
    question with three buttons; Otto may not press them; "I'll call" opens her task and holds it."""
    with db.transaction() as s:
        invoice_id = issuing.issue_new(s, clock, InvoiceRequest(1, (parse_line("Z;1;100;19"),)), policy, "t")
        due = s.get(Invoice, invoice_id).due_date
    dunning = DunningPolicy(DunningSchedule.parse("7:reminder_1,30:final_notice+final"), policy)
    clock.at = dt.datetime.combine(due + dt.timedelta(days=29), dt.time(9), dt.UTC)
    run = reminders.send_due_reminders(bot.db, clock, dunning)
    assert run.sent == [(invoice_id, 1)] and run.final_tomorrow == [invoice_id]
    await bot.run_jobs()
    question = await bot.fake.wait_for_text(MIA, "final notice")
    assert [label for label, _ in question.buttons] == ["Send now", "Hold 7 days", "I'll call"]
    await bot.fake.press(OTTO, question, "I'll call")
    refused = await bot.fake.wait_for(lambda c: c.method == "answerCallbackQuery" and "manager" in str(c.params))
    assert refused
    answer = await press(bot, MIA, "final notice", "I'll call", "task to call")
    assert str(clock.today() + dt.timedelta(days=7)) in answer
    with db.transaction() as s:
        assert s.get(Invoice, invoice_id).reminders_held_until == clock.today() + dt.timedelta(days=7)
        assert s.execute(select(Task).where(Task.kind == "call_customer")).scalar_one().assignee_id is not None
    clock.advance(dt.timedelta(days=1))
    assert reminders.send_due_reminders(bot.db, clock, dunning).sent == []  # held


async def test_unmatched_payments_are_booked_by_an_admin_with_a_button(bot, db, clock, policy):
    with db.transaction() as s:
        invoice_id = issuing.issue_new(s, clock, InvoiceRequest(1, (parse_line("Z;1;100;19"),)), policy, "t")
    statement = camt053([Entry((Tx("119.00", name="Unknown payer", ustrd=("thanks",)),), ref="E1")])
    report = bank_import.import_statement(db, clock, statement, "s.xml", actor="t")
    assert report.left and not report.matched
    assert "Only an admin" in await say(bot, MIA, "/unmatched", "Only an admin")
    await say(bot, ADA, "/unmatched", "Unknown payer")
    before = len(bot.fake.calls)
    await say(bot, ADA, "/assign 1 INV-2026-0001", "booked")
    assert len(bot.fake.calls) > before
    with db.transaction() as s:
        assert s.get(Invoice, invoice_id).status is InvoiceStatus.PAID
        assert s.execute(select(BankEntry)).scalar_one().state == "assigned"
    await bot.run_jobs()
    paid = await bot.fake.wait_for_text(MIA, "is paid")
    assert "INV-2026-0001" in paid.params["text"]


async def test_hold_from_chat_postpones_reminders(bot, db, clock, policy):
    with db.transaction() as s:
        invoice_id = issuing.issue_new(s, clock, InvoiceRequest(1, (parse_line("Z;1;100;19"),)), policy, "t")
    assert "wait until" in await say(bot, MIA, "/hold INV-2026-0001 10", "wait until")
    assert "manager or an admin" in await say(bot, OTTO, "/hold INV-2026-0001", "Sorry")
    with db.transaction() as s:
        assert s.get(Invoice, invoice_id).reminders_held_until == clock.today() + dt.timedelta(days=10)
        assert s.execute(select(Reminder)).first() is None


async def test_a_rendered_invoice_is_stored_once(db, clock, store, policy):
    with db.transaction() as s:
        add_contact(s, clock, ContactInput(name="B AG", is_customer=True, country="DE", city="Bonn"))
        invoice_id = issuing.issue_new(s, clock, InvoiceRequest(1, (parse_line("Z;1;100;19"),)), policy, "t")
    handler = RenderHandler(db, clock, store, InProcessRenderer(RenderOptions()))
    assert await jobs.run_due(db, clock, {"invoice.render": handler}, "t") == 1
    with db.transaction() as s:
        document = s.get(Invoice, invoice_id).document
        assert document is not None and store.read(document.storage_path)[:5] == b"%PDF-"
