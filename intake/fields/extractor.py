"""Assemble an `ExtractedInvoice` from pages of words: run each field rule, check, score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from intake.fields import (
    buyers,
    checks,
    countries,
    memo,
    parties,
    receipts,
    references,
    seller_ids,
    stores,
)
from intake.fields.candidates import Candidate, LabelHit, find_label_hits
from intake.fields.labels import BUYER, ISSUE_DATE, SELLER, TOTAL
from intake.fields.layout import document_lines
from intake.fields.lines import header_lines, item_table
from intake.fields.totals import (
    Totals,
    adds_up,
    amount_candidates,
    choose_totals,
    derived_candidates,
    fallback_total,
    gross_subtotal_nets,
    per_rate_sum,
    printed_amounts,
    printed_rates,
    row_sum_candidates,
    several_amounts,
    tax_summary_heads,
    without_lost_marks,
)
from intake.words import Page
from invoicing.extraction import (
    UNREAD_IBAN,
    ExtractedInvoice,
    Line,
    Party,
    Source,
    amounts_disagree,
)

#: Confidence is multiplied by this when a check on the field fails.
FAILED_CHECK = 0.5
#: Confidence of a currency not printed but implied by the seller's country.
IMPLIED_CURRENCY = 0.45


def _confidence(candidate: Candidate[Any] | None, ocr_quality: float) -> float:
    if candidate is None:
        return 0.0
    return round(max(0.05, min(1.0, candidate.score)) * ocr_quality, 3)


def _ocr_quality(pages: Sequence[Page]) -> float:
    """Return the mean word confidence of OCR pages (1.0 for text layers)."""
    words = [w for p in pages if p.ocr for w in p.words]
    return sum(w.confidence for w in words) / len(words) if words else 1.0


def _totals(
    lines: Any, hits: Any, items: Sequence[Line], rows: frozenset[int], headers: set[int]
) -> tuple[Totals, list[str]]:
    # Amount words in an item table's header ("Netto", "Total") head columns, not totals; in its
    # rows of several amounts they describe an item ("Table tennis net | 12.00 | 1 | 12.00").
    # A label opening a parenthesis at its cell's start ("(Net): 60,00", "(Brut: 10,00)") annotates
    # the item's line above.
    # A table of the tax per rate ("GST Summary | Amount (RM) | Tax (RM)") heads each rate's base
    # and tax with its amount words: its "Amount" is no total.
    summary = tax_summary_heads(lines)
    hits = [h for h in hits if h.cell.line not in headers and not (h.cell.line in rows and several_amounts(lines[h.cell.line]))
            and not _opens_parenthesis(h) and not (h.field == TOTAL and h.cell.line in summary)]  # fmt: skip
    labelled, nets, taxes = amount_candidates(lines, hits)
    printed = printed_amounts(lines)
    proved = receipts.paid_minus_change(lines, printed) + receipts.rounded_totals(lines) + receipts.cents_unread_totals(lines)
    totals = labelled + proved + receipts.proved_over_misread(labelled, proved)
    totals += receipts.subtotals_over_misread(lines, labelled)
    nets += gross_subtotal_nets(lines, totals, nets, taxes)
    found = (totals, checks.favour_lines_sum(nets, totals, items, printed, bool(taxes)), taxes)
    roundings = receipts.rounding_adjustments(lines)
    # The line items' sum is evidence beside the printed amounts: a net OCR misread ("4 2,894.47")
    # is still the total less the tax where the items add up to that.
    items_sum = checks.lines_sum(items)
    proven = printed | ({items_sum} if items_sum is not None else set())
    # So are the taxes per rate added up, where the total less the net is their sum.
    if (taxed := per_rate_sum(lines)) is not None:
        proven.add(taxed)
    rates = printed_rates(lines, hits)
    derived = derived_candidates(proven, *found, roundings, rates)
    rows = row_sum_candidates(lines, hits)
    every_total, every_net, every_tax = (labelled + extra + row for labelled, extra, row in zip(found, derived, rows))
    every_total, every_net = without_lost_marks(every_total, every_net, every_tax, rates)
    totals = choose_totals(every_total, every_net, every_tax, roundings)
    warnings = []
    if totals.total is None:
        # The last resort's total is judged with the net and tax like a labelled one.
        total, net, tax = fallback_total(lines), totals.net, totals.tax
        agree = None if total is None or net is None or tax is None else adds_up(total, net, tax, roundings)
        totals = replace(totals, total=total, consistent=agree)
    if totals.consistent is False:
        assert totals.net and totals.tax and totals.total
        warnings.append(amounts_disagree(totals.net.value, totals.tax.value, totals.total.value))
    return totals, warnings


def _opens_parenthesis(hit: LabelHit) -> bool:
    """Return whether only an opening parenthesis stands before the label in its cell."""
    before = hit.cell.text[: hit.start]
    return before.endswith("(") and not before.strip("( ")


def _implied_currency(
    lines: Any, found: dict[str, Candidate[Any] | None], buyer_lines: set[int]
) -> tuple[str, str] | None:
    """Return the currency the seller's IBAN, VAT ID or address country implies, else the euro of a
    SEPA payment the page names, and which told."""
    name = found["seller.name"]
    near = lines
    if name is not None:
        # The name's letterhead block, wherever the name is printed (a footer repeats it without the
        # country; a narrow column wraps it before its legal form).
        core = parties.without_legal_form(name.value)
        printed = (core if len(core.split()) >= 2 else name.value).casefold()
        starts = [line.index for line in lines if printed in line.text.casefold()] or [name.line]
        near = [line for line in lines if any(0 <= line.index - start < 6 for start in starts)]
    buyer = found["buyer.name"]
    if buyer is not None:
        buyer_lines = buyer_lines | buyers.name_block(lines, buyer)  # an unlabelled window's address too
    address = countries.address_country([line for line in near if line.index not in buyer_lines])
    implied = countries.seller_currency(
        _value(found["seller.iban"]), _value(found["seller.vat_id"]), address, countries.creditor_country(lines)
    )
    if implied is None and countries.sepa_payment(lines):
        return "EUR", "SEPA payment (SEPA moves euros only)"
    return implied


def _value(candidate: Candidate[Any] | None) -> Any:
    return None if candidate is None else candidate.value


#: The fields whose label in an item table's header heads a column (`_extract_fields`).
_COLUMN_HEADS = frozenset({ISSUE_DATE, BUYER, SELLER})


def extract_fields(pages: Sequence[Page]) -> ExtractedInvoice:
    """Return the invoice fields read from `pages`, each with a confidence (0..1)."""
    with memo.one_document():
        return _extract_fields(pages)


def _extract_fields(pages: Sequence[Page]) -> ExtractedInvoice:
    lines = document_lines(pages)
    headers = header_lines(lines)
    # An item table's column heads name an item's date or customer ("Référence Client"), not the
    # invoice's date or its parties.
    hits = [h for h in find_label_hits(lines) if h.field not in _COLUMN_HEADS or h.cell.line not in headers]
    marked = buyers.marked_blocks(lines, hits)  # unlabelled buyer's blocks, for the seller's rules and the buyer's
    buyer_lines = buyers.buyer_block(lines, hits, marked)
    items, rows = item_table(lines)
    totals, warnings = _totals(lines, hits, items, rows, headers)
    issued = references.issue_date(lines, hits)
    found: dict[str, Candidate[Any] | None] = {
        "invoice_number": references.invoice_number(lines, hits),
        "issue_date": issued,
        "due_date": references.due_date(lines, hits, _value(issued)),
        "currency": None,
        "total": totals.total,
        "net_total": totals.net,
        "tax_total": totals.tax,
        "seller.vat_id": seller_ids.seller_vat_id(lines, hits, buyer_lines),
        "seller.iban": seller_ids.seller_iban(lines, hits, buyer_lines),
    }
    buyer_vat = checks.buyer_vat_id(lines, hits, buyer_lines)
    if buyer_vat is not None and _value(found["seller.vat_id"]) == buyer_vat:
        other = seller_ids.seller_vat_id(lines, hits, buyer_lines, besides=buyer_vat)
        # The buyer's own number is no answer for the seller's: none rather than the wrong
        # party's, and its country says nothing of the seller's currency nor whose block names the seller.
        found["seller.vat_id"] = other
    seller_vat = _value(found["seller.vat_id"])
    found["seller.name"] = parties.seller_name(stores.mend_legal_forms(lines), hits, buyer_lines, seller_vat)
    named = references.terms_date(lines, hits, _value(issued)) if found["due_date"] is None else None
    days = references.payment_terms(lines, hits) if found["due_date"] is None and named is None else None
    if named is not None:
        warnings.append(f"no due date printed as such; the payment terms name {named.isoformat()}")
    if days is not None and issued is not None:
        # Said, not filled in: a due date the page does not print would be invented.
        due = _value(issued) + dt.timedelta(days=days)
        warnings.append(f"no due date printed; the payment terms say {days} days ({due.isoformat()})")
    found["buyer.name"] = stores.mend_name(lines, buyers.buyer_name(lines, hits, _value(found["seller.name"]), marked))
    implied = _implied_currency(lines, found, buyer_lines)
    found["currency"] = references.currency(lines, hits, None if implied is None else implied[0])
    if found["currency"] is None and implied is not None:
        # Amounts printed bare: the seller's country says which currency they are in.
        found["currency"] = Candidate(implied[0], IMPLIED_CURRENCY, 0)
        warnings.append(f"no currency printed; {implied[0]} taken from the seller's {implied[1]}")
    if found["seller.iban"] is None and seller_ids.unread_iban(lines, hits, buyer_lines):
        warnings.append(UNREAD_IBAN)
    quality = _ocr_quality(pages)
    confidence = {name: _confidence(c, quality) for name, c in found.items() if c is not None}
    if totals.consistent is False:
        for name in ("total", "net_total", "tax_total"):
            confidence[name] = round(confidence.get(name, 0.0) * FAILED_CHECK, 3)
    elif totals.consistent:
        for name in ("total", "net_total", "tax_total"):
            confidence[name] = max(confidence.get(name, 0.0), round(0.95 * quality, 3))
    findings = [
        *checks.check_lines(items, _value(totals.net), _value(totals.total)),
        *checks.check_dates(_value(issued), _value(found["due_date"])),
        *checks.check_ids(_value(found["seller.vat_id"]), _value(found["seller.iban"])),
        *checks.check_parties(
            _value(found["seller.name"]), _value(found["buyer.name"]), _value(found["seller.vat_id"]), buyer_vat
        ),
    ]
    confidence, failed = checks.apply_findings(confidence, findings, FAILED_CHECK)
    total: Decimal | None = _value(totals.total)
    return ExtractedInvoice(
        source=Source.OCR if any(p.ocr for p in pages) else Source.PDF_TEXT,
        invoice_number=_value(found["invoice_number"]),
        issue_date=_value(issued),
        due_date=_value(found["due_date"]),
        currency=_value(found["currency"]),
        total=total,
        net_total=_value(totals.net),
        tax_total=_value(totals.tax),
        seller=Party(
            name=_value(found["seller.name"]),
            vat_id=_value(found["seller.vat_id"]),
            iban=_value(found["seller.iban"]),
        ),
        buyer=Party(name=_value(found["buyer.name"])),
        lines=items,
        confidence=confidence,
        warnings=tuple(warnings) + failed,
        document_type="381" if total is not None and total < 0 else "380",
    )
