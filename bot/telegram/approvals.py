"""Job handlers that send approval requests, reminders and escalations by chat.

Each request is an `Approval` row written before anything is sent; it is marked as being sent
(`begin_send`) just before the messages go out and gets its message id after, so a job that runs
again after a crash or restart never sends the same request twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.telegram import preview, render
from bot.telegram.services import ChatServices
from invoicing import approvals, views
from invoicing.approvals import APPROVAL_ESCALATE, APPROVAL_REMIND, APPROVAL_REQUEST, Ticket
from invoicing.db.models import Invoice
from invoicing.files import FileStore
from invoicing.jobs import ClaimedJob, Handler
from invoicing.views import InvoiceSummary

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Card:
    """What an approval message shows: the invoice and its original document."""

    summary: InvoiceSummary
    data: bytes | None
    media_type: str | None
    filename: str


def load_card(session: Session, store: FileStore, invoice_id: int) -> Card:
    """Return the invoice's summary and the bytes of its document."""
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None
    document = invoice.document
    data = store.read(document.storage_path) if document else None
    filename = document.filename if document else f"invoice-{invoice_id}"
    return Card(views.summarise(invoice), data, document.media_type if document else None, filename)


class ApprovalMessenger:
    """Sends approval requests with a preview, the document and the Approve/Reject/Details buttons."""

    def __init__(self, bot: Bot, services: ChatServices) -> None:
        self.bot, self.services = bot, services

    def handlers(self) -> dict[str, Handler]:
        """Return the job handlers to register with the worker."""
        return {APPROVAL_REQUEST: self.request, APPROVAL_REMIND: self.remind, APPROVAL_ESCALATE: self.escalate}

    async def request(self, job: ClaimedJob) -> None:
        """Ask the approvers of a step of an invoice (the job `receive` enqueues for step 1)."""
        step = int(job.payload.get("step", 1))
        clock = self.services.clock
        tickets = await self.services.call(approvals.open_step, clock, int(job.payload["invoice_id"]), step)
        for ticket in tickets:
            await self._send(ticket, None)

    async def remind(self, job: ClaimedJob) -> None:
        """Send a pending request to its approver once more."""
        ticket = await self.services.call(approvals.reminder_ticket, int(job.payload["approval_id"]))
        if ticket is not None:
            await self._deliver(ticket, "Reminder: this invoice still waits for your decision")

    async def escalate(self, job: ClaimedJob) -> None:
        """Ask every other admin about a request left pending after its reminder."""
        clock = self.services.clock
        tickets = await self.services.call(approvals.open_escalation, clock, int(job.payload["approval_id"]))
        for ticket in tickets:
            await self._send(ticket, "Escalated: this invoice has waited too long for a decision")

    async def _send(self, ticket: Ticket, heading: str | None) -> None:
        if not await self.services.call(approvals.begin_send, ticket.approval_id, ticket.chat_id):
            log.info("approval %s was sent before; not again", ticket.approval_id, extra={"invoice_id": ticket.invoice_id})
            return
        try:
            await self._deliver(ticket, heading)
        except (BadRequest, Forbidden, RetryAfter):
            # Telegram refused: nothing of the buttons message went out, so the retry may send it.
            await self.services.call(approvals.not_sent, ticket.approval_id)
            raise

    async def _deliver(self, ticket: Ticket, heading: str | None) -> None:
        card = await self.services.call(load_card, self.services.store, ticket.invoice_id)
        if card.data is not None and card.media_type is not None:
            image = await preview.preview(card.data, card.media_type)
            if image is not None:
                await self.bot.send_photo(ticket.chat_id, image, caption=f"#{ticket.invoice_id} page 1")
            await self.bot.send_document(ticket.chat_id, InputFile(card.data, filename=card.filename))
        text = render.approval_request(card.summary, ticket.step, heading)
        message = await self.bot.send_message(ticket.chat_id, text, reply_markup=render.approval_buttons(ticket.token))
        await self.services.call(approvals.sent, ticket.approval_id, ticket.chat_id, message.message_id)
        log.info("approval %s sent", ticket.approval_id, extra={"invoice_id": ticket.invoice_id})
