"""CSV cells that no spreadsheet runs as a formula."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.export import file_name, safe_cell


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://evil\",\"pay\")", "'=HYPERLINK(\"http://evil\",\"pay\")"),
    ("+49 30 123", "'+49 30 123"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\r=1", "'\r=1"), ("ACME SARL", "ACME SARL"), ("", ""),
    (Decimal("-12.50"), "-12.50"), (Decimal("1190.00"), "1190.00"), ("-5.00", "-5.00"), ("42", "42"),
    (7, "7"), (None, ""), (dt.date(2026, 3, 2), "2026-03-02"),
])  # fmt: skip
def test_text_that_starts_a_formula_is_quoted_and_numbers_stay_numbers(value, cell):
    assert safe_cell(value) == cell


@given(st.text())
def test_no_text_comes_out_as_a_formula(text):
    cell = safe_cell(text)
    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        Decimal(cell)  # only a plain number may start so


def test_file_names_are_safe_and_unique_per_invoice():
    class Row:
        id, number = 12, "../INV 2026/0001"

    assert file_name(Row(), "xml") == "12-INV_2026_0001.xml"  # type: ignore[arg-type]
