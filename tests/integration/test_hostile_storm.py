"""A storm of hostile files and mails through the running service, while chat is answered.

`bench.hostile` runs it (with more seeds for the figures): 100+ generated files dropped into the
service's folder, a dozen sent to the bot, 30+ hostile mails through the mail intake, /tasks
asked every second.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.hostile import USER, storm
from intake.reading import ReadOutcome
from invoicing import directory
from invoicing.domain import Role
from tests.integration.fake_telegram import start_bot, stop_bot


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_a_storm_of_hostile_files_and_mails_is_refused_one_by_one_while_chat_is_answered(tmp_path: Path):
    """GIVEN the service running with two readers of 1 GB each WHEN 100+ hostile files are
    dropped, a dozen sent to the bot and 30+ hostile mails received THEN each is refused with
    its reason (good invoices among them are read), nothing crashes, no reader went past its
    memory limit, and /tasks was answered within seconds all along."""
    result = await storm(tmp_path / "var")

    assert result.cases >= 140
    assert not result.wrong, "\n".join(f"{name}: {problem}" for name, problem in result.wrong.items())
    assert result.errors == []
    assert result.refused + result.read == result.cases and result.read >= 6
    assert 0 < result.peak_resident < result.memory_limit
    assert max(result.answers) < 5, result.answers


class HeldReader:
    """A reader that reads nothing until the test lets it: a file that takes long to read."""

    workers = 1

    def __init__(self) -> None:
        self.reading = asyncio.Event()
        self.release = asyncio.Event()

    async def read(self, data: bytes, filename: str, companion_xml: bytes | None = None) -> ReadOutcome:
        self.reading.set()
        await self.release.wait()
        return ReadOutcome(None, "the PDF is damaged or truncated and cannot be opened")


async def test_chat_is_answered_while_a_file_sent_to_the_bot_is_being_read(sqlite_db, clock, store, tmp_path):
    """GIVEN a user sent the bot a file that takes long to read (up to the reading time limit)
    WHEN they, or anyone, send /tasks meanwhile THEN it is answered at once, and the file's
    refusal follows when its reading ends (updates waited behind the file)."""
    with sqlite_db.transaction() as s:
        directory.add_user(s, clock, name="Mia", role=Role.ADMIN, telegram_user_id=USER)
    reader = HeldReader()
    bot = await start_bot(sqlite_db, clock, store, reader, tmp_path / "var")
    try:
        await bot.fake.send_document(USER, b"%PDF-1.7 slow", "slow.pdf", "application/pdf")
        await asyncio.wait_for(reader.reading.wait(), 10)

        await bot.fake.send_text(USER, "/tasks")
        await bot.fake.wait_for_text(USER, "No open tasks.", timeout=5)

        assert not reader.release.is_set()
        reader.release.set()
        await bot.fake.wait_for_text(USER, "I could not read an invoice from this file", timeout=10)
    finally:
        reader.release.set()
        await stop_bot(bot)
