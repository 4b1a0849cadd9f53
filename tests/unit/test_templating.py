"""The one templating mechanism: user templates before packaged ones, strict variables,
escaping by file type, and amounts, dates and rates written as each language writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest

from invoicing import templating
from invoicing.templating import (
    environment,
    fill,
    format_amount,
    format_day,
    format_money,
    format_percent,
    format_price,
    localized,
    render,
)

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", f"1.190,00{NBSP}€"), ("en", "€1,190.00"), ("fr", f"1{NNBSP}190,00{NBSP}€"), ("da", f"1.190,00{NBSP}€")],
)
def test_an_amount_with_its_currency_is_written_as_the_language_writes_it(language: str, expected: str) -> None:
    """GIVEN 1190 EUR WHEN formatted for a language THEN grouping, decimal mark and symbol follow it."""
    assert format_money(Decimal("1190"), "EUR", language) == expected


def test_amounts_without_currency_keep_two_decimals_and_prices_up_to_four() -> None:
    """GIVEN amounts and unit prices WHEN formatted THEN amounts show cents, prices their own decimals."""
    assert format_amount(Decimal("1234.5"), "de") == "1.234,50"
    assert format_amount(Decimal("-0.5"), "en") == "-0.50"
    assert format_price(Decimal("12.3929"), "en") == "12.3929"
    assert format_price(Decimal("12.3"), "de") == "12,30"


def test_dates_and_rates_per_language() -> None:
    """GIVEN 5 January 2025 and 7.5 % WHEN formatted THEN each language's medium/short form and percent sign."""
    day = dt.date(2025, 1, 5)
    assert format_day(day, "de") == "05.01.2025"
    assert format_day(day, "en") == "5 Jan 2025"
    assert format_day(day, "fr") == "5 janv. 2025"
    assert format_day(day, "da") == "5. jan. 2025"
    assert format_day(day, "en", "short") == "05/01/2025"
    assert format_percent(Decimal("7.5"), "de") == f"7,5{NBSP}%"
    assert format_percent(Decimal("19"), "en") == "19%"


def test_an_unknown_language_is_a_clear_error() -> None:
    """GIVEN a language the product does not speak WHEN formatting THEN ValueError names the choices."""
    with pytest.raises(ValueError, match="en, de, fr, da"):
        format_money(Decimal(1), "EUR", "xx")


def test_filters_take_the_language_of_the_template(tmp_path: Path) -> None:
    """GIVEN a template using the filters WHEN rendered with language=de THEN German forms are printed."""
    (tmp_path / "t.txt").write_text(
        "{{ total|money('EUR') }} {{ day|date }} {{ rate|percent }} {{ total|amount(language='en') }}"
    )
    text = render("t.txt", {"language": "de", "total": Decimal("1190"), "day": dt.date(2025, 1, 5),
                            "rate": Decimal(19)}, tmp_path)  # fmt: skip
    assert text == f"1.190,00{NBSP}€ 05.01.2025 19{NBSP}% 1,190.00"


def test_a_user_template_overrides_the_packaged_one_of_the_same_name(tmp_path: Path) -> None:
    """GIVEN a user folder with invoice/invoice.css WHEN looked up by name THEN the user's file is used,
    and packaged templates the user did not override are still found."""
    (tmp_path / "invoice").mkdir()
    (tmp_path / "invoice" / "invoice.css").write_text("body { color: red; }")
    text, where = templating.source("invoice/invoice.css", tmp_path)
    assert text == "body { color: red; }" and where == tmp_path / "invoice" / "invoice.css"
    packaged, _ = templating.source("invoice/invoice.css")
    assert "A4" in packaged
    assert environment(tmp_path).get_template("invoice/qrbill.html").filename.startswith(str(templating.PACKAGED))


def test_environments_are_built_once_per_folder(tmp_path: Path) -> None:
    """GIVEN two lookups of the same folder WHEN the environment is asked for THEN it is the same object."""
    assert environment(tmp_path) is environment(tmp_path)
    assert environment() is environment(None)
    assert environment(tmp_path) is not environment()


def test_an_undefined_variable_fails_loudly(tmp_path: Path) -> None:
    """GIVEN a template naming a value the caller does not give WHEN rendered THEN it raises."""
    (tmp_path / "t.txt").write_text("Dear {{ name }}")
    with pytest.raises(jinja2.UndefinedError):
        render("t.txt", {}, tmp_path)


def test_html_and_xml_are_escaped_and_text_is_not(tmp_path: Path) -> None:
    """GIVEN customer text with markup WHEN put into .html, .xml and .txt templates THEN only the first
    two escape it."""
    for name in ("t.html", "t.xml", "t.txt"):
        (tmp_path / name).write_text("{{ text }}")
    hostile = '<img src="file:///etc/passwd"> & "x"'
    assert render("t.html", {"text": hostile}, tmp_path) == "&lt;img src=&#34;file:///etc/passwd&#34;&gt; &amp; &#34;x&#34;"
    assert render("t.xml", {"text": hostile}, tmp_path).startswith("&lt;img")
    assert render("t.txt", {"text": hostile}, tmp_path) == hostile


def test_a_localized_template_falls_back_to_english(tmp_path: Path) -> None:
    """GIVEN only mail/reminder.en.txt and .de.txt WHEN French and German are asked for THEN English
    and German are returned."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "reminder.en.txt").write_text("en")
    (tmp_path / "mail" / "reminder.de.txt").write_text("de")
    env = environment(tmp_path)
    assert localized(env, "mail/reminder", "fr", ".txt").render() == "en"
    assert localized(env, "mail/reminder", "de", ".txt").render() == "de"


def test_fill_replaces_named_placeholders_only() -> None:
    """GIVEN a label with placeholders, one unknown and one reaching for an attribute WHEN filled THEN
    only the known names are replaced and nothing is evaluated."""
    assert fill("Pay {amount} by {date}", amount="10,00 €", date="05.01.2025") == "Pay 10,00 € by 05.01.2025"
    assert fill("{amount.__class__} {other}", amount="1") == "{amount.__class__} {other}"
