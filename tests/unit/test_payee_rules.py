"""Payee rules without a database: a changed IBAN, a known VAT ID under another name, name matching."""

from __future__ import annotations

from invoicing.payee_rules import KnownIban, KnownName, iban_alert, name_alert, name_key, same_name

OLD, NEW = "DE89370400440532013000", "GB33BUKB20201555555555"


def test_an_iban_other_than_the_last_one_approved_is_an_alert_naming_that_invoice():
    alert = iban_alert(NEW, KnownIban(OLD, invoice_id=12))
    assert alert == "IBAN changed from DE89 3704 0044 0532 0130 00 to GB33 BUKB 2020 1555 5555 55 since invoice #12"


def test_an_iban_other_than_the_vendor_record_is_an_alert_naming_the_record():
    alert = iban_alert(NEW, KnownIban(OLD, invoice_id=None))
    assert alert == "IBAN changed from DE89 3704 0044 0532 0130 00 (the vendor's record) to GB33 BUKB 2020 1555 5555 55"


def test_the_same_iban_written_differently_or_nothing_known_is_no_alert():
    assert iban_alert("de89 3704 0044 0532 0130 00", KnownIban(OLD, 12)) is None
    assert iban_alert(NEW, None) is None
    assert iban_alert(None, KnownIban(OLD, 12)) is None


def test_a_known_vat_id_under_another_name_is_an_alert():
    known = KnownName("DE123456788", "Lieferant GmbH")
    assert name_alert("Evil Ltd", known) == "VAT ID DE123456788 belongs to Lieferant GmbH, not to Evil Ltd"
    assert name_alert("LIEFERANT  gmbh", known) is None
    assert name_alert("Lieferant", known) is None  # the same name without its legal form
    assert name_alert(None, known) is None
    assert name_alert("Evil Ltd", None) is None


def test_names_match_exactly_after_folding_case_and_spaces():
    assert name_key("  Lieferant   GMBH ") == name_key("lieferant gmbh")
    assert name_key("%") != name_key("Lieferant GmbH")
    assert same_name("Muster Software GmbH", "muster software gmbh.")
    assert not same_name("Li", "Lieferant GmbH")
    assert not same_name("Evil Ltd", "Lieferant GmbH")
