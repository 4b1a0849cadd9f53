"""Commands about people's tasks: `tasks list`, `tasks done`."""

from __future__ import annotations

import json

import click

from bot.cli.root import app_of, emit, fail, json_option


@click.group()
def tasks() -> None:
    """Tasks for people: collect a payment, call a customer."""


@tasks.command("list")
@click.option("--user", "user_id", type=int, help="Only this user's tasks.")
@click.option("--all", "include_closed", is_flag=True, help="Closed tasks too.")
@json_option
@click.pass_context
def tasks_list(ctx: click.Context, user_id: int | None, include_closed: bool, as_json: bool) -> None:
    """List open tasks, the soonest due first."""
    from invoicing import tasks as task_cases

    with app_of(ctx).db.transaction() as session:
        found = task_cases.list_tasks(session, assignee_id=user_id, include_closed=include_closed)
    if as_json:
        click.echo(json.dumps([t.to_json() for t in found], ensure_ascii=False))
        return
    if not found:
        click.echo("no tasks")
    for t in found:
        due = f"due {t.due_on}" if t.due_on else "no due date"
        click.echo(f"#{t.id:<5} {t.state.value:<9} {due:<15} {t.assignee or '-':<16} {t.title}")


@tasks.command("done")
@click.argument("task_id", type=int)
@json_option
@click.pass_context
def tasks_done(ctx: click.Context, task_id: int, as_json: bool) -> None:
    """Mark a task done."""
    from invoicing import tasks as task_cases
    from invoicing.errors import InvoicingError

    app = app_of(ctx)
    try:
        with app.db.transaction() as session:
            view = task_cases.close_task(session, app.clock, task_id, "cli")
    except InvoicingError as e:
        fail(str(e))
    emit(view.to_json(), as_json, lambda: f"task {task_id} done")


COMMANDS = (tasks,)
