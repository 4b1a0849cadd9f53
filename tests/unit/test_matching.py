"""Payments are matched to open invoices only where it is certain; the rest goes to a person with candidates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.billing import DiscountTerms, creditor_reference
from invoicing.matching import Match, MatchHow, OpenInvoice, Unmatched, Why, match_entries
from invoicing.statements import Side, StatementEntry

ACME_IBAN = "DE89370400440532013000"
BETA_IBAN = "DE44500105175407324931"
DAY = dt.date(2026, 4, 10)


def invoice(id: int, amount: str, *, iban: str = ACME_IBAN, currency: str = "EUR", **kw: object) -> OpenInvoice:
    number = kw.pop("number", f"INV-2026-{id:04d}")
    return OpenInvoice(id=id, number=number, amount_due=D(amount), currency=currency,  # type: ignore[arg-type]
                       payment_reference=creditor_reference(number), customer_ibans=frozenset({iban}), **kw)  # type: ignore[arg-type]  # fmt: skip


def entry(amount: str, text: str = "", *, iban: str | None = None, refs: tuple[str, ...] = (), **kw: object) -> StatementEntry:
    fields = {"reference": f"E-{amount}-{text}", "booking_date": DAY, "value_date": DAY, "amount": D(amount),
              "currency": "EUR", "side": Side.CREDIT, "counterparty_iban": iban, "remittance": text, "references": refs}  # fmt: skip
    return StatementEntry(**{**fields, **kw})  # type: ignore[arg-type]


def only(results):
    [result] = results
    return result


OPEN = [invoice(1, "1190.00"), invoice(2, "500.00"), invoice(3, "500.00"), invoice(4, "80.00", iban=BETA_IBAN),
        invoice(12, "12.00", iban=BETA_IBAN)]  # fmt: skip


def test_a_structured_reference_names_its_invoice():
    """GIVEN a payment quoting invoice 1's RF reference in the structured field THEN it pays invoice 1 in full."""
    result = only(match_entries([entry("1190.00", refs=(creditor_reference("INV-2026-0001"),))], OPEN))
    assert result == Match(result.entry, 1, MatchHow.REFERENCE, D("1190.00"))


def test_a_reference_typed_in_the_text_with_spaces_counts_too():
    ref = creditor_reference("INV-2026-0004")
    grouped = " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))
    result = only(match_entries([entry("80.00", f"Ihre Rechnung {grouped}")], OPEN))
    assert (result.invoice_id, result.how) == (4, MatchHow.REFERENCE)


def test_a_swiss_qr_reference_names_its_invoice():
    qr = "210000000003139471430009017"
    chf = OpenInvoice(7, "R-7700", D("250.00"), "CHF", payment_reference=qr)
    result = only(match_entries([entry("250.00", refs=(qr,), currency="CHF")], [chf]))
    assert (result.invoice_id, result.how, result.applied) == (7, MatchHow.REFERENCE, D("250.00"))


def test_partial_payments_add_up_and_a_third_payment_is_for_a_person():
    """GIVEN invoice 1 of 1,190.00 WHEN 1,000.00 then 190.00 then 50.00 arrive quoting it THEN the first two pay it
    (partly, then in full) and the third is left as already paid."""
    ref = (creditor_reference("INV-2026-0001"),)
    first, second, third = match_entries([entry("1000.00", refs=ref), entry("190.00", refs=ref), entry("50.00", refs=ref)], OPEN)
    assert (first.invoice_id, first.applied, first.overpaid) == (1, D("1000.00"), D("0.00"))
    assert (second.invoice_id, second.applied) == (1, D("190.00"))
    assert third == Unmatched(third.entry, (1,), Why.ALREADY_PAID)


def test_an_overpayment_pays_the_invoice_and_says_what_is_over():
    result = only(match_entries([entry("1200.00", "INV-2026-0001", iban=ACME_IBAN)], OPEN))
    assert (result.invoice_id, result.how, result.applied, result.overpaid) == (1, MatchHow.NUMBER, D("1190.00"), D("10.00"))


def test_a_number_with_another_amount_needs_the_customers_account():
    """GIVEN invoice 1 (1,190.00) WHEN 700.00 arrives naming it from an unknown account THEN a person confirms it
    (a typo could name another invoice); from ACME's account it is a partial payment."""
    unknown = only(match_entries([entry("700.00", "INV-2026-0001", iban="FR7630006000011234567890189")], OPEN))
    assert unknown == Unmatched(unknown.entry, (1,), Why.UNCONFIRMED)
    known = only(match_entries([entry("700.00", "INV-2026-0001", iban=ACME_IBAN)], OPEN))
    assert (known.invoice_id, known.applied) == (1, D("700.00"))
    exact = only(match_entries([entry("1190.00", "INV-2026-0001", iban="FR7630006000011234567890189")], OPEN))
    assert (exact.invoice_id, exact.how) == (1, MatchHow.NUMBER)


def test_a_number_whose_amount_is_another_invoice_of_the_customer_is_a_conflict():
    """GIVEN ACME owes 1,190.00 on invoice 1 and 500.00 on 2 and 3 WHEN ACME pays 500.00 naming invoice 1 (a typo of
    2 or 3?) THEN a person decides between them."""
    result = only(match_entries([entry("500.00", "INV-2026-0001", iban=ACME_IBAN)], OPEN))
    assert result == Unmatched(result.entry, (1, 2, 3), Why.CONFLICT)


def test_the_invoice_number_is_found_in_free_text_but_not_inside_a_longer_number():
    """GIVEN open invoices INV-2026-0001 and INV-2026-0012 WHEN a payment says "inv 2026 0012" THEN it pays 12;
    WHEN one from an unknown account says "INV-2026-00012" (no such invoice) THEN nothing is matched."""
    assert only(match_entries([entry("12.00", "Payment inv 2026 0012")], OPEN)).invoice_id == 12
    assert only(match_entries([entry("12.00", "INV-2026-00012")], OPEN)).why is Why.NO_MATCH


def test_several_numbers_whose_dues_add_up_pay_each_invoice():
    both = match_entries([entry("1690.00", "INV-2026-0001, INV-2026-0002")], OPEN)
    assert [(r.invoice_id, r.applied) for r in both] == [(1, D("1190.00")), (2, D("500.00"))]
    short = only(match_entries([entry("1600.00", "INV-2026-0001, INV-2026-0002")], OPEN))
    assert short == Unmatched(short.entry, (1, 2), Why.SEVERAL_INVOICES)


def test_a_number_from_another_customers_account_is_a_conflict():
    """GIVEN invoice 2 is ACME's WHEN BETA's account pays quoting its number (a typo of another number?) THEN a person
    decides, seeing invoice 2 and BETA's open invoices."""
    result = only(match_entries([entry("500.00", "INV-2026-0002", iban=BETA_IBAN)], OPEN))
    assert result == Unmatched(result.entry, (2, 4, 12), Why.CONFLICT)


def test_a_number_paid_under_another_customers_name_is_a_conflict():
    """GIVEN ACME and Beta each owe 99.00 WHEN a payment from an unknown account names Beta's invoice under ACME's
    name (a typo of ACME's number?) THEN a person decides; under Beta's name, or a name no customer has, it pays."""
    open_ = [invoice(20, "99.00", customer_name="ACME GmbH"), invoice(21, "99.00", iban=BETA_IBAN, customer_name="Beta AG")]
    stranger = "FR7630006000011234567890189"
    as_acme = only(match_entries([entry("99.00", "INV-2026-0021", iban=stranger, counterparty_name="ACME  GMBH.")], open_))
    assert as_acme == Unmatched(as_acme.entry, (20, 21), Why.CONFLICT)
    for name in ("Beta AG", "Hans Meier", None):
        result = only(match_entries([entry("99.00", "INV-2026-0021", iban=stranger, counterparty_name=name)], open_))
        assert (result.invoice_id, result.how) == (21, MatchHow.NUMBER)


def test_a_reference_wins_over_the_account():
    """GIVEN a parent company (BETA's account) pays ACME's invoice with its reference THEN the reference decides."""
    result = only(match_entries([entry("500.00", iban=BETA_IBAN, refs=(creditor_reference("INV-2026-0002"),))], OPEN))
    assert (result.invoice_id, result.how) == (2, MatchHow.REFERENCE)


def test_the_account_and_the_exact_amount_match_when_only_one_invoice_fits():
    assert only(match_entries([entry("80.00", "April", iban=BETA_IBAN)], OPEN)).how is MatchHow.IBAN_AMOUNT
    two = only(match_entries([entry("500.00", "April", iban=ACME_IBAN)], OPEN))
    assert two == Unmatched(two.entry, (2, 3), Why.AMBIGUOUS)
    none = only(match_entries([entry("499.00", iban=ACME_IBAN)], OPEN))
    assert none == Unmatched(none.entry, (1, 2, 3), Why.NO_MATCH)
    everything = match_entries([entry("92.00", iban=BETA_IBAN)], OPEN)
    assert [(r.invoice_id, r.applied) for r in everything] == [(4, D("80.00")), (12, D("12.00"))]


def test_an_unknown_payer_with_a_common_amount_is_left_with_the_invoices_of_that_amount():
    result = only(match_entries([entry("500.00", "thanks")], OPEN))
    assert result == Unmatched(result.entry, (2, 3), Why.NO_MATCH)


def test_the_discounted_amount_in_time_settles_and_late_it_does_not():
    """GIVEN 2 % within 10 days on invoice 9 (1,000.00, issued 1 April) WHEN 980.00 arrives on 10 April THEN it
    settles with a 20.00 discount, by account and amount too; on 12 April it is a partial payment by number."""
    discounted = invoice(9, "1000.00", iban=BETA_IBAN, discount=DiscountTerms(D(2), 10), issue_date=dt.date(2026, 4, 1))
    by_iban = only(match_entries([entry("980.00", iban=BETA_IBAN)], [discounted]))
    assert (by_iban.how, by_iban.applied, by_iban.discount) == (MatchHow.IBAN_AMOUNT, D("980.00"), D("20.00"))
    between = only(match_entries([entry("990.00", iban=BETA_IBAN)], [discounted]))
    assert between == Unmatched(between.entry, (9,), Why.NO_MATCH)  # neither the amount due nor the discounted one
    late = only(match_entries([entry("980.00", "INV-2026-0009", iban=BETA_IBAN, booking_date=dt.date(2026, 4, 12))],
                              [discounted]))  # fmt: skip
    assert (late.how, late.applied, late.discount) == (MatchHow.NUMBER, D("980.00"), D("0.00"))


def test_debits_reversals_pending_entries_and_other_currencies_are_not_matched():
    ref = (creditor_reference("INV-2026-0001"),)
    results = match_entries([
        entry("1190.00", refs=ref, side=Side.DEBIT), entry("1190.00", refs=ref, reversal=True),
        entry("1190.00", refs=ref, booked=False), entry("1190.00", refs=ref, currency="CHF"),
    ], OPEN)  # fmt: skip
    assert [r.why for r in results] == [Why.DEBIT, Why.REVERSAL, Why.NOT_BOOKED, Why.CURRENCY]
    assert results[3].candidates == (1,)


def test_a_reference_we_did_not_issue_is_for_a_person_even_if_the_amount_fits():
    result = only(match_entries([entry("80.00", iban=BETA_IBAN, refs=(creditor_reference("OTHER-99"),))], OPEN))
    assert result == Unmatched(result.entry, (4, 12), Why.UNKNOWN_REFERENCE)


def test_an_invoice_number_in_the_structured_field_is_read_as_text():
    result = only(match_entries([entry("500.00", refs=("INV-2026-0003",))], OPEN))
    assert (result.invoice_id, result.how) == (3, MatchHow.NUMBER)


def test_a_reference_and_other_numbers_in_the_text_that_add_up_pay_them_all():
    ref = (creditor_reference("INV-2026-0002"),)
    both = match_entries([entry("1000.00", "also INV-2026-0003", refs=ref)], OPEN)
    assert [(r.invoice_id, r.how) for r in both] == [(2, MatchHow.REFERENCE), (3, MatchHow.REFERENCE)]
    unclear = only(match_entries([entry("900.00", "also INV-2026-0003", refs=ref)], OPEN))
    assert unclear.why is Why.SEVERAL_INVOICES


# --- properties ----------------------------------------------------------------------------------


@st.composite
def payments(draw: st.DrawFn):
    """Open invoices of a few customers and payments each meant for one invoice, written in any way."""
    count = draw(st.integers(1, 12))
    ibans = [f"DE{n:02d}TESTIBAN{n:04d}" for n in range(4)]
    amounts = [D(draw(st.sampled_from(["100.00", "250.00", "80.00", "1190.00", "99.99"]))) for _ in range(count)]
    invoices = [invoice(i + 1, str(amounts[i]), iban=ibans[draw(st.integers(0, 3))]) for i in range(count)]
    entries, truth = [], []
    for n in range(draw(st.integers(1, 15))):
        target = invoices[draw(st.integers(0, count - 1))]
        way = draw(st.sampled_from(["ref", "number", "typo", "iban", "nothing"]))
        amount = target.amount_due if draw(st.booleans()) else D(draw(st.sampled_from(["10.00", "50.00", "2000.00"])))
        iban = draw(st.sampled_from([next(iter(target.customer_ibans)), None, "XX00OTHER"]))
        text = {"ref": "", "number": target.number.lower().replace("-", " "), "typo": target.number + "9",
                "iban": "rent", "nothing": ""}[way]  # fmt: skip
        refs = (target.payment_reference,) if way == "ref" else ()
        entries.append(entry(str(amount), f"{n} {text}", iban=iban, refs=refs))
        truth.append(target.id)
    return invoices, entries, truth


@settings(max_examples=300)
@given(case=payments())
def test_no_payment_is_ever_matched_to_an_invoice_it_was_not_meant_for(case):
    """GIVEN any open invoices and payments each meant for one of them, quoting its reference, its number, a typo of
    it, or nothing, from its customer's account, another or none THEN a match by reference or number is always to
    the invoice meant, a match by account and amount always to an invoice of that account's customer, and no
    invoice gets more than its due."""
    invoices, entries, truth = case
    by_id = {i.id: i for i in invoices}
    paid: dict[int, D] = {}
    for result in match_entries(entries, invoices):
        if isinstance(result, Match):
            chosen = by_id[result.invoice_id]
            if result.how is MatchHow.IBAN_AMOUNT:
                assert result.entry.counterparty_iban in chosen.customer_ibans
            else:
                assert chosen.id == truth[entries.index(result.entry)]
            paid[chosen.id] = paid.get(chosen.id, D(0)) + result.applied + result.discount
    assert all(paid[i] <= by_id[i].amount_due for i in paid)
