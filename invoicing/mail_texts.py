"""Mail subjects and bodies from per-language Jinja2 templates (`templates/mail/<name>.<lang>.txt`).

A template's first line is the subject, the rest the body. Templates use the same mechanism and
filters as the invoice layout (`invoicing.templating`): `{{ total|money(currency) }}`,
`{{ due_date|date }}`, formatted for the mail's language; a user's `INVOICEBOT_TEMPLATES_DIR`
overrides any of them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class MailText:
    subject: str
    body: str


#: (template name, language, variables) -> the subject and body of a mail.
MailTexts = Callable[[str, str, dict[str, Any]], MailText]


class MailTemplates:
    """Renders mail texts; one instance serves every language."""

    def __init__(self, templates_dir: Path | None = None) -> None:
        self.templates_dir = templates_dir

    def __call__(self, name: str, language: str, variables: dict[str, Any]) -> MailText:
        from invoicing import templating

        env = templating.environment(self.templates_dir)
        language = language if language in templating.LANGUAGES else "en"
        text = templating.localized(env, f"mail/{name}", language, ".txt").render({**variables, "language": language})
        subject, _, body = text.partition("\n")
        return MailText(" ".join(subject.split()), body.lstrip("\n"))
