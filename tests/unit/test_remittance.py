"""Invoice numbers and references are found in remittance text however they are written, and never by accident."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.ch import esr

from invoicing.billing import creditor_reference
from invoicing.remittance import (
    NumberKey,
    is_payment_reference,
    is_qr_reference,
    references_in,
    windows,
)


def names(text: str, number: str) -> bool:
    key = NumberKey.of(number)
    assert key is not None
    return any(w.compact == key.compact and w.cuts <= key.cuts for w in windows(text, key.runs))


@pytest.mark.parametrize(
    "text",
    ["Invoice INV-2026-0001", "inv-2026-0001 thanks", "INV 2026 0001", "INV20260001", "inv2026-0001.",
     "RE: INV/2026/0001, INV-2026-0002", "(INV-2026-0001)", "Nr.INV-2026-0001"],
)  # fmt: skip
def test_a_number_is_found_whatever_its_case_and_separators(text: str):
    assert names(text, "INV-2026-0001")


@pytest.mark.parametrize(
    "text",
    ["INV-2026-00012", "INV-2026-00010", "XINV-2026-0001", "INV-2026-0001A", "IN V-2026-0001", "INV-20-26-0001",
     "INV-2026-000", "INV-2026, 0001"],
)  # fmt: skip
def test_a_number_is_never_found_inside_a_longer_one_or_split_where_it_is_not(text: str):
    """GIVEN "INV-2026-0001" THEN "INV-2026-00012" (a longer number), "XINV..." (glued to a word) and "INV-20-26-0001"
    (split inside a part) do not name it."""
    assert not names(text, "INV-2026-0001")


def test_a_date_is_not_taken_for_a_numeric_invoice_number():
    assert names("Rechnung 2026-0115", "2026-0115") and names("Rechnung 20260115", "2026-0115")
    assert not names("paid on 2026-01-15", "2026-0115")


def test_short_numbers_are_not_looked_for():
    assert NumberKey.of("17") is None and NumberKey.of("A-12") is None and NumberKey.of("ABCDEF") is None
    assert NumberKey.of("R-2026-7") == NumberKey("R20267", frozenset({1, 5}))


@given(
    prefix=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=0, max_size=4),
    year=st.integers(2000, 2099),
    seq=st.integers(1, 99999),
    sep=st.sampled_from(["-", "/", "."]),
    written=st.sampled_from(["", " ", "-", "/", "same"]),
    lower=st.booleans(),
)
def test_any_number_written_any_tolerated_way_is_found_and_a_longer_one_is_not(
    prefix: str, year: int, seq: int, sep: str, written: str, lower: bool
):
    """GIVEN any number like PREFIX-YEAR-SEQ written with other separators or none, any case, among words THEN it is
    found; the same with one more digit is not."""
    parts = [p for p in (prefix, str(year), f"{seq:04d}") if p]
    number = sep.join(parts)
    as_written = (sep if written == "same" else written).join(parts)
    as_written = as_written.lower() if lower else as_written
    assert names(f"Payment for {as_written}, thank you", number)
    assert not names(f"Payment for {as_written}7, thank you", number)


@given(body=st.text("0123456789", min_size=26, max_size=26), position=st.integers(0, 26), change=st.integers(1, 9))
def test_qr_references_check_as_the_swiss_standard_does(body: str, position: int, change: int):
    """GIVEN 26 digits and their mod-10 recursive check THEN it is a QR reference (and stdnum agrees); changing one
    digit breaks it."""
    valid = body + esr.calc_check_digit(body)
    assert is_qr_reference(valid)
    assert esr.is_valid(valid) or not body.strip("0")  # stdnum drops leading zeros, so refuses all zeros
    changed = valid[:position] + str((int(valid[position]) + change) % 10) + valid[position + 1 :]
    assert not is_qr_reference(changed)


def test_references_of_both_kinds_are_recognised():
    assert is_payment_reference("RF18 5390 0754 7034") and is_payment_reference("210000000003139471430009017")
    assert not is_payment_reference("210000000003139471430009018") and not is_payment_reference("INV-2026-0001")
    assert not is_qr_reference("21000000000313947143000901")  # 26 digits


def test_a_reference_written_in_text_with_spaces_is_found_and_chance_checksums_are_not():
    """GIVEN a reference written in groups THEN it is found; GIVEN the known references THEN only those are kept
    (a shorter run of the same digits may pass the RF checksum by chance)."""
    ours = creditor_reference("INV-2026-0001")
    grouped = " ".join(ours[i : i + 4] for i in range(0, len(ours), 4))
    assert ours in references_in(f"Payment {grouped.lower()} thanks")
    assert references_in(f"Payment {grouped}", known={ours}) == {ours}
    assert references_in("QR 21 00000 00003 13947 14300 09017") == {"210000000003139471430009017"}


@given(number=st.from_regex(r"[A-Z]{2,3}-20[0-9]{2}-[0-9]{4,6}", fullmatch=True), noise=st.text(max_size=30))
def test_our_own_reference_is_always_found_in_text(number: str, noise: str):
    """GIVEN any reference we issue, among any words THEN it is found."""
    ref = creditor_reference(number)
    assert ref in references_in(f"{noise} {ref} {noise}", known={ref})
