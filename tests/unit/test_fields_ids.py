"""VAT IDs and IBANs found in text and checked with their checksums."""

from __future__ import annotations

import pytest

from intake import media
from intake.fields import extract_fields
from intake.fields.ids import find_ibans, find_vat_ids
from intake.fields.labels import PAYERS_ACCOUNT
from intake.readers import read_document
from invoicing.extraction import UNREAD_IBAN
from tests.factories import simple_invoice_pdf
from tests.unit.test_fields_layout import ocr_page


@pytest.mark.parametrize(
    ("text", "value", "valid"),
    [
        ("USt-IdNr. DE812871812", "DE812871812", True),
        ("BTW NL810433941B01", "NL810433941B01", True),
        ("TVA : FR11999999998 - SIRET", "FR11999999998", True),
        ("VAT DE 136 695 976", "DE136695976", True),
        ("USt-IdNr.: DE123456789", "DE123456789", False),
        ("VAT Reg No: GB 980 7806 84", "GB980780684", True),
        ("UID CHE-109.322.551 MWST", "CHE109322551MWST", True),
        ("MVA: NO 123 456 785 MVA", "NO123456785MVA", True),
        ("Org.nr. NO123456789MVA", "NO123456789MVA", False),
        ("VAT No.: NL976722318801", "NL976722318B01", True),  # OCR read the fixed "B" as "8"
        # A letter read for a digit where the country's numbers are all digits, in a number that
        # fails its check either way: the digit it looks like.
        ("USt.-Id.-Nr.: DEI23456789", "DE123456789", False),
        ("TVA : FRI1123456789", "FRI1123456789", False),  # a French key may hold letters
        ("UID: ATU 13585627", "ATU13585627", True),  # Austria's "U" printed apart from the number
        ("UID-Nr. ATU-13585627", "ATU13585627", True),
        ("CHE-896.161,045 MWST", "CHE896161045MWST", True),  # a dot OCR read as a comma
    ],
)
def test_vat_ids_with_checksum(text: str, value: str, valid: bool) -> None:
    [found] = find_vat_ids(text)
    assert (found.value, found.valid) == (value, valid)


@pytest.mark.parametrize(
    "text", ["Total of items 18870.50", "NOTES 1234 5678 9", "DELIVERY 12345678", "montant de 12 345,67 €"]
)
def test_a_word_that_begins_like_a_country_prefix_is_no_vat_id(text: str) -> None:
    """GIVEN a word starting with a country code ('ITEMS', 'NOTES', 'DELIVERY') before digits, or
    'de' before an amount with a decimal comma THEN no VAT ID is read: none has three letters after
    its prefix, and a comma is a dot OCR misread only in a number that passes its check."""
    assert find_vat_ids(text) == []


@pytest.mark.parametrize(
    ("text", "value", "valid"),
    [
        ("IBAN: DE92 7607 0012 0750 0077 00", "DE92760700120750007700", True),
        ("IBAN : FR76 10107 00245 00617052317 39 - BIC", "FR7610107002450061705231739", True),
        ("IBAN CH93 0076 2011 6238 5295 7 BIC UBSWCHZH80A", "CH9300762011623852957", True),
        ("IBAN: DE92 76O7 0012 0750 0077 00", "DE92760700120750007700", True),
        # Check digits are digits: a letter read there stands for the digit it looks like.
        ("IBAN: DEO2 1203 0000 0000 2020 51", "DE02120300000000202051", True),
        ("IBAN GBB2 WEST 1234 5698 7654 32, BIC", "GB82WEST12345698765432", True),
        # So are a country's letters: "F1" stands for "FI", "1E" for "IE".
        ("Bank: F12112345600000785 - BIC", "FI2112345600000785", True),
        ("IBAN 1E29 AIBK 9311 5212 3456 78", "IE29AIBK93115212345678", True),
        # A speck OCR read inside a group is no character of it.
        ("IBAN: DE92 7607 00)12 0750 0077 00, BIC", "DE92760700120750007700", True),
        ("IBAN: DE92 7607 0012 0750 0077 0|0", "DE92760700120750007700", True),
        # A space between the country and its check digits.
        ("BIC: KREDBEBB - IBAN: BE 41 7360 0661 9710", "BE41736006619710", True),
    ],
)
def test_ibans_with_checksum(text: str, value: str, valid: bool) -> None:
    """GIVEN an IBAN in groups (the last one may hold one character) or with an O read for a 0,
    in its check digits too, a digit read for a letter of its country, or a speck read inside a
    group THEN the valid IBAN is found."""
    [found] = find_ibans(text)
    assert (found.value, found.valid) == (value, valid)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # Italy's account number starts with a letter: the 6 is a G; the B left is one confusion.
        ("IBAN: IT42 6821 9299 909K BVK9 CFPZ 34V", "IT42G8219299909K8VK9CFPZ34V"),
        # Germany's is all digits: two letters read for digits are both the digits.
        ("IBAN DE92 76O7 OO12 0750 0077 00", "DE92760700120750007700"),
        # The UK's starts with four letters (its bank's code): "WE5T" is "WEST".
        ("IBAN GB82 WE5T 1234 5698 7654 3Z", "GB82WEST12345698765432"),
        # Letters or digits alike in Italy's last twelve: the neural OCR's I for a J is one confusion.
        ("IBAN:IT83 H216 1521 8621 VWGY 9JPI91K", "IT83H21615218621VWGY9JPJ91K"),
    ],
)
def test_look_alikes_are_read_as_the_countrys_account_number_has_them(text: str, value: str) -> None:
    """GIVEN an IBAN OCR read with look-alikes where its country's account number (by the IBAN
    registry) has only digits or only letters THEN they are read so, and the IBAN is valid."""
    [found] = find_ibans(text)
    assert (found.value, found.valid) == (value, True)


@pytest.mark.parametrize(
    "text",
    [
        "IBAN DE75123456780000001234, BIC", "FO104796741057787435RUEDU", "OD304175096047380001BILLING",
        # Reading the 1 of the check digits as an I would pass mod 97, but check digits are digits.
        "IBAN : DE12123456781234567890",
    ],
)
def test_iban_failing_its_checksum_is_no_iban(text: str) -> None:
    """GIVEN IBAN-shaped text that no reading makes valid THEN no IBAN is returned."""
    assert find_ibans(text) == []


def test_valid_uk_vat_id_draws_no_checksum_warning() -> None:
    """GIVEN a valid GB VAT ID (not in the EU's checker since 2021) THEN no checksum finding."""
    from intake.fields.checks import check_ids

    assert check_ids("GB980780684", None) == []
    assert check_ids("GB980780685", None) != []


def test_masked_iban_is_not_an_iban() -> None:
    assert find_ibans("IBAN: DE54 5004 **** **** **** 00") == []


def test_vat_id_does_not_absorb_the_next_label() -> None:
    """GIVEN a VAT ID followed on its line by "IBAN: ..." THEN the VAT ID ends before the label."""
    assert [m.value for m in find_vat_ids("USt-IdNr.: DE123456788  IBAN: DE02 1203 0000 0000 2020 51")] == [
        "DE123456788"
    ]


def test_seller_vat_id_beside_iban_on_the_invoice() -> None:
    """GIVEN an invoice whose footer prints VAT ID and IBAN on one line WHEN extracted THEN both are clean."""
    pages = read_document(simple_invoice_pdf(), media.PDF).pages
    extracted = extract_fields(pages)
    assert extracted.seller.vat_id == "DE123456788"
    assert extracted.seller.iban == "DE02120300000000202051"


def test_the_payers_account_of_a_direct_debit_is_not_the_sellers_iban() -> None:
    """GIVEN only 'debited from your account IBAN ...' (a direct debit notice) THEN no seller IBAN;
    GIVEN the seller's own IBAN beside it THEN that one."""
    from tests.unit.test_fields_layout import page

    debit = (50, 600, "The amount will be debited from your account IBAN DE02 1203 0000 0000 2020 51")
    assert extract_fields([page([debit])]).seller.iban is None
    own = (50, 760, "IBAN: DE92 7607 0012 0750 0077 00")
    assert extract_fields([page([debit, own])]).seller.iban == "DE92760700120750007700"
    # The sentence runs on to the next line, or says it in Danish.
    two_lines = [(50, 600, "The amount of 5,782.07 will be collected by SEPA direct debit from your account IBAN"),
                 (50, 609.9, "DE02 1203 0000 0000 2020 51 on July 26, 2024.")]  # lines that touch
    assert extract_fields([page(two_lines)]).seller.iban is None
    assert extract_fields([page([(50, 600, "Vi trækker 1.506,45 fra konto DE02 1203 0000 0000 2020 51 (SEPA).")])]).seller.iban is None


@pytest.mark.parametrize("label", ["Käufer-IBAN :", "Buyer IBAN:", "IBAN du client :", "Kunden-IBAN"])
def test_an_iban_labelled_as_the_buyer_s_is_not_the_seller_s(label: str) -> None:
    """GIVEN an IBAN whose label names the buyer ('Käufer-IBAN') and, for the second page, the
    seller's own ('Verkäufer-IBAN') THEN the buyer's is never the seller's IBAN."""
    from tests.unit.test_fields_layout import page

    buyers = [(50, 600, label), (160, 600, "DE02 1203 0000 0000 2020 51")]
    assert extract_fields([page(buyers)]).seller.iban is None
    own = [(50, 620, "Verkäufer-IBAN :"), (160, 620, "DE92 7607 0012 0750 0077 00")]
    assert extract_fields([page(buyers + own)]).seller.iban == "DE92760700120750007700"


@pytest.mark.parametrize(
    ("text", "value"), [("VAT No. 68529024458", "GB529024458"), ("VAT ID 1171885460122", "IT71885460122")]
)
def test_vat_id_whose_country_prefix_ocr_read_as_digits(text: str, value: str) -> None:
    """GIVEN a labelled VAT ID whose prefix OCR read as look-alike digits THEN the one reading that
    passes the country's checksum is returned; a number that none makes valid is not mended."""
    from intake.fields.ids import find_misread_vat_ids

    assert [m.value for m in find_misread_vat_ids(text)] == [value]
    assert find_misread_vat_ids("Tel 0123456789") == []


@pytest.mark.parametrize(
    ("text", "value", "valid"),
    [
        ("VAT ID FIS6693096", "FI56693096", True),  # "S" read for "5": the one valid reading is taken
        ("USt-IdNr. DE123456789", "DE123456789", False),  # a made-up number stays as printed
        ("BTW NL815254295B01", "NL815254295B01", True),  # a letter the format has is no misreading
        ("USt-IdNr. DESS4060983", "DE554060983", True),  # two "S" read for "5", seven digits read
        ("CIF ES809847476", "ESB09847476", True),  # a Spanish company's letter "B" read as "8"
    ],
)
def test_a_vat_id_read_with_one_look_alike_letter_is_mended_only_to_a_valid_one(
    text: str, value: str, valid: bool
) -> None:
    """GIVEN a VAT ID as OCR may read it THEN one letter standing for its look-alike digit (or two,
    where seven digits are read), or a digit where the country's number has a letter, is mended
    when exactly that reading passes the country's checksum; other numbers are kept as printed."""
    [found] = find_vat_ids(text)
    assert (found.value, found.valid) == (value, valid)


def test_a_norwegian_vat_id_with_its_prefix_misread_is_labelled_by_its_suffix() -> None:
    """GIVEN an unlabelled footer 'Name AS | N0027732453MVA' (the O of 'NO' read as a zero) THEN
    the suffix 'MVA' marks it as the seller's VAT ID; a bare misread digit string is not taken."""
    invoice = extract_fields([ocr_page([(57, 780, "Grünwald Bureau AS | N0027732453MVA")])])
    assert invoice.seller.vat_id == "NO027732453MVA"
    invoice = extract_fields([ocr_page([(57, 780, "Alpenglow Partners S.r.l. | 1798486700796")])])
    assert invoice.seller.vat_id is None


@pytest.mark.parametrize(
    ("footer", "value"),
    [("Beaumont Analytics DAC, 140 Mill Lane, Dublin F09 R2F3. 1E2984328WH", "IE2984328WH"),
     ("Novak Digital Oy, 156 Market Square, 64147 Espoo. F151763219", "FI51763219")],
)
def test_an_unlabelled_vat_id_whose_prefix_ocr_read_half_as_a_digit_is_mended(footer: str, value: str) -> None:
    """GIVEN an unlabelled footer whose VAT ID has one letter of its prefix read as a look-alike
    digit ('1E' for 'IE', 'F1' for 'FI'), the other letter kept THEN it is mended to the one valid
    reading: the kept letter says it is no mere digit string."""
    assert extract_fields([ocr_page([(57, 780, footer)])]).seller.vat_id == value


def test_an_invoice_number_that_passes_a_vat_checksum_is_no_vat_id() -> None:
    """GIVEN 'Facture N° RO94900' (an invoice number 'R094900' read with a letter O, which passes the
    Romanian checksum) and the buyer's VAT ID over it THEN neither is the seller's VAT ID: the
    number follows its label, and the buyer's is the buyer's."""
    invoice = extract_fields([ocr_page([
        (380, 100, "Votre n° TVA : CHE-247.978.210 MWST"), (57, 130, "Facture N°"), (160, 130, "RO94900"),
    ])])
    assert invoice.seller.vat_id is None


def test_the_start_of_a_wrapped_iban_after_its_label_is_no_vat_id() -> None:
    """GIVEN 'IBAN FR96 4627 6943' at a line's end, the rest of the IBAN wrapped onto the next line
    THEN its start is no French VAT ID; a VAT ID before an IBAN label still is one."""
    assert find_vat_ids("prélevé sur votre compte IBAN FR96 4627 6943") == []
    assert [m.value for m in find_vat_ids("TVA FR40303265045 IBAN: FR96 4627 6943")] == ["FR40303265045"]


def test_a_word_in_small_letters_never_continues_an_iban() -> None:
    """GIVEN a VAT ID followed by 'Bankverbindung' (with 'B' read as '8' mod 97 passes by chance)
    THEN no IBAN is made of them; an IBAN in capitals before a word is still read."""
    assert find_ibans("USt-IdNr. LU52079556 Bankverbindung: Commerzbank") == []
    assert [m.value for m in find_ibans("LU94 313G LC7C OK4P 788Q Bank")] == ["LU94313GLC7COK4P788Q"]


def test_an_iban_wrapped_onto_the_next_line_is_read_across_it() -> None:
    """GIVEN an IBAN wrapped at its cell's end, in a narrow column (the rest under it) or in a
    sentence (the rest at the next line's start) THEN the whole IBAN is the seller's."""
    from tests.unit.test_fields_layout import page

    column = [(50, 700, "77467 Milano"), (420, 700, "IBAN: IT02 K153 8683 636I PVP3"),
              (50, 711, "Italy"), (420, 711, "KO9O 6Q5")]
    assert extract_fields([page(column)]).seller.iban == "IT02K1538683636IPVP3KO9O6Q5"
    sentence = [(50, 600, "Payment details: Citibank, IBAN: IT02 K153 8683 636I PVP3 KO9O"),
                (50, 611, "6Q5, BIC FDUKIT2X")]
    assert extract_fields([page(sentence)]).seller.iban == "IT02K1538683636IPVP3KO9O6Q5"


@pytest.mark.parametrize(("text", "value"), [
    ("Maison Software EURL N° de TVA FRO3691862197 Coordonnées bancaires", "FR03691862197"),
    ("Fjordline Atelier Print DAC VAT reg. no. IE15799S0WH Payment details", "IE1579950WH"),
])  # fmt: skip
def test_an_ocr_read_vat_id_after_a_prefix_like_word_or_short_of_digits_is_mended(text: str, value: str) -> None:
    """GIVEN 'de' before 'TVA' (read as the German prefix, which swallowed the real ID) or an Irish
    VAT ID with a digit read as 'S' (six digits left) THEN the VAT ID is found, mended by its checksum."""
    assert [(m.value, m.valid) for m in find_vat_ids(text)] == [(value, True)]


@pytest.mark.parametrize(
    ("iban_line", "warned"),
    [
        ("IBAN LUS2 825) A571 HFIO 40PR", True),  # printed, read past mending
        ("IBAN: DE92 7607 0012 0750 0077 00", False),  # read
        ("Wir buchen von Ihrem Konto IBAN DE12 3456 7812 3456 7890 00 ab", False),  # the payer's account
        ("+80 952 32888 · LU92 304T 5042 7E70 TKZF · ZBMDLU2X", True),  # no label, grouped as printed
        ("+80 952 32888 · LU92 304T 5O42 7E7O TKZF · ZBMDLU2X", False),  # the same, read
        ("Order LU92 3041 5042", False),  # a code of IBAN shape, shorter than its country's IBANs
        ("Wir buchen von Ihrem Konto DE12 3456 7812 3456 7890 00 ab", False),  # the payer's, no label
    ],
)
def test_an_iban_printed_but_not_read_is_warned_of(iban_line: str, warned: bool) -> None:
    """GIVEN an IBAN label followed by an IBAN OCR misread past mending, or an unlabelled IBAN in
    the standard's groups of four and as long as its country's IBANs that fails its checksum THEN
    no IBAN is returned and a warning says one is printed; GIVEN one read, a shorter code, or the
    payer's account of a direct debit THEN no such warning."""
    invoice = extract_fields([ocr_page([
        (50, 60, "Falkenberg Software S.à r.l."), (50, 760, iban_line),
        (300, 400, "Total"), (450, 400, "1.234,50 EUR"),
    ])])
    assert (UNREAD_IBAN in invoice.warnings) is warned
    if warned:
        assert invoice.seller.iban is None


def test_an_iban_ocr_glued_to_its_label_is_found() -> None:
    """GIVEN 'IBANDE89 3704 ...' (the neural OCR dropped the space after the label) THEN the IBAN
    is read; a country code glued to another word is not an IBAN's start."""
    assert [m.value for m in find_ibans("Bank: IBANDE89 3704 0044 0532 0130 00")] == ["DE89370400440532013000"]
    assert find_ibans("ABCDE89 3704 0044 0532 0130 00") == []


def test_a_direct_debit_ocr_ran_together_names_the_payers_account() -> None:
    """GIVEN 'collected by SEPAdirectdebitfrom your' as the neural OCR glued it THEN the line names
    the payer's account, as 'SEPA direct debit' does."""
    assert PAYERS_ACCOUNT.search("collected by SEPAdirectdebitfrom your".casefold())
    assert PAYERS_ACCOUNT.search("collected by sepa direct debit from your")


@pytest.mark.parametrize("town", ["Köln", "Besançon", "Tórshavn", "Kolding"])
def test_an_iban_after_a_town_with_a_letter_outside_ascii_is_read(town: str) -> None:
    """GIVEN "Sparkasse Köln IBAN DE89 ..." THEN the IBAN is read: the town's last two letters after
    its "ö" are no IBAN's country, with "IB" read as look-alike check digits, that swallows it."""
    assert [m.value for m in find_ibans(f"Sparkasse {town} IBAN DE89 3704 0044 0532 0130 00 BIC COKSDE33")] == [
        "DE89370400440532013000"]


def test_a_mark_ocr_read_as_a_character_before_a_vat_id_is_left_out() -> None:
    """GIVEN 'VAT reg. no.: 1IE0157527WH', where OCR read a bar before the ID as '1' THEN the seller's
    VAT ID is the one that passes its check without it."""
    invoice = extract_fields([ocr_page([
        (60, 60, "Sonnenfeld Design Ltd"), (60, 120, "Invoice 2024-17"), (60, 134, "Date: 03.11.2025"),
        (300, 400, "Total"), (400, 400, "EUR 100.00"),
        (60, 760, "Sonnenfeld Design Ltd, 111 Park Avenue, Dublin. VAT reg. no.: 1IE0157527WH"),
    ])])
    assert invoice.seller.vat_id == "IE0157527WH"
