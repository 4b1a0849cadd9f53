"""VAT IDs and IBANs found in text and checked with their checksums."""

from __future__ import annotations

import pytest

from intake import media
from intake.fields import extract_fields
from intake.fields.ids import find_ibans, find_vat_ids
from intake.readers import read_document
from tests.factories import simple_invoice_pdf


@pytest.mark.parametrize(
    ("text", "value", "valid"),
    [
        ("USt-IdNr. DE812871812", "DE812871812", True),
        ("BTW NL810433941B01", "NL810433941B01", True),
        ("TVA : FR11999999998 - SIRET", "FR11999999998", True),
        ("VAT DE 136 695 976", "DE136695976", True),
        ("USt-IdNr.: DE123456789", "DE123456789", False),
    ],
)
def test_vat_ids_with_checksum(text: str, value: str, valid: bool) -> None:
    [found] = find_vat_ids(text)
    assert (found.value, found.valid) == (value, valid)


@pytest.mark.parametrize(
    ("text", "value", "valid"),
    [
        ("IBAN: DE92 7607 0012 0750 0077 00", "DE92760700120750007700", True),
        ("IBAN : FR76 10107 00245 00617052317 39 - BIC", "FR7610107002450061705231739", True),
        ("IBAN DE75123456780000001234, BIC", "DE75123456780000001234", False),
    ],
)
def test_ibans_with_checksum(text: str, value: str, valid: bool) -> None:
    [found] = find_ibans(text)
    assert (found.value, found.valid) == (value, valid)


def test_masked_iban_is_not_an_iban() -> None:
    assert find_ibans("IBAN: DE54 5004 **** **** **** 00") == []


def test_vat_id_does_not_absorb_the_next_label() -> None:
    """GIVEN a VAT ID followed on its line by "IBAN: ..." THEN the VAT ID ends before the label."""
    assert [m.value for m in find_vat_ids("USt-IdNr.: DE123456788  IBAN: DE02 1203 0000 0000 2020 51")] == [
        "DE123456788"
    ]


def test_seller_vat_id_beside_iban_on_the_invoice() -> None:
    """GIVEN an invoice whose footer prints VAT ID and IBAN on one line WHEN extracted THEN both are clean."""
    pages = read_document(simple_invoice_pdf(), media.PDF).pages
    extracted = extract_fields(pages)
    assert extracted.seller.vat_id == "DE123456788"
    assert extracted.seller.iban == "DE02120300000000202051"
