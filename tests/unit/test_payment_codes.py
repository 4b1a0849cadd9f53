"""Payment QR codes on issued invoices, read back by the product's own QR reader (zxing-cpp)."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
import segno
from PIL import Image

from intake.qr import PaymentQr, QrKind, find_payment_qr, parse_swiss_qr
from invoicing.billing import creditor_reference, payment_reference
from invoicing.document import Address, BankDetails, DocumentKind, PartyDetails
from invoicing.render.payment_codes import (
    epc_code,
    printed_reference,
    split_street,
    swiss_bill,
    swiss_code,
)
from invoicing.render.samples import warm_up_document

QR_IBAN, CH_IBAN = "CH4431999123000889012", "CH9300762011623852957"


def _decoded(code: segno.QRCode) -> PaymentQr | None:
    out = io.BytesIO()
    code.save(out, kind="png", scale=4, border=4)
    return find_payment_qr([Image.open(io.BytesIO(out.getvalue()))])


def _swiss_document(iban: str = CH_IBAN, **changes):  # type: ignore[no-untyped-def]
    document = warm_up_document()
    seller = PartyDetails("Robert Schneider AG", Address(("Rue du Lac 1268",), "2501", "Biel", "CH"), "CHE116281710MWST")
    buyer = PartyDetails("Pia-Maria Rutschmann-Schnyder", Address(("Grosse Marktgasse 28",), "9400", "Rorschach", "CH"))
    values = {"currency": "CHF", "seller": seller, "buyer": buyer, "bank": BankDetails(iban),
              "payment_reference": payment_reference(document.number, iban), **changes}  # fmt: skip
    return replace(document, **values)


def test_a_eur_invoice_gets_a_girocode_the_reader_understands() -> None:
    """GIVEN a EUR invoice with IBAN, BIC and an RF reference WHEN its EPC code is decoded THEN IBAN,
    amount, reference, BIC and the seller as creditor come back."""
    document = warm_up_document()
    found = _decoded(epc_code(document))
    assert found == PaymentQr(
        kind=QrKind.EPC, iban=document.bank.iban, creditor_name="Muster GmbH", currency="EUR",
        amount=document.totals.total, reference=creditor_reference("WARM-UP-1"), bic="COBADEFFXXX",
    )  # fmt: skip


def test_without_a_creditor_reference_the_number_is_the_remittance_text() -> None:
    """GIVEN a EUR invoice without payment reference and an account holder WHEN decoded THEN the
    invoice number is the message and the holder the creditor."""
    document = replace(warm_up_document(), payment_reference=None,
                       bank=BankDetails("DE89370400440532013000", None, "Treuhand Muster"))  # fmt: skip
    found = _decoded(epc_code(document))
    assert found is not None and found.message == "WARM-UP-1" and found.reference is None
    assert found.creditor_name == "Treuhand Muster" and found.bic is None


@pytest.mark.parametrize(
    "change",
    [{"kind": DocumentKind.CREDIT_NOTE}, {"currency": "DKK"}, {"bank": None}],
    ids=["credit note", "not EUR", "no IBAN"],
)
def test_no_girocode_where_nothing_is_to_be_paid_in_euro_by_transfer(change: dict[str, object]) -> None:
    """GIVEN a credit note, a DKK invoice or one without IBAN WHEN asked for an EPC code THEN none."""
    assert epc_code(replace(warm_up_document(), **change)) is None


def test_a_chf_invoice_gets_a_qr_bill_with_structured_addresses() -> None:
    """GIVEN a CHF invoice to an ordinary Swiss IBAN WHEN its QR-bill payload is read by the product's
    parser THEN it is a version 0200 bill with an RF reference, structured addresses (street and
    number apart) and the total."""
    document = _swiss_document()
    bill = swiss_bill(document)
    assert bill is not None and bill.reference_type == "SCOR"
    lines = bill.payload().split("\r\n")
    assert lines[:4] == ["SPC", "0200", "1", CH_IBAN] and lines[-1] == "EPD"
    assert lines[4:11] == ["S", "Robert Schneider AG", "Rue du Lac", "1268", "2501", "Biel", "CH"]
    assert lines[20:27] == ["S", "Pia-Maria Rutschmann-Schnyder", "Grosse Marktgasse", "28", "9400", "Rorschach", "CH"]
    parsed = parse_swiss_qr(bill.payload())
    assert parsed is not None and parsed.amount == document.totals.total and parsed.currency == "CHF"
    assert parsed.reference == document.payment_reference
    assert _decoded(swiss_code(bill)) == parsed


def test_a_qr_iban_bill_carries_the_qr_reference() -> None:
    """GIVEN a CHF invoice to a QR-IBAN WHEN its bill is made THEN the reference type is QRR, printed in
    fives from the right, and the reader accepts it."""
    document = _swiss_document(QR_IBAN)
    bill = swiss_bill(document)
    assert bill is not None and bill.reference_type == "QRR" and bill.reference == document.payment_reference
    assert printed_reference("210000000003139471430009017") == "21 00000 00003 13947 14300 09017"
    assert printed_reference("RF18539007547034") == "RF18 5390 0754 7034"
    assert parse_swiss_qr(bill.payload()) is not None


def test_qr_bill_text_is_cut_to_its_fields_and_character_set() -> None:
    """GIVEN a debtor name of 90 characters with Greek and emoji WHEN made into a bill THEN the name is
    at most 70 characters of the allowed Latin set."""
    long_name = "Αθηνά 😀 " + "Ölmühle Zürich-Süd " * 5
    document = _swiss_document()
    document = replace(document, buyer=replace(document.buyer, name=long_name))
    bill = swiss_bill(document)
    assert bill is not None and len(bill.debtor.name) <= 70
    assert bill.debtor.name.startswith("..... . Ölmühle Zürich-Süd")
    assert all(ord(c) < 0x180 or c in "ȘșȚț€" for c in bill.payload())
    assert parse_swiss_qr(bill.payload()) is not None


@pytest.mark.parametrize(
    "change",
    [{"currency": "EUR"}, {"bank": BankDetails("DE89370400440532013000")}, {"kind": DocumentKind.CREDIT_NOTE}],
    ids=["EUR", "German IBAN", "credit note"],
)
def test_no_qr_bill_outside_chf_to_swiss_accounts(change: dict[str, object]) -> None:
    """GIVEN a EUR invoice, a German IBAN or a credit note WHEN asked for a QR-bill THEN none."""
    assert swiss_bill(_swiss_document(**change)) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Bahnhofstrasse 7a", ("Bahnhofstrasse", "7a")),
        ("12 rue des Lilas", ("rue des Lilas", "12")),
        ("Østergade 18-20", ("Østergade", "18-20")),
        ("Postfach", ("Postfach", "")),
    ],
)
def test_street_and_building_number_are_told_apart(line: str, expected: tuple[str, str]) -> None:
    """GIVEN an address line WHEN split for a structured address THEN street and number."""
    assert split_street(line) == expected
