"""Use cases of recurring invoices: add a plan, pause and resume it, and issue every period that
is due (`issue_due`, which the scheduler's tick calls). Plans as shown: `recurring_views`.

When a plan bills is the pure `recurrence` module's business; here the plan's row keeps where it
stands: `next_run_on` (the next period still to issue) and `issued_count`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from invoicing import audit, issuing, recurrence
from invoicing.approvals import Person, actor_of
from invoicing.billing import LineItem, price
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import Contact, Invoice, RecurringPlan, User
from invoicing.errors import InvoicingError, NotAuthorised, NotFound
from invoicing.issuing import InvoiceRequest, IssuingPolicy
from invoicing.recurrence import Every, Period, Schedule
from invoicing.recurring_views import (
    PlanState,
    PlanView,
    find_plan,
    items_of,
    schedule_of,
    state_of,
    view,
)

log = logging.getLogger(__name__)

#: "Period" on the invoice, in the languages invoices are written in (`issuing.LANGUAGES`).
PERIOD_NOTE = {"en": "Period", "de": "Zeitraum", "fr": "Période", "da": "Periode"}


class PlanStateError(InvoicingError):
    """The plan cannot be paused or resumed as it stands (already paused, ended...)."""


@dataclass(frozen=True, slots=True)
class PlanInput:
    """A recurring plan as a person asks for it."""

    customer_id: int
    every: Every
    lines: tuple[LineItem, ...]
    #: Weekday (1 Monday .. 7 Sunday) or day of the month; default: the start's.
    day: int | None = None
    currency: str | None = None
    #: Default: today.
    start_on: dt.date | None = None
    until: dt.date | None = None
    count: int | None = None
    send: bool = False


@dataclass(frozen=True, slots=True)
class PlanChange:
    plan: PlanView
    #: The periods a resumed plan skipped while it was paused (not issued; issue them by hand).
    skipped: tuple[dt.date, ...] = ()


def add_plan(session: Session, clock: Clock, data: PlanInput, actor: str, default_currency: str = "EUR") -> RecurringPlan:
    """Record a recurring plan for a customer and return it; its first period is its next date."""
    contact = session.get(Contact, data.customer_id)
    if contact is None or contact.archived_at is not None:
        raise NotFound("customer", data.customer_id)
    if data.until is not None and data.count is not None:
        raise InvoicingError("a plan ends on a date or after a count of invoices, not both")
    price(data.lines)  # a line that cannot be priced is refused now, not at the first tick
    currency = (data.currency or contact.currency or default_currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvoicingError(f"currency {currency!r}: use a three-letter code such as EUR")
    start = data.start_on or clock.today()
    schedule = Schedule(data.every, start, data.day or recurrence.default_day(data.every, start),
                        until=data.until, count=data.count)  # fmt: skip
    first = next(recurrence.periods(schedule), None)
    if first is None:
        raise recurrence.InvalidSchedule(f"the plan ends on {data.until}, before its first period")
    plan = RecurringPlan(
        contact_id=contact.id, lines=[line.to_json() for line in data.lines], currency=currency,
        interval_unit=schedule.every.value, interval_count=schedule.interval, day=schedule.day, start_on=start,
        next_run_on=first.on, end_on=data.until, max_count=data.count, issued_count=0, send=data.send,
        active=True, created_at=clock.now(),
    )  # fmt: skip
    session.add(plan)
    session.flush()
    audit.record(
        session, clock, actor=actor, action="plan.added", entity_type="recurring_plan", entity_id=plan.id,
        after={"customer": contact.id, "every": schedule.every, "day": schedule.day, "start_on": start,
               "first": first.on, "until": data.until, "count": data.count, "send": data.send,
               "currency": currency, "lines": plan.lines},
    )  # fmt: skip
    return plan


def pause(session: Session, clock: Clock, plan_id: int, actor: str) -> PlanChange:
    """Stop a plan issuing until it is resumed; return it."""
    plan = find_plan(session, plan_id, lock=True)
    state = state_of(plan)
    if state is not PlanState.ACTIVE:
        raise PlanStateError(f"recurring plan {plan_id} is {state.value}; only an active plan can be paused")
    plan.active = False
    session.flush()
    audit.record(session, clock, actor=actor, action="plan.paused", entity_type="recurring_plan",
                 entity_id=plan.id, before={"active": True}, after={"active": False})  # fmt: skip
    return PlanChange(view(session, plan))


def resume(session: Session, clock: Clock, plan_id: int, actor: str) -> PlanChange:
    """Let a paused plan issue again from today on; the periods it skipped while paused are not
    issued (a person who wants them issues them by hand). Return it and those periods."""
    plan = find_plan(session, plan_id, lock=True)
    state = state_of(plan)
    if state is not PlanState.PAUSED:
        raise PlanStateError(f"recurring plan {plan_id} is {state.value}; only a paused plan can be resumed")
    schedule, today, before = schedule_of(plan), clock.today(), plan.next_run_on
    skipped = tuple(p.on for p in recurrence.skipped(schedule, next_on=before, today=today))
    plan.next_run_on = recurrence.resumed_on(schedule, next_on=before, today=today)
    # A plan whose last periods all fell while it was paused has nothing left: it ends.
    plan.active = not recurrence.ended(schedule, next_on=plan.next_run_on, issued=plan.issued_count)
    session.flush()
    audit.record(
        session, clock, actor=actor, action="plan.resumed", entity_type="recurring_plan", entity_id=plan.id,
        before={"active": False, "next_run_on": before},
        after={"active": plan.active, "next_run_on": plan.next_run_on, "skipped": list(skipped)},
    )  # fmt: skip
    return PlanChange(view(session, plan), skipped)


def change_by_chat(session: Session, clock: Clock, plan_id: int, telegram_user_id: int, *, active: bool) -> PlanChange:
    """Resume (`active`) or pause a plan for a chat user, who must be an admin or the customer's manager."""
    query = select(User).where(User.telegram_user_id == telegram_user_id, User.archived_at.is_(None))
    user = session.execute(query).scalar()
    plan = find_plan(session, plan_id)
    contact = session.get(Contact, plan.contact_id)
    what = f"{'resume' if active else 'pause'} recurring plan {plan_id} (admins and the customer's manager may)"
    if user is None:
        raise NotAuthorised(f"telegram user {telegram_user_id}", what)
    if not recurrence.may_change(Person(user.id, user.role, user.telegram_user_id), contact.manager_id if contact else None):
        raise NotAuthorised(user.name, what)
    return (resume if active else pause)(session, clock, plan_id, actor_of(user))


# --- the scheduler -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanFailure:
    """A period a plan could not issue; it is tried again at the next tick."""

    plan_id: int
    period: str
    reason: str


@dataclass(frozen=True, slots=True)
class DueRun:
    """What one `issue_due` did: the invoices it issued and the plans that failed."""

    issued: tuple[int, ...]
    failures: tuple[PlanFailure, ...]


def any_due(session: Session, today: dt.date) -> bool:
    """Return whether some active plan has a period due by `today` (a cheap check before issuing)."""
    query = select(RecurringPlan.id).where(
        RecurringPlan.active.is_(True), RecurringPlan.archived_at.is_(None), RecurringPlan.next_run_on <= today
    )  # fmt: skip
    return session.execute(query.limit(1)).first() is not None


def issue_due(db: Database, clock: Clock, policy: IssuingPolicy, actor: str = "scheduler") -> DueRun:
    """Issue every due period of every active plan once, each in its own transaction; return the
    invoices issued and the plans that failed (logged; their periods wait for the next tick).

    Safe to run in several processes at once and again at once: the plan row is locked while a
    period is issued, and the unique (plan, period) key refuses a second invoice for a period
    whatever happens, the loser rolling back and going on.
    """
    today = clock.today()
    with db.transaction() as session:
        query = select(RecurringPlan.id).where(
            RecurringPlan.active.is_(True), RecurringPlan.archived_at.is_(None), RecurringPlan.next_run_on <= today
        )  # fmt: skip
        plan_ids = list(session.execute(query.order_by(RecurringPlan.id)).scalars())
    issued: list[int] = []
    failures: list[PlanFailure] = []
    for plan_id in plan_ids:
        invoices, failure = _issue_plan(db, clock, policy, plan_id, today, actor)
        issued += invoices
        if failure is not None:
            failures.append(failure)
    if issued or failures:
        log.info("recurring plans: %s invoices issued, %s plans failed", len(issued), len(failures))
    return DueRun(tuple(issued), tuple(failures))


def _issue_plan(
    db: Database, clock: Clock, policy: IssuingPolicy, plan_id: int, today: dt.date, actor: str
) -> tuple[list[int], PlanFailure | None]:
    """Issue a plan's due periods in order; return the invoices issued and the first failure."""
    issued: list[int] = []
    last: dt.date | None = None
    while True:
        period: Period | None = None
        try:
            with db.transaction() as session:
                period = _next_due(session, plan_id, today)
                if period is None:
                    return issued, None
                if last is not None and period.on <= last:  # never loop on a plan that does not advance
                    raise InvoicingError(f"the plan's next period does not move past {last}")
                last = period.on
                invoice_id = _issue_period(session, clock, policy, plan_id, period, actor)
            issued.append(invoice_id)
        except IntegrityError as e:
            if period is None or not _already_issued(db, clock, plan_id, period, actor):
                return issued, _failed(plan_id, period, e)
            log.info("recurring plan %s: period %s was issued already", plan_id, period.key, extra={"plan_id": plan_id})
        except Exception as e:  # noqa: BLE001 - one bad plan must not stop the others
            return issued, _failed(plan_id, period, e)


def _next_due(session: Session, plan_id: int, today: dt.date) -> Period | None:
    """Return the plan's oldest due period (locking its row), or None when it has none."""
    plan = find_plan(session, plan_id, lock=True)
    if not plan.active:
        return None
    found = recurrence.due(schedule_of(plan), next_on=plan.next_run_on, issued=plan.issued_count, today=today)
    return found[0] if found else None


def _issue_period(
    session: Session, clock: Clock, policy: IssuingPolicy, plan_id: int, period: Period, actor: str
) -> int:
    """Issue one period of a plan and advance the plan past it; return the invoice's id."""
    plan = find_plan(session, plan_id)
    schedule = schedule_of(plan)
    contact = session.get(Contact, plan.contact_id)
    language = ((contact.language if contact else None) or policy.language).lower()
    period_end = recurrence.after(schedule, period) - dt.timedelta(days=1)
    note = f"{PERIOD_NOTE.get(language, PERIOD_NOTE['en'])}: {period.on.isoformat()} – {period_end.isoformat()}"
    request = InvoiceRequest(plan.contact_id, items_of(plan), currency=plan.currency, note=note)
    invoice = issuing.create_draft(session, clock, request, policy, actor)
    invoice.recurring_plan_id, invoice.recurring_period = plan.id, period.key
    session.flush()  # the unique (plan, period) key answers here, before a number is taken
    issuing.issue(session, clock, invoice.id, policy, actor, send=plan.send)
    _advance(session, clock, plan, period, actor, invoice.id)
    return invoice.id


def _advance(session: Session, clock: Clock, plan: RecurringPlan, period: Period, actor: str, invoice_id: int | None) -> None:
    """Move a plan's next date past `period`, count its invoices, and end it when nothing is left."""
    schedule = schedule_of(plan)
    plan.next_run_on = max(plan.next_run_on, recurrence.after(schedule, period))
    count = select(func.count()).select_from(Invoice).where(Invoice.recurring_plan_id == plan.id)
    plan.issued_count = session.execute(count).scalar_one()
    ended = recurrence.ended(schedule, next_on=plan.next_run_on, issued=plan.issued_count)
    if ended:
        plan.active = False
    session.flush()
    audit.record(
        session, clock, actor=actor, action="plan.issued", entity_type="recurring_plan", entity_id=plan.id,
        after={"period": period.key, "invoice": invoice_id, "next_run_on": plan.next_run_on,
               "issued_count": plan.issued_count, "ended": ended},
    )  # fmt: skip


def _already_issued(db: Database, clock: Clock, plan_id: int, period: Period, actor: str) -> bool:
    """Return whether the plan has an invoice for `period`; if so, bring the plan up to it."""
    with db.transaction() as session:
        query = select(Invoice.id).where(Invoice.recurring_plan_id == plan_id, Invoice.recurring_period == period.key)
        invoice_id = session.execute(query).scalar()
        if invoice_id is None:
            return False
        plan = find_plan(session, plan_id, lock=True)
        if plan.next_run_on <= period.on:
            _advance(session, clock, plan, period, actor, invoice_id)
        return True


def _failed(plan_id: int, period: Period | None, error: Exception) -> PlanFailure:
    key = period.key if period else "-"
    if isinstance(error, InvoicingError):
        log.warning("recurring plan %s: period %s not issued: %s", plan_id, key, error, extra={"plan_id": plan_id})
    else:
        log.error("recurring plan %s: period %s not issued", plan_id, key, exc_info=error, extra={"plan_id": plan_id})
    return PlanFailure(plan_id, key, str(error) or type(error).__name__)
