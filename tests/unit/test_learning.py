"""Learning from one correction where a vendor prints a field, then reading it there next time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from intake.fields import extract_fields
from intake.learning import Hint, apply_hints, learn_hint, read_hint
from intake.media import PDF
from intake.readers import read_document
from tests.factories import text_pdf


def odd_vendor_invoice(reference: str, amount: str, day: str) -> bytes:
    """An invoice whose number stands behind an unusual label and whose total is unlabelled."""
    return text_pdf([
        (50, 60, "Kleinbetrieb Quirin"),
        (350, 120, f"Vorgang {reference}"),
        (350, 134, f"Ausgestellt {day}"),
        (50, 260, "Leistung laut Absprache"),
        (350, 330, "Zu zahlen bitte"),
        (350, 344, f"{amount} EUR"),
    ])  # fmt: skip


def pages(data: bytes):  # type: ignore[no-untyped-def]
    return read_document(data, PDF).pages


def test_a_label_in_the_same_cell_is_learnt_and_read_on_the_next_invoice():
    first = pages(odd_vendor_invoice("Q-2026-17", "250,00", "03.02.2026"))
    hint = learn_hint(first, "invoice_number", "Q-2026-17")
    assert hint == Hint("invoice_number", "same-cell", "vorgang")

    second = pages(odd_vendor_invoice("Q-2026-18", "99,50", "03.03.2026"))
    assert read_hint(second, hint) == "Q-2026-18"


def test_a_label_above_the_value_is_learnt_for_amounts_and_dates():
    first = pages(odd_vendor_invoice("Q-1", "250,00", "03.02.2026"))
    total = learn_hint(first, "total", Decimal("250.00"))
    issued = learn_hint(first, "issue_date", dt.date(2026, 2, 3))
    assert total == Hint("total", "below", "zu zahlen bitte")
    assert issued == Hint("issue_date", "same-cell", "ausgestellt")

    second = pages(odd_vendor_invoice("Q-2", "1.234,56", "17.03.2026"))
    assert read_hint(second, total) == Decimal("1234.56")
    assert read_hint(second, issued) == dt.date(2026, 3, 17)


def test_given_a_wrong_reading_when_corrected_once_then_the_next_invoice_is_right():
    first = pages(odd_vendor_invoice("Q-2026-17", "250,00", "03.02.2026"))
    hints = [learn_hint(first, "invoice_number", "Q-2026-17"), learn_hint(first, "total", Decimal("250.00")),
             learn_hint(first, "seller.name", "Kleinbetrieb Quirin")]  # fmt: skip

    second = pages(odd_vendor_invoice("Q-2026-18", "99,50", "03.03.2026"))
    before = extract_fields(second)
    after = apply_hints(second, before, [h for h in hints if h])
    assert (after.invoice_number, after.total, after.seller.name) == ("Q-2026-18", Decimal("99.50"), "Kleinbetrieb Quirin")
    assert after.confidence["invoice_number"] >= 0.9


def test_a_value_that_is_not_on_the_page_teaches_nothing():
    first = pages(odd_vendor_invoice("Q-1", "250,00", "03.02.2026"))
    assert learn_hint(first, "invoice_number", "NOT-THERE") is None
    assert learn_hint(first, "buyer.name", "Somebody") is None
