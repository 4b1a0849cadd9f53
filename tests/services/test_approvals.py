"""Approval use cases, corrections and payments on a real database with a fixed clock."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from invoicing import approvals, audit, corrections, directory, payments
from invoicing.approvals import Outcome
from invoicing.db.models import Approval, Invoice, Job, Payment
from invoicing.domain import ApprovalState, Direction, InvoiceStatus, Role
from invoicing.errors import InvalidTransition, InvoicingError
from invoicing.receiving import receive
from tests.services.test_receiving import extraction, incoming

MANAGER, ADMIN = 501, 503


def setup_people(db, clock, *, with_manager: bool = True) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        manager = directory.add_user(s, clock, name="Mia", role=Role.MANAGER, telegram_user_id=MANAGER)
        directory.add_user(s, clock, name="Ada", role=Role.ADMIN, telegram_user_id=ADMIN)
        directory.add_contact(s, clock, directory.ContactInput(
            name="Lieferant GmbH", vat_id="DE123456788", manager_id=manager.id if with_manager else None))  # fmt: skip


def sent_request(db, clock, invoice_id: int) -> approvals.Ticket:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        [ticket] = approvals.open_step(s, clock, invoice_id)
        assert approvals.begin_send(s, ticket.approval_id, ticket.chat_id)
        approvals.sent(s, ticket.approval_id, ticket.chat_id, 77)
    return ticket


def test_given_a_vendor_without_manager_then_every_admin_is_asked_once(db, clock, store):
    setup_people(db, clock, with_manager=False)
    received = receive(db, clock, store, incoming(), extraction())
    with db.transaction() as s:
        first = approvals.open_step(s, clock, received.invoice_id)
    with db.transaction() as s:
        again = approvals.open_step(s, clock, received.invoice_id)
        assert approvals.begin_send(s, first[0].approval_id, ADMIN)
    with db.transaction() as s:
        assert approvals.open_step(s, clock, received.invoice_id) == []
        assert not approvals.begin_send(s, first[0].approval_id, ADMIN)
    assert [t.chat_id for t in first] == [ADMIN] and again == first


def test_given_two_presses_at_once_then_exactly_one_decision_wins(db, clock, store):
    setup_people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    ticket = sent_request(db, clock, received.invoice_id)
    results: list[approvals.Result] = []
    start = threading.Barrier(2)

    def press(telegram_user_id: int) -> None:
        start.wait()
        with db.transaction() as s:
            results.append(approvals.decide_by_token(s, clock, ticket.token, telegram_user_id, approve=True))

    threads = [threading.Thread(target=press, args=(who,)) for who in (MANAGER, ADMIN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.outcome.value for r in results) == ["already", "decided"]
    with db.transaction() as s:
        actions = [e.action for e in audit.trail(s, "invoice", received.invoice_id)]
    assert actions.count("invoice.approved") == 1


def test_given_an_expired_or_forged_token_then_refused(db, clock, store):
    setup_people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    ticket = sent_request(db, clock, received.invoice_id)
    with db.transaction() as s:
        assert approvals.decide_by_token(s, clock, "forged", MANAGER, approve=True).outcome is Outcome.INVALID
    clock.advance(approvals.TOKEN_TTL + dt.timedelta(seconds=1))
    with db.transaction() as s:
        assert approvals.decide_by_token(s, clock, ticket.token, MANAGER, approve=True).outcome is Outcome.INVALID
        assert s.get(Invoice, received.invoice_id).status is InvoiceStatus.PENDING_APPROVAL


def test_given_a_reject_by_command_then_a_reason_is_needed_and_kept(db, clock, store):
    setup_people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    sent_request(db, clock, received.invoice_id)
    with db.transaction() as s:
        asked = approvals.decide_by_invoice(s, clock, received.invoice_id, MANAGER, approve=False, reason=" ")
        done = approvals.decide_by_invoice(s, clock, received.invoice_id, MANAGER, approve=False, reason="wrong")
    assert (asked.outcome, done.outcome, done.reason) == (Outcome.ASK_REASON, Outcome.DECIDED, "wrong")
    with db.transaction() as s:
        approval = s.execute(select(Approval)).scalar_one()
        assert (approval.state, approval.reason) == (ApprovalState.REJECTED, "wrong")


def test_given_time_passes_then_follow_ups_are_enqueued_once_each(db, clock, store):
    setup_people(db, clock)
    received = receive(db, clock, store, incoming(), extraction())
    sent_request(db, clock, received.invoice_id)
    day = dt.timedelta(hours=24)
    clock.advance(day)
    with db.transaction() as s:
        assert len(approvals.plan_follow_ups(s, clock, day)) == 1
        assert approvals.plan_follow_ups(s, clock, day) == []
    clock.advance(day)
    with db.transaction() as s:
        assert len(approvals.plan_follow_ups(s, clock, day)) == 1
        kinds = sorted(j.kind for j in s.execute(select(Job)).scalars())
    assert kinds == ["approval.escalate", "approval.remind", "approval.request"]
    with db.transaction() as s:
        [ticket] = approvals.open_escalation(s, clock, s.execute(select(Approval.id)).scalar_one())
        assert ticket.chat_id == ADMIN


def test_given_a_correction_then_the_field_changes_with_an_audited_before_and_after(db, clock, store):
    received = receive(db, clock, store, incoming(), extraction())
    with db.transaction() as s:
        change = corrections.correct_field(s, clock, received.invoice_id, "due_date", "15.04.2026", corrections.LOCAL_ADMIN)
        assert s.get(Invoice, received.invoice_id).due_date == dt.date(2026, 4, 15)
        event = audit.trail(s, "invoice", received.invoice_id)[-1]
    assert change.before == dt.date(2026, 3, 29)
    assert (event.action, event.before, event.after) == ("invoice.corrected", {"due_date": "2026-03-29"}, {"due_date": "2026-04-15"})
    with pytest.raises(InvoicingError, match="not a field"), db.transaction() as s:
        corrections.correct_field(s, clock, received.invoice_id, "status", "paid", corrections.LOCAL_ADMIN)
    with pytest.raises(InvoicingError, match="not an amount"), db.transaction() as s:
        corrections.correct_field(s, clock, received.invoice_id, "total", "lots", corrections.LOCAL_ADMIN)


def test_given_payments_then_partly_paid_then_paid_and_no_longer_overdue(db, clock, store):
    received = receive(db, clock, store, incoming(), extraction(due_date=dt.date(2026, 3, 1)))
    with db.transaction() as s:
        with pytest.raises(InvalidTransition):
            payments.record_payment(s, clock, "RE-2026-001", actor="t")
    with db.transaction() as s:
        s.get(Invoice, received.invoice_id).status = InvoiceStatus.APPROVED
        assert [i.id for i in payments.overdue(s, clock.today())] == [received.invoice_id]
        assert payments.overdue(s, clock.today(), Direction.OUT) == []
    with db.transaction() as s:
        part = payments.record_payment(s, clock, "RE-2026-001", amount=Decimal("19"), actor="t")
    with pytest.raises(InvoicingError, match="more than"), db.transaction() as s:
        payments.record_payment(s, clock, f"#{received.invoice_id}", amount=Decimal("200"), actor="t")
    with db.transaction() as s:
        rest = payments.record_payment(s, clock, f"#{received.invoice_id}", paid_on=dt.date(2026, 3, 3), actor="t")
        assert payments.overdue(s, clock.today()) == []
        assert sorted(p.amount for p in s.execute(select(Payment)).scalars()) == [Decimal("19.00"), Decimal("100.00")]
        actions = [e.action for e in audit.trail(s, "invoice", received.invoice_id)]
    assert (part.status, part.open_amount) == (InvoiceStatus.PARTLY_PAID, Decimal("100.00"))
    assert (rest.status, rest.amount, rest.open_amount) == (InvoiceStatus.PAID, Decimal("100.00"), Decimal("0.00"))
    assert actions.count("invoice.payment_recorded") == 2
