"""The daily digest as one chat message: Telegram HTML and its inline keyboard. Pure.

Each item is one numbered line and one row of buttons labelled with its number. The buttons carry
the callback data of the messages they come from (approval requests, the final-notice question,
/unmatched, /tasks), so the same handlers act on them. A section shows at most
`invoicing.digest.SECTION_LIMIT` items and names the command that lists the rest; each line is cut
to `ITEM_LIMIT` characters (half that when emoji, which Telegram counts twice, would overflow), so
the message stays within Telegram's 4096 characters and its keyboard well under 100 buttons.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.formats import TEXT_LIMIT, Formats, Line, Style, plain, telegram_length
from bot.telegram.money_in import FINAL, UNMATCHED
from bot.telegram.pressed import DIGEST_MARK
from bot.telegram.render import APPROVE, DETAILS, REJECT
from bot.telegram.tasks_chat import PREFIX as TASK
from invoicing.digest import ApprovalItem, Digest, OverdueItem, Section, TaskItem, UnmatchedItem

#: Visible characters of one item's line (its number included).
ITEM_LIMIT = 160
#: Characters of a button's label taken from an invoice number.
LABEL_LIMIT = 24
NOTHING = "Nothing waits for you today."

Row = list[InlineKeyboardButton]


def digest_message(digest: Digest, fmt: Formats, hold_days: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """Return the digest's text (Telegram HTML) and its buttons (None when no item has any)."""
    text, buttons = _message(digest, fmt, hold_days, ITEM_LIMIT)
    if telegram_length(plain(text)) > TEXT_LIMIT:  # emoji count twice: lines of them take half the room
        text, buttons = _message(digest, fmt, hold_days, ITEM_LIMIT // 2)
    return text, buttons


def _message(digest: Digest, fmt: Formats, hold_days: int, item_limit: int) -> tuple[str, InlineKeyboardMarkup | None]:
    out = [f"{DIGEST_MARK} " + Line(f"Your day, {fmt.date(digest.day)}", Style.BOLD).html()]
    rows: list[Row] = []
    number = 0
    parts = (
        ("To approve", digest.approvals, "/inbox", lambda n, i: _approval(n, i, fmt)),
        ("Overdue", digest.overdue, "/overdue", lambda n, i: _overdue(n, i, fmt, hold_days)),
        ("Payments to assign", digest.unmatched, "/unmatched", lambda n, i: _unmatched(n, i, fmt)),
        ("Tasks due", digest.tasks, "/tasks", lambda n, i: _task(n, i, fmt)),
    )
    for heading, section, command, item in parts:
        if not section.total:
            continue
        out += ["", Line(f"{heading} ({section.total})", Style.BOLD).html()]
        for entry in section.items:
            number += 1
            text, row = item(number, entry)
            out.append(Line(text, label=f"{number}. ").html(item_limit))
            if row:
                rows.append(row)
        out += _more(section, command)
    return "\n".join(out), InlineKeyboardMarkup(rows) if rows else None


def _more(section: Section[object], command: str) -> list[str]:
    return [Line(f"and {section.more} more: {command}", Style.ITALIC).html()] if section.more else []


def _button(number: int, label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(f"{number}. {label}", callback_data=data)


def _approval(n: int, item: ApprovalItem, fmt: Formats) -> tuple[str, Row]:
    due = f", due {fmt.date(item.due_date)}" if item.due_date else ""
    second = " (second approval)" if item.step >= 2 else ""
    text = f"{item.number or f'#{item.invoice_id}'} from {item.party or 'unknown'}: {fmt.money(item.total, item.currency)}{due}{second}"
    if item.token is None:
        return text + " (buttons expired: /inbox)", []
    return text, [_button(n, "Approve", f"{APPROVE}:{item.token}"), _button(n, "Reject", f"{REJECT}:{item.token}"),
                  _button(n, "Details", f"{DETAILS}:{item.token}")]  # fmt: skip


def _overdue(n: int, item: OverdueItem, fmt: Formats, hold_days: int) -> tuple[str, Row]:
    held = f", reminders held until {fmt.date(item.held_until)}" if item.held_until else ""
    text = (f"{item.number or f'#{item.invoice_id}'} to {item.customer or 'the customer'}: "
            f"{fmt.money(item.open, item.currency)} open since {fmt.date(item.due_date)}{held}")  # fmt: skip
    return text, [_button(n, f"Hold {hold_days} days", f"{FINAL}hold:{item.invoice_id}"),
                  _button(n, "I'll call", f"{FINAL}call:{item.invoice_id}")]  # fmt: skip


def _unmatched(n: int, item: UnmatchedItem, fmt: Formats) -> tuple[str, Row]:
    reference = f": {item.remittance}" if item.remittance else ""
    text = f"{fmt.money(item.amount, item.currency)} on {fmt.date(item.booking_date)} from {item.counterparty or 'unknown'}{reference}"
    row = [_button(n, f"→ {number[:LABEL_LIMIT]}", f"{UNMATCHED}{item.entry_id}:{invoice_id}")
           for invoice_id, number in item.candidates]  # fmt: skip
    if not item.candidates:
        text += f" (/assign {item.entry_id} NUMBER)"
    return text, [*row, _button(n, "Set aside", f"{UNMATCHED}{item.entry_id}:x")]


def _task(n: int, item: TaskItem, fmt: Formats) -> tuple[str, Row]:
    due = f" (due {fmt.date(item.due_on)})" if item.due_on else ""
    return f"{item.title}{due}", [_button(n, "Done", f"{TASK}{item.task_id}")]
