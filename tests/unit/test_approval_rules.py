"""Approval rules without a database: routing, who may decide, second approvals, follow-ups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from invoicing.approvals import (
    FollowUp,
    PendingState,
    Person,
    due_follow_ups,
    may_decide,
    may_edit,
    must_reapprove,
    needs_second_approval,
    new_token,
    route,
    second_approvers,
)  # fmt: skip
from invoicing.domain import InvoiceStatus, Role

MANAGER = Person(1, Role.MANAGER, 501)
UNREACHABLE = Person(2, Role.MANAGER, None)
ADMIN = Person(3, Role.ADMIN, 503)
ADMIN_2 = Person(4, Role.ADMIN, 504)
ADMIN_OFFLINE = Person(5, Role.ADMIN, None)
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)


def test_the_vendors_manager_is_asked_else_every_reachable_admin():
    admins = [ADMIN, ADMIN_2, ADMIN_OFFLINE]
    assert route(MANAGER, admins) == [MANAGER]
    assert route(None, admins) == [ADMIN, ADMIN_2]
    assert route(UNREACHABLE, admins) == [ADMIN, ADMIN_2]


def test_a_second_approval_is_asked_of_the_other_admins():
    assert second_approvers(ADMIN.id, [ADMIN, ADMIN_2]) == [ADMIN_2]
    assert second_approvers(MANAGER.id, [ADMIN, ADMIN_2]) == [ADMIN, ADMIN_2]


def test_amounts_above_the_threshold_or_unread_need_a_second_approval():
    assert not needs_second_approval(Decimal("5000.00"), Decimal("5000"))
    assert needs_second_approval(Decimal("5000.01"), Decimal("5000"))
    assert needs_second_approval(None, Decimal("5000"))
    assert not needs_second_approval(Decimal("1e9"), None)


def test_only_the_approver_or_an_admin_decides_and_the_second_approval_needs_another_admin():
    assert may_decide(MANAGER, approver_id=MANAGER.id, step=1, first_decider_id=None)
    assert not may_decide(UNREACHABLE, approver_id=MANAGER.id, step=1, first_decider_id=None)
    assert may_decide(ADMIN, approver_id=MANAGER.id, step=1, first_decider_id=None)
    assert not may_decide(MANAGER, approver_id=MANAGER.id, step=2, first_decider_id=None)
    assert not may_decide(ADMIN, approver_id=ADMIN.id, step=2, first_decider_id=ADMIN.id)
    assert may_decide(ADMIN_2, approver_id=ADMIN.id, step=2, first_decider_id=ADMIN.id)


def test_a_pending_request_is_reminded_once_then_escalated_once():
    fresh = PendingState(1, T0, None, None)
    assert due_follow_ups([fresh], T0 + DAY - dt.timedelta(seconds=1), DAY) == []
    assert due_follow_ups([fresh], T0 + DAY, DAY) == [(1, FollowUp.REMIND)]
    reminded = PendingState(1, T0, T0 + DAY, None)
    assert due_follow_ups([reminded], T0 + DAY + DAY / 2, DAY) == []
    assert due_follow_ups([reminded], T0 + 2 * DAY, DAY) == [(1, FollowUp.ESCALATE)]
    assert due_follow_ups([PendingState(1, T0, T0 + DAY, T0 + 2 * DAY)], T0 + 30 * DAY, DAY) == []
    # an admin's escalated copy is born escalated: nothing more follows it
    assert due_follow_ups([PendingState(2, T0, None, T0)], T0 + 30 * DAY, DAY) == []


def test_tokens_are_opaque_unique_and_fit_in_callback_data():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) == 22 and len(f"a:{t}".encode()) <= 64 for t in tokens)


def test_payment_alerts_need_a_second_approval_whatever_the_total():
    alert = ("IBAN changed from DE89 3704 0044 0532 0130 00 to GB33 BUKB 2020 1555 5555 55 since invoice #12",)
    assert needs_second_approval(Decimal("10.00"), None, alerts=alert)
    assert needs_second_approval(Decimal("10.00"), Decimal("5000"), alerts=alert)
    assert not needs_second_approval(Decimal("10.00"), Decimal("5000"), alerts=())


def test_only_an_admin_or_someone_asked_to_approve_may_edit_an_invoice():
    asked = {MANAGER.id}
    assert may_edit(Role.ADMIN, None, asked)  # the command line acts as an admin
    assert may_edit(Role.ADMIN, ADMIN.id, asked)
    assert may_edit(Role.MANAGER, MANAGER.id, asked)
    assert not may_edit(Role.MANAGER, UNREACHABLE.id, asked)
    assert not may_edit(Role.MANAGER, None, asked)


def test_a_payment_field_changed_after_approval_or_while_asked_needs_a_fresh_round():
    for field in ("seller_iban", "total", "currency", "payment_reference", "due_date"):
        assert must_reapprove(field, InvoiceStatus.APPROVED, asked=True)
        assert must_reapprove(field, InvoiceStatus.PENDING_APPROVAL, asked=True)
        assert must_reapprove(field, InvoiceStatus.PARTLY_PAID, asked=True)
        assert not must_reapprove(field, InvoiceStatus.PENDING_APPROVAL, asked=False)
    assert not must_reapprove("buyer_name", InvoiceStatus.APPROVED, asked=True)
    assert not must_reapprove("number", InvoiceStatus.APPROVED, asked=True)
