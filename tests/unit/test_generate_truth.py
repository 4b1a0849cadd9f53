"""The generated invoices' truth says what their page prints (bench.generate, without rendering)."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from functools import cache

import pytest

from bench.generate import documents

SEEDS = range(60)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@cache
def _drawn(seed: int) -> tuple[dict, dict]:
    return documents.invoice(random.Random(seed), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_totals_truth_is_printed_and_adds_up(seed: int) -> None:
    """GIVEN an invoice drawn from a seed (any totals variant) THEN net + tax = total, and the
    total, net and tax total of the truth are each printed as a line of the totals block (the tax
    total of several rates may be printed only per rate), with the sign the truth keeps."""
    context, truth = _drawn(seed)
    total, net, tax = (Decimal(truth[k]) for k in ("total", "net_total", "tax_total"))
    assert net + tax == total
    printed = [value for _, value, _ in context["totals"]]
    several_rates = len(truth["_meta"]["rates"]) > 1
    for amount in (total, net) if several_rates else (total, net, tax):
        matches = [v for v in printed if _digits(v) == _digits(f"{abs(amount):.2f}")]
        assert matches, f"{amount} not printed in {printed}"
        assert any(("-" in v) == (amount < 0) for v in matches)


@pytest.mark.parametrize("seed", SEEDS)
def test_iban_and_due_date_truth_follow_the_page(seed: int) -> None:
    """GIVEN an invoice drawn from a seed THEN a direct-debit notice (the buyer's account) leaves
    the seller's IBAN unprinted and null, a credit note has no due date, and a printed due date
    sits in the reference rows or in a payment sentence."""
    context, truth = _drawn(seed)
    meta = truth["_meta"]
    if meta["payment"] == "debit":
        assert truth["seller"]["iban"] is None and not context["show_iban"]
    if meta["credit"]:
        assert truth["due_date"] is None and Decimal(truth["total"]) < 0
    if truth["due_date"] is not None:
        rows = " ".join(v for _, v in context["meta_rows"])
        sentences = " ".join(context["notes"])
        assert (rows if meta["due_in"] == "meta" else sentences)


def test_every_variant_is_drawn() -> None:
    """GIVEN the invoices of the seeds THEN each totals and payment variant occurs at least once."""
    metas = [_drawn(seed)[1]["_meta"] for seed in SEEDS]
    assert any(m["credit"] for m in metas) and any(m["prepaid"] for m in metas)
    assert any(m["gross"] for m in metas) and any(m["discount_pct"] for m in metas)
    assert any(len(m["rates"]) > 1 for m in metas) and any(m["shipping"] for m in metas)
    assert {m["payment"] for m in metas} >= {"none", "pay-to", "debit"}
    assert {m["seller_top"] for m in metas} >= {"letterhead", "right", "logo", "footer-only"}


@cache
def _structured(seed: int) -> tuple[dict, dict]:
    return documents.invoice(random.Random(seed), seed, random.Random(f"{seed}:{seed}"))


def test_page_structures_are_drawn_apart_from_the_content() -> None:
    """GIVEN the invoices of the seeds drawn with a structure generator THEN every structure occurs;
    the truth and the page's content are those drawn without it, except a long invoice's further
    items (and the totals they change); a headline prints the amount due and the due date."""
    for seed in SEEDS:
        plain_context, plain = _drawn(seed)
        context, truth = _structured(seed)
        structure = truth["_meta"]["structure"]
        assert plain["_meta"]["structure"] == "classic"
        if structure != "long":
            assert {k: v for k, v in truth.items() if k != "_meta"} == {k: v for k, v in plain.items() if k != "_meta"}
            assert context["items"] == plain_context["items"]
        else:
            assert len(context["items"]) >= len(plain_context["items"]) + 18
            assert Decimal(truth["net_total"]) + Decimal(truth["tax_total"]) == Decimal(truth["total"])
        if structure == "headline" and truth["due_date"] is not None:
            payable = Decimal(truth["_meta"].get("amount_due", truth["total"]))
            assert context["headline"] and _digits(f"{payable:.2f}") in _digits(context["headline"])
    assert {_structured(seed)[1]["_meta"]["structure"] for seed in SEEDS} == {"classic", "long", "sidebar", "headline"}


def test_creditor_identifiers_hold_their_checksum_and_keep_the_random_draws() -> None:
    """A direct-debit note's SEPA creditor identifier is valid (AT-02), as a real one is, and
    drawing it takes as many random numbers as the shape-only one did (sets made before stay)."""
    from stdnum.eu import at_02

    from bench.generate.variants import creditor_id

    rng, before = random.Random(7), random.Random(7)
    for code in ("DE", "FR", "CH", "NL", "IE"):
        assert at_02.is_valid(creditor_id(rng, code))
        before.randint(10, 99), before.randint(10**10, 10**11 - 1)
    assert rng.random() == before.random()


def test_vat_summary_tables_and_totals_bands_are_drawn_apart_and_add_up_to_the_tax() -> None:
    """GIVEN the invoices of the seeds drawn with a generator of VAT tables and totals bands too
    THEN some print a table, with or without a tax line left in the totals block, and some their
    totals as a band; the truth and the items are those drawn without them; the table's tax column
    adds up to the truth's tax, its bases to the net; the totals still print the total and the net."""
    drawn = bands = 0
    for seed in SEEDS:
        plain_context, plain = _structured(seed)
        context, truth = documents.invoice(random.Random(seed), seed, random.Random(f"{seed}:{seed}"),
                                           random.Random(f"{seed}:{seed}:tax-table"))
        assert {k: v for k, v in truth.items() if k != "_meta"} == {k: v for k, v in plain.items() if k != "_meta"}
        assert context["items"] == plain_context["items"]
        bands += context["layout"]["totals"] == "band"
        table = context["tax_table"]
        if table is None:
            assert context["totals"] == plain_context["totals"]
            continue
        drawn += 1
        taxes = [Decimal(_digits(row[2])) / 100 for row in table["rows"]]
        bases = [Decimal(_digits(row[1])) / 100 for row in table["rows"]]
        assert sum(taxes) == abs(Decimal(truth["tax_total"])) and sum(bases) == abs(Decimal(truth["net_total"]))
        printed = {_digits(value) for _, value, _ in context["totals"]}
        assert {_digits(f"{abs(Decimal(truth[k])):.2f}") for k in ("total", "net_total")} <= printed
    assert 5 <= drawn <= 40 and 3 <= bands <= 30


def test_a_long_invoice_may_carry_its_items_running_sum_to_the_next_page() -> None:
    """GIVEN the long invoices of the seeds drawn with the third generator THEN some carry a running
    sum over the page: the sum of the items before it, printed under labels of their own."""
    carried = 0
    for seed in range(200):
        context, truth = documents.invoice(random.Random(seed), seed, random.Random(f"{seed}:{seed}"),
                                           random.Random(f"{seed}:{seed}:tax-table"))
        carry = context["carry"]
        assert (carry is not None) == truth["_meta"]["carry"]
        if carry is None:
            continue
        assert truth["_meta"]["structure"] == "long"
        carried += 1
        amounts = [Decimal(_digits(row["amount"])) / 100 for row in context["items"][: carry["after"]]]
        assert _digits(carry["amount"]) == _digits(f"{abs(sum(amounts)):.2f}")
    assert carried >= 3


def test_sellers_exempt_from_vat_are_drawn_apart_and_print_no_tax() -> None:
    """GIVEN the invoices of the seeds drawn with a generator of sellers exempt from VAT too THEN
    some are exempt: their truth's tax is 0.00 and their net the total, no tax row and no VAT ID is
    printed, a sentence says why; the others are those drawn without it, their items' words and
    prices too."""
    exempt = 0
    for seed in SEEDS:
        plain_context, plain = _drawn(seed)
        context, truth = documents.invoice(random.Random(seed), seed, exempt=random.Random(f"{seed}:exempt"))
        if not truth["_meta"]["exempt"]:
            assert truth == {**plain, "_meta": {**plain["_meta"], "exempt": False}}
            continue
        exempt += 1
        assert truth["tax_total"] == "0.00" and truth["net_total"] == truth["total"]
        assert truth["seller"]["vat_id"] is None and not context["show_vat"]
        assert len(context["totals"]) < len(plain_context["totals"])  # the tax rows are left out
        assert [(i["desc"], i["amount"]) for i in context["items"]] == [(i["desc"], i["amount"]) for i in plain_context["items"]]
        assert len(context["notes"]) == len(plain_context["notes"]) + 1
    assert 2 <= exempt <= 15
