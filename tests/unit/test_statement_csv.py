"""CSV bank exports become entries through a column mapping; a row that is no entry is reported by its line."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.statements import Side, UnreadableStatement
from invoicing.statements.csv import (
    BadCell,
    CsvMapping,
    InvalidMapping,
    parse_amount,
    parse_date,
    read_csv,
)

SPARKASSE = CsvMapping(
    date="Buchungstag", value_date="Valutadatum", amount="Betrag", currency="Waehrung",
    name="Beguenstigter/Zahlungspflichtiger", iban="Kontonummer/IBAN", text=("Verwendungszweck",),
)  # fmt: skip
SPARKASSE_FILE = (
    '"Auftragskonto";"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";"Beguenstigter/Zahlungspflichtiger";'
    '"Kontonummer/IBAN";"Betrag";"Waehrung";"Info"\r\n'
    '"DE02120300000000202051";"01.04.26";"02.04.26";"GUTSCHR. UEBERW.";"RE INV-2026-0001  Danke";"Müller & Söhne KG";'
    '"DE89 3704 0044 0532 0130 00";"1.190,00";"EUR";"Umsatz gebucht"\r\n'
    '"DE02120300000000202051";"01.04.26";"01.04.26";"FOLGELASTSCHRIFT";"Strom April";"Stadtwerke";'
    '"DE44500105175407324931";"-85,20";"EUR";"Umsatz gebucht"\r\n'
)  # fmt: skip


def test_a_german_savings_bank_export_reads_with_its_decimal_commas_and_short_dates():
    """GIVEN a Sparkasse CSV (";", decimal comma, dd.mm.yy, quoted, umlauts) THEN a credit from Müller & Söhne
    of 1,190.00 EUR and a debit of 85.20 EUR, each with its line."""
    read = read_csv(SPARKASSE_FILE.encode(), SPARKASSE)
    assert read.problems == ()
    credit, debit = read.entries
    assert (credit.booking_date, credit.value_date, credit.amount, credit.side) == (
        dt.date(2026, 4, 1), dt.date(2026, 4, 2), D("1190.00"), Side.CREDIT)
    assert (credit.counterparty_name, credit.counterparty_iban) == ("Müller & Söhne KG", "DE89370400440532013000")
    assert (credit.remittance, credit.currency, credit.line) == ("RE INV-2026-0001 Danke", "EUR", 2)
    assert (debit.amount, debit.side, debit.line) == (D("85.20"), Side.DEBIT, 3)


def test_the_same_export_in_windows_encoding_needs_its_encoding_named():
    data = SPARKASSE_FILE.encode("cp1252")
    with pytest.raises(UnreadableStatement, match="not utf-8-sig text .set its encoding, e.g. cp1252"):
        read_csv(data, SPARKASSE)
    assert read_csv(data, dataclasses.replace(SPARKASSE, encoding="cp1252")).entries[0].counterparty_name == "Müller & Söhne KG"


def test_an_english_export_with_lines_above_the_table_and_paid_in_out_columns():
    """GIVEN a UK-style export: two account lines first, "," delimiter, "Paid out"/"Paid in" columns with
    thousands separators, month-first dates THEN the header is found below and the amounts read right."""
    data = (
        "Account,12345678\n"
        "Period,04/01/2026 - 04/30/2026\n"
        "\n"
        "Date,Description,Paid out,Paid in,Reference\n"
        '04/01/2026,"INV-2026-0002, thanks",,"1,250.50",RF18 5390 0754 7034\n'
        "04/02/2026,Card payment,12.99,,\n"
    ).encode()
    mapping = CsvMapping(date="date", text=("DESCRIPTION",), debit="Paid out", credit="Paid in",
                         reference="Reference", day_first=False, default_currency="GBP")  # fmt: skip
    first, second = read_csv(data, mapping).entries
    assert (first.booking_date, first.amount, first.side, first.currency) == (dt.date(2026, 4, 1), D("1250.50"), Side.CREDIT, "GBP")
    assert (first.remittance, first.references, first.line) == ("INV-2026-0002, thanks", ("RF18539007547034",), 5)
    assert (second.amount, second.side, second.booking_date) == (D("12.99"), Side.DEBIT, dt.date(2026, 4, 2))


def test_a_direction_column_says_debit_or_credit():
    data = "Datum;Betrag;S/H;Text\n2026-04-01;100,00;H;INV-1\n2026-04-01;100,00;S;Miete\n".encode()
    mapping = CsvMapping(date="Datum", amount="Betrag", side="S/H", text=("Text",))
    assert [e.side for e in read_csv(data, mapping).entries] == [Side.CREDIT, Side.DEBIT]


def test_rows_that_are_not_entries_are_problems_with_their_lines():
    """GIVEN a closing balance line, a row with a bad date and a short row THEN each is a problem naming its
    line, and the good rows are read."""
    data = (
        "Date;Amount;Text\n"
        "01.04.2026;10,00;a\n"
        "Closing balance;1.234,56;\n"
        "31.04.2026;5,00;b\n"
        "02.04.2026\n"
        "02.04.2026;7,5;c\n"
    ).encode()
    read = read_csv(data, CsvMapping(date="Date", amount="Amount", text=("Text",)))
    assert [e.amount for e in read.entries] == [D("10.00"), D("7.5")]
    assert [p.line for p in read.problems] == [3, 4, 5]
    assert "line 3: date 'Closing balance' is not a date" in read.problems[0].reason
    assert "line 5: 1 columns, the mapping needs 3" in read.problems[2].reason


def test_rows_without_an_id_get_a_stable_key_and_twins_are_told_apart():
    data = b"Date,Amount\n2026-04-01,10.00\n2026-04-01,10.00\n2026-04-02,10.00\n"
    mapping = CsvMapping(date="Date", amount="Amount")
    first, second = read_csv(data, mapping), read_csv(data, mapping)
    keys = [e.reference for e in first.entries]
    assert keys == [e.reference for e in second.entries]
    assert keys[1] == keys[0] + "-2" and len(set(keys)) == 3
    with_id = read_csv(b"Id,Date,Amount\nTX-1,2026-04-01,10.00\n", CsvMapping(date="Date", amount="Amount", id="Id"))
    assert with_id.entries[0].reference == "TX-1"


def test_a_file_without_the_mapped_columns_is_refused_naming_them():
    with pytest.raises(UnreadableStatement, match="no header row names the mapped columns .date='Datum', amount='Betrag'"):
        read_csv(b"Date;Amount\n2026-04-01;1,00\n", CsvMapping(date="Datum", amount="Betrag"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"date": "D"}, "needs an amount column"),
        ({"date": "D", "amount": "A", "debit": "S"}, "either an amount column or debit/credit"),
        ({"date": "D", "debit": "S", "side": "X"}, "side column goes with an amount"),
        ({"date": "D", "amount": "A", "delimiter": "|"}, "delimiter '|'"),
        ({"date": "", "amount": "A"}, "needs the date column"),
    ],
)
def test_a_bad_mapping_says_what_is_wrong(kwargs: dict[str, str], message: str):
    with pytest.raises(InvalidMapping, match=message):
        CsvMapping(**kwargs)  # type: ignore[arg-type]


def test_a_mapping_reads_from_a_toml_table():
    mapping = CsvMapping.from_config({"date": "Buchungstag", "amount": "Betrag", "text": "Verwendungszweck",
                                      "delimiter": "tab", "day_first": True})  # fmt: skip
    assert (mapping.text, mapping.delimiter) == (("Verwendungszweck",), "\t")
    with pytest.raises(InvalidMapping, match="unknown CSV mapping key 'betrag'"):
        CsvMapping.from_config({"date": "D", "betrag": "A"})
    with pytest.raises(InvalidMapping, match="day_first: true or false"):
        CsvMapping.from_config({"date": "D", "amount": "A", "day_first": "yes"})


@pytest.mark.parametrize(
    ("text", "comma", "value"),
    [
        ("1.234,56", True, "1234.56"), ("-1 234,56", True, "-1234.56"), ("1234,5", True, "1234.5"),
        ("1,234.56", False, "1234.56"), ("1'234.56", False, "1234.56"), ("1,234.56-", False, "-1234.56"),
        ("+12", False, "12"), ("1.234.567,00", True, "1234567.00"),
    ],
)  # fmt: skip
def test_amounts_in_the_usual_ways(text: str, comma: bool, value: str):
    assert parse_amount(text, comma) == D(value)


@pytest.mark.parametrize(("text", "comma"), [("1.23,45", True), ("12,34,56", False), ("12.34", True), ("EUR 5", False), ("", True)])
def test_amounts_that_are_not_written_right_are_refused(text: str, comma: bool):
    with pytest.raises(BadCell):
        parse_amount(text, comma)


@given(cents=st.integers(-10**12, 10**12), comma=st.booleans(), grouped=st.booleans())
def test_any_amount_written_either_way_reads_back(cents: int, comma: bool, grouped: bool):
    """GIVEN any amount formatted with or without thousands separators, decimal comma or point THEN it reads back."""
    value = D(cents) / 100
    text = f"{abs(value):,.2f}" if grouped else f"{abs(value):.2f}"
    if comma:
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_amount(("-" if value < 0 else "") + text, comma) == value


@given(day=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), sep=st.sampled_from("./-"), short=st.booleans())
def test_any_date_written_day_first_or_month_first_reads_back(day: dt.date, sep: str, short: bool):
    year = f"{day.year % 100:02d}" if short else str(day.year)
    assert parse_date(f"{day.day:02d}{sep}{day.month:02d}{sep}{year}", day_first=True) == day
    assert parse_date(f"{day.month}{sep}{day.day}{sep}{year}", day_first=False) == day
    assert parse_date(day.isoformat(), day_first=False) == day
