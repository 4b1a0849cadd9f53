"""The digest message: numbered items with the buttons of their own messages, within Telegram's limits;
and the digest hour setting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from bot.telegram.digest_texts import ITEM_LIMIT, digest_message
from bot.telegram.formats import TEXT_LIMIT, Formats, plain, telegram_length
from bot.telegram.pressed import DIGEST_MARK, without_row
from invoicing.config import ConfigError, load_settings
from invoicing.digest import ApprovalItem, Digest, OverdueItem, Section, TaskItem, UnmatchedItem
from invoicing.domain import Role

DAY = dt.date(2026, 3, 2)
LONG = "Überlange Lieferanten- und Dienstleistungsgesellschaft mit beschränkter Haftung 🏭 " * 6


def _digest(n: int, total: int, name: str = "Lieferant GmbH") -> Digest:
    return Digest(
        1, "Mia", Role.ADMIN, 81, DAY,
        Section(tuple(ApprovalItem(10 + i, f"L-{i}", name, D("1190.50"), "EUR", DAY, 1, "t" * 22) for i in range(n)), total),
        Section(tuple(OverdueItem(20 + i, f"INV-2026-{i:04d}", name, D("119.00"), "EUR", DAY, None) for i in range(n)), total),
        Section(tuple(UnmatchedItem(30 + i, D("77.00"), "EUR", DAY, name, name, ((20, "INV-2026-0000"), (21, "X" * 60)))
                      for i in range(n)), total),
        Section(tuple(TaskItem(40 + i, f"Call {name}", DAY) for i in range(n)), total),
    )  # fmt: skip


def test_each_item_is_numbered_with_its_row_of_the_existing_buttons():
    text, markup = digest_message(_digest(1, 1), Formats("de", ZoneInfo("Europe/Berlin")), 7)
    assert text.startswith(DIGEST_MARK) and "02.03.2026" in text
    assert "1. L-0 from Lieferant GmbH: 1.190,50\xa0€" in plain(text)
    assert markup is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    assert rows == [
        [("1. Approve", "a:" + "t" * 22), ("1. Reject", "r:" + "t" * 22), ("1. Details", "d:" + "t" * 22)],
        [("2. Hold 7 days", "fin:hold:20"), ("2. I'll call", "fin:call:20")],
        [("3. → INV-2026-0000", "unm:30:20"), ("3. → " + "X" * 24, "unm:30:21"), ("3. Set aside", "unm:30:x")],
        [("4. Done", "task:40")],
    ]
    assert "and" not in plain(text).split("Tasks due")[1]  # nothing more to see


def test_a_full_digest_stays_within_telegram_s_limits_and_points_to_the_rest():
    """GIVEN 40 items in each section, every name very long WHEN the digest is written THEN it shows
    five of each, says how many more and which command lists them, and fits Telegram's limits."""
    text, markup = digest_message(_digest(5, 40, LONG), Formats("en", ZoneInfo("UTC")), 7)
    visible = plain(text)
    assert telegram_length(visible) <= TEXT_LIMIT
    assert all(len(line) <= ITEM_LIMIT for line in visible.splitlines())
    emoji, _ = digest_message(_digest(5, 40, "🏭" * 500), Formats(), 7)
    assert telegram_length(plain(emoji)) <= TEXT_LIMIT and "and 35 more: /tasks" in plain(emoji)
    for command in ("/inbox", "/overdue", "/unmatched", "/tasks"):
        assert f"and 35 more: {command}" in visible
    assert markup is not None
    buttons = [b for row in markup.inline_keyboard for b in row]
    assert len(markup.inline_keyboard) == 20 and len(buttons) <= 100
    assert all(len(str(b.callback_data).encode()) <= 64 for b in buttons)


def test_an_expired_request_is_listed_without_buttons():
    item = ApprovalItem(10, "L-1", "Lieferant GmbH", D("5.00"), "EUR", None, 2, None)
    empty: Section[object] = Section((), 0)
    digest = Digest(1, "Mia", Role.MANAGER, 81, DAY, Section((item,), 1), empty, empty, empty)  # type: ignore[arg-type]
    text, markup = digest_message(digest, Formats(), 7)
    assert "(second approval) (buttons expired: /inbox)" in plain(text) and markup is None


def test_a_pressed_item_leaves_the_other_rows():
    _, markup = digest_message(_digest(1, 1), Formats(), 7)
    left = without_row(markup, "fin:call:20")
    assert left is not None and [row[0].text for row in left.inline_keyboard] == ["1. Approve", "3. → INV-2026-0000", "4. Done"]
    assert without_row(without_row(without_row(left, "a:" + "t" * 22), "unm:30:x"), "task:40") is None


@pytest.mark.parametrize("given, hour", [("7", 7), ("0", 0), ("off", None), ("", None), (" OFF ", None)])
def test_the_digest_hour_is_read_from_the_environment(monkeypatch, tmp_path, given, hour):
    monkeypatch.setenv("INVOICEBOT_DIGEST_HOUR", given)
    assert load_settings(data_dir=tmp_path).digest_hour == hour


@pytest.mark.parametrize("given", ["24", "-1", "8am", "true"])
def test_a_digest_hour_that_is_no_hour_is_refused(monkeypatch, tmp_path, given):
    monkeypatch.setenv("INVOICEBOT_DIGEST_HOUR", given)
    with pytest.raises(ConfigError, match="digest hour"):
        load_settings(data_dir=tmp_path)
