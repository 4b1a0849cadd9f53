"""Job handlers that send approval requests, reminders and escalations by chat.

Each request is an `Approval` row written before anything is sent; it is marked as being sent
(`begin_send`) just before its message goes out and gets its message id after, so a job that runs
again after a crash or restart never sends the same request twice. A request is one message: the
preview of the document with the card as its caption and the buttons (a text message with the
buttons when there is no preview); the document itself is sent on Details.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.telegram import preview, render
from bot.telegram.formats import CAPTION_LIMIT, TEXT_LIMIT, Formats
from bot.telegram.services import ChatServices
from invoicing import approvals, reapproval, views
from invoicing.approvals import (
    APPROVAL_ESCALATE,
    APPROVAL_REMIND,
    APPROVAL_REQUEST,
    SentMessage,
    Ticket,
)
from invoicing.db.models import Invoice
from invoicing.files import FileStore
from invoicing.jobs import ClaimedJob, Handler
from invoicing.reapproval import Changes
from invoicing.views import InvoiceSummary

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Card:
    """What an approval message shows: the invoice, its alerts and changes, and its original document."""

    summary: InvoiceSummary
    data: bytes | None
    media_type: str | None
    filename: str
    alerts: tuple[str, ...] = ()
    changes: Changes = Changes()


def load_card(session: Session, store: FileStore, invoice_id: int) -> Card:
    """Return the invoice's summary, payment alerts, changes by hand and the bytes of its document."""
    invoice = session.get_one(Invoice, invoice_id)
    document = invoice.document
    data = store.read(document.storage_path) if document else None
    filename = document.filename if document else f"invoice-{invoice_id}"
    return Card(
        views.summarise(invoice), data, document.media_type if document else None, filename,
        tuple(invoice.payee_alerts or ()), reapproval.changes(session, invoice_id),
    )  # fmt: skip


def formats(services: ChatServices) -> Formats:
    """Return the formats of the configured language and time zone."""
    return Formats(services.settings.language, services.settings.zone)


async def edit_message(bot: Bot, message: SentMessage, html: Callable[[int], str]) -> None:
    """Replace a request message's caption or text with `html(limit)`, removing its buttons."""
    try:
        if message.captioned:
            await bot.edit_message_caption(
                chat_id=message.chat_id, message_id=message.message_id, reply_markup=None,
                caption=html(CAPTION_LIMIT), parse_mode=ParseMode.HTML,
            )  # fmt: skip
        else:
            await bot.edit_message_text(
                html(TEXT_LIMIT), chat_id=message.chat_id, message_id=message.message_id, reply_markup=None,
                parse_mode=ParseMode.HTML,
            )  # fmt: skip
    except TelegramError as e:  # an old message may be gone or unchanged; what was decided stands
        log.info("could not edit message %s in chat %s: %s", message.message_id, message.chat_id, e)


class ApprovalMessenger:
    """Sends approval requests as one message: the preview with the card as caption, and the buttons."""

    def __init__(self, bot: Bot, services: ChatServices) -> None:
        self.bot, self.services = bot, services

    def handlers(self) -> dict[str, Handler]:
        """Return the job handlers to register with the worker."""
        return {APPROVAL_REQUEST: self.request, APPROVAL_REMIND: self.remind, APPROVAL_ESCALATE: self.escalate}

    async def request(self, job: ClaimedJob) -> None:
        """Ask the approvers of a step of an invoice (the job `receive` enqueues for step 1); a fresh
        round first withdraws the buttons of the requests it replaces."""
        step = int(job.payload.get("step", 1))
        invoice_id = int(job.payload["invoice_id"])
        for chat_id, message_id, captioned in job.payload.get("withdrawn", []):
            replaced = render.replaced(invoice_id)
            await edit_message(self.bot, SentMessage(chat_id, message_id, captioned), lambda _: replaced)
        tickets = await self.services.call(approvals.open_step, self.services.clock, invoice_id, step)
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
            # Telegram refused: the request message did not go out, so the retry may send it.
            await self.services.call(approvals.not_sent, ticket.approval_id)
            raise

    async def _deliver(self, ticket: Ticket, heading: str | None) -> None:
        card = await self.services.call(load_card, self.services.store, ticket.invoice_id)
        message, captioned = await self._post(ticket, card, heading)
        await self.services.call(approvals.sent, ticket.approval_id, ticket.chat_id, message.message_id, captioned)
        log.info("approval %s sent", ticket.approval_id, extra={"invoice_id": ticket.invoice_id})

    async def _post(self, ticket: Ticket, card: Card, heading: str | None) -> tuple[Message, bool]:
        """Send the request and return its message and whether it is a captioned photo."""
        fmt = formats(self.services)
        buttons = render.approval_buttons(ticket.token)
        request: dict[str, Any] = {"heading": heading, "alerts": card.alerts, "changes": card.changes}
        image = await preview.preview(card.data, card.media_type) if card.data and card.media_type else None
        if image is not None:
            caption = render.approval_request(card.summary, ticket.step, fmt, limit=CAPTION_LIMIT, **request)
            try:
                sent = await self.bot.send_photo(
                    ticket.chat_id, image, caption=caption, parse_mode=ParseMode.HTML, reply_markup=buttons
                )  # fmt: skip
                return sent, True
            except BadRequest as e:  # a preview Telegram will not take (its size, say): the text still goes
                log.info("preview refused for invoice %s: %s", ticket.invoice_id, e)
        text = render.approval_request(card.summary, ticket.step, fmt, limit=TEXT_LIMIT, **request)
        sent = await self.bot.send_message(ticket.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=buttons)
        return sent, False
