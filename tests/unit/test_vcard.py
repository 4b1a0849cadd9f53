"""vCard exports (3.0, 4.0 and Outlook's 2.1) read into contacts to import."""

from __future__ import annotations

import pytest

from invoicing import vcard
from invoicing.crm_export import ExportError, ExportRow, RowError, read_export

VCARD_30 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "UID:crm-0001\r\n"
    "FN:Anna Example\r\n"
    "ORG:Muster Software GmbH;Buchhaltung\r\n"
    "EMAIL;TYPE=INTERNET,HOME:anna@home.example\r\n"
    "EMAIL;TYPE=INTERNET,WORK,PREF:rechnung@muster.example\r\n"
    "TEL;TYPE=WORK:+49 30 123456\r\n"
    "ADR;TYPE=WORK:;;Hauptstraße 1\\nHinterhaus;Berlin;;10115;Deutschland\r\n"
    "NOTE:Kunde seit 2019\\, Zahlungsziel\r\n"
    "  30 Tage\r\n"
    "END:VCARD\r\n"
)


def test_a_vcard_30_gives_org_as_name_uid_as_external_id_and_the_work_address():
    """GIVEN a 3.0 card with a person, a company, two e-mails, phone and note THEN the company is
    the name, the preferred e-mail is taken, TEL and NOTE are ignored."""
    [row] = read_export(VCARD_30.encode(), "contacts.vcf").rows
    assert isinstance(row, ExportRow) and row.line == 1
    c = row.contact
    assert (c.name, c.external_id, c.email) == ("Muster Software GmbH", "crm-0001", "rechnung@muster.example")
    assert (c.address, c.postcode, c.city, c.country) == ("Hauptstraße 1\nHinterhaus", "10115", "Berlin", "DE")
    assert c.is_customer and not c.is_vendor


def test_a_vcard_40_with_fn_only_and_folded_lines_is_read():
    text = (
        "BEGIN:VCARD\nVERSION:4.0\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\n"
        "FN:Jean Dupont Conseil\n"
        'ADR;TYPE=work;LABEL="1 rue de la Paix\\n75002 Paris":;;1 rue de la\n'
        "  Paix,Bâtiment B;Paris;;75002;FR\n"
        "EMAIL;PREF=1:jean@dupont.example\nEND:VCARD\n"
    )
    [row] = read_export(text.encode(), "x.vcf").rows
    c = row.contact
    assert (c.name, c.external_id) == ("Jean Dupont Conseil", "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1")
    assert (c.address, c.city, c.postcode, c.country) == ("1 rue de la Paix\nBâtiment B", "Paris", "75002", "FR")


def test_outlook_21_quoted_printable_in_its_charset_with_soft_line_breaks():
    """GIVEN Outlook's vCard 2.1: bare parameters, quoted-printable in Windows-1252 broken over
    lines with "=" THEN the values come out whole and in the right letters."""
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=Windows-1252:Gro=DF;Anna\r\n"
        "FN;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:Anna Gro=DF\r\n"
        "ORG;CHARSET=utf-8;ENCODING=QUOTED-PRINTABLE:B=C3=A4ckerei Gro=C3=9F, M=C3=BCnchen\r\n"
        "ADR;WORK;ENCODING=QUOTED-PRINTABLE;CHARSET=Windows-1252:;;Stra=DFe 1=0D=0A=\r\n"
        "Hof 2;M=FCnchen;;80331;Deutschland\r\n"
        "EMAIL;PREF;INTERNET:anna@baeckerei.example\r\n"
        "END:VCARD\r\n"
    )
    [row] = read_export(text.encode("ascii"), "outlook.vcf").rows
    c = row.contact
    assert c.name == "Bäckerei Groß, München"
    assert (c.address, c.city, c.postcode, c.country) == ("Straße 1\nHof 2", "München", "80331", "DE")
    assert c.email == "anna@baeckerei.example"


def test_several_cards_each_with_the_line_it_starts_on_and_bad_ones_refused():
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Good One\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nTEL:123\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Far Away\nADR:;;1 Road;Town;;;Atlantis\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Cut off\n"
    )
    good, nameless, far, cut = read_export(text.encode(), "x.vcf").rows
    assert isinstance(good, ExportRow) and good.line == 1
    assert nameless == RowError(5, "name: missing")
    assert far.line == 9 and "unknown country" in far.reason
    assert cut == RowError(14, "no END:VCARD at the end of the file")


def test_a_vcf_file_without_a_card_is_refused_as_a_whole():
    with pytest.raises(ExportError, match="no vCard"):
        read_export(b"name,city\n", "contacts.vcf")


def test_escapes_and_structured_values():
    prop = vcard.parse_property(r"item1.ADR;TYPE=work:;;Rue A\, 3\;bis;Lyon;;69001;FR")
    assert prop is not None and prop.name == "ADR" and prop.types() == {"work"}
    assert prop.components() == ["", "", "Rue A, 3;bis", "Lyon", "", "69001", "FR"]
    assert vcard.unescape(r"a\nb\\c") == "a\nb\\c"


def test_an_escaped_comma_in_a_30_street_stays_on_its_line_and_21_commas_are_plain_text():
    card_30 = "BEGIN:VCARD\nVERSION:3.0\nFN:A\nADR:;;Rue A\\, 3,Cour B;Lyon;;69001;FR\nEND:VCARD\n"
    card_21 = "BEGIN:VCARD\nVERSION:2.1\nFN:B\nADR:;;Rue A, 3;Lyon;;69001;FR\nEND:VCARD\n"
    first, second = read_export((card_30 + card_21).encode(), "x.vcf").rows
    assert first.contact.address == "Rue A, 3\nCour B"
    assert second.contact.address == "Rue A, 3"
