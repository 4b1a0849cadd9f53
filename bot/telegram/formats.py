"""How chat texts look: amounts and dates as the user's language writes them (babel), and lines of
Telegram HTML with everything user-supplied escaped, fitted to Telegram's length limits. Pure.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from invoicing.templating import LOCALES

#: Telegram's limits, in UTF-16 code units of the visible text (after the HTML is parsed).
CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
#: A line is cut to this many characters, so that one long seller name or warning leaves room for the rest.
LINE_LIMIT = 300
MORE = "… more under Details"
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Formats:
    """Amounts, dates and instants for one language and the business's time zone."""

    language: str = "en"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @property
    def locale(self) -> str:
        return LOCALES.get(self.language, LOCALES["en"])

    def money(self, amount: Decimal | None, currency: str) -> str:
        """Return "€7,703.04" (en), "7.703,04 €" (de); "unknown (EUR)" when the amount is unread."""
        if amount is None:
            return f"unknown ({currency})"
        return format_currency(amount, currency, locale=self.locale)

    def date(self, value: dt.date | None) -> str:
        """Return "26 Jul 2025" (en), "26.07.2025" (de); "-" when there is none."""
        return format_date(value, "medium", locale=self.locale) if value else "-"

    def instant(self, at: dt.datetime | None) -> str:
        """Return a moment in the business's zone: "26 Jul 2025 14:03 CEST"; "-" when there is none."""
        if at is None:
            return "-"
        local = at.astimezone(self.zone)
        return f"{self.date(local.date())} {format_time(local, 'short', locale=self.locale)} {local.strftime('%Z')}"


class Style(StrEnum):
    PLAIN = ""
    BOLD = "b"
    ITALIC = "i"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a message as plain text (a plain label, then the styled text); it is escaped
    and styled only when rendered, so nothing a sender wrote can become markup."""

    text: str
    style: Style = Style.PLAIN
    label: str = ""

    def html(self, limit: int = LINE_LIMIT) -> str:
        label, text = _cut(self.label, limit), _cut(self.text, max(limit - len(self.label), 1))
        escaped = html.escape(text, quote=False)
        styled = f"<{self.style}>{escaped}</{self.style}>" if self.style and escaped else escaped
        return html.escape(label, quote=False) + styled


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def telegram_length(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def plain(text: str) -> str:
    """Return the visible text of our HTML (for callback answers, which are not parsed)."""
    return html.unescape(_TAG.sub("", text))


def to_html(lines: Sequence[Line], limit: int = TEXT_LIMIT) -> str:
    """Return the lines as Telegram HTML whose visible text fits `limit`: lines that do not fit
    are left out whole (so no tag or entity is cut), and a last line says more is under Details."""
    rendered = [line.html() for line in lines]
    sizes = [telegram_length(plain(r)) for r in rendered]
    if sum(sizes) + len(sizes) - 1 <= limit:
        return "\n".join(rendered)
    kept, used = [], telegram_length(MORE)
    for text, size in zip(rendered, sizes, strict=True):
        if used + size + 1 > limit:
            break
        kept.append(text)
        used += size + 1
    return "\n".join([*kept, Line(MORE, Style.ITALIC).html()])


def fit_lines(lines: Sequence[str], limit: int, more: str) -> str:
    """Return the lines (plain text) joined, those that do not fit `limit` left out for `more`."""
    text = "\n".join(lines)
    if telegram_length(text) <= limit:
        return text
    kept, used = [], telegram_length(more)
    for row in lines:
        used += telegram_length(row) + 1
        if used > limit:
            break
        kept.append(row)
    return "\n".join([*kept, more])
