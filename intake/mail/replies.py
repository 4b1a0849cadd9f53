"""The automatic answer to a mail without an invoice, per language, from the Jinja2 template
`templates/mail/no_invoice.<language>.txt` (the product's one template mechanism, `invoicing.mail_texts`).

The answer's subject is our own text only, and its body repeats little of what the sender wrote
(at most `QUOTED_CHARS` of the subject and `LISTED_REASONS` reasons, each cut short): an answer
must not carry a stranger's message to whoever he named as sender. The values are only ever
printed, never read as a template themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from invoicing.mail_texts import MailTemplates, MailText

#: How much of the sender's subject, and of each reason, an answer repeats.
QUOTED_CHARS = 60
#: How many reasons (refused files) an answer lists.
LISTED_REASONS = 10


@dataclass(frozen=True, slots=True)
class NoInvoiceTexts:
    """The no-invoice answer in one language."""

    language: str
    templates: MailTemplates

    def render(self, subject: str, reasons: list[str]) -> MailText:
        """Return the answer to the mail titled `subject`, listing `reasons` when there are any."""
        listed = [shorten(r, 2 * QUOTED_CHARS) for r in reasons[:LISTED_REASONS]]
        listed += ["…"] if len(reasons) > LISTED_REASONS else []
        return self.templates("no_invoice", self.language, {"subject": shorten(subject, QUOTED_CHARS), "reasons": listed})


def shorten(text: str, limit: int) -> str:
    """Return `text`, cut to `limit` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def no_invoice_texts(language: str, templates_dir: Path | None = None) -> NoInvoiceTexts:
    """Return the no-invoice answer in `language` (English when it has no template)."""
    return NoInvoiceTexts(language, MailTemplates(templates_dir))
