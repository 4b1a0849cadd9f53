"""Learning from one correction where a vendor prints a field, then reading it there next time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from intake.fields import extract_fields
from intake.learning import Hint, apply_hints, learn_hint, read_hint
from intake.media import PDF
from intake.readers import read_document
from tests.factories import simple_invoice_pdf, text_pdf


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


def test_a_learnt_iban_never_replaces_the_printed_one_and_the_difference_is_a_warning():
    page = pages(simple_invoice_pdf())
    before = extract_fields(page)
    after = apply_hints(page, before, [Hint("seller.iban", "constant", "GB33BUKB20201555555555")])
    assert after.seller.iban == "DE02120300000000202051"
    assert any("GB33 BUKB" in w and "DE02 1203" in w for w in after.warnings)


def test_a_learnt_value_only_fills_a_field_the_page_lacks():
    page = pages(odd_vendor_invoice("Q-1", "250,00", "03.02.2026"))
    hints = [Hint("seller.iban", "constant", "DE02120300000000202051"), Hint("seller.name", "constant", "Quirin KG")]
    after = apply_hints(page, extract_fields(page), hints)
    assert after.seller.iban == "DE02120300000000202051"  # not printed: filled, and said so
    assert after.seller.name == "Kleinbetrieb Quirin"  # printed: kept
    assert any("IBAN" in w and "not printed" in w for w in after.warnings)


def test_a_learnt_place_does_not_replace_a_confident_reading_of_the_page():
    page = pages(simple_invoice_pdf())
    before = extract_fields(page)
    after = apply_hints(page, before, [Hint("total", "right", "nettobetrag")])
    assert (before.total, after.total) == (Decimal("1190.00"), Decimal("1190.00"))
    assert any("1000.00" in w for w in after.warnings)
