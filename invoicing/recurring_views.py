"""Read models of recurring plans: a plan as the CLI and the chat show it (and `--json` prints it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, field_serializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing import recurrence
from invoicing.billing import LineItem, price
from invoicing.db.models import Contact, Invoice, RecurringPlan
from invoicing.errors import NotFound
from invoicing.recurrence import Every, Schedule


class PlanState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    #: Its count or end date is reached: nothing more to issue.
    ENDED = "ended"


class PlanView(BaseModel):
    id: int
    customer_id: int
    customer: str
    every: Every
    interval: int
    day: int
    schedule: str
    start_on: dt.date
    #: The next period to issue; None once the plan has ended.
    next_on: dt.date | None
    until: dt.date | None
    count: int | None
    issued_count: int
    send: bool
    state: PlanState
    currency: str
    #: What one invoice of the plan comes to.
    total: Decimal
    lines: list[dict[str, str]]
    created_at: dt.datetime

    @field_serializer("total", when_used="json")
    def _decimal_as_string(self, value: Decimal) -> str:
        return str(value)


class PlanInvoice(BaseModel):
    id: int
    number: str | None
    period: str
    issue_date: dt.date | None
    total: Decimal | None
    status: str

    @field_serializer("total", when_used="json")
    def _decimal_as_string(self, value: Decimal | None) -> str | None:
        return None if value is None else str(value)


class PlanDetail(PlanView):
    invoices: list[PlanInvoice]


def schedule_of(plan: RecurringPlan) -> Schedule:
    """Return when a stored plan bills."""
    every = Every(plan.interval_unit)
    return Schedule(every, plan.start_on, plan.day or recurrence.default_day(every, plan.start_on),
                    plan.interval_count, plan.end_on, plan.max_count)  # fmt: skip


def state_of(plan: RecurringPlan) -> PlanState:
    if recurrence.ended(schedule_of(plan), next_on=plan.next_run_on, issued=plan.issued_count):
        return PlanState.ENDED
    return PlanState.ACTIVE if plan.active else PlanState.PAUSED


def items_of(plan: RecurringPlan) -> tuple[LineItem, ...]:
    return tuple(LineItem.from_json(line) for line in plan.lines)


def view(session: Session, plan: RecurringPlan) -> PlanView:
    """Return a plan as the CLI and the chat show it."""
    schedule, state = schedule_of(plan), state_of(plan)
    contact = session.get(Contact, plan.contact_id)
    return PlanView(
        id=plan.id, customer_id=plan.contact_id, customer=contact.name if contact else "?", every=schedule.every,
        interval=schedule.interval, day=schedule.day, schedule=recurrence.describe(schedule),
        start_on=plan.start_on, next_on=None if state is PlanState.ENDED else plan.next_run_on,
        until=plan.end_on, count=plan.max_count, issued_count=plan.issued_count, send=plan.send, state=state,
        currency=plan.currency, total=price(items_of(plan)).total, lines=list(plan.lines), created_at=plan.created_at,
    )  # fmt: skip


def find_plan(session: Session, plan_id: int, *, lock: bool = False) -> RecurringPlan:
    """Return a live plan (its row locked for the transaction with `lock`)."""
    query = select(RecurringPlan).where(RecurringPlan.id == plan_id, RecurringPlan.archived_at.is_(None))
    plan = session.execute(query.with_for_update() if lock else query).scalar()
    if plan is None:
        raise NotFound("recurring plan", plan_id)
    return plan


def list_plans(session: Session) -> list[PlanView]:
    """Return every plan, oldest first."""
    query = select(RecurringPlan).where(RecurringPlan.archived_at.is_(None)).order_by(RecurringPlan.id)
    return [view(session, plan) for plan in session.execute(query).scalars()]


def show_plan(session: Session, plan_id: int) -> PlanDetail:
    """Return one plan with the invoices it issued, oldest period first."""
    plan = find_plan(session, plan_id)
    query = select(Invoice).where(Invoice.recurring_plan_id == plan_id).order_by(Invoice.recurring_period)
    invoices = [
        PlanInvoice(id=i.id, number=i.number, period=i.recurring_period or "", issue_date=i.issue_date,
                    total=i.total, status=i.status.value)  # fmt: skip
        for i in session.execute(query).scalars()
    ]
    return PlanDetail(**view(session, plan).model_dump(), invoices=invoices)
