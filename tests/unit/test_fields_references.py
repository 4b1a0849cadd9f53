"""Invoice number, dates and parties found by their labels in Dutch, French and English layouts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from intake.fields import extract_fields
from intake.words import Page, Word
from tests.unit.test_fields_layout import ocr_page, page


def test_dutch_labels_name_number_dates_and_totals() -> None:
    """GIVEN a Dutch invoice: 'Factuurnummer', 'Factuurdatum', 'Vervaldatum', and a totals block
    'Exclusief BTW | 100,00 | Subtotaal | 121,00', 'BTW 21%', 'Totaal'
    THEN number, dates, net, tax and total are read (the subtotal's value is not the net's)."""
    invoice = extract_fields([page([
        (50, 100, "Factuurnummer: 5550123"), (50, 114, "Klantnummer: 777"),
        (50, 128, "Factuurdatum: 3 maart 2024"), (50, 142, "Vervaldatum: 17-3-2024"),
        (60, 500, "Exclusief BTW"), (150, 500, "€ 100,00"), (420, 500, "Subtotaal"), (500, 500, "€ 121,00"),
        (80, 514, "BTW 21%"), (150, 514, "€ 21,00"),
        (90, 528, "Totaal"), (150, 528, "€ 121,00"),
    ])])
    assert invoice.invoice_number == "5550123"
    assert invoice.issue_date == dt.date(2024, 3, 3)
    assert invoice.due_date == dt.date(2024, 3, 17)
    assert (invoice.net_total, invoice.tax_total, invoice.total) == (
        Decimal("100.00"), Decimal("21.00"), Decimal("121.00"))


def test_dutch_billing_address_heads_the_buyer() -> None:
    """GIVEN 'Factuuradres' over a company name and its address THEN that company is the buyer."""
    invoice = extract_fields([page([
        (80, 100, "Factuuradres"), (360, 100, "Afleveradres"),
        (80, 114, "Voorbeeld Handel"), (360, 114, "Magazijn Oost"),
        (80, 128, "Dorpsstraat 1"), (360, 128, "Kade 9"),
    ])])
    assert invoice.buyer.name == "Voorbeeld Handel"


def test_french_number_dated_with_du_and_a_payment_deadline() -> None:
    """GIVEN 'Facture n°4711 du 02 juillet 2024' and 'Date limite de paiement le 16 juillet 2024'
    THEN the first is the issue date and the second the due date; 'du' in a street is no label."""
    invoice = extract_fields([page([
        (300, 100, "Jeanne Exemple"), (300, 114, "12 rue du Moulin"), (300, 128, "69000 LYON"),
        (40, 300, "Facture n°4711 du 02 juillet 2024"),
        (40, 314, "Date limite de paiement le 16 juillet 2024"), (40, 780, "Atelier Modèle SAS au capital de 1 000 €"),
    ])])
    assert invoice.invoice_number == "4711"
    assert invoice.issue_date == dt.date(2024, 7, 2)
    assert invoice.due_date == dt.date(2024, 7, 16)
    assert invoice.buyer.name == "Jeanne Exemple"


def test_booking_id_is_the_number_and_an_account_number_is_not() -> None:
    """GIVEN a receipt with 'Booking ID' over its reference and a bank 'Account No.' THEN the
    booking reference is the document number."""
    invoice = extract_fields([page([
        (120, 40, "PAYMENT RECEIPT"), (300, 120, "Booking ID"), (300, 134, "QX12345"),
        (50, 400, "Bank Name"), (300, 400, "Account No."), (50, 414, "Example Bank"), (300, 414, "000111222333"),
    ])])
    assert invoice.invoice_number == "QX12345"


def test_month_name_date_with_a_space_before_the_comma() -> None:
    """GIVEN 'Invoice Date: August 3 , 2024' and 'TOTAL AMOUNT DUE ON August 3 , 2024' THEN both dates are read."""
    invoice = extract_fields([page([
        (250, 100, "Invoice Date:"), (500, 100, "August 3 , 2024"),
        (250, 114, "TOTAL AMOUNT DUE ON August 3 , 2024"), (540, 114, "$4.11"),
    ])])
    assert invoice.issue_date == dt.date(2024, 8, 3)
    assert invoice.due_date == dt.date(2024, 8, 3)


def test_number_under_a_standalone_title_and_the_letterhead_is_not_the_title() -> None:
    """GIVEN a large 'INVOICE' title over '# demo_number_7' and a sender's name top left THEN the
    number is the one under the title and the seller is the sender, not the title."""
    rows = page([(49, 27, "Ada Sample"), (49, 39, "ada@example.org")]).words
    title = page([(458, 27, "INVOICE")]).words
    big = tuple(Word(w.text, w.x0, w.top, w.x0 + 110, w.top + 29) for w in title)
    under = page([(460, 60, "# demo_number_7"), (436, 113, "Date:"), (514, 113, "Jan 1, 2024")]).words
    invoice = extract_fields([Page(1, 595, 842, rows + big + under)])
    assert invoice.invoice_number == "demo_number_7"
    assert invoice.seller.name == "Ada Sample"


def test_number_in_a_column_headed_by_the_title_word() -> None:
    """GIVEN a header row 'Klant | Factuur datum | Factuur | Vervaldatum' over its values THEN the
    value under 'Factuur' is the invoice number."""
    invoice = extract_fields([page([
        (44, 200, "Klant"), (315, 200, "Factuur datum"), (432, 200, "Factuur"), (500, 200, "Vervaldatum"),
        (44, 214, "CUST000123"), (338, 214, "8-9-2024"), (409, 214, "AB1000200300"), (512, 214, "22-9-2024"),
    ])])
    assert invoice.invoice_number == "AB1000200300"
    assert invoice.issue_date == dt.date(2024, 9, 8)
    assert invoice.due_date == dt.date(2024, 9, 22)


def test_a_number_label_in_a_sentence_yields_to_the_title_line_s_number() -> None:
    """GIVEN a title line 'Rechnung (380) Nr. K7-5512 vom 03.02.2025' and later a sentence that asks
    to quote 'Belegnummer 5512' THEN the title line's number is the invoice number."""
    invoice = extract_fields([page([
        (50, 100, "Rechnung (380) Nr. K7-5512 vom 03.02.2025"),
        (50, 400, "Bitte geben Sie bei Zahlung Ihre Kundennummer 35 und die Belegnummer 5512 an"),
    ])])
    assert invoice.invoice_number == "K7-5512"


def test_an_austrian_uid_number_in_the_footer_is_the_vat_id_not_the_invoice_number() -> None:
    """GIVEN 'Rechnung' over 'Nr. 2025/74544' and a footer 'UID-Nr. ATU78147541' THEN the number
    is the invoice's and the UID the seller's VAT ID."""
    invoice = extract_fields([page([
        (50, 200, "Rechnung"), (50, 214, "Nr."), (90, 214, "2025/74544"), (50, 228, "Datum 2025-07-08"),
        (50, 780, "Harbour Solutions GmbH"), (250, 780, "UID-Nr. ATU78147541"),
    ])])
    assert invoice.invoice_number == "2025/74544"
    assert invoice.seller.vat_id == "ATU78147541"


def test_a_due_date_said_in_a_sentence_that_ends_with_it() -> None:
    """GIVEN 'Please settle this invoice by 2 January 2025.' (and the same in French, German, Danish)
    THEN that date is the due date; a phrase whose date lies elsewhere names none."""
    for sentence, due in [
        ("Please settle this invoice by 2 January 2025.", dt.date(2025, 1, 2)),
        ("À régler au plus tard le 19/06/2025.", dt.date(2025, 6, 19)),
        ("Bitte zahlen Sie bis zum 12.03.2025.", dt.date(2025, 3, 12)),
        ("Sidste rettidige betaling 26.03.2025.", dt.date(2025, 3, 26)),
    ]:
        invoice = extract_fields([page([(50, 100, "Invoice no. 2025-1"), (50, 114, "Date 01.01.2025"),
                                        (50, 500, sentence)])])
        assert invoice.due_date == due, sentence
    invoice = extract_fields([page([
        (50, 100, "Rechnung Nr. 2025-1"), (50, 114, "Datum 01.01.2025"),
        (50, 500, "Bei Bestellungen bis zum 19.12. ist die Lieferung bis spätestens 23.12. garantiert."),
        (50, 514, "Lieferdatum: 02.01.2025"),
    ])])
    assert invoice.due_date is None


def test_a_period_under_its_column_leaves_the_next_column_s_date_to_its_label() -> None:
    """GIVEN labels 'N° | Date | Période facturée | À payer avant le' over a values row that runs
    together, the period spilling under the due date's label THEN the due date is the last date."""
    invoice = extract_fields([page([
        (59, 300, "N°"), (146, 300, "Date"), (240, 300, "Période facturée"), (350, 300, "À payer avant le"),
        (59, 314, "INV-2024-48518 8 novembre 2024 1 octobre 2024 – 31 octobre 2024 8 décembre 2024"),
    ])])
    assert invoice.due_date == dt.date(2024, 12, 8)


def test_references_beside_the_number_are_not_the_invoice_number() -> None:
    """GIVEN a credit note whose 'No.' heads a column over its number, beside 'Corrects invoice no.',
    'Your reference', 'Mandate reference' and a VAT ID printed after a number label
    THEN the credit note's own number is read."""
    invoice = extract_fields([page([
        (50, 100, "CREDIT NOTE"),
        (328, 120, "No."), (388, 120, "Date"), (457, 120, "Corrects invoice no."),
        (328, 134, "2024/6265"), (388, 134, "05.03.2024"), (457, 134, "F202484907"),
        (50, 160, "Your reference: PO-64823"), (50, 174, "Mandate reference M59617"),
        (50, 188, "Org. no. SE556036079301"),
    ])])
    assert invoice.invoice_number == "2024/6265"


def test_a_minus_sign_after_a_total_label_is_the_amount_s() -> None:
    """GIVEN a credit note's 'Total gross -5695.77' THEN the total is negative."""
    invoice = extract_fields([page([
        (300, 400, "Subtotal -5273.86"), (300, 414, "VAT (8%) -421.91"), (300, 428, "Total gross -5695.77"),
    ])])
    assert invoice.total == Decimal("-5695.77")
    assert invoice.net_total == Decimal("-5273.86")


def test_a_german_sentence_that_names_the_date_before_fallig() -> None:
    """GIVEN 'Der Beitrag ist am 15.03.2025' with 'fällig.' on the next line THEN that date is due."""
    invoice = extract_fields([page([
        (50, 100, "Rechnung Nr. 2025-7"), (50, 114, "Datum 01.03.2025"),
        (50, 400, "Der Beitrag für das erste Quartal ist am 15.03.2025"), (50, 414, "fällig."),
    ])])
    assert invoice.due_date == dt.date(2025, 3, 15)


@pytest.mark.parametrize(
    "rows",
    [
        [(50, 400, "Der Betrag von 529,87 EUR wird am 20.03.2025 von Ihrem Konto per SEPA-Lastschrift eingezogen.")],
        [(50, 400, "The amount of 529.87 EUR will be debited from your account DE02120300000000202051 on"),
         (50, 414, "20/03/2025 (SEPA direct debit).")],
        [(50, 400, "Le montant de 529,87 € sera prélevé le 20/03/2025 sur votre compte (prélèvement SEPA).")],
        [(50, 400, "Beløbet 529,87 kr. trækkes den 20.03.2025 fra jeres konto via Betalingsservice.")],
    ],
)
def test_the_day_a_direct_debit_draws_the_amount_is_the_due_date(rows: list[tuple[int, int, str]]) -> None:
    """GIVEN no labelled due date and a direct-debit note naming the day it draws the amount, the
    sentence on one line or broken before the date THEN that day is the due date."""
    invoice = extract_fields([page([(50, 100, "Rechnung Nr. 2025-7"), (50, 114, "Datum 01.03.2025"), *rows])])
    assert invoice.due_date == dt.date(2025, 3, 20)


def test_the_earliest_day_a_direct_debit_may_draw_is_no_due_date() -> None:
    """GIVEN a direct-debit note naming the day 'on or after' which it draws THEN no due date."""
    invoice = extract_fields([page([
        (50, 100, "Invoice No. 2025-7"), (50, 114, "Date 01.03.2025"),
        (50, 400, "We will debit 529.87 EUR from your account on or after 20/03/2025 (SEPA direct debit)."),
    ])])
    assert invoice.due_date is None


@pytest.mark.parametrize("label", ["mvoice ID:", "imvoice ID:", "lnvoice No.", "Invoice ID:", "mvoice +:"])
def test_invoice_label_as_ocr_misreads_its_first_letters(label: str) -> None:
    """GIVEN a scan's 'Tax Invoice | <label> 2024/93766' where OCR ran "In" together into "m",
    read "n" as "m", "I" as "l" or "#" as "+" THEN the label still names the invoice number."""
    invoice = extract_fields([page([(50, 200, "Tax Invoice"), (200, 200, f"{label} 2024/93766")], ocr=True)])
    assert invoice.invoice_number == "2024/93766"


@pytest.mark.parametrize(
    "rows",
    [
        [(50, 200, "RECHNUNG"), (200, 200, "à: 2024/86121")],
        [(50, 200, "Facture _ we: 2024/86121")],
        [(50, 200, "Facture d'avoir"), (200, 200, "_x:: 2024/86121")],
        [(50, 200, "INVOICE"), (200, 200, "_no.:"), (260, 200, "2024/86121")],
    ],
)
def test_number_after_a_title_and_the_unreadable_remains_of_its_label(rows: list[tuple[float, float, str]]) -> None:
    """GIVEN a title followed by what OCR left of a short 'N°:' label (a few stray characters and
    a colon) and a number THEN the number is the invoice's, less surely than after a label."""
    invoice = extract_fields([page(rows, ocr=True)])
    assert invoice.invoice_number == "2024/86121"
    assert invoice.confidence["invoice_number"] < 0.8


@pytest.mark.parametrize(("x", "number"), [(350, "F202598584"), (200, None)])
def test_a_number_under_the_title_in_the_value_column_whose_label_ocr_lost(x: float, number: str | None) -> None:
    """GIVEN a lone title 'Invoice' over a line holding only 'F202598584' in the column of the
    values of the labelled lines under it ('Invoice date | 08/11/2025') THEN it is the invoice
    number, less surely than after a label; out of that column it is not."""
    invoice = extract_fields([page([
        (50, 200, "Invoice"), (x, 216, "F202598584"), (250, 230, "Invoice date"), (350, 230, "08/11/2025"),
        (250, 244, "Account no."), (350, 244, "804897"),
    ], ocr=True)])
    assert invoice.invoice_number == number
    if number is not None:
        assert invoice.confidence["invoice_number"] < 0.6


@pytest.mark.parametrize("text", ["Invoice to: Acme Trading Ltd 12", "Rechnung vom: 12.03.2024", "Invoice — see page 2"])
def test_a_title_followed_by_words_or_a_date_gives_no_number(text: str) -> None:
    """GIVEN a title followed by a short word and a colon, then a name or a date THEN no invoice
    number is read from it."""
    assert extract_fields([page([(50, 200, text)], ocr=True)]).invoice_number is None


@pytest.mark.parametrize(
    ("printed", "ocr", "number"),
    [
        ("RO85616", True, "R085616"),
        ("2O24/1O7", True, "2024/107"),
        ("RO85616", False, "RO85616"),  # a text layer's letter is a letter
        ("ROA8561", True, "ROA8561"),
        ("ABO8561", True, "ABO8561"),
    ],
)
def test_ocr_zero_read_as_the_letter_o_in_an_invoice_number(printed: str, ocr: bool, number: str) -> None:
    """GIVEN an invoice number in which OCR may have read a zero as 'O', between digits or after a
    one-letter prefix before the digits THEN it is read as a zero; a text layer's and a longer
    prefix's 'O' stay letters."""
    rows = [(50, 200, f"Invoice No.: {printed}")]
    invoice = extract_fields([ocr_page(rows) if ocr else page(rows)])
    assert invoice.invoice_number == number


def test_a_long_number_label_with_two_letters_misread_on_an_ocr_page() -> None:
    """GIVEN a scan's 'Faktura | raxturanummer: 53498' ('Fakturanummer' with two letters misread)
    THEN the number after it is the invoice's; the same words in a text layer are no label."""
    rows = [(50, 200, "Faktura"), (200, 200, "raxturanummer: 53498"), (50, 214, "Konto nr.: C-774773")]
    assert extract_fields([ocr_page(rows)]).invoice_number == "53498"
    assert extract_fields([page(rows)]).invoice_number != "53498"


@pytest.mark.parametrize(
    "rows",
    [
        [(50, 300, "Due by:"), (120, 300, "6 August"), (200, 300, "2024")],
        [(50, 300, "Bitte zahlen Sie bis zum"), (250, 300, "06.08.2024.")],
        [(50, 300, "Sidste rettidige betaling 6."), (250, 300, "august 2024.")],
        [(50, 300, "Date d'échéance"), (200, 300, "6"), (240, 300, "aoüt"), (300, 300, "2024")],
    ],
)
def test_a_due_date_or_its_sentence_split_into_cells_by_ocr(rows: list[tuple[float, float, str]]) -> None:
    """GIVEN a due date OCR split at wide spaces, between the date's day, month and year or between
    a sentence's words and its date THEN the due date is read across the cells."""
    invoice = extract_fields([ocr_page([(50, 200, "Invoice date: 01.07.2024"), *rows])])
    assert invoice.due_date == dt.date(2024, 8, 6)


def test_a_zero_ocr_read_for_an_o_in_a_label_still_names_the_label() -> None:
    """GIVEN an OCR'd 'Cust0mer no.: K968177' under 'Tax Invoice | Number: 2024-13855' THEN the
    customer number is still no invoice number."""
    rows = [(46, 280, "Tax Invoice"), (128, 280, "Number: 2024-13855"), (46, 300, "Issue date: 14 September 2024"),
            (46, 314, "Order no.: 4500084721"), (46, 328, "Cust0mer no.: K968177")]
    assert extract_fields([ocr_page(rows)]).invoice_number == "2024-13855"


@pytest.mark.parametrize("ocr", [False, True])
def test_a_number_after_an_address_label_is_a_house_number(ocr: bool) -> None:
    """GIVEN 'Warehouse Address: NO. 42/1 & 43, KACHERAKANAHALLI VILLAGE' THEN 42/1 is no invoice
    number; GIVEN an invoice number labelled elsewhere too THEN that one is read."""
    address = (50, 120, "Warehouse Address: NO. 42/1 & 43, KACHERAKANAHALLI VILLAGE, Bangalore")
    make = ocr_page if ocr else page
    assert extract_fields([make([address])]).invoice_number is None
    assert extract_fields([make([address, (50, 160, "Invoice No.: BLR-2015-0982")])]).invoice_number == "BLR-2015-0982"


def test_a_date_split_into_cells_under_its_column_label_is_read_across_them() -> None:
    """GIVEN a row of labels 'Rechnungs-Nr. | Ausstellungsdatum | Fällig am' over values OCR split
    at the space after each day ('9. | August 2024', '23. | August 2024') THEN both dates are read."""
    invoice = extract_fields([ocr_page([
        (58, 218, "Rechnungs-Nr.", 7.4), (129, 217, "Ausstellungsdatum", 7.4), (221, 217, "Fällig am", 5.9),
        (58, 230, "AB-16684/24", 7.4), (130, 230, "9.", 6.5), (146, 230, "August 2024", 7.4),
        (220, 230, "23.", 6.5), (243, 229, "August 2024", 7.6),
    ])])
    assert (invoice.issue_date, invoice.due_date) == (dt.date(2024, 8, 9), dt.date(2024, 8, 23))


@pytest.mark.parametrize(
    "text",
    [
        "Rechnung zur Hausratversicherung Nr. 42.987.654.3",
        "Haftpflichtversicherungsvertrag Nr: 42.987.654.3",
        "Policy No. 42.987.654.3",
    ],
)
def test_an_insurance_policy_or_contract_number_is_not_the_invoice_number(text: str) -> None:
    """GIVEN an insurer's bill that names only the policy or contract the premium is for, 'Nr.'
    after the insurance or contract THEN no invoice number is read; the bill's own number still is."""
    assert extract_fields([page([(71, 300, text)])]).invoice_number is None
    invoice = extract_fields([page([(71, 280, "Rechnungsnummer: 2014-0042"), (71, 300, text)])])
    assert invoice.invoice_number == "2014-0042"


def test_a_danish_credit_note_number_label_in_one_word() -> None:
    """GIVEN 'Kreditnotanr.' over a row of values run together into one cell THEN the value under
    it is the number."""
    invoice = extract_fields([page([
        (59, 244, "Kreditnotanr."), (125, 244, "Dato"), (189, 244, "Leveret"),
        (59, 257, "2024/91837 10-02-2024 06-02-2024"),
    ])])
    assert invoice.invoice_number == "2024/91837"
    assert invoice.issue_date == dt.date(2024, 2, 10)


def test_the_number_word_of_a_buyers_vat_label_is_no_invoice_number_label() -> None:
    """GIVEN 'Your VAT No.: NL...' with a postcode in the cell beside it THEN 'No.' there labels
    nothing else, and the invoice number is the one after 'Number:'."""
    invoice = extract_fields([page([
        (57, 143, "Your VAT No.: NL134364934B01"), (420, 143, "0519 WV Utrecht"),
        (214, 186, "Number: R010712"),
    ])])
    assert invoice.invoice_number == "R010712"


def test_montant_total_tva_is_the_tax_even_with_its_words_run_together() -> None:
    """GIVEN 'Montant total TVA' (OCR ran 'totalTVA' together) over 'Montant TTC' THEN the first
    is the tax and the second the total."""
    rows = [(300, 500, "Sous-total"), (450, 500, "19070,76"), (300, 514, "TVA (21%)"), (450, 514, "1602,82"),
            (300, 528, "TVA (6%)"), (450, 528, "686,30"), (300, 542, "Montant totalTVA"), (450, 542, "2289,12"),
            (300, 556, "Montant TTC"), (450, 556, "21359,88")]
    for invoice in (extract_fields([page(rows)]), extract_fields([ocr_page(rows)])):
        assert (invoice.total, invoice.tax_total) == (Decimal("21359.88"), Decimal("2289.12"))


def test_a_number_ocr_split_by_a_gap_narrower_than_a_space_is_read_whole() -> None:
    """GIVEN OCR's words 'INV-2025-9' and '6412' a seventh of their height apart (a space is
    half of it) THEN the number is 'INV-2025-96412'; words a space apart stay apart."""
    def words(gap: float) -> tuple[Word, ...]:
        return (Word("No.:", 58.3, 243.4, 77.0, 250.6, 0.92), Word("INV-2025-9", 81.4, 243.4, 135.0, 250.6, 0.92),
                Word("6412", 135.0 + gap, 243.4, 157.7 + gap, 250.9, 0.97))

    split = extract_fields([Page(number=1, width=595, height=842, words=words(1.1), ocr=True)])
    assert split.invoice_number == "INV-2025-96412"
    apart = extract_fields([Page(number=1, width=595, height=842, words=words(4.0), ocr=True)])
    assert apart.invoice_number == "INV-2025-9"


def test_a_side_columns_postcode_beside_a_total_is_no_amount() -> None:
    """GIVEN 'Total (incl. VAT) | 272.43' with a side column's '77773 Hamburg' further right on the
    line THEN the total is 272.43; an amount with cents further right still is the value."""
    def rows(beside: str) -> list:
        return [(300, 500, "Total (incl. VAT)"), (450, 500, "272.43"), (540, 500, beside),
                (300, 514, "of which VAT 19%"), (450, 514, "17.22"), (300, 528, "of which VAT 7%"),
                (450, 528, "10.77"), (300, 542, "Total excl. VAT"), (450, 542, "244.44")]

    assert extract_fields([page(rows("77773 Hamburg"))]).total == Decimal("272.43")
    assert extract_fields([page(rows("EUR 272.43"))]).total == Decimal("272.43")


def test_a_date_column_of_the_item_table_dates_items_not_the_invoice() -> None:
    """GIVEN the invoice's date beside its title and an item table whose first column is 'Date'
    THEN the issue date is the one beside the title, not the first item's."""
    invoice = extract_fields([page([(40, 60, "FACTURE"), (400, 60, "15/01/2024"), (40, 80, "N° FA-2024-042"),
                                    (40, 200, "Date"), (120, 200, "Description"), (300, 200, "Qté"),
                                    (400, 200, "Total HT"), (40, 214, "10/01/2024"), (120, 214, "Consultation"),
                                    (300, 214, "1.00"), (400, 214, "50.00 EUR"), (300, 240, "Total HT:"),
                                    (400, 240, "50.00 EUR")])])
    assert invoice.issue_date == dt.date(2024, 1, 15)


@pytest.mark.parametrize("text", ["Die Rechnung ist zahlbar zum 25.02.2025 rein netto ohne Abzug.",
                                  "Facture à régler le : 25/02/2025"])
def test_payable_on_a_date_is_the_due_date(text: str) -> None:
    """GIVEN 'zahlbar zum' or 'à régler le' before a date THEN that date is the due date."""
    invoice = extract_fields([page([(40, 60, "Rechnung 2025-7"), (400, 60, "18.02.2025"), (40, 300, text)])])
    assert invoice.due_date == dt.date(2025, 2, 25)


def test_a_number_and_date_in_a_long_legal_sentence_are_not_the_invoices() -> None:
    """GIVEN 'nº 2023-6013' (an ordinal indicator, not a degree sign) under the title and, in the
    footer, 'La loi n°92/1442 du 31 décembre 1992 nous fait l'obligation ...' THEN the number is
    the one under the title and the law's date is no issue date."""
    invoice = extract_fields([page([
        (470, 75, "FACTURE", 22), (500, 113, "20/09/2023"), (490, 127, "nº 2023-6013"),
        (43, 651, "La loi n°92/1442 du 31 décembre 1992 nous fait l’obligation de vous indiquer que le "
                  "non-respect des conditions de paiement entraine des intérêts de", 8)])])
    assert (invoice.invoice_number, invoice.issue_date) == ("2023-6013", dt.date(2023, 9, 20))


@pytest.mark.parametrize(
    ("version", "title", "wrapped", "number", "issued"),
    [
        # The title's line ends with 'vom', the date starts the next line; a version dated earlier.
        ("Stylesheet-Version: 2.0 vom 18.10.2017", "VERSICHERUNGSRECHNUNG Nr. 01.234.567-2018-1 vom", "06.12.2018",
         "01.234.567-2018-1", dt.date(2018, 12, 6)),
        # The title wrapped after its number, 'vom' opens the next line; a version dated later.
        ("ZUGFeRD-Version: 2.1 vom 24.03.2020", "Gutschrift (Selbst ausgestellte Rechnung) Nr. 47110818",
         "vom 31.10.2018", "47110818", dt.date(2018, 10, 31)),
    ],
)
def test_a_title_wrapped_around_its_date_word_dates_the_invoice_on_the_next_line(
    version: str, title: str, wrapped: str, number: str, issued: dt.date
) -> None:
    """GIVEN a title with the invoice's number wrapped before its date or before 'vom' and the date,
    and a stylesheet's version dated in the header THEN the date on the wrapped line is the issue
    date, not the version's."""
    invoice = extract_fields([page([(50, 40, version), (50, 100, title), (50, 114, wrapped),
                                    (50, 140, "Währung: EUR"), (300, 400, "Gesamtbetrag 119,00")])])
    assert invoice.invoice_number == number
    assert invoice.issue_date == issued


def test_an_order_date_is_not_taken_for_the_issue_date() -> None:
    """GIVEN no issue date label (OCR lost 'Invoice Date'), 'Order Date: 15-10-2015' above a bare
    ': 20-10-2015' THEN the issue date is the date no other label names."""
    rows = [
        (50, 100, "Retail Invoice"),
        (50, 130, "Order ID: OD304175096047380001"),
        (50, 144, "Order Date:"), (120, 144, "15-10-2015"),
        (50, 158, ": 20-10-2015"),
        (50, 400, "Grand Total"), (450, 400, "319.00"),
    ]
    assert extract_fields([page(rows)]).issue_date == dt.date(2015, 10, 20)


def test_a_title_and_an_ocr_misread_number_abbreviation() -> None:
    """GIVEN an OCR'd 'Faktura | ur. 35789' ('nr.' misread) THEN the number after the remains of
    the label is the invoice number."""
    rows = [(50, 100, "Faktura"), (150, 100, "ur. 35789"), (50, 114, "Dato: 19-08-2024")]
    assert extract_fields([ocr_page(rows)]).invoice_number == "35789"


def test_a_number_word_in_an_items_row_names_no_invoice_number() -> None:
    """GIVEN an item's row where OCR read the quantity as 'N°' ('Konsulentydelser | N° | 49,88 |
    25 % | 99,76') and no invoice number the page prints readably THEN none is given, not the
    row's rate."""
    rows = [
        (50, 100, "Faktura"), (50, 114, "Dato: 19-08-2024"),
        (50, 200, "Beskrivelse"), (250, 200, "Antal"), (320, 200, "Stk. pris"), (400, 200, "Moms"), (470, 200, "I alt"),
        (50, 214, "Konsulentydelser (3)"), (250, 214, "N°"), (320, 214, "49,88"), (400, 214, "25 %"), (470, 214, "99,76"),
    ]
    assert extract_fields([ocr_page(rows)]).invoice_number is None


def test_a_house_number_under_a_number_label_is_no_invoice_number() -> None:
    """GIVEN "Invoice no." at the top of a column whose value OCR lost, and the seller's block
    under it ("Kestrel Conseil e.K." over "159 Mill Lane" and "57523 Hamburg") THEN neither the
    house's number nor the postcode is read as the invoice's number."""
    invoice = extract_fields([page([
        (400, 100, "Invoice no."), (400, 128, "Kestrel Conseil e.K."), (400, 142, "159 Mill Lane"),
        (400, 156, "57523 Hamburg"), (300, 400, "Net amount"), (450, 400, "-54,555.03"),
    ], ocr=True)])
    assert invoice.invoice_number is None


@pytest.mark.parametrize(
    "title",
    [
        [(50, 100, "Invoice information (751) Nr. TX-471102"), (330, 100, "vom"), (370, 100, "30.10.2019")],
        [(50, 100, "RECHNUNGSKORREKTUR"), (190, 100, "(384)"), (240, 100, "Nr."), (270, 100, "RK21012345"),
         (350, 100, "vom"), (390, 100, "30.10.2019")],
    ],
)
def test_a_number_and_its_date_word_ocr_split_into_cells_still_date_the_invoice(
    title: list[tuple[float, float, str]],
) -> None:
    """GIVEN a title 'Nr. RK21012345 vom 30.10.2019' that OCR cut into cells at its wide gaps, the
    'vom' a cell or two after the number's label, under a version line dated later
    ('Stylesheet-Version: 2.5 vom 10.01.2023', no number) THEN the date after 'vom' is the issue date."""
    rows = [(50, 40, "Stylesheet-Version:"), (250, 40, "2.5 vom 10.01.2023"), *title,
            (50, 140, "Währung:"), (250, 140, "EUR"), (300, 400, "Gesamtbetrag 119,00")]
    assert extract_fields([ocr_page(rows)]).issue_date == dt.date(2019, 10, 30)


def test_a_vom_far_from_a_number_label_dates_nothing() -> None:
    """GIVEN 'Nr. | 4711 | Lieferung | vom | 02.05.2024': a 'vom' three cells after the number's
    label THEN it does not date the invoice, which its own label dates."""
    rows = [(50, 100, "Nr."), (80, 100, "4711"), (150, 100, "Lieferung"), (250, 100, "vom"), (290, 100, "02.05.2024"),
            (50, 130, "Rechnungsdatum:"), (200, 130, "06.05.2024")]
    assert extract_fields([ocr_page(rows)]).issue_date == dt.date(2024, 5, 6)


@pytest.mark.parametrize(("printed", "due"), [("29.11.2029", dt.date(2019, 11, 29)), ("29.11.2020", dt.date(2020, 11, 29)),
                                              ("15.01.2030", dt.date(2020, 1, 15))])
def test_a_due_year_ocr_misread_in_one_digit_is_the_issue_s_year_or_the_next(printed: str, due: dt.date) -> None:
    """GIVEN an invoice of 30.10.2019 due '29.11.2029' (OCR read the year's 1 as a 2) THEN it is due
    29.11.2019; GIVEN a due date within a year of the issue THEN it stands as printed; GIVEN
    '15.01.2030' THEN the next year (2020) is the one-digit reading within a year."""
    rows = [(50, 100, "Rechnungsdatum:"), (200, 100, "30.10.2019"), (50, 120, "Fällig am:"), (200, 120, printed)]
    assert extract_fields([ocr_page(rows)]).due_date == due


@pytest.mark.parametrize(("printed", "due"), [("02.03.2020", dt.date(2026, 3, 2)), ("15.01.2026", dt.date(2026, 1, 15)),
                                              ("02.03.2015", dt.date(2015, 3, 2))])
def test_a_due_year_ocr_misread_before_the_issue_is_the_issue_s_year(printed: str, due: dt.date) -> None:
    """GIVEN an invoice of 31.01.2026 due '02.03.2020' (OCR read the year's 6 as a 0) THEN it is due
    02.03.2026; GIVEN a due date before the issue in the same year, or one whose year differs in
    two digits THEN no year reading mends it and it stands as printed."""
    rows = [(50, 100, "Date de facture :"), (200, 100, "31.01.2026"), (50, 120, "Date d'échéance :"), (200, 120, printed)]
    assert extract_fields([ocr_page(rows)]).due_date == due


def test_an_order_s_number_and_its_date_do_not_date_the_invoice() -> None:
    """GIVEN the title 'Handelsrechnung (380) Nr. 471113 | vom | 13.06.2018' (OCR cut the date
    apart) and a note 'Rechnung gemäß Bestellung Nr. 2018-471331 vom 01.03.2018.' THEN the
    invoice is dated by its title, not by the order the note names."""
    rows = [(50, 100, "Handelsrechnung (380) Nr. 471113"), (300, 100, "vom"), (340, 100, "13.06.2018"),
            (50, 300, "Rechnung gemäß Bestellung Nr. 2018-471331 vom 01.03.2018."), (300, 400, "Bruttosumme 23,54")]
    invoice = extract_fields([ocr_page(rows)])
    assert (invoice.invoice_number, invoice.issue_date) == ("471113", dt.date(2018, 6, 13))


@pytest.mark.parametrize("title", ["Handelsrechnung (380) Nr.471113", "Facture N°471113"])
def test_a_number_glued_to_its_number_word_is_read_without_it(title: str) -> None:
    """GIVEN a title whose number lost the space after 'Nr.' or 'N°' ('Nr.471113') THEN the
    number is '471113'."""
    invoice = extract_fields([ocr_page([(50, 100, title), (300, 100, "vom 13.06.2018")])])
    assert invoice.invoice_number == "471113"


def test_a_text_layer_s_due_date_stands_as_printed_however_far() -> None:
    """GIVEN a text PDF (no OCR) of 30.10.2019 due '29.11.2029' THEN the due date is as printed."""
    rows = [(50, 100, "Rechnungsdatum:"), (200, 100, "30.10.2019"), (50, 120, "Fällig am:"), (200, 120, "29.11.2029")]
    assert extract_fields([page(rows)]).due_date == dt.date(2029, 11, 29)


def test_a_swiss_uid_after_a_number_label_is_not_the_invoice_number() -> None:
    """GIVEN a scan whose footer's 'UID-Nr.' OCR read as '-Nr.' before 'CHE-421.315.262 MWST', and
    the invoice's number under 'Nr.' in a header row THEN the number is the header's: a company's
    register number that passes its check is no invoice's number, whatever label it follows."""
    invoice = extract_fields([ocr_page([
        (60, 60, "Elmstead Partners SA"), (60, 240, "Rechnung"),
        (60, 280, "Nr."), (160, 280, "Rechnungsdatum"), (300, 280, "Fällig"),
        (60, 294, "2024-68235"), (160, 294, "23.09.2024"), (300, 294, "23.10.2024"),
        (300, 400, "Total"), (400, 400, "3'645.22 CHF"),
        (60, 760, "Elmstead Partners SA"), (200, 760, "-Nr."), (240, 760, "CHE-421.315.262 MWST"),
    ])])
    assert invoice.invoice_number == "2024-68235"
    assert invoice.seller.vat_id == "CHE421315262MWST"


def test_a_hyphenated_compounds_number_and_its_date_are_another_documents() -> None:
    """GIVEN 'Baurechnung Nr. 181301674 vom 15.11.2024' and further down 'Rapport-Nr.: 42389 vom
    01.11.2024' and 'Art.-Nr.: TB100A4' THEN the invoice's number and date are the first: a number
    named by a compound ('Rapport-Nr.', 'Art.-Nr.') is another document's, and so is its date."""
    invoice = extract_fields([page([
        (60, 60, "Elektron Industrieservice GmbH"),
        (60, 160, "Baurechnung (204) Nr. 181301674"), (260, 160, "vom"), (290, 160, "15.11.2024"),
        (60, 400, "Rapport-Nr.: 42389 vom 01.11.2024"), (60, 420, "Unsere Art.-Nr.: TB100A4"),
        (300, 600, "Gesamtbetrag"), (420, 600, "129,60 EUR"),
    ])])
    assert (invoice.invoice_number, str(invoice.issue_date)) == ("181301674", "2024-11-15")


def test_a_number_label_over_an_address_line_gives_no_invoice_number() -> None:
    """GIVEN a scan whose title 'FACTURE N°' OCR lost, and a 'REFERENCE' label two lines over the
    footer's address '35 ma rue a moi, code postal Ville' THEN the house's number is not taken."""
    invoice = extract_fields([ocr_page([
        (60, 60, "LE FOURNISSEUR"), (60, 80, "Date : 31/01/2026"),
        (300, 600, "TOTAL TTC"), (420, 600, "100,00"),
        (60, 760, "REFERENCE AVIS DE PAIEMENT :"), (60, 774, "MANDATE"),
        (60, 790, "35 ma rue a moi, code postal Ville Pays - contact@masociete.fr"),
    ])])
    assert invoice.invoice_number is None


def test_a_word_ocr_read_with_a_zero_for_an_o_is_no_invoice_number() -> None:
    """GIVEN 'N° DE FACTURE ASS0CIEE : F20260003' where OCR glued the label's last word and read its
    O as a zero, and the invoice's own number in the title THEN the number is the title's."""
    invoice = extract_fields([ocr_page([
        (60, 60, "LE FOURNISSEUR"), (300, 60, "FACTURE F20260029"),
        (60, 300, "N° DE FACTURE ASS0CIEE : F20260003"),
        (300, 600, "TOTAL TTC"), (420, 600, "100,00"),
    ])])
    assert invoice.invoice_number == "F20260029"


def test_a_five_ocr_read_for_an_s_inside_a_label_still_names_another_date() -> None:
    """GIVEN 'Date: 31/01/2026' and 'DATE DE FACTUREAS5OCIEE : 01/01/2026', the preceding invoice's
    date with its words glued and an s read as a 5 THEN the issue date is the first."""
    invoice = extract_fields([ocr_page([
        (60, 60, "LE FOURNISSEUR"), (300, 60, "FACTURE N° F20260026"), (300, 74, "Date: 31/01/2026"),
        (60, 300, "N° DE FACTUREASSOCIEE : F20260003"), (60, 314, "DATE DE FACTUREAS5OCIEE : 01/01/2026"),
        (300, 600, "TOTAL TTC"), (420, 600, "100,00"),
    ])])
    assert str(invoice.issue_date) == "2026-01-31"


def test_a_bare_date_word_after_an_article_is_no_label() -> None:
    """GIVEN an invoice whose labels OCR lost but its first date, and the sentence 'Les règlements
    reçus avant la date d'échéonce ne donneront pas lieu à escompte' (échéance misread) over the
    due date THEN the issue date is the first date, not the one after 'la date'."""
    invoice = extract_fields([ocr_page([
        (60, 40, "LE FOURNISSEUR"), (300, 40, "FACTURE N°: F20220023"), (300, 54, "31/01/2022"),
        (300, 500, "TOTAL TTC"), (420, 500, "100,00"),
        (60, 700, "Les réglements reçus avant la date d'échéonce ne donneront pas lieu à escompte."),
        (60, 716, "Date d'échéance : 02/03/2022"),
    ])])
    assert str(invoice.issue_date) == "2022-01-31"


@pytest.mark.parametrize("rows", [
    [(400, 62, "INV-2025-70759 Invoice ID"), (400, 90, "Date of issue"), (400, 104, "16 August 2025")],
    [(400, 62, "Invoice ID"), (400, 76, "16 August 2025")],
    [(400, 62, "Invoice ID:"), (460, 62, "16. März 2025")],
])
def test_the_day_of_a_date_written_out_is_no_invoice_number(rows: list[tuple[int, int, str]]) -> None:
    """GIVEN 'Invoice ID' whose number OCR put before it on its line, or that has none, with a date
    written out below or beside it ('16 August 2025') THEN no invoice number is read: a date's day
    is no number (a page without one is in doubt, and read again)."""
    invoice = extract_fields([ocr_page([(57, 60, "Beaumont Services", 18.9), *rows])])
    assert invoice.invoice_number is None
