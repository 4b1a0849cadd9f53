"""The job that mails one reminder (`reminder.send`): the level's template, the invoice PDF (and
the late-fee invoice's) attached, to the customer's invoice address; then the manager is told.

The decision was taken and recorded by the tick (`invoicing.reminders`); this only delivers it,
once (`mailer.deliver`). An invoice paid between the decision and the send gets no reminder.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from invoicing import jobs
from invoicing.clock import Clock
from invoicing.db.engine import Database
from invoicing.db.models import Contact, Document, Invoice, Reminder
from invoicing.files import FileStore
from invoicing.issuing import document_of
from invoicing.mailer import Mailer, build_message, deliver
from invoicing.outgoing import PDF, MailTexts, mail_payload, mail_variables, pdf_name
from invoicing.payments import owed
from invoicing.reminders import notify_sent


@dataclass(frozen=True, slots=True)
class Letter:
    """What one reminder mail needs, read in one transaction."""

    to: str | None
    language: str
    variables: dict[str, Any]
    attachments: list[dict[str, str]]
    #: Why nothing is to be sent (paid meanwhile), or None.
    moot: str | None = None
    #: A PDF still being made: try again shortly.
    waiting: str | None = None


class ReminderSendHandler:
    kind = "reminder.send"

    def __init__(
        self, db: Database, clock: Clock, store: FileStore, mailer: Mailer, texts: MailTexts, mail_from: str
    ) -> None:
        self.db, self.clock, self.store, self.mailer = db, clock, store, mailer
        self.texts, self.mail_from = texts, mail_from

    async def __call__(self, job: jobs.ClaimedJob) -> None:
        reminder_id, template = int(job.payload["reminder_id"]), str(job.payload["template"])
        letter = await asyncio.to_thread(self._letter, reminder_id)
        if letter.moot:
            return
        if letter.waiting:
            raise jobs.RetryLater(letter.waiting)
        if not letter.to:
            raise jobs.PermanentFailure("the customer has no e-mail address for invoices")
        try:
            text = self.texts(template, letter.language, letter.variables)
        except LookupError as e:  # jinja2's TemplateNotFound is one
            raise jobs.PermanentFailure(f"no mail template for reminder {template!r}: {e}") from e
        payload = mail_payload(job.key, self.mail_from, letter.to, text, letter.attachments)
        await deliver(self.db, self.clock, self.mailer, build_message(payload, self.store.read), job)
        await asyncio.to_thread(self._sent, reminder_id, template)

    def _letter(self, reminder_id: int) -> Letter:
        with self.db.transaction() as session:
            reminder = session.get(Reminder, reminder_id)
            if reminder is None:
                raise jobs.PermanentFailure(f"reminder {reminder_id} does not exist")
            invoice = session.get(Invoice, reminder.invoice_id)
            contact = session.get(Contact, invoice.contact_id) if invoice and invoice.contact_id else None
            if invoice is None or invoice.issued is None:
                raise jobs.PermanentFailure(f"reminder {reminder_id}: its invoice is not issued")
            still_owed = owed(session, invoice)
            if still_owed <= 0:
                return Letter(None, "en", {}, [], moot="paid meanwhile")
            document = document_of(invoice)
            files = [(session.get(Document, invoice.document_id) if invoice.document_id else None, document.number)]
            fee = session.get(Invoice, reminder.fee_invoice_id) if reminder.fee_invoice_id else None
            if fee is not None:
                files.append((session.get(Document, fee.document_id) if fee.document_id else None, fee.number or ""))
            if any(stored is None for stored, _ in files):
                return Letter(None, "en", {}, [], waiting="a PDF to attach is not made yet")
            attachments = [{"path": stored.storage_path, "filename": f"{number}.pdf", "media_type": PDF}
                           for stored, number in files if stored is not None]  # fmt: skip
            attachments[0]["filename"] = pdf_name(document)
            variables = {
                **mail_variables(document), "open_amount": still_owed, "level": reminder.level,
                "days_overdue": max((reminder.scheduled_on - (document.due_date or reminder.scheduled_on)).days, 0),
                "fee": reminder.fee if fee is not None else None, "fee_number": fee.number if fee is not None else None,
                "fee_due_date": fee.due_date if fee is not None else None,
            }  # fmt: skip
            to = (contact.invoice_email or contact.email) if contact else None
            return Letter(to, document.language, variables, attachments)

    def _sent(self, reminder_id: int, template: str) -> None:
        with self.db.transaction() as session:
            reminder = session.get(Reminder, reminder_id)
            invoice = session.get(Invoice, reminder.invoice_id) if reminder else None
            if reminder is not None and invoice is not None:
                notify_sent(session, self.clock, reminder, invoice, template)

