"""Chat texts: amounts and dates for the user's language, HTML with user text escaped, captions cut
cleanly within Telegram's limit, bank-detail alerts first."""

from __future__ import annotations

import datetime as dt
import html.parser
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.telegram import render
from bot.telegram.formats import CAPTION_LIMIT, Formats, plain, telegram_length
from invoicing.domain import Direction, InvoiceStatus
from invoicing.reapproval import Changes, FieldChange
from invoicing.views import InvoiceSummary, SellerView

ALERT = "IBAN changed from DE02 1203 0000 0000 2020 51 to GB33 BUKB 2020 1555 5555 55 since invoice #12"


def summary(**changes: object) -> InvoiceSummary:
    base = InvoiceSummary(
        id=7, direction=Direction.IN, status=InvoiceStatus.PENDING_APPROVAL, number="RE-7",
        issue_date=dt.date(2025, 7, 26), due_date=dt.date(2025, 8, 25), currency="EUR",
        net_total=Decimal("6473.14"), tax_total=Decimal("1229.90"), total=Decimal("7703.04"),
        amount_paid=Decimal("0.00"), contact=None, buyer=None, sha256=None, filename=None, source="pdf-text",
        seller=SellerView(name="Lieferant GmbH", vat_id="DE123456788", iban="GB33BUKB20201555555555"),
        warnings=[], duplicate_of=None, created_at=dt.datetime(2025, 7, 27, 8, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    return base.model_copy(update=changes)


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag


def balanced(text: str) -> bool:
    tags = _Tags()
    tags.feed(text)
    return not tags.open


def test_amounts_and_dates_read_as_the_language_writes_them():
    english = render.approval_request(summary(), 1, Formats("en"))
    german = render.approval_request(summary(), 1, Formats("de"))
    assert "Total: <b>€7,703.04</b>" in english and "Issued: 26 Jul 2025" in english
    assert "7.703,04\xa0€" in german and "Issued: 26.07.2025" in german
    assert "7\u202f703,04\xa0€" in render.approval_request(summary(), 1, Formats("fr"))
    assert "Issued: 26. jul. 2025" in render.approval_request(summary(), 1, Formats("da"))


def test_what_a_seller_wrote_is_escaped_and_the_heading_is_bold():
    text = render.approval_request(summary(seller=SellerView(name="<b>Evil</b> & Co", vat_id=None, iban=None)),
                                   1, Formats())  # fmt: skip
    assert text.startswith("<b>Please approve this invoice</b>")
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in text and balanced(text)


def test_a_bank_detail_alert_comes_first_in_bold_with_the_second_approval_it_needs():
    text = render.approval_request(summary(warnings=[ALERT, "low confidence in total"]), 1, Formats(), alerts=[ALERT])
    lines = text.splitlines()
    assert lines[1] == f"<b>⚠ {ALERT}</b>"
    assert "An admin's second approval is needed" in text
    assert text.count("IBAN changed") == 1 and "⚠ low confidence in total" in text


def test_a_change_since_approval_is_shown_old_to_new():
    changes = Changes((FieldChange("seller_iban", "DE02120300000000202051", "GB33BUKB20201555555555"),
                       FieldChange("total", "119.00", "99999.00"), FieldChange("due_date", "2025-08-25", "2025-09-01")),
                      since_approval=True)  # fmt: skip
    text = plain(render.approval_request(summary(), 1, Formats(), changes=changes))
    assert "Changed since approval:" in text
    assert "IBAN: DE02 1203 0000 0000 2020 51 → GB33 BUKB 2020 1555 5555 55" in text
    assert "Total: €119.00 → €99,999.00" in text and "Due: 25 Aug 2025 → 1 Sept 2025" in text


def test_a_long_card_is_cut_cleanly_within_the_caption_limit():
    noise = [f"warning {n}: " + "ü" * 120 for n in range(40)]
    long_name = "Lieferant " + "𝔊" * 400  # outside the BMP: two UTF-16 units each, as Telegram counts
    s = summary(warnings=[ALERT, *noise], seller=SellerView(name=long_name, vat_id=None, iban=None))
    caption = render.approval_request(s, 1, Formats(), alerts=[ALERT], limit=CAPTION_LIMIT)
    assert telegram_length(plain(caption)) <= CAPTION_LIMIT
    assert balanced(caption) and ALERT in caption
    assert plain(caption).endswith("… more under Details")


def test_a_decision_time_reads_in_the_business_zone_and_language():
    fmt = Formats("de", ZoneInfo("Europe/Berlin"))
    assert fmt.instant(dt.datetime(2025, 7, 26, 12, 3, tzinfo=dt.UTC)) == "26.07.2025 14:03 CEST"
    assert Formats().money(None, "EUR") == "unknown (EUR)"


def test_a_file_sent_again_says_whether_it_was_read_or_refused_the_first_time():
    """GIVEN a file the bot refused before (an empty PDF) WHEN it is sent again THEN the answer
    says it could not be read, and why; a file read before names its invoice."""
    from invoicing.receiving import Received

    fmt = Formats("en", ZoneInfo("Europe/Berlin"))
    refused = Received(document_id=3, invoice_id=None, status=None, already_known=True, error="empty file (0 bytes)")
    read = Received(document_id=4, invoice_id=9, status=InvoiceStatus.PENDING_APPROVAL, already_known=True)

    assert render.received(refused, None, fmt) == (
        "I have this file already (document 3); it could not be read: empty file (0 bytes)"
    )
    assert render.received(read, None, fmt) == "I have this file already (document 4 as invoice #9)."
