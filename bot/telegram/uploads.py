"""Chat intake: a PDF, image or e-invoice XML sent or forwarded to the bot goes through the pipeline."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.telegram import render
from bot.telegram.approvals import formats
from bot.telegram.services import registered, services_of
from intake import media
from invoicing import views
from invoicing.db.models import Invoice
from invoicing.domain import Channel

log = logging.getLogger(__name__)

#: Telegram lets bots download files up to 20 MB.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
_SUFFIXES = (".pdf", ".xml", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


def _acceptable(filename: str, mime_type: str | None) -> bool:
    if mime_type and (mime_type in media.SUPPORTED or mime_type.startswith("image/") or mime_type.endswith("xml")):
        return True
    return filename.lower().endswith(_SUFFIXES)


async def file_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read an invoice file sent to the bot and answer with what was read (album files one by one)."""
    message = update.effective_message
    if message is None or await registered(update, context) is None:
        return
    if message.document is not None:
        document = message.document
        file_id, size = document.file_id, document.file_size
        filename, mime_type = document.file_name or f"document-{message.message_id}", document.mime_type
    else:
        photo = message.photo[-1]  # the largest size
        file_id, size, filename, mime_type = photo.file_id, photo.file_size, f"photo-{message.message_id}.jpg", "image/jpeg"
    if size is not None and size > DOWNLOAD_LIMIT:
        await message.reply_text(
            f"{filename} is {size / 1024 / 1024:.1f} MB; bots may only download files up to 20 MB. "
            "Please send it by e-mail or put it in the drop folder."
        )
        return
    if not _acceptable(filename, mime_type):
        await message.reply_text(f"{filename}: please send a PDF, an image or an e-invoice XML.")
        return
    try:
        telegram_file = await context.bot.get_file(file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except BadRequest as e:  # Telegram says the file is too big, or gone
        await message.reply_text(f"I could not download {filename}: {e.message}")
        return
    services = services_of(context)
    user_id = update.effective_user.id if update.effective_user else 0
    received = await services.intake.ingest(
        data, filename, channel=Channel.TELEGRAM, source_ref=f"telegram:{message.chat.id}:{message.message_id}",
        sender=f"telegram:{user_id}", actor=f"telegram:{user_id}",
    )  # fmt: skip
    log.info("%s from Telegram: document %s invoice %s", filename, received.document_id, received.invoice_id)
    summary = None
    if received.invoice_id is not None:
        invoice_id = received.invoice_id
        summary = await services.call(lambda s: views.summarise(s.get_one(Invoice, invoice_id)))
    await message.reply_text(render.received(received, summary, formats(services)), parse_mode=ParseMode.HTML)
