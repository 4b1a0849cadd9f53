"""`invoicebot digest`: today's chat digest now, or printed with --dry-run."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from bot.cli.root import app_of, fail, json_option

if TYPE_CHECKING:
    from bot.wiring import App
    from invoicing.digest import Digest


@dataclass(frozen=True, slots=True)
class Shown:
    """One person's digest as the command reports it."""

    user_id: int
    name: str
    key: str
    text: str | None
    buttons: list[list[str]]
    outcome: str = "would send"

    def to_json(self, day: dt.date) -> dict[str, object]:
        return {"user_id": self.user_id, "name": self.name, "day": day.isoformat(), "outcome": self.outcome,
                "text": self.text, "buttons": self.buttons}  # fmt: skip

    def to_text(self) -> str:
        head = f"user {self.user_id} ({self.name}): {self.outcome}"
        if self.text is None:
            return head
        rows = ["  " + " ".join(f"[{label}]" for label in row) for row in self.buttons]
        return "\n".join([head, *("  " + line for line in self.text.splitlines()), *rows])


@click.command()
@click.option("--user", "user_id", type=int, help="Only this user's digest (their user id).")
@click.option("--dry-run", is_flag=True, help="Print the digests; queue and send nothing.")
@json_option
@click.pass_context
def digest(ctx: click.Context, user_id: int | None, dry_run: bool, as_json: bool) -> None:
    """Send today's chat digest now, whatever the hour: each person's at most once a business
    day (the scheduled one counts), and only when something waits for them."""
    from invoicing import digest as digests
    from invoicing.digest_rules import digest_key

    app = app_of(ctx)
    if not dry_run and app.settings.telegram_token is None:
        fail("the chat is off (set INVOICEBOT_TELEGRAM_TOKEN); --dry-run prints the digests")
    day = app.clock.now().astimezone(app.settings.zone).date()
    with app.db.transaction() as session:
        people = digests.recipients(session)
        if user_id is not None:
            people = [u for u in people if u.id == user_id]
            if not people:
                fail(f"user {user_id} does not exist, is archived or has no Telegram id")
        found = [digests.digest_for(session, app.clock, u.id, day) for u in people]
    shown = [_show(app, d, digest_key(d.user_id, day)) for d in found]
    if not dry_run:
        shown = _send(app, shown, day)
    if as_json:
        click.echo(json.dumps([s.to_json(day) for s in shown], ensure_ascii=False))
    else:
        click.echo("\n".join(s.to_text() for s in shown) or "nobody gets a digest (no user with a Telegram id)")


def _show(app: App, found: Digest, key: str) -> Shown:
    from bot.telegram.digest_texts import digest_message
    from bot.telegram.formats import Formats, plain

    if found.empty:
        return Shown(found.user_id, found.name, key, None, [], "nothing waits")
    text, markup = digest_message(found, Formats(app.settings.language, app.settings.zone), app.settings.reminder_hold_days)
    buttons = [[b.text for b in row] for row in markup.inline_keyboard] if markup else []
    return Shown(found.user_id, found.name, key, plain(text), buttons)


def _send(app: App, shown: list[Shown], day: dt.date) -> list[Shown]:
    """Queue each non-empty digest (once a day) and send it through Telegram now."""
    import asyncio
    import dataclasses

    from invoicing import digest as digests

    outcomes: dict[int, str] = {}
    with app.db.transaction() as session:
        for s in shown:
            if s.text is not None and not digests.queue(session, app.clock, s.user_id, day):
                outcomes[s.user_id] = "already sent today"
    waiting = [s for s in shown if s.text is not None and s.user_id not in outcomes]
    if waiting:
        sent = asyncio.run(_run(app, [s.key for s in waiting]))
        outcomes |= {s.user_id: "sent" if ok else "queued; the service sends it" for s, ok in zip(waiting, sent, strict=True)}
    return [dataclasses.replace(s, outcome=outcomes.get(s.user_id, s.outcome)) for s in shown]


async def _run(app: App, keys: list[str]) -> list[bool]:
    from telegram import Bot

    from bot.telegram.digest_chat import DigestSender
    from invoicing import jobs

    token = app.settings.telegram_token
    assert token is not None  # checked by the command
    bot = Bot(token.get_secret_value(), base_url=app.settings.telegram_api_url, base_file_url=app.settings.telegram_file_url)
    worker = f"cli:{socket.gethostname()}:{os.getpid()}"
    async with bot:
        handlers = DigestSender(bot, app.db, app.clock, app.settings).handlers()
        return [await jobs.run_now(app.db, app.clock, handlers, worker, key) for key in keys]


COMMANDS = (digest,)
