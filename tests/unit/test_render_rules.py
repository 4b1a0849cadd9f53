"""What an invoice needs before it is issued as an EN 16931 e-invoice, and the payment references."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from stdnum import iso11649
from stdnum.ch import esr

from invoicing.billing import (
    LineItem,
    TaxCategory,
    is_qr_iban,
    payment_reference,
    price,
    qr_reference,
)
from invoicing.document import BankDetails, DocumentKind
from invoicing.render.rules import InvalidDocument, check_document, problems
from invoicing.render.samples import warm_up_document
from tests.invoices import SCENARIOS, generate, sample


def _with_lines(*items: LineItem):  # type: ignore[no-untyped-def]
    return replace(warm_up_document(), totals=price(items))


def _line(category: TaxCategory, rate: str = "0") -> LineItem:
    return LineItem("Service", Decimal(1), Decimal("100"), Decimal(rate), category)


def test_every_generated_scenario_can_be_issued() -> None:
    """GIVEN the generated invoices of every scenario and kind WHEN checked THEN none has a problem."""
    documents = sample(48) + [generate(seed) for seed in range(100, 150)]
    assert {d.totals.groups[0].category for d in documents} >= {c for c in TaxCategory}
    assert [(d.number, problems(d)) for d in documents if problems(d)] == []


def test_reverse_charge_needs_the_buyers_vat_id() -> None:
    """GIVEN a reverse-charge line and a buyer without VAT id WHEN checked THEN BR-AE-02 is named."""
    document = _with_lines(_line(TaxCategory.REVERSE_CHARGE))
    assert any("BR-AE-02" in p for p in problems(document))
    buyer = replace(document.buyer, vat_id="FR40303265045")
    assert problems(replace(document, buyer=buyer)) == ()


def test_intra_eu_supply_and_export_need_vat_ids() -> None:
    """GIVEN an intra-EU supply without buyer VAT id, and an export without seller VAT id WHEN checked
    THEN BR-IC-02 and BR-G-02 are named."""
    intra = _with_lines(_line(TaxCategory.INTRA_EU))
    assert any("BR-IC-02" in p for p in problems(intra))
    export = _with_lines(_line(TaxCategory.EXPORT))
    export = replace(export, seller=replace(export.seller, vat_id=None, registration_id="HRB 1"))
    assert any("BR-G-02" in p for p in problems(export))


def test_a_seller_without_any_identifier_cannot_issue() -> None:
    """GIVEN a standard-rated invoice whose seller has no VAT id, tax number or registration WHEN
    checked THEN BR-CO-26 and BR-S-02 are named; a tax number and registration satisfy both."""
    document = warm_up_document()
    bare = replace(document, seller=replace(document.seller, vat_id=None))
    found = " ".join(problems(bare))
    assert "BR-CO-26" in found and "BR-S-02" in found
    small_business = replace(bare.seller, tax_number="12/345/67890", registration_id="HRB 1234")
    assert problems(replace(bare, seller=small_business)) == ()


def test_lines_outside_vat_stand_alone_and_need_a_registration() -> None:
    """GIVEN an O line beside a taxed one, and an O-only invoice without registration WHEN checked
    THEN BR-O-11 and the registration are named."""
    mixed = _with_lines(_line(TaxCategory.NOT_SUBJECT), _line(TaxCategory.STANDARD, "19"))
    assert any("BR-O-11" in p for p in problems(mixed))
    alone = _with_lines(_line(TaxCategory.NOT_SUBJECT))
    assert any("registration" in p for p in problems(alone))


def test_a_credit_note_names_the_invoice_it_corrects() -> None:
    """GIVEN a credit note without preceding invoice WHEN checked THEN InvalidDocument says so."""
    note = replace(warm_up_document(), kind=DocumentKind.CREDIT_NOTE)
    with pytest.raises(InvalidDocument) as caught:
        check_document(note)
    assert caught.value.problems == ("a credit note names the invoice it corrects",)


def test_bad_codes_and_dates_are_named() -> None:
    """GIVEN a lower-case currency, an unknown language, a VAT id without country and a due date
    before the issue date WHEN checked THEN each is named."""
    document = warm_up_document()
    broken = replace(
        document, currency="eur", language="es", due_date=document.issue_date - dt.timedelta(days=1),
        buyer=replace(document.buyer, vat_id="123456789"),
    )  # fmt: skip
    found = " ".join(problems(broken))
    for expected in ("currency 'eur'", "language 'es'", "BR-CO-9", "before the issue date"):
        assert expected in found


def test_an_invalid_document_crosses_a_process_boundary_intact() -> None:
    """GIVEN InvalidDocument with two problems WHEN pickled (as a worker sends it) THEN both survive."""
    import pickle

    error = pickle.loads(pickle.dumps(InvalidDocument(("a", "b"))))
    assert error.problems == ("a", "b") and str(error) == "a; b"


def test_a_qr_iban_takes_a_qr_reference() -> None:
    """GIVEN a CHF invoice to a QR-IBAN WHEN its reference is an RF one THEN it is refused; the
    reference `payment_reference` gives is a valid 27-digit QR reference carrying the number."""
    document = replace(warm_up_document(), currency="CHF", bank=BankDetails("CH4431999123000889012"))
    assert any("QR reference" in p for p in problems(document))
    reference = payment_reference("RE-2025-0042", "CH4431999123000889012")
    assert len(reference) == 27 and esr.is_valid(reference) and reference[:26] == "20250042".rjust(26, "0")
    assert problems(replace(document, payment_reference=reference)) == ()


def test_payment_references_by_account() -> None:
    """GIVEN an ordinary IBAN, a QR-IBAN and none WHEN a reference is made THEN RF, QRR and RF."""
    assert iso11649.is_valid(payment_reference("INV/2025/7", "DE89370400440532013000"))
    assert iso11649.is_valid(payment_reference("INV/2025/7", None))
    assert is_qr_iban("CH44 3199 9123 0008 8901 2") and not is_qr_iban("CH9300762011623852957")
    assert qr_reference("no digits") == "0" * 26 + esr.calc_check_digit("0" * 26)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_generated_invoices_are_reproducible(scenario: str) -> None:
    """GIVEN a seed and scenario WHEN generated twice THEN the same document."""
    assert generate(7, scenario) == generate(7, scenario)
