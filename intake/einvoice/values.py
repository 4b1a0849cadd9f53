"""Reading single values out of e-invoice XML: text, amounts, dates, identifiers.

The syntax readers (`cii`, `ubl`) work on trees whose tags have had their namespaces removed
(see `intake.einvoice.parse_einvoice`), so paths here are plain ElementPath child paths.
A value that is present but malformed becomes `None` plus a warning; it never raises.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from lxml import etree

from invoicing.extraction import FIELD_NAMES, ExtractedInvoice, Source

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATE_102 = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_SALUTATION = re.compile(
    r"(herr|herrn|frau|firma|fa\.?|mr\.?|mrs\.?|ms\.?|m\.|mme\.?|monsieur|madame|mademoiselle)",
    re.IGNORECASE,
)
#: A line that is a labelled number, not a name: "GLN 4333741000005", "Kunden-Nr. : 009420".
_ID_LINE = re.compile(
    r"(?:GLN|GTIN|ILN|EAN|[\w-]*?(?:nr|no|nummer|number|id))\.?\s*[:#]?\s*[0-9][0-9 ./-]*",
    re.IGNORECASE,
)


def collapse(raw: str | None) -> str | None:
    """Return `raw` with runs of whitespace collapsed to one space, or None when blank."""
    if raw is None:
        return None
    folded = " ".join(raw.split())
    return folded or None


def text(el: etree._Element | None, path: str = ".") -> str | None:
    """Return the whitespace-collapsed text of the first element at `path`, or None."""
    found = _first(el, path)
    return None if found is None else collapse(found.text)


def party_name(el: etree._Element | None, path: str) -> str | None:
    """Return the party name at `path`, whitespace-collapsed, without address-label lines.

    Names written as a printed address block carry extra lines such as "Herrn" or
    "GLN 4333741000005"; those lines are dropped when a name line remains.
    """
    found = _first(el, path)
    if found is None or found.text is None:
        return None
    lines = [line for line in (collapse(raw) for raw in found.text.splitlines()) if line]
    kept = [line for line in lines if not (_SALUTATION.fullmatch(line) or _ID_LINE.fullmatch(line))]
    return " ".join(kept or lines) or None


def texts(el: etree._Element | None, path: str) -> list[str]:
    """Return the non-blank, whitespace-collapsed texts of every element at `path`."""
    if el is None:
        return []
    return [value for value in (collapse(e.text) for e in el.findall(path)) if value is not None]


def amount(el: etree._Element | None, path: str, warnings: list[str]) -> Decimal | None:
    """Return the decimal at `path`, or None when absent or not a plain decimal number."""
    return to_decimal(_first(el, path), warnings)


def to_decimal(el: etree._Element | None, warnings: list[str]) -> Decimal | None:
    """Return the element's text as a Decimal, or None (with a warning when malformed)."""
    raw = None if el is None else collapse(el.text)
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        warnings.append(f"{etree.QName(el).localname} is not a number: {raw!r}")
        return None
    return value


def compact_id(raw: str | None) -> str | None:
    """Return an identifier (VAT ID) with all whitespace removed, or None when blank."""
    if raw is None:
        return None
    return "".join(raw.split()) or None


def iban(raw: str | None) -> str | None:
    """Return `raw` as a compact upper-case IBAN when it has the shape of one, else None."""
    value = compact_id(raw)
    if value is None:
        return None
    value = value.upper()
    return value if _IBAN_SHAPE.fullmatch(value) else None


def cii_date(el: etree._Element | None, path: str, warnings: list[str]) -> dt.date | None:
    """Return the CII date at `path` (`udt:DateTimeString`, format 102 = YYYYMMDD), or None."""
    holder = _first(el, path)
    if holder is None:
        return None
    # ZUGFeRD 1.0 / 2.x wrap the value in DateTimeString; the pre-release 1.0 schema does not.
    carrier = holder.find("DateTimeString")
    if carrier is None:
        carrier = holder
    raw = collapse(carrier.text)
    if raw is None:
        return None
    fmt = carrier.get("format", "102")
    match = _DATE_102.fullmatch(raw) if fmt == "102" else None
    if match is None:
        match = _ISO_DATE.fullmatch(raw)
    return _date(match, raw, etree.QName(holder).localname, warnings)


def ubl_date(el: etree._Element | None, path: str, warnings: list[str]) -> dt.date | None:
    """Return the UBL `xs:date` at `path` (YYYY-MM-DD, an offset is ignored), or None."""
    found = _first(el, path)
    raw = None if found is None else collapse(found.text)
    if raw is None:
        return None
    match = _ISO_DATE.match(raw)
    return _date(match, raw, etree.QName(found).localname, warnings)


def finish(invoice: ExtractedInvoice, warnings: list[str]) -> ExtractedInvoice:
    """Return `invoice` with its source, confidences and warnings (own arithmetic) filled in."""
    confidence = {name: 1.0 for name in FIELD_NAMES if invoice.field_value(name) is not None}
    found = list(warnings)
    net, tax, total = invoice.net_total, invoice.tax_total, invoice.total
    if net is not None and tax is not None and total is not None and net + tax != total:
        found.append(f"the XML's totals disagree: net {net} + tax {tax} != total {total}")
    return invoice.model_copy(
        update={
            "source": Source.EINVOICE_XML,
            "confidence": confidence,
            "warnings": invoice.warnings + tuple(found),
        }
    )


def _date(match: re.Match[str] | None, raw: str, what: str, warnings: list[str]) -> dt.date | None:
    if match is not None:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    warnings.append(f"{what} is not a date: {raw!r}")
    return None


def _first(el: etree._Element | None, path: str) -> etree._Element | None:
    if el is None:
        return None
    return el if path == "." else el.find(path)
