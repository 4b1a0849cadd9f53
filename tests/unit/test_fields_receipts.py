"""Receipt totals read through OCR noise: rounding adjustments, cash less change, broken amounts,
and dates that an impossible neighbour once hid. The receipts are made up."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from intake.fields import extract_fields
from intake.fields.candidates import Candidate, find_label_hits
from intake.fields.dates import find_dates
from intake.fields.layout import document_lines
from intake.fields.parties import name_value
from intake.fields.receipts import (
    _near,
    _words,
    last_amount,
    misread_by_one,
    proved_over_misread,
    says,
)
from intake.fields.totals import amount_candidates, choose_totals
from intake.words import Page, Word
from tests.unit.test_fields_layout import ocr_page, page


def test_a_decimal_mark_with_a_space_beside_it_still_ends_an_amount() -> None:
    assert last_amount("CREDIT RM 64, 30") == Decimal("64.30")
    assert last_amount("Rounding Adj -.03") == Decimal("-0.03")
    assert last_amount("Thank you") is None


def test_a_line_ends_in_the_amount_the_shared_reader_reads() -> None:
    """GIVEN receipt lines ending in a grouped, signed or broken amount THEN each is read whole;
    a count or an amount followed by a word ends no line in an amount."""
    assert last_amount("TOTAL RM 1,204.50") == Decimal("1204.50")
    assert last_amount("Rounding Adj ~0.02") == Decimal("-0.02")  # a faint minus
    assert last_amount("Rounding -RM 0.02") == Decimal("-0.02")
    assert last_amount("CHANGE 0.8 0") == Decimal("0.80")
    assert last_amount("Subtotal ....12 .40") == Decimal("12.40")
    assert last_amount("Qty 3") is None and last_amount("Soap 12.50 pcs") is None


def test_a_rounding_adjustment_applied_to_the_total_gives_the_amount_charged() -> None:
    """GIVEN 'Total Sales (Incl GST) 64.33', 'Rounding Adj -.03' and 'CASH 64, 30' (OCR's comma)
    WHEN extracted THEN the total is 64.30, the rounded figure the receipt prints again."""
    rows = [
        (40, 100, "LUCKY CORNER MART"),
        (40, 300, "Biscuits"),
        (300, 300, "64.33"),
        (40, 400, "Total Sales (Incl GST) RM"),
        (300, 400, "64.33"),
        (40, 415, "Rounding Adjustment"),
        (300, 415, "-.03"),
        (40, 430, "CASH RM"),
        (300, 430, "64, 30"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("64.30")


def test_an_unconfirmed_rounding_does_not_replace_the_labelled_total() -> None:
    """GIVEN 'TOTAL (GST INCL) 8.78' and a rounding of 0.02 that no other line prints
    THEN the labelled total stands."""
    rows = [
        (40, 400, "TOTAL (GST INCL)"),
        (300, 400, "8.78"),
        (40, 415, "ROUNDING ADJUSTMENTS"),
        (300, 415, "0.02"),
        (40, 430, "CASH"),
        (300, 430, "10.00"),
        (40, 445, "CHANGE DUE"),
        (300, 445, "1.20"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("8.78")


def test_cash_less_change_outvotes_a_total_with_one_misread_digit() -> None:
    """GIVEN 'Total Sales 3.16' where cash 5.00 less change 1.90 says 3.10 THEN the total is 3.10."""
    rows = [
        (40, 400, "Total Sales (Inclusive GST) RM"),
        (300, 400, "3.16"),
        (40, 415, "CASH RM"),
        (300, 415, "5.00"),
        (40, 430, "CHANGE RM"),
        (300, 430, "1.90"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("3.10")


def test_a_lost_decimal_point_or_one_wrong_digit_is_a_misreading() -> None:
    assert misread_by_one(Decimal(4217), Decimal("42.17"))
    assert misread_by_one(Decimal("3.16"), Decimal("3.10"))
    assert not misread_by_one(Decimal("13.78"), Decimal("13.80"))
    assert not misread_by_one(Decimal("20.00"), Decimal("190.00"))


def test_only_a_proved_total_close_to_the_labelled_one_is_raised() -> None:
    labelled = [Candidate(Decimal(4217), 0.6, 10)]
    proved = [Candidate(Decimal("42.17"), 0.5, 12), Candidate(Decimal("7.00"), 0.5, 13)]

    raised = proved_over_misread(labelled, proved)

    assert [c.value for c in raised] == [Decimal("42.17")]
    assert raised[0].score > 0.6


def test_a_date_after_an_impossible_one_is_found() -> None:
    """GIVEN 'ORD #18 -REG #19- 21/03/2018' (the '19-' reads as the start of a date) THEN 21/03/2018 is found."""
    assert [d.value for d in find_dates("ORD #18 -REG #19- 21/03/2018 19:53")] == [
        dt.date(2018, 3, 21)
    ]


def _receipt(rows: list[tuple[float, float, str]], confidence: float = 0.9) -> Page:
    """Return an OCR'd receipt page: words at each (x, top), read with `confidence`."""
    words = tuple(replace(w, confidence=confidence) for w in page(rows).words)
    return Page(number=1, width=300, height=800, words=words, ocr=True)


def _seller(rows: list[tuple[float, float, str]]) -> str | None:
    return extract_fields([_receipt(rows)]).seller.name


_ADDRESS = [(40, 44, "12, JALAN MAWAR 3,"), (40, 58, "81100 JOHOR BAHRU"), (40, 72, "TEL: 07-555 0101")]


def test_a_legal_form_misread_by_one_letter_is_mended() -> None:
    """GIVEN 'ORCHID LANE TRADING SON BHD' (OCR's O for D) at the top of a receipt
    THEN the seller is 'ORCHID LANE TRADING SDN BHD'."""
    assert _seller([(40, 30, "ORCHID LANE TRADING SON BHD"), *_ADDRESS]) == "ORCHID LANE TRADING SDN BHD"
    assert _seller([(40, 30, "ORCHID LANE BOOKS SDN. BHO"), *_ADDRESS]) == "ORCHID LANE BOOKS SDN. BHD"


def test_a_slashed_legal_form_before_the_registration_number_is_mended() -> None:
    """GIVEN '42 QUICK MART 5/B (778812-T)' THEN the seller is '42 QUICK MART S/B'; a lot number
    '5/8' in the address is left alone."""
    rows = [(40, 30, "42 QUICK MART 5/B (778812-T)"), (40, 44, "LOT 5/8, JALAN ANGSA")]
    assert _seller(rows) == "42 QUICK MART S/B"


def test_a_legal_form_on_a_smudged_or_item_line_is_no_name() -> None:
    """GIVEN a store line with no legal form and, lower down, an item '2 X SOAP 3KG' and a smudge
    'D OR SE' THEN neither is the seller: the store line is."""
    rows = [(40, 30, "HAPPY VALLEY GROCER"), *_ADDRESS, (40, 300, "2 X SOAP 3KG"), (200, 300, "9.00")]
    page_ = _receipt(rows)
    smudge = [Word("D", 40, 780, 45, 790, 0.2), Word("OR", 50, 780, 60, 790, 0.2), Word("SE", 65, 780, 75, 790, 0.2)]
    assert extract_fields([replace(page_, words=page_.words + tuple(smudge))]).seller.name == "HAPPY VALLEY GROCER"


def test_the_line_over_a_registration_number_is_the_store() -> None:
    """GIVEN a logo speck, then 'SEVEN HILLS CASH & CARRY' over '(1234567-K)' THEN that line is the seller."""
    rows = [(120, 10, "|"), (40, 100, "SEVEN HILLS CASH & CARRY"), (70, 114, "(1234567-K)"), *_ADDRESS]
    assert _seller([(x, top + 100 if top > 40 else top, t) for x, top, t in rows]) == "SEVEN HILLS CASH & CARRY"


def test_a_name_centred_over_two_lines_is_joined() -> None:
    """GIVEN 'GOLDEN PINE' centred over 'PAPER SUPPLIES SDN BHD' THEN the seller is the two lines."""
    rows = [(75, 30, "GOLDEN PINE"), (40, 42, "PAPER SUPPLIES SDN BHD"), *_ADDRESS]
    assert _seller([(x, top + 20 if top > 42 else top, t) for x, top, t in rows]) == (
        "GOLDEN PINE PAPER SUPPLIES SDN BHD"
    )


def test_a_brand_left_aligned_over_the_legal_name_is_not_joined() -> None:
    """GIVEN 'RIVER PHARMACY' left-aligned over 'MEADOW HEALTH SDN BHD' THEN the seller is the legal name."""
    rows = [(40, 30, "RIVER PHARMACY"), (40, 42, "MEADOW HEALTH SDN BHD"), *_ADDRESS]
    assert _seller([(x, top + 20 if top > 42 else top, t) for x, top, t in rows]) == "MEADOW HEALTH SDN BHD"


def test_the_owner_under_the_shop_is_not_the_seller() -> None:
    """GIVEN 'MAPLE STATIONERY SHOP' at the top and, under the tax number, 'Owned By:' over
    'MAPLE HOLDINGS SDN BHD (1122334-A)' THEN the seller is the shop; GIVEN 'CORNER CAFE own by
    OAK TRADING' on one line THEN the seller is that whole line."""
    rows = [(40, 30, "|"), (52, 30, "MAPLE STATIONERY SHOP"), *_ADDRESS, (40, 100, "Owned By:"),
            (40, 114, "MAPLE HOLDINGS SDN BHD (1122334-A)")]
    assert _seller(rows) == "MAPLE STATIONERY SHOP"
    assert _seller([(40, 30, "CORNER CAFE own by OAK TRADING"), *_ADDRESS]) == "CORNER CAFE own by OAK TRADING"


def test_a_faint_speck_before_the_shop_name_and_the_owner_under_it_leave_the_shop_the_seller() -> None:
    """GIVEN the shop's name at the top with a faint speck read as its first word ("'", confidence
    0.3), and 'Owned By:' over 'MAPLE HOLDINGS SDN BHD (1122334-A)' below THEN the seller is the shop."""
    rows = [(40, 30, "' MAPLE STATIONERY SHOP"), *_ADDRESS, (40, 100, "TAX INVOICE"), (40, 114, "Owned By:"),
            (40, 128, "MAPLE HOLDINGS SDN BHD (1122334-A)")]  # fmt: skip
    words = [replace(w, confidence=0.3 if w.text == "'" else 0.9) for w in page(rows).words]
    receipt = Page(number=1, width=300, height=800, words=tuple(words), ocr=True)
    assert extract_fields([receipt]).seller.name == "MAPLE STATIONERY SHOP"


def test_a_label_ending_in_a_colon_is_no_party_name() -> None:
    """GIVEN a receipt whose only aligned block under the shop starts with 'Owned By:' THEN no
    buyer is read from that label (before, 'Owned By' was taken as the buyer's name)."""
    rows = [(40, 30, "MAPLE STATIONERY SHOP"), *_ADDRESS, (40, 100, "Owned By:"),
            (40, 114, "MAPLE HOLDINGS SDN BHD (1122334-A)"), (40, 128, "CASH SALES COUNTER 12")]  # fmt: skip
    invoice = extract_fields([_receipt(rows)])
    assert invoice.buyer.name is None and invoice.seller.name == "MAPLE STATIONERY SHOP"
    assert name_value("Owned By:") is None and name_value("Sold to:") is None
    assert name_value("Maple Holdings Sdn Bhd") == "Maple Holdings Sdn Bhd"


def test_the_rounded_total_wins_over_net_plus_tax_when_a_rounding_is_printed() -> None:
    """GIVEN 'Total Sales (Incl GST) 23.47', 'Rounding Adj -0.02', 'CASH 23.45' and a tax summary
    whose amount 22.14 + tax 1.33 adds up to the unrounded 23.47 THEN the total is 23.45."""
    rows = [
        (40, 300, "Biscuits"),
        (300, 300, "23.47"),
        (40, 400, "Total Sales (Incl GST) RM"),
        (300, 400, "23.47"),
        (40, 415, "Rounding Adjustment"),
        (300, 415, "-0.02"),
        (40, 430, "CASH RM"),
        (300, 430, "23.45"),
        (40, 460, "GST Summary"),
        (200, 460, "Amount (RM)"),
        (300, 460, "Tax (RM)"),
        (40, 475, "S = 6%"),
        (200, 475, "22.14"),
        (300, 475, "1.33"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("23.45")


def test_a_total_printed_after_the_rounding_adds_up_with_it() -> None:
    """GIVEN 'Total Qty. : 1 40.00', 'SUB-TOTAL (EX) 40.00', 'TOTAL TAX 2.40', 'ROUNDING -0.05' and
    'TOTAL 7 <> 42.35' (a speck read as '7') over a GST summary ending 'TOTAL: 40.00 2.40' THEN the total
    is 42.35 = 40.00 + 2.40 - 0.05."""
    rows = [
        (40, 300, "Stapler"),
        (300, 300, "40.00"),
        (40, 385, "Total Qty. :"),
        (200, 385, "1"),
        (300, 385, "40.00"),
        (40, 400, "SUB-TOTAL (EX)"),
        (300, 400, "40.00"),
        (40, 415, "TOTAL TAX :"),
        (300, 415, "2.40"),
        (40, 430, "ROUNDING"),
        (300, 430, "-0.05"),
        (40, 445, "TOTAL"),
        (200, 445, "7"),
        (280, 445, "<> 42.35"),
        (40, 470, "GST SUMMARY"),
        (200, 485, "AMOUNT"),
        (300, 485, "TAX"),
        (40, 490, "TAX CODE %"),
        (40, 495, "SR"),
        (120, 495, "6.00"),
        (200, 495, "40.00"),
        (300, 495, "2.40"),
        (40, 510, "TOTAL:"),
        (200, 510, "40.00"),
        (300, 510, "2.40"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("42.35")


def test_a_rounding_and_a_total_with_a_faint_first_letter_are_read() -> None:
    """GIVEN 'iotal Sales Incl. GST 30, 13', 'Ruunding Adjustment 0.02' and 'lotal After Rounding
    30.15' (OCR's readings) THEN the total is 30.15, not an amount of the tax summary."""
    rows = [
        (40, 300, "FACE CREAM"),
        (300, 300, "30.13"),
        (40, 400, "iotal Sales Incl. GST"),
        (300, 400, "30, 13"),
        (40, 415, "Ruunding Adjustment"),
        (300, 415, "0.02"),
        (40, 430, "lotal After Rounding"),
        (300, 430, "30.15"),
        (40, 445, "VISA"),
        (300, 445, "30.15"),
        (40, 480, "GST Summary"),
        (200, 480, "Amount"),
        (300, 480, "Tax(RM)"),
        (40, 495, "S = 6%"),
        (200, 495, "28.42"),
        (300, 495, "1.71"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("30.15")


def test_the_date_stamped_with_the_time_of_sale_is_the_issue_date() -> None:
    """GIVEN an item code 'M111/3-21 - 12/480' above the stamp '16-03-18 13:49 T2' THEN the
    receipt was issued on 16 March 2018 (day first, '18' is 2018)."""
    rows = [(40, 30, "HAPPY VALLEY GROCER"), (40, 200, "M111/3-21 - 12/480"), (40, 700, "16-03-18 13:49 T2")]
    assert extract_fields([page(rows, ocr=True)]).issue_date == dt.date(2018, 3, 16)


def test_two_amounts_do_not_make_a_receipt_month_first() -> None:
    """GIVEN '04-06-16' and a tax row '1.98 .12' (which looks like 1/98/12) THEN the date is 4 June 2016."""
    rows = [(40, 30, "HAPPY VALLEY GROCER"), (40, 200, "560811 04-06-16"), (40, 600, "S = 6% 1.98 .12")]
    assert extract_fields([page(rows, ocr=True)]).issue_date == dt.date(2016, 6, 4)


def _blurred(rows: list[tuple[float, float, str]], blurred: dict[str, float]) -> Page:
    """Return an OCR'd receipt whose words in `blurred` were read with the given confidence."""
    receipt = _receipt(rows)
    words = tuple(replace(w, confidence=blurred.get(w.text, w.confidence)) for w in receipt.words)
    return replace(receipt, words=words)


_SUPPLIES = [
    (40, 300, "Total 0% supplies:"),
    (300, 300, "12.50"),
    (40, 330, "Total 6% supplies (excl. GST):"),
    (300, 330, "20.00"),
    (40, 345, "Total 6% supplies (Inc. GST):"),
    (300, 345, "21.20"),
    (40, 380, "Total Payable:"),
    (300, 380, "39.70"),
]


def test_two_clear_subtotals_overrule_a_total_with_one_misread_digit() -> None:
    """GIVEN subtotals 12.50 (0% supplies) and 21.20 (6% supplies incl. GST) over 'Total Payable:
    39.70', read less clearly THEN the total is 33.70, their sum one digit away."""
    receipt = _blurred(_SUPPLIES, {"39.70": 0.7})
    assert extract_fields([receipt]).total == Decimal("33.70")


def test_a_blurred_subtotal_does_not_overrule_the_total() -> None:
    """GIVEN the same receipt with the subtotal '21.20' read less clearly than the total
    THEN the printed total 39.70 stands."""
    receipt = _blurred(_SUPPLIES, {"39.70": 0.7, "21.20": 0.5})
    assert extract_fields([receipt]).total == Decimal("39.70")


def test_a_rounding_read_as_ad_brace_with_a_faint_minus_is_applied() -> None:
    """GIVEN 'Total RM Incl. of GST 18.27', 'Rounding Ad} ~0.02' and 'Total RM 18.35' (a misread
    18.25) THEN the total is 18.25."""
    rows = [
        (40, 300, "Total RM Incl. of GST"),
        (300, 300, "18.27"),
        (40, 315, "Rounding Ad}"),
        (300, 315, "~0.02"),
        (40, 330, "Total RM"),
        (300, 330, "18.35"),
        (40, 380, "Total Savings"),
        (300, 380, "2.40"),
    ]
    assert extract_fields([_receipt(rows)]).total == Decimal("18.25")


def test_two_subtotals_above_a_total_that_lost_its_first_digit_give_the_total() -> None:
    """GIVEN subtotals 12.50 and 21.20, read less clearly than 'Total Payable: 3.70' below them
    THEN the total is 33.70: a total cannot be below one of its subtotals, and 3.70 is 33.70
    with its first digit unread."""
    rows = [(x, top, "3.70" if text == "39.70" else text) for x, top, text in _SUPPLIES]
    receipt = _blurred(rows, {"12.50": 0.7, "21.20": 0.7})
    assert extract_fields([receipt]).total == Decimal("33.70")


def test_a_total_with_its_cents_unread_is_the_amount_printed_with_that_whole_part() -> None:
    """GIVEN 'Net Total 18. 7' (cents unread) under 'SubTotal 18.40', then a tendered '20.00'
    whose label OCR lost THEN the total is 18.40, not the larger tendered amount."""
    rows = [
        (40, 100, "CORNER BAKERY"),
        (40, 300, "2 RYE BREAD"),
        (300, 300, "18.40"),
        (40, 330, "SubTotal"),
        (300, 330, "18.40"),
        (40, 345, "Net Total"),
        (280, 345, "18."),
        (310, 345, "7"),
        (40, 360, "C"),
        (300, 360, "20.00"),
    ]
    assert extract_fields([_receipt(rows)]).total == Decimal("18.40")


@given(st.text(alphabet="roundigtalx 1.", max_size=30))
def test_saying_a_word_is_finding_it_through_one_misread_letter(folded: str) -> None:
    """GIVEN a line of letters like the targets' WHEN asked whether it says them THEN the answer
    is whether some word (or two joined) is a target through one misread letter."""
    targets = ("rounding", "round", "total")
    assert says(folded, *targets) == any(_near(w, t) for w in _words(folded) for t in targets)


def test_a_zero_read_as_the_net_does_not_make_the_tax_the_total() -> None:
    """GIVEN a net of 0.00 (a rounding or change line read under a net label) beside a tax of 1.20
    THEN 0.00 + 1.20 = 1.20 is no agreement: the proved total 21.20 stands, not the tax."""
    totals = [Candidate(Decimal("21.20"), 1.1, 21), Candidate(Decimal("1.20"), 0.54, 23)]
    nets = [Candidate(Decimal("0.00"), 0.73, 20)]
    taxes = [Candidate(Decimal("1.20"), 0.97, 17)]

    chosen = choose_totals(totals, nets, taxes)

    assert chosen.total is not None and chosen.total.value == Decimal("21.20")
    assert chosen.consistent is False


def test_cash_read_with_a_space_after_its_point_still_proves_the_total() -> None:
    """GIVEN a total misread as 42.50, 'CASH 150. 00' (a space after the point) and change 7.50
    THEN the total is 142.50, as cash less change and net plus tax both say."""
    rows = [
        (40, 300, "Lamp oil"), (200, 300, "3"), (260, 300, "47.50"), (330, 300, "142.50"),
        (40, 330, "Total (Excluding GST):"), (330, 330, "134.43"),
        (40, 345, "GST Payable:"), (330, 345, "8.07"),
        (40, 360, "Total (Inclusive of GST):"), (330, 360, "42.50"),
        (40, 390, "CASH :"), (330, 390, "150. 00"),
        (40, 405, "CHANGE :"), (330, 405, "7.50"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("142.50")


def test_change_read_with_a_space_in_its_cents_is_not_a_change_of_nothing() -> None:
    """GIVEN 'GRAND TOTAL 84.20', 'CASH 85.00' and 'CHANGE 0.8 0' (a space between the cents) THEN
    the change is 0.80, not 0, and cash less change proves 84.20, not 85.00."""
    rows = [
        (40, 300, "Apples"), (330, 300, "62.46"), (40, 315, "Bread"), (330, 315, "21.74"),
        (40, 330, "SUBTOTAL"), (330, 330, "84.20"),
        (40, 345, "VAT 20% IN CL"), (330, 345, "14.03"),
        (40, 360, "GRANDTOTAL"), (330, 360, "84.20"),
        (40, 390, "CASH"), (330, 390, "85.00"),
        (40, 405, "CHANGE"), (330, 405, "0.8 0"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("84.20")


def test_a_rounding_adjustment_printed_without_its_sign_is_taken_off_where_the_receipt_says_so() -> None:
    """GIVEN 'TOTAL INCL. GST 8.11', 'ROUNDING ADJUSTMENT 0.01' (no sign), 'TOTAL ROUNDED 8.10'
    and a tax summary of 8.11 at 0 % THEN the total is 8.10, not 8.11 + 0.01."""
    rows = [
        (40, 300, "Glue stick"), (330, 300, "8.11"),
        (40, 330, "TOTAL INCL. GST RM"), (330, 330, "8.11"),
        (40, 345, "ROUNDING ADJUSTMENT RM"), (330, 345, "0.01"),
        (40, 360, "TOTAL ROUNDED RM"), (330, 360, "8.10"),
        (40, 390, "CASH RM"), (330, 390, "50.00"),
        (40, 405, "CHANGE RM"), (330, 405, "41.90"),
        (40, 420, "GST Summary Amt(RM) Tax(RM)"), (40, 435, "GST SR@0%"), (250, 435, "8.11"), (330, 435, "0.00"),
    ]
    assert extract_fields([page(rows, ocr=True)]).total == Decimal("8.10")


def test_a_legal_form_read_in_an_item_with_its_prices_is_no_name() -> None:
    """GIVEN the store's name at the top and an item 'NOTEBOOK A5' read 'NOTEBOOK AS' (the
    Norwegian legal form) with its quantity and prices in cells beside it THEN the seller is the
    store, not the item."""
    rows = [(40, 30, "CORNER PHARMACY"), *_ADDRESS, (40, 300, "NOTEBOOK AS"), (200, 300, "1"),
            (260, 300, "20.29"), (320, 300, "20.29"), (40, 340, "TOTAL DUE"), (320, 340, "20.29")]
    assert _seller(rows) == "CORNER PHARMACY"


def test_a_total_rounded_down_below_its_net_without_tax_is_the_amount_charged() -> None:
    """GIVEN 'Total Amount: RM7.72', 'GST @0%: RM0.00', 'Rounding: -RM0.02' and 'Nett Total:
    RM7.70' paid in cash THEN the total is 7.70 and the net 7.72: a rounding down makes the total
    less than the net, which no other total may be."""
    rows = [
        (40, 100, "UNI MART SDN BHD"),
        (40, 300, "Total Amount: RM7.72"), (40, 315, "GST @0%: RM0.00"),
        (40, 330, "Rounding: -RM0.02"), (40, 345, "Nett Total: RM7.70"),
        (40, 370, "CASH"), (300, 370, "RM7.70"), (40, 385, "Change"), (300, 385, "RM0.00"),
    ]
    invoice = extract_fields([page(rows, ocr=True)])
    assert (invoice.total, invoice.net_total, invoice.tax_total) == (Decimal("7.70"), Decimal("7.72"), Decimal("0.00"))


def test_the_amount_column_of_a_gst_summary_is_no_total() -> None:
    """GIVEN a receipt whose total's label OCR lost ('Tor":' beside 73.00), 'Sub Total 68.87',
    'GST/TAX 6% 4.13', and at its foot a 'GST Summary | Amount (RM) | Tax (RM)' table over
    'SR @ 6% | 68.87 | 4.13' THEN the summary's amount column is no total: the total is the net and
    tax added up, 73.00."""
    rows = [
        (20, 100, "LIGHT GALLERY SDN BHD"),
        (17, 300, "Sub Total"), (137, 300, "RM"), (156, 300, "68.87"),
        (17, 315, "GST/TAX 6%"), (137, 315, "RM"), (160, 315, "4.13"),
        (17, 330, 'Tor":'), (100, 330, "RM"), (124, 330, "73.00"),
        (17, 360, "Thank You, Please come again."),
        (17, 390, "GST Summary"), (100, 390, "Amount (RM)"), (170, 390, "Tax (RM)"),
        (17, 405, "SR @ 6%"), (120, 405, "68.87"), (180, 405, "4.13"),
    ]
    invoice = extract_fields([ocr_page(rows)])
    assert (invoice.total, invoice.net_total, invoice.tax_total) == (Decimal("73.00"), Decimal("68.87"), Decimal("4.13"))


def test_the_title_over_a_receipts_shop_name_is_no_shop() -> None:
    """GIVEN a receipt that prints 'TAX INVOICE' over the shop's name without a legal form THEN the
    seller is the shop, not the title."""
    rows = [
        (90, 40, "TAX INVOICE"), (84, 55, "CORNER PIZZA"), (56, 70, "GST REF NO : 001694261248"),
        (59, 85, "CORNER PIZZA SEGAMBUT"),
        (40, 300, "TOTAL"), (300, 300, "25.60"),
    ]
    assert extract_fields([ocr_page(rows)]).seller.name == "CORNER PIZZA"


def test_a_receipts_total_savings_is_no_total_candidate() -> None:
    """GIVEN a receipt's 'Total Savings -2.98', 'You saved 1.50' and '* Your Total Savings 6.00'
    under its total THEN none is a candidate for the total (they are discounts); 'Total RM Incl.
    of GST 30.10' is."""
    rows = [
        (9, 210, "Total"), (35, 210, "RM"), (49, 210, "Incl. of GST"), (139, 210, "30.10"),
        (8, 290, "Total Savings"), (139, 290, "-2.98"),
        (8, 305, "You saved"), (139, 305, "1.50"),
        (8, 320, "* Your Total Savings 6.00 +"),
    ]
    lines = document_lines([ocr_page(rows)])
    totals, _, _ = amount_candidates(lines, find_label_hits(lines))
    assert {c.value for c in totals} == {Decimal("30.10")}


def test_what_a_total_includes_is_its_tax() -> None:
    """GIVEN a receipt's 'Total Rounded 28.50' and, under it, 'TOTAL INCLUDES 6% GST 1.61' THEN
    the verb states the tax the total holds: 1.61 is the tax, not the total."""
    rows = [
        (7, 220, "Takeout Total (incl GST)"), (114, 220, "28.50"),
        (6, 235, "Total Rounded"), (114, 235, "28.50"),
        (6, 250, "Cash Tendered"), (114, 250, "50.00"),
        (6, 280, "TOTAL INCLUDES 6% GST"), (118, 280, "1.61"),
    ]
    invoice = extract_fields([ocr_page(rows)])
    assert (invoice.total, invoice.tax_total) == (Decimal("28.50"), Decimal("1.61"))
