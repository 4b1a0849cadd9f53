"""Buttons pressed on a daily digest. The digest is one message carrying the buttons of many items,
one row per item, with the same callback data as the messages those buttons come from; a press on
it settles only its own row, where on an item's own message the handler replaces the message.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import TelegramError

log = logging.getLogger(__name__)

#: The first character of every digest message: how a handler tells a digest from an item's own message.
DIGEST_MARK = "📋"


def digest_of(query: CallbackQuery) -> Message | None:
    """Return the digest message whose button was pressed, or None when it is no digest."""
    message = query.message
    if isinstance(message, Message) and (message.text or "").startswith(DIGEST_MARK):
        return message
    return None


def without_row(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """Return the keyboard without the row that holds the button `data`; None when no row is left."""
    rows = [row for row in (markup.inline_keyboard if markup else ()) if all(b.callback_data != data for b in row)]
    return InlineKeyboardMarkup(rows) if rows else None


async def settle_in_digest(query: CallbackQuery) -> bool:
    """Take the pressed item's row off a digest and return True; return False for any other message."""
    message = digest_of(query)
    if message is None:
        return False
    try:
        await query.edit_message_reply_markup(without_row(message.reply_markup, query.data or ""))
    except TelegramError as e:  # the digest may be too old to edit; what the press did stands
        log.info("could not update the digest's buttons: %s", e)
    return True
