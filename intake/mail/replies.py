"""The texts of automatic answers, per language, from `templates/mail/<name>.<language>.txt`.

A template's first line is the subject and the rest the body, both filled with `str.format`;
the values put in (a sender's subject line, say) are never read as a format themselves. The
answer's subject is our own text only, and its body repeats little of what the sender wrote: an
answer must not carry a stranger's message to whoever he named as sender.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources

log = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en"
#: How much of the sender's subject, and of each reason, an answer repeats.
QUOTED_CHARS = 60
#: How many reasons (refused files) an answer lists.
LISTED_REASONS = 10


@dataclass(frozen=True, slots=True)
class MailText:
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class NoInvoiceTexts:
    """The no-invoice answer: the mail, and the block listing what was found instead."""

    mail: MailText
    found: str

    def render(self, subject: str, reasons: list[str]) -> MailText:
        """Return the answer to the mail titled `subject`, listing `reasons` when there are any."""
        details = ""
        if reasons:
            listed = [f"- {shorten(r, 2 * QUOTED_CHARS)}" for r in reasons[:LISTED_REASONS]]
            listed += ["- …"] if len(reasons) > LISTED_REASONS else []
            details = "\n" + self.found.format(reasons="\n".join(listed))
        quoted = shorten(subject, QUOTED_CHARS)
        return MailText(
            self.mail.subject.format(subject=quoted),
            self.mail.body.format(subject=quoted, details=details),
        )


def shorten(text: str, limit: int) -> str:
    """Return `text`, cut to `limit` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def template_text(name: str, language: str) -> str:
    """Return `templates/mail/<name>.<language>.txt`, or the English one when there is none."""
    folder = resources.files("templates").joinpath("mail")
    wanted = folder.joinpath(f"{name}.{language}.txt")
    if not wanted.is_file():
        log.warning("no %s template in language %r; using %r", name, language, FALLBACK_LANGUAGE)
        wanted = folder.joinpath(f"{name}.{FALLBACK_LANGUAGE}.txt")
    return wanted.read_text(encoding="utf-8")


def no_invoice_texts(language: str) -> NoInvoiceTexts:
    """Return the no-invoice answer in `language` (English when it has no template)."""
    subject, _, body = template_text("no_invoice", language).partition("\n")
    return NoInvoiceTexts(MailText(subject.strip(), body), template_text("no_invoice_found", language))
