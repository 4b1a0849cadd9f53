"""Use case: correct a field of an incoming invoice and learn from it for the vendor's next one.

The correction itself is the invoicing core's (`invoicing.corrections`); this adds the reading:
the original document is read again, the corrected value looked for on its pages, and where it
stands is remembered for the vendor (`invoicing.learning`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from intake import media
from intake.learning import Hint, learn_hint
from intake.readers import OcrOptions, read_document
from intake.sandbox import LimitExceeded, Limits, run_limited
from intake.words import Page
from invoicing import learning
from invoicing.clock import Clock
from invoicing.corrections import LOCAL_ADMIN, Correction, Editor, correct
from invoicing.db.engine import Database
from invoicing.db.models import Invoice
from invoicing.files import FileStore

log = logging.getLogger(__name__)


def read_pages(data: bytes, filename: str, ocr: OcrOptions) -> tuple[Page, ...]:
    """Return the pages of a document (runs in a limited child process)."""
    media_type = media.sniff_media_type(data, filename)
    if media_type not in media.SUPPORTED or media_type == media.XML:
        return ()
    return read_document(data, media_type, ocr).pages


def correct_and_learn(
    db: Database, clock: Clock, store: FileStore, invoice_id: int, field: str, value: str, *,
    ocr: OcrOptions = OcrOptions(), editor: Editor | None = None, actor: str = "cli", limits: Limits = Limits(),
    method: str = "forkserver",
) -> tuple[Correction, Hint | None]:  # fmt: skip
    """Correct the field, then learn where the vendor prints it; return the change and the hint.

    `editor` is the person asking (refused unless an admin or the invoice's approver); without one
    the caller is the command line, which acts as an admin under the name `actor`.
    """
    who = editor if editor is not None else Editor(actor, LOCAL_ADMIN.role, None)
    change = correct(db, clock, invoice_id, field, value, who)
    with db.transaction() as session:
        invoice = session.get_one(Invoice, invoice_id)
        document = invoice.document
        source = invoice.source
    extracted = learning.EXTRACTED_FIELD.get(change.field)
    if extracted is None or document is None or source == "einvoice-xml":
        return change, None
    try:
        data = store.read(document.storage_path)
        pages: Sequence[Page] = run_limited(read_pages, (data, document.filename, ocr), limits, method)
    except (OSError, LimitExceeded) as e:
        log.warning("invoice %s: nothing learnt from the correction: %s", invoice_id, e)
        return change, None
    hint = learn_hint(pages, extracted, change.after)
    if hint is not None:
        with db.transaction() as session:
            learning.remember(session, clock, invoice_id, hint.to_json(), who.actor)
    return change, hint
