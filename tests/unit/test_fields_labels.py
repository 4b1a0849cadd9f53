"""Finding labels in cells: the indexed search finds what trying every label finds."""

from __future__ import annotations

import re

import pytest

from intake.fields.candidates import _cell_hits, _literal_start
from intake.fields.labels import BUYER, BUYER_VAT_ID, IGNORE, LABELS, OTHER_DATE
from intake.fields.layout import Cell
from intake.words import Word

TEXTS = [
    "Invoice No. 2024-17", "Rechnungsnummer: RE-1", "Rechnung Nr. 12 vom 05.03.2018", "Facture n°12 du 2 juillet 2015",
    "N° de facture", "Fakturanr. 881", "Factuurnummer 7", "Invoice Date", "Rechnungsdatum", "Lieferdatum",
    "Due date", "Fällig am", "Zahlbar bis", "à payer avant le", "Total incl. VAT", "Gesamtbetrag",
    "Nettobetrag", "MwSt. 19 %", "TVA 20 %", "Moms 25 %", "BTW", "I alt", "Subtotal", "Balance due",
    "USt-IdNr.: DE123456789", "VAT ID", "N° TVA intracommunautaire", "IBAN DE89 3704 0044 0532 0130 00",
    "Bill to", "Ship to", "Kunde", "Client", "Payment terms: 30 days net", "14 Tage netto",
    "42 rue du stade", "Amount payable", "Tax invoice #12", "Receipt no 5", "Kvittering", "Belegnummer 9",
    "Leistungsdatum", "Datum", "Date:", "Page 1 of 2", "Qty Description Unit price Amount",
]


def _cell(text: str) -> Cell:
    words = tuple(Word(token, 10.0 * i, 0.0, 10.0 * i + 8, 10.0) for i, token in enumerate(text.split()))
    return Cell(words, 1, 0)


def _every_label(cell: Cell) -> list[tuple[str, int, int]]:
    """Return the hits found by trying every label on the cell (the search before the index)."""
    found = [
        (label.pattern, m.start(), m.end())
        for label in LABELS
        for m in re.finditer(label.pattern, cell.folded)
        if m.end() > m.start() and (m.start() == 0 or not cell.folded[m.start() - 1].isalnum())
    ]
    found.sort(key=lambda h: (-(h[2] - h[1]), h[1]))
    kept: list[tuple[str, int, int]] = []
    for hit in found:
        if all(hit[2] <= k[1] or hit[1] >= k[2] for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h[1])


@pytest.mark.parametrize("text", TEXTS)
def test_indexed_label_search_finds_what_every_label_finds(text: str) -> None:
    """GIVEN a cell of label text WHEN its labels are found THEN they are the ones every label gives."""
    cell = _cell(text)
    assert [(h.label.pattern, h.start, h.end) for h in _cell_hits(cell)] == _every_label(cell)


def test_literal_start_is_the_plain_letters_every_match_begins_with() -> None:
    """GIVEN label patterns WHEN their plain start is taken THEN a quantified or alternative start gives less."""
    assert _literal_start(r"invoice\s*no") == "invoice"
    assert _literal_start(r"\btotal\b") == "total"
    assert _literal_start(r"rechnungs?\s*nr") == "rechnung"
    assert _literal_start(r"(?:tax\s+)?invoice") == ""
    assert _literal_start(r"net|netto") == ""
    assert _literal_start(r"n°\s*tva") == "n"


@pytest.mark.parametrize(
    ("text", "kind"),
    [("Lieferdatum", OTHER_DATE), ("Order Date", OTHER_DATE), ("Check out", OTHER_DATE), ("Leistungs-Datum", OTHER_DATE),
     ("Date de livraison", OTHER_DATE), ("Date de prestation", OTHER_DATE), ("Date d'exécution", OTHER_DATE),
     ("Service date", OTHER_DATE), ("Date of service", OTHER_DATE), ("Ydelsesdato", OTHER_DATE), ("Order No.", IGNORE), ("Mandate reference", IGNORE), ("Kundennummer", IGNORE)],
)  # fmt: skip
def test_another_dates_label_is_a_kind_of_its_own(text: str, kind: str) -> None:
    """GIVEN the label of another date than the invoice's, or of a number that is not the invoice's
    THEN the first is an OTHER_DATE label (its date is no issue date) and the second one to ignore,
    though a mandate's label spells "date" inside it."""
    assert [hit.field for hit in _cell_hits(_cell(text))] == [kind]


@pytest.mark.parametrize("text", ["Facturé à", "Facturé &", "À facturer à"])
def test_a_french_bill_to_label_is_known_with_its_a_read_as_an_ampersand(text: str) -> None:
    """GIVEN "Facturé à", and OCR's reading of it with the "à" as "&" THEN both label the buyer."""
    assert BUYER in [hit.field for hit in _cell_hits(_cell(text))]


@pytest.mark.parametrize("text", ["Kundens momsnr.: SE624664911201", "Jeres momsnr. DK97829829", "Kundens CVR-nr. 97829829"])
def test_a_danish_label_of_the_customers_vat_number_is_the_buyers(text: str) -> None:
    """GIVEN "Kundens momsnr." (the customer's VAT number) and its kin THEN they label the buyer's
    VAT ID, not the seller's."""
    assert BUYER_VAT_ID in [hit.field for hit in _cell_hits(_cell(text))]
