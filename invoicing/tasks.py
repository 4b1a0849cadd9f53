"""Tasks for people: "collect payment" for each issued invoice, "call the customer"... Use cases.

A task belongs to an invoice (or to nothing) and to the person it is assigned to; it is open
until someone (or what it waits for, a payment) closes it. Nothing is deleted: a task ends done
or cancelled, with when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.clock import Clock
from invoicing.db.models import Task, User
from invoicing.domain import TaskState
from invoicing.errors import InvalidTransition, NotAuthorised, NotFound

COLLECT_PAYMENT = "collect_payment"
CALL_CUSTOMER = "call_customer"


@dataclass(frozen=True, slots=True)
class TaskView:
    id: int
    kind: str
    title: str
    state: TaskState
    invoice_id: int | None
    assignee_id: int | None
    assignee: str | None
    due_on: dt.date | None
    created_at: dt.datetime
    closed_at: dt.datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "state": self.state.value,
            "invoice_id": self.invoice_id, "assignee_id": self.assignee_id, "assignee": self.assignee,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "created_at": self.created_at.isoformat(), "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }  # fmt: skip


def open_task(
    session: Session, clock: Clock, *, kind: str, title: str, invoice_id: int | None = None,
    assignee_id: int | None = None, due_on: dt.date | None = None, actor: str = "system",
) -> Task:  # fmt: skip
    """Open a task (at most one open task of a kind per invoice) and return it."""
    if invoice_id is not None:
        query = select(Task).where(Task.kind == kind, Task.invoice_id == invoice_id, Task.state == TaskState.OPEN)
        existing = session.execute(query).scalar()
        if existing is not None:
            return existing
    task = Task(kind=kind, invoice_id=invoice_id, title=title[:500], state=TaskState.OPEN, assignee_id=assignee_id,
                due_on=due_on, created_at=clock.now())  # fmt: skip
    session.add(task)
    session.flush()
    audit.record(
        session, clock, actor=actor, action="task.opened", entity_type="task", entity_id=task.id,
        after={"kind": kind, "title": task.title, "invoice_id": invoice_id, "assignee_id": assignee_id},
    )  # fmt: skip
    return task


def close_tasks(session: Session, clock: Clock, *, invoice_id: int, kind: str, actor: str, state: TaskState = TaskState.DONE) -> list[int]:
    """Close the open tasks of a kind for an invoice (a payment closes "collect payment"); return their ids."""
    query = select(Task).where(Task.kind == kind, Task.invoice_id == invoice_id, Task.state == TaskState.OPEN)
    closed = []
    for task in session.execute(query).scalars():
        _close(session, clock, task, state, actor)
        closed.append(task.id)
    return closed


def close_task(
    session: Session, clock: Clock, task_id: int, actor: str, state: TaskState = TaskState.DONE,
    *, by_user_id: int | None = None, by_admin: bool = True,
) -> TaskView:  # fmt: skip
    """Mark one open task done (or cancelled) and return it; only its assignee or an admin may."""
    task = session.get(Task, task_id, with_for_update=True)
    if task is None:
        raise NotFound("task", task_id)
    if not by_admin and task.assignee_id is not None and task.assignee_id != by_user_id:
        raise NotAuthorised(actor, f"close task {task_id}, which is someone else's")
    if task.state is not TaskState.OPEN:
        raise InvalidTransition(task_id, task.state.value, state.value)
    _close(session, clock, task, state, actor)
    return _view(session, task)


def _close(session: Session, clock: Clock, task: Task, state: TaskState, actor: str) -> None:
    task.state, task.closed_at = state, clock.now()
    audit.record(session, clock, actor=actor, action=f"task.{state.value}", entity_type="task", entity_id=task.id,
                 before={"state": TaskState.OPEN}, after={"state": state})  # fmt: skip


def _view(session: Session, task: Task) -> TaskView:
    assignee = session.get(User, task.assignee_id) if task.assignee_id else None
    return TaskView(task.id, task.kind, task.title, task.state, task.invoice_id, task.assignee_id,
                    assignee.name if assignee else None, task.due_on, task.created_at, task.closed_at)  # fmt: skip


def list_tasks(session: Session, *, assignee_id: int | None = None, include_closed: bool = False, limit: int = 100) -> list[TaskView]:
    """Return tasks, open ones first by due date; only one person's when `assignee_id` is given."""
    query = select(Task)
    if not include_closed:
        query = query.where(Task.state == TaskState.OPEN)
    if assignee_id is not None:
        query = query.where(Task.assignee_id == assignee_id)
    query = query.order_by(Task.state, Task.due_on.is_(None), Task.due_on, Task.id).limit(limit)
    return [_view(session, task) for task in session.execute(query).scalars()]
