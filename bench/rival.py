"""invoice2data (PyPI, its 215 built-in templates) on the same corpus files, for comparison.

Config A of the corpus README: plain `pip install invoice2data`, PDFs through its `pdftotext`
input, images through its `tesseract` input. Its results are mapped onto `ExtractedInvoice` with
the README's key mapping so that one scorer judges both. invoice2data returns floats for
amounts; they are turned into Decimals through `str()` here only to be scored.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from invoicing.extraction import ExtractedInvoice, Party

#: invoice2data has no input for e-invoice XML.
SUPPORTED_KINDS = ("text-pdf", "image", "scanned-pdf")


def available() -> bool:
    """Return whether invoice2data is installed (`pip install -e '.[bench]'`)."""
    try:
        import invoice2data  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _templates() -> list[Any]:
    from invoice2data.extract.loader import read_templates

    logging.getLogger("invoice2data").setLevel(logging.CRITICAL)
    return read_templates()  # type: ignore[no-any-return]


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def to_extraction(result: dict[str, Any]) -> ExtractedInvoice:
    """Return invoice2data's result dict as an `ExtractedInvoice` (the README's key mapping)."""
    vat = result.get("vat") or result.get("static_vat") or result.get("gstin")
    return ExtractedInvoice(
        invoice_number=_text(result.get("invoice_number")),
        issue_date=_date(result.get("date")),
        due_date=_date(result.get("date_due")),
        currency=_text(result.get("currency")),
        total=_decimal(result.get("amount")),
        net_total=_decimal(result.get("amount_untaxed")),
        tax_total=_decimal(result.get("amount_tax")),
        seller=Party(
            name=_text(result.get("issuer") or result.get("partner_name")),
            vat_id=_text(vat),
            iban=_text(result.get("iban")),
        ),
    )


def extract(path: Path, kind: str) -> ExtractedInvoice | None:
    """Return what invoice2data reads from `path`, or None when no template matches."""
    from invoice2data import extract_data
    from invoice2data.input import pdftotext, tesseract

    reader = tesseract if kind == "image" else pdftotext
    result = extract_data(str(path), templates=_templates(), input_module=reader)
    return to_extraction(result) if result else None
