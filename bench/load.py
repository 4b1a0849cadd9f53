"""Load: a burst of invoice mails and chat updates at once, against the running service.

The service (`serve`: drop folder, job worker, Telegram polling against the fake Bot API on
loopback, two readers, SQLite in a temporary folder) gets every chat update at once (/tasks
from 20 users) while the mails, each with a one-page PDF invoice of its own number, go one after
the other through the mail intake the IMAP watcher calls (`MailInbox.process`: parsed in a
limited child, read by the readers, recorded); IMAP itself is left out, it adds one fetch per
mail. Every mail must be recorded once with its invoice, every update answered once.

    python -m bench.load [--mails 1000] [--updates 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.mails import invoice_mail, percentile
from tests.factories import simple_invoice_pdf

if TYPE_CHECKING:
    from bot.wiring import App

# The service's modules are imported where they are used: each mail is parsed in a child process
# that imports this main module again, as the service's children import the small `invoicebot`
# script, and a heavy one here would be counted in every mail's time.

USERS = [6000 + n for n in range(20)]
ANSWER = "No open tasks."


@dataclass
class Load:
    """What the burst gave: seconds from the burst's start to each mail recorded and to each
    answer, each mail's own processing time, the wall time, and what was found twice or not."""

    mail_done: list[float]
    mail_each: list[float]
    chat_answered: list[float]
    seconds: float
    problems: list[str]


async def burst(data_dir: Path, mails: int, updates: int, workers: int = 2) -> Load:
    from bot.service import serve
    from bot.wiring import App
    from intake.mail.inbox import MailInbox, MailPolicy
    from intake.mail.ledger import MailKey
    from invoicing import directory
    from invoicing.config import Settings
    from invoicing.domain import MailState, Role
    from tests.integration.fake_telegram import FakeTelegram

    numbers = [f"LOAD-{n:05d}" for n in range(mails)]
    raws = await asyncio.to_thread(
        lambda: [invoice_mail(number, simple_invoice_pdf(number=number), f"{number}.pdf") for number in numbers]
    )
    fake = FakeTelegram()
    await fake.start()
    settings = Settings(
        data_dir=data_dir, workers=workers, log_level="WARNING",
        telegram_token=fake.token, telegram_api_url=fake.base_url, telegram_file_url=fake.base_file_url,
    )  # fmt: skip
    app = App(settings)
    with app.db.transaction() as s:
        for user in USERS:
            directory.add_user(s, app.clock, name=f"User {user}", role=Role.MANAGER, telegram_user_id=user)
    stop = asyncio.Event()
    service = asyncio.create_task(serve(app, stop))
    inbox = MailInbox(app.intake, MailPolicy(mail_from="invoices@example.test"))
    problems: list[str] = []
    try:
        await fake.wait_for(lambda c: c.method == "setMyCommands", timeout=120)
        started = time.monotonic()
        sent: dict[int, list[float]] = {user: [] for user in USERS}
        for n in range(updates):
            user = USERS[n % len(USERS)]
            sent[user].append(time.monotonic())
            await fake.send_text(user, "/tasks")
        mail_done, mail_each = [], []
        for uid, raw in enumerate(raws, start=1):
            begun = time.monotonic()
            state = await inbox.process(MailKey("load@example.test", "INBOX", 1, uid), raw)
            mail_each.append(time.monotonic() - begun)
            mail_done.append(time.monotonic() - started)
            if state is not MailState.INGESTED:
                problems.append(f"mail {uid} recorded as {state}")
        answers = await fake.wait_for(lambda c: c.method == "sendMessage" and c.params.get("text") == ANSWER,
                                      count=updates, timeout=600)  # fmt: skip
        seconds = time.monotonic() - started
    finally:
        stop.set()
        await asyncio.wait_for(service, 120)
        await fake.stop()
    by_user: dict[int, list[float]] = {user: [] for user in USERS}
    for call in answers:
        by_user[int(call.params["chat_id"])].append(call.at)
    chat_answered = []
    for user, times in sent.items():
        if len(by_user[user]) != len(times):
            problems.append(f"user {user}: {len(times)} updates sent, {len(by_user[user])} answered")
        # Updates are handled in order, so the k-th answer to a chat is the k-th update's.
        chat_answered += [answer - asked for asked, answer in zip(times, sorted(by_user[user]), strict=False)]
    extra = [c for c in fake.calls if c.method == "sendMessage" and c.params.get("text") == ANSWER][updates:]
    if extra:
        problems.append(f"{len(extra)} updates answered twice")
    problems += _recorded_once(app, mails)
    return Load(mail_done, mail_each, chat_answered, seconds, problems)


def _recorded_once(app: App, mails: int) -> list[str]:
    """Return what is wrong with the records of the mails: each once, with its invoice."""
    from sqlalchemy import func, select

    from invoicing.db.models import Document, Invoice, ProcessedMail

    with app.db.transaction() as s:
        rows = s.execute(select(ProcessedMail.uid)).scalars().all()
        documents = s.execute(select(func.count()).select_from(Document)).scalar_one()
        numbers = Counter(s.execute(select(Invoice.number)).scalars())
    problems = []
    if sorted(rows) != list(range(1, mails + 1)):
        problems.append(f"{len(rows)} processed_mail rows for {mails} mails ({len(set(rows))} distinct)")
    if documents != mails:
        problems.append(f"{documents} documents for {mails} mails")
    twice = [n for n, count in numbers.items() if count > 1]
    if len(numbers) != mails or twice:
        problems.append(f"{len(numbers)} invoice numbers for {mails} mails; twice: {twice[:5]}")
    return problems


def report(name: str, values: list[float]) -> str:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return f"  {name:<42} p50 {p50 * 1000:8.0f} ms   p95 {p95 * 1000:8.0f} ms   max {max(values) * 1000:8.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="invoicebot-bench-") as tmp:
        load = asyncio.run(burst(Path(tmp) / "var", args.mails, args.updates, args.workers))
    print(f"Load: {args.mails} mails and {args.updates} chat updates at once "
          f"({args.workers} readers, SQLite, fake Bot API on loopback):")  # fmt: skip
    print(report("mail: burst start -> recorded", load.mail_done))
    print(report("mail: one mail's processing", load.mail_each))
    print(report("chat: update sent -> answered", load.chat_answered))
    print(f"  throughput: {args.mails / load.mail_done[-1]:.1f} mails/s; "
          f"{args.updates / max(load.chat_answered):.0f} updates/s; all done in {load.seconds:.1f} s")  # fmt: skip
    print(f"  processed twice or lost: {len(load.problems)}")
    for problem in load.problems:
        print("   ", problem)


if __name__ == "__main__":
    main()
