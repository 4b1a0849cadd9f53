"""Rules that send an incoming invoice to review instead of straight to approval. Pure."""

from __future__ import annotations

from invoicing.extraction import UNREAD_IBAN, ExtractedInvoice

#: Fields without which nobody can approve an invoice with confidence.
KEY_FIELDS = ("invoice_number", "issue_date", "total", "currency", "seller.name")


def review_reasons(
    extraction: ExtractedInvoice, *, min_confidence: float, duplicate_of: int | None
) -> list[str]:
    """Return why the invoice needs a person's review; empty when it can go to approval as is."""
    reasons: list[str] = []
    if duplicate_of is not None:
        reasons.append(f"possible duplicate of #{duplicate_of}")
    for name in KEY_FIELDS:
        if extraction.field_value(name) in (None, ""):
            reasons.append(f"{name} not found")
        elif extraction.confidence.get(name, 1.0) < min_confidence:
            reasons.append(f"low confidence in {name}")
    if UNREAD_IBAN in extraction.warnings:
        reasons.append("the seller's IBAN is printed but could not be read")
    parts = (extraction.net_total, extraction.tax_total, extraction.total)
    if None not in parts and parts[0] + parts[1] != parts[2]:  # type: ignore[operator]
        reasons.append("net + tax does not equal the total")
    return reasons


def seller_key(extraction: ExtractedInvoice) -> str | None:
    """Return a stable identity of the seller for duplicate detection: VAT ID, IBAN or name."""
    seller = extraction.seller
    if seller.vat_id:
        return "vat:" + fold_key(seller.vat_id)
    if seller.iban:
        return "iban:" + fold_key(seller.iban)
    if seller.name:
        return "name:" + fold_key(seller.name)
    return None


def number_key(number: str | None) -> str | None:
    """Return an invoice number folded for comparison ("#INV-001 " and "inv001" match)."""
    return fold_key(number) if number else None


def fold_key(value: str) -> str:
    """Return `value` as compared across sources: letters and digits only, case folded."""
    return "".join(ch for ch in value.casefold() if ch.isalnum())
