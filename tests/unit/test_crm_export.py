"""Reading CRM exports (CSV) into contacts: encodings, delimiters, quoted newlines, column mappings,
and each bad row refused with the line of the file it starts on (the header is line 1)."""

from __future__ import annotations

import pytest

from invoicing.crm_export import ExportError, ExportRow, RowError, read_export

GOLDEN = (
    "external_id,name,email,vat_id,iban,address,address2,postcode,city,country,language,currency,"
    "payment_terms_days,discount,late_fee,manager\n"
    "C-1,Muster Software GmbH,info@muster.example,DE 123 456 788,DE02 1203 0000 0000 2020 51,Hauptstraße 1,"
    "Hinterhaus,10115,Berlin,de,de-DE,eur,30 days,2% 10,interest 9.5,mia@example.com\n"
)


def _rows(data: bytes, filename: str = "export.csv", columns: dict[str, str] | None = None) -> list:
    return list(read_export(data, filename, columns).rows)


def test_a_golden_row_gives_every_field_checked_and_in_its_stored_form():
    """GIVEN a CSV row with every default column WHEN it is read THEN each value is normalised:
    VAT ID and IBAN compacted, country and currency in capitals, terms in their written form."""
    [row] = _rows(GOLDEN.encode())
    assert row == ExportRow(2, row.contact, "mia@example.com")
    c = row.contact
    assert (c.external_id, c.name, c.email) == ("C-1", "Muster Software GmbH", "info@muster.example")
    assert (c.vat_id, c.iban) == ("DE123456788", "DE02120300000000202051")
    assert (c.address, c.postcode, c.city, c.country) == ("Hauptstraße 1\nHinterhaus", "10115", "Berlin", "DE")
    assert (c.language, c.currency, c.payment_terms_days) == ("de", "EUR", 30)
    assert (c.discount_terms, c.late_fee_terms) == ("2% 10", "interest 9.5")
    assert (c.is_customer, c.is_vendor) == (True, False)


def test_utf8_with_a_byte_order_mark_reads_the_first_header():
    """GIVEN an Excel "CSV UTF-8" file (BOM before the first header) THEN the first column is still found."""
    [row] = _rows("\ufeffid;company\n42;Bäckerei Groß\n".encode())
    assert (row.contact.external_id, row.contact.name) == ("42", "Bäckerei Groß")


def test_windows_1252_is_the_fallback_when_the_bytes_are_not_utf8():
    [row] = _rows("Name;City\nCafé Müller;Köln\n".encode("cp1252"))
    assert (row.contact.name, row.contact.city) == ("Café Müller", "Köln")


def test_utf16_as_excel_saves_unicode_text_is_read_with_tabs():
    [row] = _rows("Name\tCountry\nNordisk ApS\tdk\n".encode("utf-16"))
    assert (row.contact.name, row.contact.country) == ("Nordisk ApS", "DK")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_read_off_the_header_row(delimiter):
    text = delimiter.join(["name", "city", "zip"]) + "\n" + delimiter.join(['"Acme, Inc"', "Paris", "75002"]) + "\n"
    [row] = _rows(text.encode())
    assert (row.contact.name, row.contact.city, row.contact.postcode) == ("Acme, Inc", "Paris", "75002")


def test_excel_sep_line_names_the_delimiter_and_counts_as_a_line():
    [row] = _rows(b"sep=;\r\nname;city\r\nA,B GmbH;Wien\r\n")
    assert (row.line, row.contact.name, row.contact.city) == (3, "A,B GmbH", "Wien")


def test_quoted_fields_with_newlines_keep_their_lines_and_later_rows_their_file_line():
    """GIVEN a record whose address spans three lines of the file WHEN the next rows are refused
    THEN their line numbers are the file's lines, not the record count."""
    text = ('name;address;country\n'
            '"Muster GmbH";"Hauptstraße 1\r\nHinterhaus\r\n3. OG";DE\n'
            '\n'
            ';somewhere;DE\n'
            '"Broken AG";x;Germny\n')  # fmt: skip
    good, no_name, bad_country = _rows(text.encode())
    assert good.line == 2 and good.contact.address == "Hauptstraße 1\nHinterhaus\n3. OG"
    assert no_name == RowError(6, "name: missing")
    assert bad_country.line == 7 and "unknown country" in bad_country.reason


def test_each_bad_value_is_refused_with_its_reason_and_the_good_rows_stay():
    text = ("name,vat_id,iban,terms,discount,late_fee,currency,type\n"
            "Good,,,14,,,,\n"
            "Bad VAT,DE123456789,,,,,,\n"
            "Bad IBAN,,DE02 1203 0000 0000 2020 52,,,,,\n"
            "Bad terms,,,soon,,,,\n"
            "Bad discount,,,,2 %,,,\n"
            "Bad fee,,,,,sometimes,,\n"
            "Bad currency,,,,,,Euro,\n"
            "Bad type,,,,,,,partner\n")  # fmt: skip
    rows = _rows(text.encode(), columns={"type": "type"})
    assert isinstance(rows[0], ExportRow) and rows[0].contact.payment_terms_days == 14
    reasons = {r.line: r.reason for r in rows[1:]}
    assert list(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert reasons[3].startswith("VAT ID 'DE123456789': not a valid VAT ID")
    assert reasons[4].startswith("IBAN 'DE02 1203 0000 0000 2020 52': not a valid IBAN")
    assert reasons[5].startswith("payment terms 'soon': unreadable")
    assert "discount terms '2 %'" in reasons[6] and "late fee 'sometimes'" in reasons[7]
    assert reasons[8].startswith("currency 'Euro'") and reasons[9].startswith("type 'partner'")


def test_a_mapping_names_the_columns_of_an_export_with_other_headers():
    """GIVEN a German CRM export and the mapping from the settings THEN its columns are read as
    ours, a default name does not steal a mapped column, and unread columns are reported."""
    text = "Kundennr;Firma;USt-IdNr.;Straße;PLZ;Ort;Land;Telefon;Name\nK7;Muster GmbH;DE123456788;Weg 2;10115;Berlin;DE;030;Max\n"
    mapping = {"external_id": "Kundennr", "name": "Firma", "vat_id": "ust-idnr", "address": "Straße",
               "postcode": "PLZ", "city": "Ort", "country": "Land"}  # fmt: skip
    export = read_export(text.encode("cp1252"), "kunden.csv", mapping)
    [row] = export.rows
    c = row.contact
    assert (c.external_id, c.name, c.vat_id, c.address, c.postcode, c.city) == (
        "K7", "Muster GmbH", "DE123456788", "Weg 2", "10115", "Berlin")  # fmt: skip
    assert dict(export.columns)["name"] == "Firma" and export.ignored == ("Telefon", "Name")


def test_a_mapped_column_missing_from_the_file_or_an_unknown_field_is_a_clear_error():
    with pytest.raises(ExportError, match="column 'Firma' .* is not in the header: name, city"):
        read_export(b"name,city\nA,B\n", "x.csv", {"name": "Firma"})
    with pytest.raises(ExportError, match="unknown fields nmae"):
        read_export(b"name\nA\n", "x.csv", {"nmae": "name"})


def test_a_file_without_a_name_column_says_how_to_map_one():
    with pytest.raises(ExportError, match="no name column .* contacts_import.columns"):
        read_export(b"Firma;Ort\nA;B\n", "x.csv")


def test_bytes_that_are_no_text_at_all_are_refused_as_a_whole():
    with pytest.raises(ExportError, match="neither UTF-8 nor Windows-1252"):
        read_export(b"name\n\x81\x8d\x8f\x90\x9d\n", "x.csv")


def test_roles_default_to_customer_and_a_column_can_say_vendor():
    text = "name,vendor,customer\nA,,\nB,yes,\nC,ja,x\nD,maybe,\n"
    a, b, c, d = _rows(text.encode())
    assert (a.contact.is_customer, a.contact.is_vendor) == (True, False)
    assert (b.contact.is_customer, b.contact.is_vendor) == (False, True)
    assert (c.contact.is_customer, c.contact.is_vendor) == (True, True)
    assert d == RowError(5, "vendor 'maybe': write yes or no")


def test_country_names_crms_write_are_read_as_codes_and_a_vat_id_takes_the_country_prefix():
    [row] = _rows("name;country;vat_id\nMuster;Deutschland;123456788\n".encode())
    assert (row.contact.country, row.contact.vat_id) == ("DE", "DE123456788")


def test_manager_is_passed_on_as_written_for_the_import_to_resolve():
    [row] = _rows(b"name,manager\nA, Mia Muster \n")
    assert row.manager == "Mia Muster" and row.contact.manager_id is None
