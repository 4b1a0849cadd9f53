"""VAT IDs and IBANs found in text and checked with their checksums."""

from __future__ import annotations

import pytest

from intake.fields.ids import find_ibans, find_vat_ids


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
