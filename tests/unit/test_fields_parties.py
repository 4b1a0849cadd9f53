"""Seller names on receipts read by OCR: names split into cells or over two lines, amount labels."""

from __future__ import annotations

import dataclasses

import pytest

from intake.fields import extract_fields
from intake.fields.parties import CONTACT
from intake.fields.stores import _mend_tokens
from tests.unit.test_fields_layout import Row, ocr_page, page


def test_receipt_seller_split_into_cells_by_ocr() -> None:
    """GIVEN OCR that splits 'MR. D.I.Y. (M) SDN BHD' into four cells THEN the whole name is the seller."""
    invoice = extract_fields([page([
        (40, 100, "MR."), (70, 100, "D.I.Y."), (110, 100, "(M)"), (140, 100, "SDN BHD"),
        (40, 116, "(CO.REG :860671-D)"),
        (10, 300, "Total"), (200, 300, "RM 50.80"),
    ], ocr=True)])
    assert invoice.seller.name == "MR. D.I.Y. (M) SDN BHD"


def test_receipt_seller_printed_over_two_lines() -> None:
    """GIVEN 'POPULAR BOOK' over 'CO. (M) SDN BHD' THEN the seller is both lines."""
    invoice = extract_fields([page([
        (48, 100, "POPULAR BOOK"), (32, 114, "CO. (M) SDN BHD"), (40, 130, "(Company No. 113825-W)"),
    ], ocr=True)])
    assert invoice.seller.name == "POPULAR BOOK CO. (M) SDN BHD"


def test_inclusive_amount_label_is_not_a_company() -> None:
    """GIVEN 'Total 6% supplies (Inc. GST)' and a company line THEN the company is the seller."""
    invoice = extract_fields([page([
        (10, 60, "GARDENIA BAKERIES (KL) SDN BHD"),
        (10, 400, "Total 6% supplies (Inc. GST):"), (200, 400, "32.05"),
        (10, 416, "Total 6% supplies (Inc. GST):"), (200, 416, "32.05"),
    ], ocr=True)])
    assert invoice.seller.name == "GARDENIA BAKERIES (KL) SDN BHD"


def test_party_block_skips_label_and_street_lines() -> None:
    """GIVEN 'Käufer:' over 'Nummer | : 54321', a GLN line, the name, then the street THEN that name
    is the buyer."""
    invoice = extract_fields([page([
        (50, 60, "Verkäufer:"), (50, 74, "Nummer"), (130, 74, ": 12345676"), (50, 88, "Rohstoff AG Salzgitter"),
        (50, 102, "Marktstr. 153"),
        (50, 300, "Käufer:"), (50, 314, "Nummer"), (130, 314, ": 54321"), (50, 328, "GLN 4304171000002"),
        (50, 342, "Handelshaus Beispiel KG"), (50, 356, "Bahnhofstrasse 99"), (300, 356, "Rechnungsnummer: 471102"),
    ])])
    assert invoice.seller.name == "Rohstoff AG Salzgitter"
    assert invoice.buyer.name == "Handelshaus Beispiel KG"


def test_party_block_without_a_name_gives_no_buyer() -> None:
    """GIVEN 'Käufer:' over a number, a GLN and a street only THEN no buyer name is invented."""
    invoice = extract_fields([page([
        (50, 60, "Verkäufer:"), (50, 74, "Rohstoff AG Salzgitter"), (50, 88, "Marktstr. 153"),
        (50, 300, "Käufer:"), (50, 314, "Nummer"), (130, 314, ": 54321"), (50, 328, "GLN 4304171000002"),
        (50, 342, "Bahnhofstrasse 99"), (300, 342, "Rechnungsnummer: 471102"),
    ])])
    assert invoice.buyer.name is None


def test_buyer_under_the_sender_line_of_an_address_window() -> None:
    """GIVEN no buyer label, a sender line 'Bei Spiel GmbH ● Ecke 12 ● 12345 Stadthausen' and the
    recipient's address under it THEN the recipient is the buyer."""
    invoice = extract_fields([page([
        (400, 120, "Bei Spiel GmbH"),
        (100, 150, "Bei Spiel GmbH"), (175, 150, "●"), (185, 150, "Ecke 12"), (225, 150, "●"),
        (235, 150, "12345 Stadthausen"),
        (70, 166, "Theodor Est"), (70, 180, "Bahnstr. 42"), (70, 194, "88802 Spielkreis"),
        (57, 300, "Rechnung # RE-20150613/503 von 13.06.2015"),
    ])])
    assert invoice.buyer.name == "Theodor Est"
    assert invoice.seller.name == "Bei Spiel GmbH"


def test_receipt_store_name_without_legal_form_is_its_first_clear_line() -> None:
    """GIVEN an OCR receipt headed 'TEO HENG STATIONERY & BOOKS', a registration number and an address
    THEN the store name is that first line."""
    invoice = extract_fields([ocr_page([
        (240, 20, "TEO HENG STATIONERY & BOOKS"), (300, 36, "(001451637-M)"),
        (200, 52, "NO. 53, JALAN BESAR, 45600 BATANG BERJUNTAI"),
        (60, 300, "CASH"), (300, 300, "RM 12.00"),
    ])])
    assert invoice.seller.name == "TEO HENG STATIONERY & BOOKS"


def test_legal_form_alone_on_a_line_takes_the_name_above() -> None:
    """GIVEN 'MPH BOOKSTORES' over 'SDN BHD' THEN the seller is 'MPH BOOKSTORES SDN BHD'."""
    invoice = extract_fields([ocr_page([
        (128, 100, "MPH"), (160, 100, "BOOKSTORES"), (150, 116, "SDN"), (172, 116, "BHD"),
        (184, 132, "GST No: 000542572544"),
    ])])
    assert invoice.seller.name == "MPH BOOKSTORES SDN BHD"


def test_buyer_named_after_attn_under_bill_to() -> None:
    """GIVEN 'Bill to Address:' over 'ATTN: Example Trading Limited' THEN that company is the buyer."""
    invoice = extract_fields([page([
        (36, 150, "Bill to Address:"), (36, 164, "ATTN: Example Trading Limited"), (36, 178, "1 Harbour Road"),
        (420, 700, "Sample Cloud Services, Inc."),
    ])])
    assert invoice.buyer.name == "Example Trading Limited"


def test_seller_from_account_holder_and_tax_number_after_tax_word() -> None:
    """GIVEN no legal form but 'Titulaire du compte : MODELEPRESSE', an IBAN that starts like a
    French VAT ID, and 'TVA X12345678901' in the footer THEN the seller is the account holder and
    its VAT number is the footer's, not a piece of the IBAN."""
    invoice = extract_fields([page([
        (380, 100, "DUPONT CONSEIL"), (380, 114, "de Martin Paul"), (380, 128, "3 rue Neuve"),
        (380, 142, "69100 Villeurbanne"),
        (240, 170, "Facture n° 770011"),
        (120, 500, "Virement"), (200, 500, "BANQUE EXEMPLE – Titulaire du compte : MODELEPRESSE"),
        (200, 514, "IBAN : FR76 3000 6000 0112 3456 7890 189 - BIC : EXAMPLEFR"),
        (150, 800, "Siège social : 1 place Centrale - 75001 PARIS – TVA X12345678901"),
    ])])
    assert invoice.seller.name == "MODELEPRESSE"
    assert invoice.seller.vat_id == "X12345678901"
    assert invoice.seller.iban == "FR7630006000011234567890189"
    assert invoice.buyer.name == "DUPONT CONSEIL"


def test_seller_in_a_centred_footer_with_its_vat_id_not_the_addressee() -> None:
    """GIVEN an addressee 'Bergmann Partners Ltd' at the top with no label, and a centred footer
    'Maison Analytics DAC · 13 Park Avenue · Dublin · IE6067471WH' THEN the footer names the seller."""
    invoice = extract_fields([page([
        (50, 80, "Bergmann Partners Ltd"), (50, 94, "105 Station Road"), (50, 108, "Cork BK5 RNP8"),
        (50, 122, "Ireland"), (50, 160, "INVOICE"), (50, 180, "Invoice ID: 2025-18413"),
        (350, 400, "Total"), (480, 400, "1,250.00"),
        (150, 780, "Maison Analytics DAC · 13 Park Avenue · Dublin · IE6067471WH"),
        (190, 794, "IBAN IE47 HZRX 5310 3209 3755 66"),
    ])])
    assert invoice.seller.name == "Maison Analytics DAC"
    assert invoice.buyer.name == "Bergmann Partners Ltd"


def test_seller_in_a_footer_whose_vat_id_stands_in_a_column_beside_its_name() -> None:
    """GIVEN an unlabelled addressee block at the top and a footer in two columns, 'Name AG' with its
    VAT ID in the cell beside it and the phone and e-mail under that THEN the footer names the seller."""
    invoice = extract_fields([page([
        (57, 60, "Exempel Software GmbH"), (57, 74, "Bahnhofstraße 5"), (57, 88, "3304 Linz"), (57, 102, "Österreich"),
        (57, 140, "RECHNUNG"), (57, 160, "Rechnungs-Nr. 2025-60182"), (330, 400, "Endbetrag"), (420, 400, "27.527,03"),
        (57, 760, "Muster Handel AG"), (330, 760, "ATU80558898"),
        (57, 774, "Lindenweg 29"), (330, 774, "+43 379 80920"),
        (57, 788, "7153 Graz"), (330, 788, "billing@muster.example"),
    ])])
    assert invoice.seller.name == "Muster Handel AG"
    assert invoice.buyer.name == "Exempel Software GmbH"


def test_a_buyer_block_under_a_name_whose_descenders_make_it_taller_is_the_buyers() -> None:
    """GIVEN a scan's unlabelled block at the top, 'Exempel Digital Oy' (its descenders make its ink
    a quarter taller) over an address and 'Customer VAT ID: ...', and a footer 'Muster Media Oy |
    Bank details: ...' THEN the block's company is the buyer (its name is in the block the
    customer's VAT ID marks) and the footer names the seller."""
    invoice = extract_fields([ocr_page([
        (47, 58, "Exempel Digital Oy", 12.5), (47, 72, "166 Park Avenue"), (47, 86, "39875 Espoo"),
        (47, 100, "Suomi"), (47, 114, "Customer VAT ID: FI94941871"), (47, 150, "Credit memo", 18),
        (47, 180, "No. 2024-88181"), (300, 400, "Total (incl. VAT)"), (450, 400, "€ -319.32"),
        (47, 760, "Muster Media Oy"), (200, 760, "Bank details: Citibank"),
        (47, 774, "43 Mill Lane"), (47, 788, "63912 Espoo"),
    ])])
    assert invoice.seller.name == "Muster Media Oy"
    assert invoice.buyer.name == "Exempel Digital Oy"


def test_a_piece_of_the_sellers_name_left_of_a_return_address_marks_no_second_sellers_block() -> None:
    """GIVEN a photo's letterhead 'Muster Analytics GmbH' over its address, then what OCR kept of the
    return address in small print ('Muster | sel') over an unlabelled window THEN the window's
    company is the buyer."""
    invoice = extract_fields([ocr_page([
        (63, 60, "Muster Analytics GmbH", 11), (63, 76, "178 Station Road", 5), (63, 83, "7509 Basel", 5),
        (63, 90, "Schweiz", 5), (63, 98, "+41 275 15413 · billing@muster.example", 5),
        (62, 124, "Muster", 4.3), (182, 124, "sel", 3.8),
        (62, 132, "Exempel Studio S.L.", 5), (63, 139, "59 High Street", 5), (63, 147, "17718 Valencia", 5),
        (62, 154, "Spain", 5), (63, 178, "Invoice", 10.6), (63, 201, "Invoice ID: 2025-17", 5),
        (300, 400, "Total", 5), (450, 400, "1,234.50", 5),
    ])])
    assert invoice.seller.name == "Muster Analytics GmbH"
    assert invoice.buyer.name == "Exempel Studio S.L."


def test_a_buyer_label_over_a_customer_number_heads_no_block() -> None:
    """GIVEN 'Customer:2' with 'Your order AB321' under it, and the addressee under the sender's
    one-line address THEN the buyer is the addressee, not the line under the customer number."""
    invoice = extract_fields([page([
        (40, 100, "Bei Spiel GmbH ● Ecke 12 ● 12345 Stadthausen ● Germany"),
        (40, 120, "Theodor Est"), (40, 140, "Bahnstr. 42"), (40, 160, "88802 Spielkreis"),
        (40, 220, "Customer:2"), (40, 240, "Your order AB321"), (40, 254, "Invoice # RE-1 issued at 2019-06-10"),
    ])])
    assert invoice.buyer.name == "Theodor Est"


def test_a_dotted_legal_form_read_with_look_alike_digits_is_mended_on_ocr_pages() -> None:
    """GIVEN an OCR footer 'Novak Werkstatt Sp. z 0.0. · VAT ID PL5277478450' ("0.0." for "o.o.") and an
    addressee 'Oakridge Foods DAC' at the top THEN the seller is the footer's company, as printed."""
    invoice = extract_fields([ocr_page([
        (50, 80, "Oakridge Foods DAC"), (50, 94, "80 High Street"), (50, 108, "Dublin RM6 AQQ6"),
        (50, 122, "Ireland"), (50, 180, "Invoice number: INV-2024-81187"),
        (100, 790, "Novak Werkstatt Sp. z 0.0. · 169 Harbour Road · VAT ID PL5277478450"),
    ])])
    assert invoice.seller.name == "Novak Werkstatt Sp. z o.o."


def test_sp_z_oo_read_with_a_two_and_zeros_is_mended_on_ocr_pages() -> None:
    """GIVEN an OCR footer 'Halvorsen Harbour Systems Sp. 2 0.0., 6 Mill Lane, ...' (the z read as
    a 2, the o's as zeros) and an addressee at the top THEN the seller is the footer's company."""
    invoice = extract_fields([ocr_page([
        (50, 80, "Bergmann Foods Oyj"), (50, 94, "101 Mill Lane"), (50, 108, "72641 Helsinki"),
        (50, 122, "Suomi"), (50, 160, "INVOICE"), (50, 180, "Number"), (150, 180, "R042978"),
        (50, 300, "Total"), (450, 300, "569.18"),
        (60, 790, "Halvorsen Harbour Systems Sp. 2 0.0., 6 Mill Lane, 57-169 Krakow. VAT number: PL0525465537"),
    ])])
    assert invoice.seller.name == "Halvorsen Harbour Systems Sp. z o.o."
    assert invoice.buyer.name == "Bergmann Foods Oyj"


def test_a_name_over_two_lines_in_a_form_is_read_whole_where_printed_whole() -> None:
    """GIVEN 'Verkäufer' with 'Name: Versicherungsverein Musterstadt a.G.' under 'MVM Musterhafter', and the
    footer printing 'MVM Musterhafter' over 'Versicherungsverein Musterstadt a.G.' THEN the whole name is read."""
    invoice = extract_fields([page([
        (70, 160, "Verkäufer"), (70, 178, "Nummer:"), (261, 178, "549910"), (261, 196, "MVM Musterhafter"),
        (70, 208, "Name:"), (261, 208, "Versicherungsverein Musterstadt a.G."),
        (175, 700, "MVM Musterhafter"), (175, 710, "Versicherungsverein Musterstadt a.G."),
    ])])
    assert invoice.seller.name == "MVM Musterhafter Versicherungsverein Musterstadt a.G."


def test_a_block_label_and_the_buyer_s_block_are_no_letterhead() -> None:
    """GIVEN a page whose top holds only 'Factuuradres' over the buyer's block and 'Afleveradres'
    over the delivery address (the seller's name is in a picture) THEN no seller name is read,
    rather than the label's or the buyer's."""
    invoice = extract_fields([page([
        (80, 60, "Factuuradres"), (360, 60, "Afleveradres"),
        (80, 76, "Noordwind Handel"), (360, 76, "Magazijn Oost"),
        (80, 90, "Havenweg 12"), (360, 90, "Kade 9"),
        (80, 104, "1234 AB Utrecht"), (360, 104, "1234 AB Utrecht"),
        (80, 300, "Factuur totaal EUR"), (300, 300, "120,00"),
    ])])
    assert invoice.buyer.name == "Noordwind Handel"
    assert invoice.seller.name is None


def test_the_address_window_beside_a_letterhead_and_a_column_of_labels() -> None:
    """GIVEN the seller's letterhead in a right column (name, street, town, web address) level with
    the buyer's address window on the left, and 'Rechnungsnummer:' labels to the window's right
    THEN the window's first line is the buyer, not a line of the letterhead."""
    invoice = extract_fields([page([
        (380, 60, "Nordlicht Software GmbH"), (380, 74, "Hafenstraße 5"), (380, 88, "20457 Hamburg"),
        (380, 102, "www.nordlicht.example"), (380, 116, "Geschäftsführer: Jan Berg"),
        (50, 102, "Beispiel Handel KG"), (50, 116, "Marktweg 3"), (50, 130, "50667 Köln"),
        (380, 130, "Rechnungsnummer: 2024-117"), (380, 144, "Kundennummer: 4711"),
    ])])
    assert invoice.buyer.name == "Beispiel Handel KG"
    assert invoice.seller.name == "Nordlicht Software GmbH"


def test_the_company_of_a_block_not_the_person_to_attend_to() -> None:
    """GIVEN 'Invoice to' over a company and 'Attention: Ana Ruiz' THEN the company is the buyer;
    GIVEN 'Bill to Address:' over 'ATTN: Iberia Labs Limited' THEN that company is."""
    invoice = extract_fields([page([
        (50, 100, "Invoice to"), (50, 114, "Norrland Logistics SAS"), (50, 128, "Attention: Ana Ruiz"),
        (50, 142, "39 Harbour Road"), (50, 156, "62752 Paris"),
    ])])
    assert invoice.buyer.name == "Norrland Logistics SAS"
    invoice = extract_fields([page([
        (50, 100, "Bill to Address:"), (50, 114, "ATTN: Iberia Labs Limited"), (50, 128, "93B Harbour Road"),
    ])])
    assert invoice.buyer.name == "Iberia Labs Limited"


@pytest.mark.parametrize("contact", ["Contact Acheteur", "z. Hd. Herrn Weber", "Kontakt Anna Schmidt"])
def test_a_contact_line_heading_a_block_is_not_its_name(contact: str) -> None:
    """GIVEN 'Adresse du Client' over a contact line without a colon and then the company THEN the
    company is the buyer: the person to attend to comes before the name too."""
    invoice = extract_fields([page([
        (50, 60, "Nordlicht Software GmbH"),
        (300, 100, "Adresse du Client"), (306, 114, contact), (306, 128, "L'ACHETEUR"),
        (306, 142, "1, rue de l'acheteur"), (306, 156, "38000 Grenoble, FR"),
    ])])
    assert invoice.buyer.name == "L'ACHETEUR"


@pytest.mark.parametrize("after_name", [",", "."])
def test_the_window_under_a_sender_line_of_commas_and_no_item_row_for_a_name(after_name: str) -> None:
    """GIVEN the seller's return address as 'Name SA, 30 Park Avenue, 3618 Liège' (or with the comma
    after the name read as a period) over an unlabelled window, and an item table with quantities
    ('5 pc.') THEN the window's first line is the buyer."""
    invoice = extract_fields([page([
        (50, 40, "Beaumont Handel SA"), (50, 54, "30 Park Avenue"), (50, 68, "3618 Liège"),
        (50, 120, f"Beaumont Handel SA{after_name} 30 Park Avenue, 3618 Liège"),
        (50, 134, "Oakridge Solutions BV"), (50, 148, "143 Mill Lane"), (50, 162, "8111 Bruxelles"),
        (50, 300, "Item"), (250, 300, "Qty"), (350, 300, "Price"), (450, 300, "Amount"),
        (50, 314, "Consulting"), (250, 314, "5 pc."), (350, 314, "100.00"), (450, 314, "500.00"),
        (50, 328, "Hosting"), (250, 328, "1 pc."), (350, 328, "40.00"), (450, 328, "40.00"),
    ])])
    assert invoice.buyer.name == "Oakridge Solutions BV"


def test_a_window_company_that_shares_all_but_a_word_with_the_seller_is_the_buyer() -> None:
    """GIVEN the letterhead 'Bergmann Logistics AG' over an unlabelled window whose first line is
    'Beaumont Logistics AG' THEN that is the buyer: the two differ by a whole word, no OCR misreading."""
    invoice = extract_fields([page([
        (57, 51, "Bergmann Logistics AG", 18.9), (57, 76, "89 Park Avenue", 10.5), (57, 86, "0394 Genève", 10.5),
        (57, 97, "Switzerland", 10.5), (57, 107, "+11 314 92256 · billing@bergmann.example", 10.5),
        (57, 146, "Beaumont Logistics AG", 10.5), (57, 157, "163 Market Square", 10.5),
        (57, 167, "2162 Bern", 10.5), (57, 178, "Switzerland", 10.5),
        (57, 211, "Invoice", 22.1), (147, 219, "Invoice number: AB-94028/25", 12.2),
        (57, 245, "Invoice date: 2025-09-30", 10.5),
    ])])
    assert invoice.seller.name == "Bergmann Logistics AG"
    assert invoice.buyer.name == "Beaumont Logistics AG"


def test_the_town_a_sender_line_wrapped_after_its_postcode_is_not_the_window_name() -> None:
    """GIVEN a return address in commas that ends with a Polish postcode ('..., 73-229'), its town
    'Krakow' wrapped onto the next line, then the window 'Claire Martin' THEN she is the buyer."""
    invoice = extract_fields([ocr_page([
        (390, 52, "Duval Nordlicht Bureau S.A.", 6.7), (459, 64, "65 Station Road", 7.2),
        (471, 74, "73-229 Krakow", 7.2), (510, 84, "Polska", 7.2), (333, 96, "+42 901 33269", 6.5),
        (57, 134, "Duval Nordlicht Bureau S.A.", 4.9), (171, 134, "65", 4.9), (182, 134, "Station Road,", 4.9),
        (237, 134, "73-229", 4.9),
        (57, 140, "Krakow", 6.5), (57, 154, "Claire Martin", 7.2), (58, 165, "167 Mill Lane", 6.8),
        (57, 175, "42-131 Warszawa", 6.7), (58, 186, "Poland", 7.2),
        (58, 222, "Invoice", 13.3), (59, 255, "Invoice #", 5.6), (59, 268, "F20252246", 6.8),
    ])])
    assert invoice.buyer.name == "Claire Martin"


def test_an_attention_block_whose_address_ocr_split_into_cells_is_the_buyers() -> None:
    """GIVEN a window 'Harbour Engineering OG' over 'Ansprechpartner: James Walker', its street and
    town each split by OCR into two cells ('Am Markt | 54', '7337 | Wien') THEN the company is the buyer."""
    invoice = extract_fields([ocr_page([
        (60, 52, "Sonnenfeld Engineering AG", 12.9), (59, 76, "Am Markt", 6.6), (112, 76, "104", 6.6),
        (60, 87, "5549", 6.6), (88, 87, "Graz", 6.6), (59, 97, "Austria", 6.9),
        (60, 108, "+55 273 59386", 6.6), (141, 108, "- billing@sonnenfeld.example", 5.8),
        (59, 147, "Sonnenfeld Engineering AG", 4.8), (162, 147, ": Am Markt", 4.8), (204, 147, "104", 4.8),
        (227, 147, "5549 Graz", 4.8),
        (60, 158, "Harbour Engineering OG", 7.2), (59, 169, "Ansprechpartner: James Walker", 6.9),
        (59, 180, "Am Markt", 6.6), (95, 180, "54", 6.6), (59, 191, "7337", 6.6), (82, 191, "Wien", 6.6),
        (59, 201, "Osterreich", 7.0), (59, 213, "USt-IdNr. Kunde:", 6.9), (155, 213, "ATU97820180", 6.9),
        (59, 240, "Rechnung", 13.0), (59, 280, "Rechnung Nr.", 6.9), (155, 280, "INV-2025-52014", 6.9),
    ])])
    assert invoice.buyer.name == "Harbour Engineering OG"


def test_a_country_alone_on_its_line_is_no_ones_name() -> None:
    """GIVEN a buyer's block whose name line OCR spoilt with a colon, then the street, the town and
    'Nederland' THEN no buyer is read rather than the country."""
    invoice = extract_fields([ocr_page([
        (50, 100, "Facture à"), (50, 114, "Lysholm Grünwald Trading :"), (50, 128, "78 place de la Gare"),
        (50, 142, "4845 UJ Utrecht"), (50, 156, "Nederland"),
        (50, 200, "Facture n°: 2025-54845"),
    ])])
    assert invoice.buyer.name is None


def test_an_unlabelled_window_under_a_logo_and_a_footer_only_seller() -> None:
    """GIVEN a logo-sized seller name over an unlabelled window whose company has an 'Attn:' line
    THEN that company is the buyer; GIVEN the seller only in the footer and a window with the
    buyer's VAT ID THEN the window's company is the buyer and the footer's the seller."""
    invoice = extract_fields([page([
        (57, 51, "Atelier Sandvik Design", 25.8),
        (57, 105, "Beaumont Studio S.L."), (57, 116, "Attn: Søren Nielsen"), (57, 127, "9 Station Road"),
        (57, 138, "14694 Valencia"), (300, 200, "Invoice number: 73002"),
    ])])
    assert invoice.buyer.name == "Beaumont Studio S.L."
    invoice = extract_fields([page([
        (57, 60, "Beaumont Logistics S.A."), (57, 74, "66 High Street"), (57, 88, "27-179 Kraków"),
        (57, 102, "Customer VAT ID: PL1486696315"), (300, 200, "Invoice # 2025-04082"),
        (57, 800, "Marchetti Logistics S.A., 25 Mill Lane, 21-545 Warszawa"),
    ])])
    assert invoice.buyer.name == "Beaumont Logistics S.A."
    assert invoice.seller.name == "Marchetti Logistics S.A."


def test_a_wrapped_return_address_and_a_wrapped_legal_form() -> None:
    """GIVEN a return address in small type whose town wraps to the next line, over a window whose
    company's legal form wraps too ('Falk Digital UG' over '(haftungsbeschränkt)') THEN the buyer
    is the whole company name, not the town."""
    invoice = extract_fields([page([
        (57, 40, "Vester Conseil AB", 19.3),
        (57, 100, "Vester Conseil AB - 157 High Street - 087 57", 7.4), (57, 108, "Stockholm", 7.4),
        (57, 120, "Falk Digital UG"), (57, 131, "(haftungsbeschränkt)"), (57, 142, "151 High Street"),
        (57, 153, "87304 Köln"), (300, 250, "Invoice number: 7301"),
    ])])
    assert invoice.buyer.name == "Falk Digital UG (haftungsbeschränkt)"


@pytest.mark.parametrize(
    "sender",
    ["Muster Logistik US, Havnegade 24, 4009 København", "Mvster Logistik I/S. Havnegade 24, 4009 København"],
)
def test_a_return_address_whose_name_ocr_misread_still_marks_the_window(sender: str) -> None:
    """GIVEN a scan whose return address starts with the seller's name misread ('I/S' read 'US') or
    its comma read as a period, over an unlabelled window THEN the window's company is the buyer,
    not the return address."""
    invoice = extract_fields([ocr_page([
        (57, 48, sender, 7.4),
        (57, 60, "Exempel Studio A/S"), (57, 74, "Strandvejen 51"), (57, 88, "4300 Holbæk"),
        (57, 102, "Danmark"), (57, 140, "FAKTURA"), (57, 160, "Fakturanr.: 2025-34371"),
        (300, 400, "Total"), (450, 400, "4.020,19"),
        (57, 760, "Muster Logistik I/S - Havnegade 24 - 4009 København - DK13308780"),
    ])])
    assert invoice.seller.name == "Muster Logistik I/S"
    assert invoice.buyer.name == "Exempel Studio A/S"


def test_a_sellers_legal_form_wrapped_onto_the_next_line_is_part_of_its_name() -> None:
    """GIVEN a letterhead 'Muster Werkstatt UG' over '(haftungsbeschränkt)' THEN the seller's name is
    the whole 'Muster Werkstatt UG (haftungsbeschränkt)'."""
    invoice = extract_fields([page([
        (57, 40, "Muster Werkstatt UG"), (57, 54, "(haftungsbeschränkt)"), (57, 68, "Hauptstraße 4"),
        (57, 82, "10115 Berlin"), (300, 200, "Rechnung Nr. 2025-17"), (300, 500, "Summe"), (450, 500, "1.234,50"),
    ])])
    assert invoice.seller.name == "Muster Werkstatt UG (haftungsbeschränkt)"


@pytest.mark.parametrize(
    ("rows", "name"),
    [
        ([(57, 40, "Muster Werkstatt UG (haftungsbeschrankt)")], "Muster Werkstatt UG (haftungsbeschränkt)"),
        ([(57, 40, "MUSTER WERKSTATT UG"), (57, 54, "(HAFTUNGSBESCHRANKT)")], "MUSTER WERKSTATT UG (HAFTUNGSBESCHRÄNKT)"),
    ],
)
def test_a_legal_form_whose_umlaut_ocr_lost_is_mended(rows: list[tuple[float, float, str]], name: str) -> None:
    """GIVEN a scan whose letterhead's 'UG (haftungsbeschränkt)' OCR read without its umlaut, on the
    name's line or wrapped onto the next THEN the seller's name has its legal form as printed."""
    invoice = extract_fields([ocr_page([
        *rows, (57, 68, "Hauptstraße 4"), (57, 82, "10115 Berlin"), (300, 200, "Rechnung Nr. 2025-17"),
        (300, 500, "Summe"), (450, 500, "1.234,50"),
    ])])
    assert invoice.seller.name == name


def test_a_return_address_of_one_mark_in_small_type_whose_rest_wraps() -> None:
    """GIVEN the seller 'Vester Systems S.à r.l.' in a heading and its return address in small
    type, 'Vester Systems S.à r.l. - Hauptstraße 4' over '- L-6271 Luxembourg', over the window
    THEN the window's first line is the buyer."""
    invoice = extract_fields([page([
        (57, 40, "Vester Systems S.à r.l.", 19.3),
        (57, 100, "Vester Systems S.à r.l. - Hauptstraße 4", 7.4), (57, 108, "- L-6271 Luxembourg", 7.4),
        (57, 120, "Atelier Design S.à r.l."), (57, 131, "Hauptstraße 73"), (57, 142, "L-6578 Esch-sur-Alzette"),
        (300, 250, "Belegnummer 2024/99129"), (50, 800, "Vester Systems S.à r.l., Hauptstraße 4, L-6271 Luxembourg"),
    ])])
    assert invoice.buyer.name == "Atelier Design S.à r.l."


@pytest.mark.parametrize(
    "bank_line",
    [
        [(120, 794, "Citibank · IBAN: PL85 9600 6618 7562 1997 7596 8230 · BIC MWUKPLMM")],
        [(120, 794, "Citibank · IBAN:"), (215, 794, "PL85 9600 6618 7562 1997 7596 8230 · BIC MWUKPLMM")],
    ],
)
def test_seller_in_a_centred_footer_over_its_bank_line_not_the_unlabelled_window(
    bank_line: list[tuple[float, float, str]],
) -> None:
    """GIVEN an unlabelled addressee block at the top and a centred footer 'Name S.A. · street ·
    town' over a centred, longer 'Bank · IBAN ...' line (in one cell, or split in two as OCR may)
    THEN the footer names the seller (its block shows the bank account) and the top block the buyer."""
    invoice = extract_fields([page([
        (57, 60, "Alpenglow Systems A/S"), (57, 74, "39 Harbour Road"), (57, 88, "6888 Aarhus"), (57, 102, "Denmark"),
        (57, 140, "Invoice # F202514950"), (330, 400, "Amount due"), (420, 400, "52,760.20"),
        (150, 780, "Vestergaard Studio S.A. · 50 Harbour Road · 44-717 Kraków"), *bank_line,
    ])])
    assert invoice.seller.name == "Vestergaard Studio S.A."
    assert invoice.buyer.name == "Alpenglow Systems A/S"


def test_a_logo_over_two_lines_ends_above_the_window_it_stands_over() -> None:
    """GIVEN the seller's name as a logo over two lines in large type, directly over an unlabelled
    window in body type THEN the window's company is the buyer, not part of the seller's block."""
    invoice = extract_fields([page([
        (57, 51, "ELMSTEAD WHITFIELD", 26), (57, 77, "ANALYTICS OG", 26),
        (57, 131, "Østergaard Bureau GmbH"), (57, 142, "Lindenweg 80"), (57, 153, "6080 Graz"), (57, 164, "Österreich"),
        (57, 200, "Rechnung Nr. 2025-07133"), (330, 400, "Zu zahlen"), (420, 400, "2.576,76"),
        (150, 780, "Elmstead Whitfield Analytics OG | Hauptstraße 112 | billing@elmstead.example"),
    ])])
    assert invoice.seller.name == "Elmstead Whitfield Analytics OG"
    assert invoice.buyer.name == "Østergaard Bureau GmbH"


def test_a_sender_line_that_ocr_read_with_a_dot_missing_and_a_misread_legal_form_below() -> None:
    """GIVEN a scan whose letterhead reads 'Lysholm Systems S.r.l.' and whose return address reads
    'Lysholm Systems S.rl., 111 Station Road, 21633 Milano' (a dot lost) over a window whose
    company's 'Sp. z o.o.' was read 'Sp. z 0.0.' THEN the window's company is the buyer, its legal
    form mended as the seller's would be."""
    invoice = extract_fields([ocr_page([
        (57, 40, "Lysholm Systems S.r.l."), (57, 54, "111 Station Road"), (57, 68, "21633 Milano"),
        (57, 82, "billing@lysholm.example"),
        (57, 150, "Lysholm Systems S.rl., 111 Station Road, 21633 Milano"),
        (57, 164, "Calder Harbour Logistics Sp. z 0.0."), (57, 178, "74 Station Road"), (57, 192, "95-829 Kraków"),
    ])])
    assert invoice.seller.name == "Lysholm Systems S.r.l."
    assert invoice.buyer.name == "Calder Harbour Logistics Sp. z o.o."


def test_a_return_address_whose_town_wrapped_after_its_postcode() -> None:
    """GIVEN a return address 'Name UG - 41 Station Road - 49986' whose town 'München' wrapped onto
    the next line, over the window THEN the buyer is the window's company, not the town."""
    invoice = extract_fields([page([
        (300, 40, "Sandvik Technik UG"), (300, 54, "41 Station Road"), (300, 68, "49986 München"),
        (62, 150, "Sandvik Technik UG - 41 Station Road - 49986"), (62, 164, "München"),
        (62, 178, "Sonnenfeld Alpenglow Trading KG"), (62, 192, "66 Mill Lane"), (62, 206, "92647 München"),
    ], ocr=True)])
    assert invoice.buyer.name == "Sonnenfeld Alpenglow Trading KG"


def test_a_buyer_label_ocr_broke_at_its_umlaut_heads_the_block() -> None:
    """GIVEN 'Rechnungsempf anger' (OCR broke 'Rechnungsempfänger' at its umlaut) over a company's
    block THEN the company is the buyer, not the broken label."""
    invoice = extract_fields([ocr_page([
        (58, 80, "Rechnungsempf anger"), (58, 90, "Duval Whitfield Services KG"), (58, 100, "Lindenweg 100"),
        (58, 110, "36375 Berlin"),
    ])])
    assert invoice.buyer.name == "Duval Whitfield Services KG"


@pytest.mark.parametrize("label", ["Bil to", "Bil l To:", "Bin to"])
def test_a_bill_to_label_ocr_lost_a_letter_of_heads_the_block(label: str) -> None:
    """GIVEN 'Bill to' read from small print as 'Bil to', 'Bil l To:' or 'Bin to' over a company's block THEN
    the company is the buyer, not the misread label."""
    invoice = extract_fields([ocr_page([
        (58, 80, label), (58, 90, "Duval Software B.V."), (58, 100, "Keizersgracht 12"), (58, 110, "1015 Amsterdam"),
    ])])
    assert invoice.buyer.name == "Duval Software B.V."


def test_a_marked_window_under_a_return_address_whose_town_wrapped() -> None:
    """GIVEN a return address 'Name Oy | 53 Station Road | 43977' whose town 'Espoo' wrapped onto
    the next line, over a window marked by 'Your VAT No.' THEN the window's company is the buyer."""
    invoice = extract_fields([ocr_page([
        (63, 40, "Falkenberg Elmstead Digital Oy"), (63, 54, "53 Station Road"), (63, 68, "43977 Espoo"),
        (63, 126, "Falkenberg Elmstead Digital Oy | 53 Station Road | 43977"), (63, 136, "Espoo"),
        (63, 146, "Kestrel Technik Oyj"), (63, 156, "148 Station Road"), (63, 166, "06840 Espoo"),
        (63, 176, "Your VAT No.: FI96870376"),
    ])])
    assert invoice.buyer.name == "Kestrel Technik Oyj"


def test_a_letterhead_street_whose_number_ocr_set_apart_stays_in_the_sellers_block() -> None:
    """GIVEN a letterhead name in large type over 'Am Markt | 96' (the house number in a cell of its
    own), and the buyer's block marked by 'USt-IdNr. Kunde:' THEN the street is no buyer's name."""
    invoice = extract_fields([ocr_page([
        (55, 40, "Atelier Analytics e.K.", 13),
        (55, 55, "Am Markt"), (107, 55, "96"), (55, 65, "17370 Hamburg"), (55, 75, "Germany"),
        (56, 150, "Marchetti Design SA"), (56, 160, "Hauptstraße 2"), (56, 170, "8034 Namur"), (56, 180, "Belgium"),
        (56, 190, "USt-IdNr. Kunde:"), (153, 190, "BE0058543062"),
    ])])
    assert invoice.buyer.name == "Marchetti Design SA"


def test_n_tva_client_marks_the_buyers_block_under_a_logo() -> None:
    """GIVEN a logo name over an unlabelled block ending 'N° TVA client : LU58520126', and the
    seller's whole name in the footer THEN the block's company is the buyer and the footer's the seller."""
    invoice = extract_fields([page([
        (57, 50, "Fjordline Lindqvist Digital", 25),
        (57, 100, "Bergmann Analytics S.à r.l."), (57, 114, "169 avenue Victor Hugo"), (57, 128, "L-2597 Luxembourg"),
        (57, 142, "N° TVA client : LU58520126"), (328, 220, "Facture n°"), (439, 220, "F202586428"),
        (69, 790, "Fjordline Lindqvist Digital S.à r.l. · 16 rue du Commerce · L-5398 Esch-sur-Alzette · N° TVA LU25864208"),
    ])])
    assert invoice.buyer.name == "Bergmann Analytics S.à r.l."
    assert invoice.seller.name == "Fjordline Lindqvist Digital S.à r.l."


def test_the_letterhead_the_pages_web_domain_names_is_the_seller() -> None:
    """GIVEN two unlabelled names at the top, no legal form, and a footer with the sender's
    website 'www.northwind-traders.com' THEN the name the domain spells is the seller."""
    invoice = extract_fields([page([
        (480, 30, "Harbor Lights"), (30, 42, "Northwind Traders"), (30, 56, "12 Elm St"), (30, 70, "Fremont CA 94538"),
        (30, 200, "Invoice INV/2023/0042"), (310, 500, "Total"), (520, 500, "$ 279.84"),
        (115, 760, "(870)-931-0505 billing@example.com http://www.northwind-traders.com"),
    ])])
    assert invoice.seller.name == "Northwind Traders"


def test_a_logo_over_two_lines_beside_a_column_of_references_is_one_name() -> None:
    """GIVEN a logo printed over two lines ('MAISON GRÜNWALD' over 'BUREAU OG') whose boxes touch,
    with a column of small references beside it whose lines fall between them THEN the seller's
    name is both lines."""
    rows: list[Row] = [(57, 51, "MAISON GRÜNWALD", 26), (420, 52.3, "Nr.", 8.7), (420, 62.4, "2024/27960", 8.7),
                       (57, 77, "BUREAU OG", 26), (420, 78.8, "Datum", 8.7), (420, 88.9, "19.11.2024", 8.7),
                       (57, 180, "Rechnungsadresse"), (57, 192, "Keller Handel DAC"), (57, 204, "Am Markt 105")]
    assert extract_fields([page(rows)]).seller.name == "MAISON GRÜNWALD BUREAU OG"


def test_a_legal_form_alone_takes_the_name_over_it_not_the_title_beside_that() -> None:
    """GIVEN a side column's 'Maison Kestrel Partners' over 'e.K.' beside the large title
    'Gutschrift' THEN the name is the column's two lines, without the title."""
    rows: list[Row] = [(57, 186, "Gutschrift", 23.5), (420, 185, "Maison Kestrel Partners", 10.6),
                       (202, 195, "Gutschrift Nr.: AB-58657/25", 12.8), (420, 197, "e.K.", 10.6),
                       (420, 209, "Gartenstraße 105", 8.7), (420, 219, "68400 Berlin", 8.7)]
    assert extract_fields([page(rows)]).seller.name == "Maison Kestrel Partners e.K."


def test_a_name_its_narrow_column_wrapped_before_the_legal_form_is_whole() -> None:
    """GIVEN a buyer's name wrapped in a narrow column ('Copperleaf Sonnenfeld' over 'Solutions
    AB') THEN the name is both lines; GIVEN a person's short name over a company's, in a block
    wide enough for the company's first word beside it, THEN they are not joined."""
    def block(first: str, second: str) -> list[Row]:
        return [(420, 50, "Sandvik Logistics AB"), (420, 62, "Havnegade 103, 618 97 Göteborg"),
                (250, 105, "Kunde"), (250, 115, first, 11.1), (250, 126, second, 11.1),
                (250, 137, "Industrivej 106", 11.1), (250, 148, "SE-911 48 Göteborg, Sverige", 11.1)]

    wrapped = extract_fields([page(block("Copperleaf Sonnenfeld", "Solutions AB"))])
    assert wrapped.buyer.name == "Copperleaf Sonnenfeld Solutions AB"
    person = extract_fields([page(block("Jonas Weber", "Kestrel AB"))])
    assert person.buyer.name != "Jonas Weber Kestrel AB"


def test_an_address_window_beside_a_side_column_in_small_print_is_one_block() -> None:
    """GIVEN an unlabelled window whose lines OCR set apart by a line of the side column's small
    print ('09.02.2024' between the name and the street) THEN the window's first line is the
    buyer; a line of the same type with nothing in the column still ends a block."""
    def window(between: float) -> list[Row]:
        return [(419, 53, "Rechnung Nr.", 6.5), (419, 63, "INV-2024-79516", 5.8),
                (56, 81.8, "Beaumont Solutions OG", 7.2), (419, 79.4, "Ausstellungsdatum", 7.4),
                (419, 89.8, "09.02.2024", between), (56, 92.9, "Bahnhofstraße 18", 7.6),
                (57, 104.2, "2986 Graz", 7.3), (56, 115.2, "Austria", 7.4),
                (57, 780, "Lindqvist Trading AG, Gartenstraße 30, 5662 Linz, UID ATU31774773")]

    assert extract_fields([ocr_page(window(5.8))]).buyer.name == "Beaumont Solutions OG"
    assert extract_fields([ocr_page(window(7.4))]).buyer.name != "Beaumont Solutions OG"


def test_the_town_left_of_a_return_address_in_small_print_is_not_the_window_name() -> None:
    """GIVEN a window under a return address of which OCR kept only the town ('Bruxelles', in type
    half as tall as the window's) THEN the window's name is the line under it."""
    rows: list[Row] = [(63, 60, "FJORDLINE WHITFIELD SERVICES SRL", 11.5), (63, 116.6, "Bruxelles", 3.8),
                       (63, 124.8, "Oakridge Atelier Design SA", 5.8), (63, 132.2, "116 boulevard Voltaire", 5.3),
                       (63, 139.7, "6145 Bruxelles", 5.2), (63, 146.9, "Belgium", 6.5)]
    assert extract_fields([ocr_page(rows)]).buyer.name == "Oakridge Atelier Design SA"


def test_a_word_with_sharp_s_beside_a_legal_forms_length_is_read() -> None:
    """GIVEN an OCR line with 'Fuß', three letters like 'SDN' but four in capitals ('FUSS') THEN the
    page is read (the legal-form mending compared lengths before capitals and failed)."""
    invoice = extract_fields([ocr_page([(50, 100, "Fuß Pflege GmbH"), (50, 114, "Am Markt 5"), (300, 400, "Total 12,50")])])
    assert invoice.seller.name == "Fuß Pflege GmbH"


def test_a_partys_label_over_its_name_is_no_part_of_the_name() -> None:
    """GIVEN 'Émetteur' over the seller's name and 'Destinataire' over the buyer's, each alone on its
    line THEN the names are read without their labels."""
    invoice = extract_fields([page([(57, 60, "FACTURE", 14), (57, 134, "Émetteur"), (57, 149, "Atelier Berthier SARL"),
                                    (57, 164, "14 rue des Fabriques"), (57, 178, "45000 Orleans"),
                                    (57, 226, "Destinataire"), (57, 240, "Communaute de communes du Val"),
                                    (57, 254, "2 place de la Mairie"), (57, 268, "41000 Blois")])])
    assert (invoice.seller.name, invoice.buyer.name) == ("Atelier Berthier SARL", "Communaute de communes du Val")


def test_from_and_to_label_the_seller_and_the_buyer() -> None:
    """GIVEN 'From:' and 'To:' side by side over the two parties' blocks THEN the names under them
    are the seller's and the buyer's."""
    invoice = extract_fields([page([
        (36, 60, "INVOICE I/00000"), (36, 80, "Apr 01, 2015"), (36, 100, "From:"), (300, 100, "To:"),
        (36, 114, "Das Company"), (300, 114, "Laura Steel"), (36, 128, "ZUG Business Center"),
        (300, 128, "429 Seventh Av."), (36, 142, "Highway 1"), (36, 156, "BE-9000 Ghent"), (300, 156, "BE-9000 Ghent"),
        (36, 170, "Tax ID(s):"), (300, 170, "Tax ID(s):"), (36, 184, "VA: BE123456789"), (300, 184, "Not applicable")])])
    assert (invoice.seller.name, invoice.buyer.name) == ("Das Company", "Laura Steel")


def test_a_label_of_two_names_joined_by_a_slash_heads_the_block_under_it() -> None:
    """GIVEN 'Käufer / Leistungsempfänger' over the buyer's block THEN the name is the block's
    first line, not the label's second word."""
    invoice = extract_fields([page([
        (40, 60, "WARENRECHNUNG"), (40, 74, "Handelsrechnung Nr. R87654321012345 vom 06.08.2018"),
        (40, 120, "Verkäufer"), (300, 120, "Käufer / Leistungsempfänger"), (40, 134, "MUSTERLIEFERANT GMBH"),
        (300, 134, "MUSTER-KUNDE GMBH"), (40, 148, "BAHNHOFSTRASSE 99"), (300, 148, "KUNDENWEG 88"),
        (40, 162, "DE 99199 MUSTERHAUSEN"), (300, 162, "DE 40235 DUESSELDORF")])])
    assert invoice.buyer.name == "MUSTER-KUNDE GMBH"


def test_a_label_alone_in_its_column_takes_the_block_beside_it() -> None:
    """GIVEN 'TO:' alone in its column, the buyer's name right beside it over the rest of the
    address, and an item table further down under the label THEN the buyer is the name beside."""
    invoice = extract_fields([page([
        (213, 100, "Demo Invoice", 30), (93, 152, "TO:"), (127, 152, "Marcel K Schaefer"),
        (385, 152, "Issue Date:"), (462, 152, "4 Mar 2016"), (127, 166, "Waflmannsdorfer Chaussee"),
        (127, 180, "22111 Hamburg"), (127, 194, "Germany"), (93, 216, "Description"), (200, 216, "Unit Price"),
        (280, 216, "Quantity"), (457, 216, "Sub Total"), (92, 230, "Rock"), (226, 230, "5,00"), (265, 230, "5"),
        (479, 230, "25,00"), (341, 270, "TOTAL"), (479, 270, "25,00")])])
    assert invoice.buyer.name == "Marcel K Schaefer"


def test_a_label_whose_colon_stands_apart_is_no_part_of_the_name_under_it() -> None:
    """GIVEN 'Verkäufer:' over 'Nummer | : 12345676' over the seller's name THEN 'Nummer' is a
    label, not the first line of the name."""
    invoice = extract_fields([page([(57, 60, "Handelsrechnung Nr. 471102 vom 05.03.2020"), (57, 100, "Verkäufer:"),
                                    (57, 112, "Nummer"), (100, 112, ": 12345676"), (57, 124, "Global Supplies Ltd."),
                                    (57, 136, "153 Victoria Street"), (57, 148, "GB SW1B 3BN London")])])
    assert invoice.seller.name == "Global Supplies Ltd."


def test_a_legal_name_after_a_label_and_a_spaced_colon_is_read_without_the_label() -> None:
    """GIVEN the seller's name only as 'Verkäufer-Kontoname : Verkehrsbetriebe GmbH' THEN the name
    is the part after the colon."""
    invoice = extract_fields([page([(57, 60, "Rechnung Nr. 4711 vom 05.03.2020"),
                                    (57, 400, "Verkäufer-Kontoname : Verkehrsbetriebe GmbH"),
                                    (57, 412, "Verkäufer-IBAN : DE12 1234 4321 9876 00")])])
    assert invoice.seller.name == "Verkehrsbetriebe GmbH"


@pytest.mark.parametrize("sign", ["(c)", "(ce)", "(e)", "©"])
def test_the_company_in_a_copyright_notice_is_not_the_seller(sign: str) -> None:
    """GIVEN '(c) intarsys AG 2020' at the page's top (the author of the page's template), its sign
    as OCR may read it ('(ce)', '(e)'), and the seller's name with its address further down THEN
    the seller is the latter."""
    invoice = extract_fields([page([(57, 40, f"Lesbarmachung der XML-Daten, {sign} intarsys AG 2020"),
                                    (57, 100, "Rechnung Nr. 471102 vom 05.03.2018"),
                                    (57, 300, "Lieferant GmbH"), (57, 312, "Lieferantenstraße 20"),
                                    (57, 324, "80333 München")])])
    assert invoice.seller.name == "Lieferant GmbH"


def test_a_short_heading_that_ends_with_the_party_heads_its_block() -> None:
    """GIVEN 'Informationen zum Käufer' and 'Informationen zum Verkäufer', each alone on its line
    over 'Name:' / 'Firmenname:' rows with a country code beside them, and 'Code client | K1234',
    a label and its value THEN the names in the rows are the buyer's and the seller's."""
    invoice = extract_fields([page([
        (57, 49, "Daten der E-Rechnung", 20), (63, 82, "Informationen zum Käufer"),
        (62, 107, "Name:"), (136, 107, "Untertänigster Leistungsempfänger"), (329, 107, "Ländercode:"), (403, 107, "DE (Deutschland)"),
        (62, 126, "Ort:"), (136, 126, "Glückstadt"),
        (63, 194, "Informationen zum Verkäufer"),
        (62, 219, "Firmenname:"), (136, 219, "Hochwürdiger Leistungserbringer"), (329, 219, "Ländercode:"), (403, 219, "DE (Deutschland)"),
        (62, 238, "Ort:"), (136, 238, "Glückstadt"),
        (62, 331, "Rechnungsnummer:"), (136, 331, "12345"), (62, 349, "Code client"), (136, 349, "K1234"),
        (62, 368, "Fälligkeitsdatum:"), (136, 368, "15.6.2016")])])
    assert (invoice.seller.name, invoice.buyer.name) == ("Hochwürdiger Leistungserbringer", "Untertänigster Leistungsempfänger")


def test_a_party_label_and_its_colon_before_a_legal_name_are_not_the_name() -> None:
    """GIVEN 'Vendeur: Ma Societe SARL' on one line, the label's colon right after it THEN the
    seller is the name without the label."""
    invoice = extract_fields([page([(50, 60, "FACTURE"), (50, 80, "Numero: TEST-2024-001"),
                                    (50, 94, "Vendeur: Ma Societe SARL"), (50, 108, "Client: Client Test SAS"),
                                    (50, 122, "Total TTC: 1200.00 EUR")])])
    assert invoice.seller.name == "Ma Societe SARL"


def test_rechnungsersteller_heads_the_seller_s_block() -> None:
    """GIVEN 'Rechnungsersteller' (the invoice's issuer) alone in its cell over 'Lieferant GmbH',
    the title beside it THEN it labels the seller and is no line of the name."""
    invoice = extract_fields([page([(57, 60, "Rechnungsersteller"), (300, 60, "RECHNUNG"),
                                    (57, 72, "Lieferant GmbH"), (300, 72, "Rechnungsnummer"), (420, 72, "471102"),
                                    (57, 84, "Lieferantenstraße 20"), (300, 84, "Rechnungsdatum"), (420, 84, "05.03.2013"),
                                    (57, 96, "80333 München"),
                                    (57, 140, "Rechnungsempfänger"), (57, 152, "Kunden AG Mitte"),
                                    (300, 300, "Rechnungssumme Brutto"), (420, 300, "529,87")])])
    assert invoice.seller.name == "Lieferant GmbH"


def test_a_labelled_name_printed_again_in_the_footer_outranks_another_legal_name() -> None:
    """GIVEN 'Verkäufer' over 'Name: Lieferant GmbH', the same name in the footer, and on a later
    page's top 'Kontoname: Kunden AG' over an IBAN THEN the seller is the name attested twice."""
    first = page([(50, 80, "Rechnung Nr. 471102 vom 05.03.2018"), (50, 110, "Verkäufer"),
                  (50, 124, "Globale Nummer:"), (150, 124, "4000001123452"),
                  (50, 138, "Name:"), (150, 138, "Lieferant GmbH"), (50, 152, "Anschrift:"), (150, 152, "Lieferantenstraße 20"),
                  (50, 200, "Käufer"), (50, 214, "Name:"), (150, 214, "Kunden AG Mitte"),
                  (50, 700, "Lieferant GmbH"), (50, 714, "Lieferantenstraße 20"), (50, 728, "80333 München")])
    later = page([(50, 60, "Kontoname :"), (150, 60, "Kunden AG"), (50, 74, "IBAN :"), (150, 74, "DE02120300000000202051")])
    later = dataclasses.replace(later, number=2)
    invoice = extract_fields([first, later])
    assert invoice.seller.name == "Lieferant GmbH"


def test_a_letterhead_with_digits_that_the_website_names_and_never_a_country() -> None:
    """GIVEN 'RDO18' over 'France' at the top, the buyer's block under them, and 'www.rdo18.com'
    in the footer THEN the seller is 'RDO18': the domain names it, digits and all; a country's
    name alone is never the seller's."""
    rows: list[Row] = [(40, 40, "RDO18"), (40, 54, "France"),
                       (320, 100, "Jeanne Exemple"), (320, 114, "12 rue du Moulin"), (320, 128, "97180 Sainte-Anne"),
                       (40, 200, "Facture FAC/2025/00008"), (40, 230, "Total"), (400, 230, "6 361,20 €"),
                       (40, 800, "0590 123 456 contact@rdo18.com https://www.rdo18.com")]
    assert extract_fields([page(rows)]).seller.name == "RDO18"
    assert extract_fields([page(rows[1:])]).seller.name != "France"


def test_a_bank_over_its_bic_is_not_the_seller_and_a_hyphenated_name_is_joined() -> None:
    """GIVEN a footer whose columns hold the company's name hyphenated over two lines
    ('Akten- und Daten-' over 'vernichtung GmbH & Co. KG') and its banks ('Commerzbank AG' over
    'SWIFT/ BIC: ...') THEN the seller is the whole company name, never a bank."""
    invoice = extract_fields([page([
        (40, 60, "Rechnung"), (40, 80, "Rechnungs-Nr."), (160, 80, "RG0524048849"),
        (40, 300, "Rechnungsbetrag €"), (300, 300, "18,65"),
        (40, 700, "REISSWOLF Akten- und Daten-"), (220, 700, "Commerzbank AG"), (400, 700, "Hamburger Sparkasse AG"),
        (40, 712, "vernichtung GmbH & Co. KG"), (220, 712, "SWIFT/ BIC: COBADEHHXXX"), (400, 712, "SWIFT/BIC: HASPDEHHXXX"),
        (40, 724, "Wendenstraße 403"), (220, 724, "IBAN: DE03 2004 0000 0146 0534 00"),
        (40, 736, "20537 Hamburg")])])
    assert invoice.seller.name == "REISSWOLF Akten- und Datenvernichtung GmbH & Co. KG"


def test_a_legal_name_in_the_window_under_the_sender_s_block_is_the_buyer_s() -> None:
    """GIVEN the sender's block at the top ('YourCompany', street, town, country) and, apart under
    it and aligned with it, an address block headed by 'Lumber Inc' THEN the seller is the
    sender's name and the buyer is 'Lumber Inc', though only the buyer's name has a legal form."""
    invoice = extract_fields([page([
        (24, 20, "YourCompany"), (24, 32, "250 Executive Park Blvd, Suite 3400"), (24, 44, "94134 San Francisco"),
        (24, 56, "Deutschland"),
        (24, 140, "Lumber Inc"), (24, 152, "1337 N San Joaquin St"), (24, 164, "Stockton CA 95202"),
        (24, 176, "USA"),
        (24, 210, "Rechnung RE/2021/0002"), (24, 230, "Rechnungsdatum: 16.03.2021"),
        (300, 400, "Gesamt"), (450, 400, "169,58 €")])])
    assert (invoice.seller.name, invoice.buyer.name) == ("YourCompany", "Lumber Inc")


@pytest.mark.parametrize(("printed", "buyer"), [("Deco Addict, Marc Demo", "Deco Addict"),
                                                ("Schneider, Hans", "Schneider, Hans")])
def test_the_person_after_a_company_s_name_in_the_window_is_no_part_of_the_buyer(printed: str, buyer: str) -> None:
    """GIVEN the window's first line 'Company, First Last', as some ERPs address a company's
    contact, THEN the buyer is the company; a person's 'Last, First' stays whole."""
    invoice = extract_fields([page([
        (24, 20, "Global Wholesaler"), (24, 32, "4557 De Silva St"), (24, 44, "Fremont CA 94538"),
        (24, 56, "United States"),
        (300, 100, printed), (300, 112, "215 Vine St"), (300, 124, "Scranton PA 18503"),
        (24, 200, "Invoice INV/2023/03/0008"), (300, 400, "Total"), (450, 400, "$ 128.80")])])
    assert invoice.buyer.name == buyer


@pytest.mark.parametrize(("name", "company"), [("YourCompany, Mitchell Admin", "YourCompany"),
                                               ("Foo GmbH, Abt. Einkauf", "Foo GmbH"),
                                               ("Amazon Web Services, Inc.", None), ("Müller, Hans", None)])
def test_company_of_a_contact_pair(name: str, company: str | None) -> None:
    """GIVEN a name with a comma THEN only 'Company, First Last' gives the company: a legal form
    or a one-word first name after the comma is the name's own."""
    from intake.fields.buyers import _company_of_contact

    assert _company_of_contact(name) == company


def test_a_footer_line_with_the_name_and_its_address_is_the_sender_s() -> None:
    """GIVEN an addressee's block at the top with its address on the lines under it and, in the
    footer, one line 'Nordlicht Logistics AB, 71 High Street, 678 16 Stockholm' THEN the seller is
    the footer's name: a name followed by its own address on its line is the sender's line."""
    invoice = extract_fields([page([
        (40, 60, "Maison Import AB"), (40, 72, "88 Park Avenue"), (40, 84, "403 77 Göteborg"), (40, 96, "Sverige"),
        (40, 130, "INVOICE"), (300, 130, "Invoice #: AB-4852/24"), (300, 144, "Date: 2024-12-05"),
        (40, 300, "Total (incl. VAT)"), (400, 300, "1970.30"),
        (40, 790, "Nordlicht Logistics AB, 71 High Street, 678 16 Stockholm")])])
    assert (invoice.seller.name, invoice.buyer.name) == ("Nordlicht Logistics AB", "Maison Import AB")


def test_a_dotted_legal_form_without_its_last_period_is_still_one() -> None:
    """GIVEN a footer 'Elmstead Trading S.p.A | VAT ID ...' (the form's last period lost) THEN the
    seller is the whole name with its form."""
    invoice = extract_fields([page([(40, 100, "INVOICE"), (300, 100, "Invoice number: 2024-17"),
                                    (300, 400, "Total"), (450, 400, "1,234.50"),
                                    (40, 760, "Elmstead Trading S.p.A"), (220, 760, "VAT ID IT00743110157")])])
    assert invoice.seller.name == "Elmstead Trading S.p.A"


def test_an_ocr_page_without_a_legal_name_takes_no_line_of_the_addressee_for_the_seller() -> None:
    """GIVEN a photo whose sender block is unreadable, the addressee's block under
    'Rechnungsempfänger' with 'z. Hd. Anna Schmidt', and an e-mail address at the top THEN none
    of them is the seller (no seller rather than the addressee's contact person)."""
    invoice = extract_fields([ocr_page([
        (300, 60, "Rechnungsdatum"), (300, 74, "04.01.2025"),
        (50, 100, "Rechnungsempfänger"), (50, 114, "Lindqvist Services"), (50, 128, "z. Hd. Anna Schmidt"),
        (50, 142, "Hauptstraße 19"), (50, 156, "L-4611 Luxembourg"), (300, 130, "billing@novak.example"),
        (60, 400, "Gesamtbetrag"), (300, 400, "2009,73"),
    ])])
    assert invoice.seller.name is None
    assert invoice.buyer.name == "Lindqvist Services"


def test_a_label_printed_largest_at_the_top_of_an_ocr_page_is_no_letterhead() -> None:
    """GIVEN a photo with 'Rechnungsdatum' in large type at the top and 'NORDLICHT' in smaller
    type beside it THEN the letterhead is 'NORDLICHT' (the label heads its date; OCR's lines are
    mended into new cells, which must still be known as the label's)."""
    invoice = extract_fields([ocr_page([
        (50, 40, "NORDLICHT", 14), (300, 40, "Rechnungsdatum", 18), (300, 62, "04.01.2025"),
        (60, 400, "Gesamtbetrag"), (300, 400, "2009,73"),
    ])])
    assert invoice.seller.name == "NORDLICHT"


@pytest.mark.parametrize("form", ["S.a r.l.", "Sarl"])
def test_a_legal_form_read_without_its_accent_still_names_the_seller(form: str) -> None:
    """GIVEN a photo whose footer prints 'Novak Partners S.à r.l.' read by OCR without its accent
    THEN that is the seller's legal name."""
    invoice = extract_fields([ocr_page([
        (60, 400, "Gesamtbetrag"), (300, 400, "2009,73"),
        (50, 760, f"Novak Partners {form}"), (50, 774, "Bahnhofstraße 96"), (50, 788, "L-8693 Luxembourg"),
    ])])
    assert invoice.seller.name == f"Novak Partners {form}"


def test_the_buyers_order_label_is_neither_letterhead_nor_the_invoices_number() -> None:
    """GIVEN a page whose top shows 'Ihre Bestellung' over the buyer's order number and no
    letterhead THEN the label is not the seller, and its number is not the invoice's."""
    invoice = extract_fields([page([
        (300, 40, "Ihre Bestellung"), (300, 54, "ORD/76171"),
        (300, 80, "Rechnung Nr. R042603"),
        (60, 400, "Gesamtbetrag"), (300, 400, "2009,73"),
    ])])
    assert invoice.seller.name is None
    assert invoice.invoice_number == "R042603"


def test_no_item_row_is_taken_for_the_buyers_address_window() -> None:
    """GIVEN a photo whose address window OCR lost, and an item table whose rows start with
    names over numbered ones ("Software licence (1)") THEN there is no buyer rather than an item's description."""
    invoice = extract_fields([ocr_page([
        (50, 80, "MAISON IMPORT APS"),
        (50, 200, "Tax Invoice"), (300, 200, "Number: F202532228"),
        (50, 250, "Pos."), (80, 250, "Description"), (300, 250, "Qty"), (360, 250, "Unit price"), (450, 250, "Amount"),
        (50, 266, "1"), (80, 266, "Office chairs"), (300, 266, "12 units"), (360, 266, "1481.75"), (450, 266, "17781.00"),
        (50, 282, "2"), (80, 282, "Software licence (1)"), (300, 282, "2 units"), (360, 282, "3874.26"), (450, 282, "7748.52"),
        (50, 298, "3"), (80, 298, "Printer toner (2)"), (300, 298, "2 h"), (360, 298, "115.58"), (450, 298, "231.16"),
        (300, 330, "Total"), (450, 330, "25760.68"),
    ])])
    assert invoice.buyer.name is None


def test_a_legal_form_at_the_end_of_the_item_tables_header_is_no_name() -> None:
    """GIVEN a sidebar whose seller name wraps, its 'KG' on the item table's header line, and the
    name in the footer THEN the seller is the footer's name, not the column labels ending in 'KG'."""
    table, side = 10.6, 8.4
    invoice = extract_fields([page([
        (420, 52, "Rechnung Nr.", side), (420, 63, "F202596038", side),
        (420, 185, "Brightline Østergaard Print", side),
        (60, 195, "Pos. Beschreibung", table), (172, 195, "Menge ME", table),
        (255, 195, "Einzelpreis USt. Gesamtpreis", table), (420, 197, "KG", side),
        (60, 212, "1", table), (87, 212, "Montagearbeiten", table), (192, 212, "12 pauschal", table),
        (271, 212, "1926,92 19 %", table), (360, 212, "23123,04", table),
        (420, 209, "Am Markt 131", side), (420, 219, "39021 München", side),
        (60, 243, "3", table), (87, 243, "Beratung", table), (197, 243, "1 Std.", table),
        (271, 243, "2771,23 19 %", table), (365, 243, "2771,23", table),
        (420, 246, "+32 101 85321", side), (420, 256, "billing@brightline.example", side),
        (51, 783, "Brightline Østergaard Print KG", side), (250, 783, "MwSt-Nr. DE 956 758 072", side),
        (434, 783, "Bankverbindung: Sparkasse", side),
        (51, 791, "Am Markt 131", side), (250, 791, "+32 101 85321", side),
        (434, 791, "IBAN: DE56645272787389473818", side),
    ])])
    assert invoice.seller.name == "Brightline Østergaard Print KG"


def test_the_sellers_vat_id_beside_the_buyers_address_is_the_sellers() -> None:
    """GIVEN a header of two columns, the seller's name and 'N° TVA : FR 11 123 456 782' on the
    left and 'Adresse du Client' with the buyer's address on the right of the same lines, and a
    footer with another company's VAT ID THEN the seller's VAT ID is the one in its column."""
    rows: list[Row] = [
        (90, 120, "LE FOURNISSEUR"), (300, 120, "Adresse du Client"),
        (90, 134, "35 rue d'ici"), (305, 134, "LE CLIENT SA"),
        (90, 148, "75018 PARIS"), (305, 148, "12 rue de la Paix"),
        (90, 162, "N° TVA : FR 11 123 456 782"), (305, 162, "me@leclient.fr"),
        (90, 300, "Désignation"), (450, 300, "Montant"),
        (90, 314, "Conseil"), (450, 314, "60,00"),
        (90, 328, "Formation"), (450, 328, "40,00"),
        (90, 372, "Total HT"), (450, 372, "100,00"),
        (90, 386, "TVA 20 %"), (450, 386, "20,00"),
        (90, 400, "Total TTC"), (450, 400, "120,00"),
        (90, 780, "Ma Société, 35 ma rue, Ville"), (300, 780, "N° TVA : FR32 123 456 789"),
    ]
    invoice = extract_fields([page(rows)])
    assert invoice.seller.vat_id == "FR11123456782"


def test_a_grouped_vat_id_before_another_columns_digits_is_read() -> None:
    """GIVEN 'N° TVA : FR 11 123 456 782' in a cell and '06000 NICE' in the next column of the same
    line THEN the VAT ID is read from its cell (the line's text runs the two together)."""
    rows: list[Row] = [
        (90, 120, "LE FOURNISSEUR SARL"),
        (90, 134, "N° TVA : FR 11 123 456 782"), (305, 134, "06000 NICE"),
        (90, 400, "Total TTC"), (450, 400, "120,00"),
    ]
    assert extract_fields([page(rows)]).seller.vat_id == "FR11123456782"


@pytest.mark.parametrize(
    ("cells", "vat_id"),
    [
        # OCR split a photo's footer line at every group of the ID.
        (["Alpenglow Werkstatt ASA", "Oslo · VAT ID NO", "467", "820", "907", "MVA"], "NO467820907MVA"),
        # The tax's suffix in a cell of its own.
        (["Grünwald Kestrel Solutions AG", "USt-IdNr.", "CHE-439.639.706", "MWST"], "CHE439639706MWST"),
        # The country apart from its digits.
        (["Muster Bau GmbH", "USt-IdNr. DE", "136695976"], "DE136695976"),
    ],
)
def test_a_vat_id_split_over_cells_of_its_own_groups_is_read_whole(cells: list[str], vat_id: str) -> None:
    """GIVEN a footer line whose VAT ID OCR split into cells of its digits or its suffix THEN the
    whole VAT ID is read."""
    rows: list[Row] = [(40, 120, "Rechnung Nr. 2024-1"), (40, 400, "Total"), (450, 400, "100,00")]
    x = 40.0
    for text in cells:
        rows.append((x, 790, text))
        x += 6 * len(text) + 14
    assert extract_fields([ocr_page(rows)]).seller.vat_id == vat_id


@pytest.mark.parametrize(
    ("read", "mended"),
    [("Novak Werkstatt Sp. z 0.0. ·", "Novak Werkstatt Sp. z o.o. ·"), ("Halvorsen Sp. 2 0.0., 6", "Halvorsen Sp. z o.o., 6"),
     ("SP. Z 0.0.", "SP. Z o.o."), ("ACME 5.A.", "ACME S.A."), ("ACME 5.R.L.,", "ACME S.R.L.,"), ("5.A.", "5.A."),
     ("Lot 5.8.", "Lot 5.8."), ("Foo Sp. z o.o.", "Foo Sp. z o.o.")],
)  # fmt: skip
def test_a_dotted_legal_form_read_with_a_look_alike_digit_is_written_as_printed(read: str, mended: str) -> None:
    """GIVEN OCR'd words with a dotted legal form of one or more words, a letter of it read as its
    look-alike digit ("2" for z, "0" for o, "5" for S) THEN the form is written out; a form read
    right, a form with nothing before it and dotted digits that spell no form stay as read."""
    assert " ".join(_mend_tokens(read.split())) == mended


def test_a_wrapped_legal_form_run_into_the_street_under_it_completes_the_name() -> None:
    """GIVEN 'Falkenberg Software UG' over '(haftungsbeschränkt) Lindenweg 136', the wrapped rest of
    its legal form run into the street's words in one cell THEN the seller's name has the whole
    form and not the street."""
    invoice = extract_fields([page([
        (57, 40, "Falkenberg Software UG"), (57, 52, "(haftungsbeschränkt) Lindenweg 136"), (57, 64, "54787 Leipzig"),
        (57, 120, "Elmstead Logistics SA"), (57, 132, "Bahnhofstraße 34"), (57, 144, "1445 Bruxelles"),
        (350, 200, "Rechnungsnummer: AB-11305/25"),
    ])])
    assert invoice.seller.name == "Falkenberg Software UG (haftungsbeschränkt)"


def test_a_window_company_under_a_return_address_ending_in_a_zip_code_is_no_wrapped_town() -> None:
    """GIVEN a return address in small type that ends with a US ZIP code ("... Denver, CO 31333"),
    and right under it the window's company in the window's larger type, then a "c/o" line THEN
    the buyer is the company: a name with a legal form is no town the return address wrapped."""
    invoice = extract_fields([page([
        (57, 51, "Nordlicht Bluewave Conseil", 25.6),
        (57, 105, "Nordlicht Bluewave Conseil LLC - 166 Mill Lane - Denver, CO 31333", 7.6),
        (57, 117, "Østergaard Media LLC", 11.1), (57, 128, "c/o Emily Clarke", 11.1),
        (57, 139, "154 Harbour Road", 11.1), (57, 150, "Boston, MA 39433", 11.1), (57, 161, "United States", 11.1),
        (57, 195, "INVOICE", 23.3), (350, 230, "Invoice ID"), (450, 230, "R098736"),
    ])])
    assert invoice.buyer.name == "Østergaard Media LLC"


def test_a_party_word_that_begins_a_numbers_label_heads_no_block() -> None:
    """GIVEN a narrow column where "Customer no." is wrapped after "Customer", its number, then "Due
    by" and its date, and the buyer's address block at the left without a label THEN the buyer is
    the block's first line, not a line under "Customer"."""
    invoice = extract_fields([page([
        (50, 100, "Ravenmoor Conseil Sp. z o.o."), (400, 100, "Date"), (50, 114, "162 Station Road"),
        (400, 114, "20-Jan-2025"), (50, 128, "99-415 Warszawa"), (400, 128, "Customer"), (400, 142, "no."),
        (50, 142, "Poland"), (400, 156, "395344"), (400, 170, "Due by"), (400, 184, "06-Mar-2025"),
        (300, 400, "Net total"), (450, 400, "1,717.44"), (300, 414, "Grand total"), (450, 414, "2,112.45"),
        (50, 780, "Oakridge Copperleaf Conseil Limited"), (300, 780, "VAT No. IE3682622WH"),
    ])])
    assert invoice.buyer.name == "Ravenmoor Conseil Sp. z o.o."


def test_another_fields_label_under_a_party_label_is_no_name() -> None:
    """GIVEN "Sold to" over a line that is only another field's label ("Invoice date") and then the
    buyer's name THEN the buyer is the name, not the label."""
    invoice = extract_fields([page([
        (50, 100, "Sold to"), (50, 114, "Invoice date"), (200, 114, "20-Jan-2025"),
        (50, 128, "Ravenmoor Conseil Sp. z o.o."), (50, 142, "162 Station Road"), (50, 156, "99-415 Warszawa"),
        (300, 400, "Grand total"), (450, 400, "2,112.45"),
    ])])
    assert invoice.buyer.name == "Ravenmoor Conseil Sp. z o.o."


def test_of_two_legal_names_the_seller_is_the_one_whose_block_prints_the_sellers_vat_id() -> None:
    """GIVEN an addressee's block on top whose VAT ID line OCR misread ("Thre USt-IdNr." for "Ihre
    USt-IdNr.": no buyer's label), and the footer naming the seller with the seller's VAT ID THEN
    the seller is the footer's name, the buyer the block's."""
    invoice = extract_fields([ocr_page([
        (50, 60, "Nordlicht Maison Partners S.à r.l."), (50, 74, "Lindenweg 62"), (50, 88, "L-3815 Esch-sur-Alzette"),
        (50, 102, "Luxembourg"), (50, 116, "Thre USt-IdNr.: LU10488543"),
        (50, 150, "Rechnung"), (300, 150, "Rechnungsnummer: AB-85408/25"), (300, 164, "Rechnungsdatum: 2025-03-05"),
        (300, 400, "Summe brutto"), (450, 400, "2579,97"), (300, 414, "Summe netto"), (450, 414, "2280,43"),
        (50, 780, "Halvorsen Design SA, Industriestraße 144, L-6667 Luxembourg. USt-IdNr.: LU90440273"),
    ])])
    assert invoice.seller.vat_id == "LU90440273"
    assert invoice.seller.name == "Halvorsen Design SA"
    assert invoice.buyer.name == "Nordlicht Maison Partners S.à r.l."


def test_a_party_section_whose_first_label_is_a_number_still_names_the_party() -> None:
    """GIVEN "Verkäufer" over "Nummer: | 12345676" and "Name: | Rohstoff AG Salzgitter" (a section
    whose first field is the party's number, with its colon and value) THEN the seller is the
    name after "Name:", the section's label heading its block."""
    invoice = extract_fields([page([
        (66, 100, "Verkäufer"), (66, 114, "Nummer:"), (305, 114, "12345676"), (66, 128, "Name:"),
        (305, 128, "Rohstoff AG Salzgitter"), (66, 142, "Anschrift:"), (305, 142, "Marktstr. 153"),
        (305, 156, "DE 38226 Salzgitter"), (66, 170, "USt.-Id.-Nr.:"), (305, 170, "DE123456788"),
        (300, 400, "Rechnungsbetrag"), (450, 400, "858,75"),
    ])])
    assert invoice.seller.name == "Rohstoff AG Salzgitter"


@pytest.mark.parametrize(("first", "second"), [("+", "+"), ("©", "e"), ("●", "©")])
def test_bullets_ocr_read_as_other_signs_still_mark_the_sender_line(first: str, second: str) -> None:
    """GIVEN an OCR'd sender line whose bullets were read as other signs standing alone ('Bei Spiel
    GmbH | + | Ecke12 | + | 12345 Stadthausen', '©' and 'e'), the recipient under it THEN the
    recipient is the buyer."""
    invoice = extract_fields([ocr_page([
        (400, 100, "Bei Spiel GmbH"), (400, 114, "Ecke 12"),
        (60, 130, "Bei Spiel GmbH"), (150, 130, first), (175, 130, "Ecke 12"), (225, 130, second),
        (250, 130, "12345 Stadthausen"), (400, 130, "12345 Stadthausen"),
        (60, 150, "Theodor Est"), (400, 146, "phone (555) 23 78 -0"), (400, 160, "HRA 12345"),
        (60, 172, "Bahnstr. 42"), (400, 174, "http://localhost/"), (400, 188, "Ingmar N. Fo"),
        (60, 194, "88802 Spielkreis"), (400, 202, "info@localhost.local"), (60, 216, "Deutschland / Germany"),
        (57, 240, "Customer:2"), (57, 260, "Invoice # RE-20150613/503 issued at 2015-06-13"),
    ])])
    assert invoice.buyer.name == "Theodor Est"


def test_a_short_label_ocr_set_apart_from_its_identifier_is_no_party_name() -> None:
    """GIVEN 'Verkäufer:' over 'GLN | 4333741000005' (OCR cut the label from its number into two
    cells), then the seller's name, and the same under 'Käufer:' THEN the names are the parties',
    not 'GLN'."""
    invoice = extract_fields([ocr_page([
        (50, 100, "Verkäufer:"), (50, 114, "GLN"), (90, 114, "4333741000005"), (50, 128, "Lief-Nr:"),
        (100, 128, "549910"), (50, 142, "MUSTERLIEFERANT GMBH"), (50, 156, "BAHNHOFSTRASSE 99"),
        (50, 170, "99199 MUSTERHAUSEN"),
        (50, 200, "Käufer:"), (50, 214, "GLN"), (90, 214, "4304171000002"), (50, 228, "MUSTER-KUNDE GMBH"),
        (50, 242, "KUNDENWEG 88"), (50, 256, "40235 DUESSELDORF"),
        (300, 400, "Bruttosumme"), (450, 400, "119,00"),
    ])])
    assert (invoice.seller.name, invoice.buyer.name) == ("MUSTERLIEFERANT GMBH", "MUSTER-KUNDE GMBH")


def test_another_fields_label_under_the_seller_label_of_an_ocr_page_is_no_name() -> None:
    """GIVEN an OCR'd 'Verkäufer:' over 'Nummer | i | 549910' (a label alone in its cell, its colon
    read as 'i') and then the seller's name THEN the seller is the name, not the label: the seller
    is read from lines whose cells were made again to mend legal forms, and the label's cell is
    still known there."""
    invoice = extract_fields([ocr_page([
        (50, 100, "Verkäufer:"), (50, 114, "Nummer"), (110, 114, "i"), (130, 114, "549910"),
        (50, 128, "Globale Nummer:"), (150, 128, "4000001123452"), (50, 142, "Lieferant GmbH"),
        (50, 156, "Lieferantenstraße 20"), (50, 170, "80333 München"),
        (300, 400, "Bruttosumme"), (450, 400, "119,00"),
    ])])
    assert invoice.seller.name == "Lieferant GmbH"


def test_the_senders_contact_lines_under_its_one_line_address_and_an_interleaved_delivery_block() -> None:
    """GIVEN an OCR'd letterhead: the seller's one-line address ('Au bon moulin SARL - 1242 chemin
    de l'olive - 84340 Malaucène - France'), then its phone and web line and its 'TVA : ...' line,
    each after a logo's fragment ('À', 'EN'); under the title, 'Adresse de livraison' over the
    delivery block on the left, and the unlabelled invoice address on the right whose lines stand
    a little higher than the left's THEN the buyer is the right block's first line."""
    invoice = extract_fields([ocr_page([
        (40, 40, "N O"), (170, 40, "Au bon moulin SARL - 1242 chemin de l'olive - 84340 Malaucène - France", 7),
        (40, 50, "À"), (170, 50, "+33 4 50 44 68 99 - http://www.aubonmoulin.fr", 7),
        (40, 60, "EN"), (170, 60, "TVA : FR11999999998 - SIRET : 99999999800010", 7),
        (33, 95, "Facture FA-2017-0010", 14),
        (37, 125, "Adresse de livraison"),
        (327, 135, "Ma jolie boutique"), (37, 142, "Ma jolie boutique"),
        (327, 148, "Alexandre Payet"), (37, 155, "35 rue de la République"),
        (327, 161, "35 rue de la République"), (37, 168, "69001 Lyon"),
        (327, 174, "69001 Lyon"), (37, 181, "France"), (327, 187, "France"),
        (37, 220, "Date de facture"), (130, 220, "13/11/2017"),
        (300, 400, "Total TTC"), (450, 400, "671,15 €"),
    ])])
    assert invoice.buyer.name == "Ma jolie boutique"


@pytest.mark.parametrize("sender", ["Keller Trading GmbH. Lindenweg 31 3589 Graz", "Keller Trading GmbH Lindenweg31 3589 Graz"])
def test_a_sender_line_whose_marks_ocr_lost_still_heads_the_window(sender: str) -> None:
    """GIVEN a return address 'Keller Trading GmbH · Lindenweg 31 · 3589 Graz' that OCR read without
    its dots (or with the house number glued to the street), in the window's type, over the
    recipient's address THEN the recipient is the buyer."""
    invoice = extract_fields([ocr_page([
        (60, 40, "Keller Trading GmbH", 16), (60, 60, "Lindenweg 31"), (60, 74, "3589 Graz"),
        (60, 120, sender),
        (60, 134, "Bergmann Design I/S"), (60, 148, "Am Markt 29"), (60, 162, "4660 Aarhus"),
        (60, 240, "RECHNUNG"), (300, 240, "Rechnungs-Nr.: R041872"),
        (300, 400, "Total"), (400, 400, "EUR 100.00"),
    ])])
    assert invoice.buyer.name == "Bergmann Design I/S"
    assert invoice.seller.name == "Keller Trading GmbH"


def test_a_window_name_whose_first_letter_ocr_read_as_an_at_sign_is_the_buyer() -> None:
    """GIVEN an unlabelled address window whose first line OCR read '@stergaard Foods Limited' (an Ø
    read as '@') THEN that line is the buyer: an '@' that starts a line of several words is no
    mail address or handle, which still mark a sender's block ('billing@bergmann.example')."""
    invoice = extract_fields([ocr_page([
        (57, 60, "Lysholm Services", 18.9),
        (57, 140, "@stergaard Foods Limited"), (57, 154, "80 High Street"), (57, 168, "Cork W60 F7D2"),
        (57, 182, "Ireland"),
        (57, 230, "Invoice ID: R008617"),
        (57, 780, "Lysholm Services DAC - 52 Park Avenue - Dublin K72 3293"),
    ])])
    assert invoice.buyer.name == "@stergaard Foods Limited"
    assert CONTACT.search("billing@bergmann.example") and CONTACT.search("@lysholm")


def test_the_name_over_the_street_of_the_block_printing_the_sellers_vat_id() -> None:
    """GIVEN an unlabelled sender's block, a trade name over 'Les Ateliers Rouges' over its street,
    town, phone and (two lines further down) its SIREN and VAT ID, a client's block beside it, and a
    footer 'Rouge Distribution SARL au capital de ...' THEN the seller is the name over the street
    of the block that prints the seller's VAT ID, not the footer's legal name."""
    invoice = extract_fields([page([
        (50, 70, "ATELIER ROUGE"), (300, 70, "Client :"),
        (50, 81, "Les Ateliers Rouges"), (300, 81, "Maison Verte"),
        (50, 92, "12 rue des Lilas"), (300, 92, "4 place du Marché"),
        (50, 103, "69002 LYON, FR"), (300, 103, "13001 MARSEILLE"),
        (50, 114, "Tél : 04 78 00 00 00"),
        (50, 140, "SIREN : 732 829 320"), (300, 140, "Facture N° F-2026-0042"),
        (50, 151, "N° TVA : FR 44 732 829 320"), (300, 151, "Date : 02/12/2026"),
        (350, 400, "TOTAL TTC"), (480, 400, "1 200,00"),
        (60, 780, "Rouge Distribution SARL au capital de 10 000 EUR - RCS LYON 732 829 320"),
    ])])
    assert invoice.seller.vat_id == "FR44732829320"
    assert invoice.seller.name == "Les Ateliers Rouges"


def test_the_title_under_a_buyers_label_whose_block_ocr_lost_is_no_buyer() -> None:
    """GIVEN a photo's reading where 'Faktureres til' is followed, its block lost, by the title
    'Faktura' THEN the title is not taken for the buyer's name."""
    invoice = extract_fields([ocr_page([
        (47, 58, "Faktureres til"), (47, 96, "Faktura"),
        (47, 112, "Fakturanr.: AB-9878/24"), (47, 117, "Dato: 28.04.2024"),
        (200, 188, "Total inkl. moms"), (258, 188, "19.502,40 NOK"),
    ])])
    assert invoice.invoice_number == "AB-9878/24"
    assert invoice.buyer.name is None


def _centred(text: str, top: float) -> Row:
    """Return a row printing `text` centred on the page (`page`'s type: 5 points a character)."""
    return (297.5 - 2.5 * len(text), top, text)


def test_the_name_heading_a_centred_footer_that_prints_the_sellers_vat_id() -> None:
    """GIVEN a sender's block without a legal form top left, the addressee's block on the right
    with its legal name and its own VAT ID, and a centred footer: the sender's name, its street
    and town, then its legal line with the seller's VAT ID THEN the footer's first line names the
    seller and the addressee's block the buyer."""
    invoice = extract_fields([page([
        (400, 40, "FACTURE"), (400, 54, "n° 2026-118"), (400, 68, "02/12/2026"),
        (43, 100, "Hôtel des Tilleuls"), (43, 114, "2, rue des Tilleuls"), (43, 128, "75012 Paris"),
        (43, 142, "+33 1 40 00 00 00"), (43, 156, "contact@hotel-tilleuls.example"),
        (380, 180, "Verrier Conseil SARL"), (380, 194, "27, rue Lepic"), (380, 208, "75018 Paris"),
        (380, 222, "TVA : FR41177236114"),
        (360, 400, "Total HT"), (480, 400, "1 000,00 €"),
        (360, 414, "Total TVA"), (480, 414, "100,00 €"),
        (360, 428, "Montant Total TTC"), (480, 428, "1 100,00 €"),
        _centred("Hôtel des Tilleuls", 760),
        _centred("2, rue des Tilleuls – 75012 Paris – Tél : +33 1 40 00 00 00", 774),
        _centred("SAS au capital de 20 000 € – SIRET 13114412300017 – TVA FR90131144123", 788),
    ])])
    assert invoice.seller.vat_id == "FR90131144123"
    assert invoice.seller.name == "Hôtel des Tilleuls"
    assert invoice.buyer.name == "Verrier Conseil SARL"


def test_a_paragraphs_line_over_a_number_heading_its_next_line_names_no_seller() -> None:
    """GIVEN the terms' paragraph of page-wide lines, its second line opening with a number ('10
    points de pourcentage ...'), right over a centred footer that prints the seller's street and
    VAT ID THEN the paragraph's first line is no seller's name: the letterhead's name is."""
    invoice = extract_fields([page([
        (220, 40, "ATELIER NORD"), (340, 70, "Client Sud SARL"), (340, 84, "1 rue du Port"),
        (340, 98, "13002 MARSEILLE"), (60, 150, "FACTURE N° 2026-7"),
        (360, 400, "Total TTC"), (480, 400, "1 200,00"),
        # Justified, page-wide: their middles are the page's, as the footer's centred lines' are.
        _centred("Taux des pénalités de retard égal au taux de refinancement de la BCE majoré de", 700),
        _centred("10 points de pourcentage et indemnité forfaitaire pour frais de recouvrement,", 714),
        _centred("25 rue du Nord 92120 MONTROUGE - Tél : 01 02 03 00 00", 730),
        _centred("SARL au capital de 50 000 Euros - RCS NANTERRE 577 638 687", 744),
        _centred("N° TVA intracommunautaire : FR 15 577 638 687", 758),
    ])])
    assert invoice.seller.vat_id == "FR15577638687"
    assert invoice.seller.name is not None and invoice.seller.name.startswith("ATELIER NORD")


def _totals_ht_ttc(label_x: float, amount_x: float, net: str, tax: str, total: str) -> list[Row]:
    """Return a French totals block: 'Total HT', 'TVA 20 %' and 'Total TTC' from the top 300 down."""
    return [(label_x, 300, "Total HT"), (amount_x, 300, net), (label_x, 314, "TVA 20 %"), (amount_x, 314, tax),
            (label_x, 328, "Total TTC"), (amount_x, 328, total)]


def test_a_customer_column_in_the_item_tables_head_is_no_buyers_label() -> None:
    """GIVEN an addressee's window without a label and an item table whose head, over two lines,
    has a column 'Référence' / 'Client' with the customer's item code under it THEN the buyer is
    the window's addressee, not the item code."""
    invoice = extract_fields([page([
        (220, 40, "ATELIER NORD SARL"), (340, 70, "Maison Verte"), (340, 84, "4 place du Marché"),
        (340, 98, "13001 MARSEILLE"), (60, 150, "FACTURE N° 2026-7"),
        (40, 200, "No"), (80, 200, "Référence"), (160, 200, "Désignation"), (300, 200, "Quantité"),
        (480, 200, "Montant"),
        (40, 211, "Ligne"), (80, 211, "Client"), (480, 211, "H.T"),
        (40, 225, "1"), (80, 225, "AAA"), (160, 225, "Produit un"), (300, 225, "2"), (480, 225, "100,00"),
        (40, 239, "2"), (80, 239, "BBB"), (160, 239, "Produit deux"), (300, 239, "1"), (480, 239, "50,00"),
        *_totals_ht_ttc(360, 480, "150,00", "30,00", "180,00"),
    ])])
    assert invoice.buyer.name == "Maison Verte"


def test_a_buyers_label_over_blank_labels_and_the_item_table_names_no_item_column() -> None:
    """GIVEN 'Destinataire facture électronique :' over labels left blank ('Contact :', 'Email :')
    and then the item table's head 'Description | Quantité | ...' THEN the column's head is no
    buyer's name: the address window's addressee is."""
    invoice = extract_fields([page([
        (43, 46, "Azur Conseil SA"), (43, 60, "38 rue Carnot"), (43, 74, "75013 PARIS"), (453, 40, "FACTURE"),
        (453, 54, "N° 2026140"),
        (383, 110, "MAISON VERTE"), (383, 124, "4 PLACE DU MARCHÉ"), (383, 138, "13001 MARSEILLE"),
        (43, 180, "Destinataire facture électronique :"), (43, 194, "Contact :"), (43, 208, "Email :"),
        (43, 240, "Description"), (260, 240, "Quantité"), (325, 240, "Prix unitaire"), (412, 240, "TVA"),
        (500, 240, "Total"),
        (43, 254, "Conseil"), (260, 254, "2"), (325, 254, "50,00"), (412, 254, "20%"), (500, 254, "100,00"),
        *_totals_ht_ttc(340, 500, "100,00", "20,00", "120,00"),
    ])])
    assert invoice.buyer.name == "MAISON VERTE"


def test_a_logos_speck_read_as_a_short_word_under_the_sender_line_is_no_buyer() -> None:
    """GIVEN a scan whose logo, left of the letterhead's one-line sender address, left a speck OCR
    read as the word 'ae' under it, and the addressee's block in the window further down THEN the
    speck is no buyer's name: the window's addressee is."""
    invoice = extract_fields([ocr_page([
        (60, 40, "NZ", 10), (171, 40, "Moulin Bleu SARL - 12 rue des Lilas - 69002 Lyon - France", 6),
        (171, 50, "TVA : FR90131144123 - SIRET : 13114412300017 - SARL au capital de 10 000 €", 6),
        (62, 60, "ae", 6), (32, 80, "Facture FA-2026-0009", 14),
        (328, 120, "Maison Verte"), (328, 134, "4 place du Marché"), (328, 148, "13001 MARSEILLE"),
        (360, 400, "Total TTC"), (480, 400, "1 200,00 €"),
    ])])
    assert invoice.buyer.name == "Maison Verte"


def test_a_buyers_form_runs_to_its_last_labelled_row() -> None:
    """GIVEN a visualised e-invoice whose seller and buyer are forms under headings ('Verkäufer',
    'Käufer'), one 'Label: | value' row each (an address wrapped in the values' column), the
    buyer's VAT ID on its eighth row THEN the buyer's block runs to that row, so the seller's VAT
    ID is the one in the seller's form (both are sample numbers failing their checksums, so only
    the blocks tell them apart; the buyer's, low on the page, would score higher)."""
    seller = [("Name:", "Muster AG"), ("Anschrift:", "Hauptstrasse 1"), ("", "DE 37079 Göttingen"),
              ("USt.-Id.-Nr.:", "DE09687654321")]  # fmt: skip
    buyer = [("Nummer:", "330145"), ("Name:", "Beta Bau GmbH"), ("Ansprechpartner:", "Herr Beta"),
             ("Anschrift:", "Gartenstrasse 12"), ("", "DE 37073 Göttingen"), ("Telefon:", "+49 321 456789"),
             ("E-Mail:", "info@beta.de"), ("USt.-Id.-Nr.:", "DE1234567890")]  # fmt: skip
    rows: list[Row] = []
    top = 470
    for heading, form in [("Verkäufer", seller), ("Käufer/Leistungsempfänger", buyer)]:
        rows.append((66, top, heading))
        for label, value in form:
            top += 14
            rows += [(66, top, label), (305, top, value)] if label else [(305, top, value)]
        top += 14
    invoice = extract_fields([page(rows)])
    assert invoice.seller.vat_id == "DE09687654321"
