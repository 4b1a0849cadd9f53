"""Label vocabularies: the words that announce a field, in English, German, French, Danish and Dutch.

Patterns are regular expressions matched against folded text (lower case, accents removed, see
`dates.fold`). Where labels overlap, the longest match wins, so specific labels such as
"Lieferdatum" (OTHER_DATE) or "Gesamtbetrag der Zuschläge" (IGNORE) shadow the generic "datum" or
"gesamtbetrag". The weight says how surely the label names the field (1.0 sure, 0.5 a guess).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: "Invoice" as OCR also reads it: "In" run together into "m" ("mvoice"), "n" read as "m"
#: ("imvoice"), "I" read as "l", "1" or "|". Used in the labels of the number and the date.
_INVOICE = r"[il1|]?[nm]voice"

_NO = r"(?:n(?:umber|ummer|umero|um|o|r|°|º|˚|\.)?\.?|#|nummer|number|numero|n°|nr\.?)"

# A tax word's end: a word boundary, or a rate OCR glued to it ("TVA17%", "VAT20%").
_WORD_END = r"(?:\b|(?=\d{1,2}(?:[.,]\d{1,2})?\s?%))"

INVOICE_NUMBER = "invoice_number"
ISSUE_DATE = "issue_date"
DUE_DATE = "due_date"
TOTAL = "total"
NET_TOTAL = "net_total"
TAX_TOTAL = "tax_total"
VAT_ID = "vat_id"
BUYER_VAT_ID = "buyer_vat_id"
IBAN = "iban"
BUYER = "buyer"
SELLER = "seller"
TERMS = "terms"
CURRENCY = "currency"
IGNORE = "ignore"
#: A label of another date than the invoice's ("Order Date", "Lieferdatum", "Check out"): its
#: date is no issue date, and nothing else.
OTHER_DATE = "other_date"
#: "vom", "du", "dated" date an invoice only beside its number ("Rechnung Nr. 1 vom 05.03.2018",
#: "Facture n°12 du 2 juillet 2015").
VOM = r"\b(?:vo[mn]|du|dated|van)\b"

#: A document's title ("Invoice", "Rechnung"), which the number may follow or stand under.
TITLE = (
    r"(?:tax\s+)?(?:invoice|rechnung|handelsrechnung|facture(?:\s+d['’]avoir)?|faktura|gutschrift|avoir|credit\s+note"
    r"|receipt|quittung|kvittering|factuur)"
)


@dataclass(frozen=True, slots=True)
class Label:
    field: str
    pattern: str
    weight: float = 1.0
    #: A phrase of a sentence, whose value follows it in the same sentence, never on another line.
    in_sentence: bool = False


#: The payer's own account, which a direct debit draws from: "von Ihrem Konto mit IBAN ...",
#: "debited from your account", "prélevé sur votre compte"; an IBAN labelled as the buyer's
#: ("Käufer-IBAN", "Buyer IBAN", "IBAN du client").
PAYERS_ACCOUNT = re.compile(
    r"\b(?:ihrem|ihres|your|votre|jeres|din|dit)\s+(?:konto|account|compte|bankkonto)\b"
    r"|lastschrift|direct\s*debit|prelevement|preleve|abgebucht|eingezogen|debited|betalingsservice"
    r"|\b(?:from|von|fra|sur)\s+(?:(?:your|ihrem|jeres|din|dit|votre)\s+)?(?:konto|account|compte|bankkonto)\b"
    r"|\btr(?:æ|ae)kker\b|\bcollected\b"
    r"|\b(?:kaufer|kunden|buyer|customer|debtor|payer|acheteur)(?:['’]?s)?\s*-?\s*iban\b"
    r"|\biban\s*(?:du\s+|de\s+l['’]\s*)?(?:client|acheteur)\b|\biban\s*(?:des\s+)?(?:kunden|kaufers)\b"
)


def _labels(field: str, weight: float, *patterns: str, in_sentence: bool = False) -> tuple[Label, ...]:
    return tuple(Label(field, p, weight, in_sentence) for p in patterns)


LABELS: tuple[Label, ...] = (
    *_labels(
        INVOICE_NUMBER, 1.0,
        rf"{_INVOICE}\s*{_NO}", rf"{_INVOICE}\s*id", rf"tax\s*{_INVOICE}\s*{_NO}", r"rechnungs-?\s*nummer",
        rf"rechnungs?\s*-?\s*{_NO}", rf"rg\.?\s*-?\s*{_NO}", r"rechnung\s*nr\.?", r"belegnummer",
        rf"beleg\s*-?\s*{_NO}", rf"gutschrifts?\s*-?\s*{_NO}", r"gutschriftsnummer",
        rf"facture\s*{_NO}", rf"{_NO}\s*(?:de\s*)?facture", r"numero\s*de\s*facture",
        rf"avoir\s*{_NO}", rf"{_NO}\s*d'avoir", r"fakturanr\.?", r"fakturanummer",
        rf"faktura\s*{_NO}", rf"kreditnota\s*-?\s*{_NO}", rf"credit\s*note\s*{_NO}", r"document\s*no\.?",
        r"bill\s*no\.?",
        rf"receipt\s*{_NO}", rf"{_INVOICE}\s*[#+]", r"inv\s*no\.?", r"rechnungs-?\s*id",
        r"factuurnummer", rf"factuur\s*-?\s*{_NO}",
    ),
    *_labels(INVOICE_NUMBER, 0.8, r"booking\s*(?:id|no\.?|number|reference)"),
    *_labels(INVOICE_NUMBER, 0.7, r"\bnr\.", r"\bno\.", r"\bn°", r"numero", r"reference"),
    *_labels(INVOICE_NUMBER, 0.6, r"\bnumber\b", r"\bnummer\b", r"\bnr\b", r"\bno\b(?=\s*[:#])", r"^no$", r"^no(?=\s+\d)"),
    *_labels(
        ISSUE_DATE, 1.0,
        rf"{_INVOICE}\s*date", r"date\s*of\s*issue", r"issue\s*date", r"date\s*issued", r"billing\s*date",
        r"rechnungsdatum", r"rechnungs-?\s*datum", r"ausstellungsdatum", r"beleg-?\s*datum",
        r"date\s*de\s*(?:la\s*)?facture", r"date\s*d'emission", r"date\s*de\s*facturation",
        r"fakturadato", r"fakturadatum", r"invoice\s*issue\s*date", r"date\s*de\s*l'avoir",
        r"gutschriftsdatum", r"receipt\s*date", r"factuur\s*-?\s*datum",
    ),
    # A bare date's word after an article is prose ("avant la date d'echeance", "before the date of").
    *_labels(ISSUE_DATE, 0.6, r"(?<!\bdas )(?<!\bdem )\bdatum\b", r"(?<!\bla )(?<!\bthe )\bdate\b", r"\bdato\b"),
    *_labels(ISSUE_DATE, 0.5, VOM),
    *_labels(ISSUE_DATE, 0.9, r"issued\s*(?:at|on)", r"date\s*of\s*invoice"),
    # A German letter's place and date: "München, den 01.11.2024".
    *_labels(ISSUE_DATE, 0.9, r"(?<=,\s)den(?=\s+\d|\s*$)"),
    *_labels(
        DUE_DATE, 1.0,
        r"due\s*date", r"payment\s*due", r"date\s*due", r"due\s*by", r"pay\s*by", r"due\s*on",
        r"falligkeitsdatum", r"falligkeit", r"fallig\s*am", r"fallig\s*bis", r"zahlbar\s*bis",
        r"zahlungsziel", r"zahlungstermin", r"date\s*d'echeance", r"echeance", r"a\s*payer\s*avant",
        r"forfaldsdato", r"forfald", r"betalingsfrist", r"sidste\s*rettidige\s*betalingsdato",
        r"\bfallig\b", r"uberweisen\s*sie\s*(?:den\s*betrag\s*)?bis(?:\s*zum)?",
        r"(?:please\s*)?remit\s*(?:until|by)", r"payable\s*(?:until|by|before)", r"zahlung\s*bis(?:\s*zum)?",
        r"date\s*limite(?:\s*de\s*(?:paiement|reglement))?", r"vervaldatum", r"uiterste\s*betaaldatum",
        r"te\s*betalen\s*voor", r"zahlbar\s*(?:am|zum)", r"a\s*regler\s*le",
    ),
    *_labels(DUE_DATE, 0.9, r"\bdue\b(?!\s*(?:to|from)\b)", r"betales\s*senest", r"\bexigible\b"),
    # The due date said in a sentence that ends with it ("Please settle this invoice by 2 January 2025.",
    # "À régler au plus tard le 19/06/2025.", "Sidste rettidige betaling 26.03.2024.").
    *_labels(
        DUE_DATE, 0.9,
        r"settle\s*(?:this\s*invoice\s*|the\s*amount\s*)?(?:by|before|on)", r"no\s*later\s*than",
        r"zahlen\s*sie\s*(?:den\s*betrag\s*)?bis(?:\s*zum)?", r"bis\s*spatestens(?:\s*(?:zum|am))?",
        r"spatestens\s*(?:bis\s*)?(?:zum|am)", r"regler\s*avant(?:\s*le)?", r"au\s*plus\s*tard\s*le",
        r"paiement\s*attendu\s*(?:le|avant\s*le|pour\s*le)", r"sidste\s*rettidige\s*betaling",
        r"(?:indbetales|indbetalt|betalt)\s*senest", r"uiterlijk\s*(?:op|voor)?",
        in_sentence=True,
    ),
    *_labels(
        TOTAL, 1.0,
        r"grand\s*total", r"total\s*amount", r"amount\s*due", r"total\s*due", r"balance\s*due",
        r"invoice\s*total", r"total\s*incl\.?(?:uding)?\s*(?:vat|tax)", r"total\s*\(?incl",
        r"gesamtbetrag", r"rechnungsbetrag", r"rechnungssumme", r"bruttosumme", r"bruttobetrag",
        r"\bbrutto\b", r"endbetrag", r"endsumme", r"zahlbetrag", r"zu\s*zahlen", r"gesamtsumme", r"summe\s*brutto",
        r"gesamt\s*brutto", r"montant\s*ttc", r"total\s*ttc", r"net\s*a\s*payer", r"montant\s*total",
        r"total\s*a\s*payer", r"\bi\s*alt\b", r"total\s*inkl\.?\s*moms", r"at\s*betale",
        r"total\s*\(?rm\)?", r"round(?:ing)?\s*total", r"total\s*amount\s*payable", r"total\s*payable",
        r"montant\s*a\s*payer", r"gross\s*total", r"total\s*gross", r"gross\s*amount",
        r"factuur\s*totaal", r"totaalbedrag", r"totaal\s*incl\.?(?:usief)?", r"te\s*betalen",
    ),
    *_labels(
        TOTAL, 0.6, r"\btotal\b", r"\bsumme\b", r"\bbetrag\b", r"\bamount\b", r"\bbalance\b", r"\btotaal\b",
        # An insurer's premium ("Gesamtbeitrag", "Rechnungsbeitrag"): the arithmetic says which is which.
        r"\b[a-z]+beitrag\b",
    ),
    *_labels(
        NET_TOTAL, 1.0,
        r"net\s*total", r"total\s*net", r"net\s*amount", r"subtotal", r"sub-total", r"sub\s*total", r"sous-?\s*total",
        r"total\s*excl\.?(?:uding)?\s*(?:vat|tax)", r"total\s*\(?excl", r"amount\s*excl",
        r"nettobetrag", r"nettosumme", r"summe\s*netto", r"gesamt\s*netto", r"\bnetto\b",
        r"rechnungssumme\s*ohne\s*ust\.?", r"zwischensumme", r"warenwert", r"total\s*ht",
        r"montant\s*ht", r"(?:total|montant)\s*hors\s*taxes?", r"\bht\b", r"netto\s*i\s*alt",
        r"total\s*ekskl\.?\s*moms", r"\bnet\b", r"untaxed\s*amount", r"betrag\s*netto",
        r"subtotaal", r"exclusief\s*btw", r"excl\.?\s*btw", r"totaal\s*excl\.?(?:usief)?(?:\s*btw)?",
        r"grondslag",
    ),
    # "Tax Invoice", "VAT invoice": a document's title, no tax's label.
    *_labels(
        TAX_TOTAL, 1.0,
        rf"\bvat{_WORD_END}(?!\s*invoice)", r"\bmwst\.?", rf"\bust\.?{_WORD_END}", r"umsatzsteuer", r"mehrwertsteuer", r"steuerbetrag",
        rf"\btva{_WORD_END}", r"montant\s*tva", r"(?:montant\s*)?total\s*tva", rf"\bmoms{_WORD_END}", r"tax\s*amount",
        r"total\s*tax", rf"\btax{_WORD_END}(?!\s*invoice)", r"sales\s*tax", rf"\bgst{_WORD_END}(?!\s*invoice)", r"\bigst\b", r"\bsst\b",
        r"summe\s*ust", r"gesamt\s*ust", r"total\s*vat", r"vat\s*amount", rf"\bbtw{_WORD_END}", r"btw\s*bedrag",
        r"totaal\s*btw",
    ),
    # "Taxes" on its own, not "hors taxes" (net) nor "toutes taxes comprises", "all taxes included" (gross).
    *_labels(TAX_TOTAL, 0.9, r"(?<!hors\s)(?<!toutes\s)(?<!all\s)\btaxes\b(?!\s*(?:comprises|incluses|included|incl))"),
    # German compounds of "Steuer" name a tax ("Versicherungsteuer", "Vergnügungssteuer").
    *_labels(TAX_TOTAL, 0.9, r"\b[a-z]{4,}steuer\b"),
    *_labels(
        VAT_ID, 1.0,
        r"vat\s*(?:id|reg(?:istration)?)\.?\s*(?:no\.?|number|nr\.?)?", r"vat\s*no\.?", r"vat\s*number",
        r"ust\.?\s*-?\s*id\.?\s*-?\s*(?:nr\.?|no\.?)?", r"ust-?idnr\.?", r"umsatzsteuer-?\s*id(?:ent)?",
        r"ust-?id", r"ust\.-?id", r"n°\s*(?:de\s*)?tva(?:\s*intra(?:communautaire)?)?",
        r"tva\s*intra(?:communautaire)?", r"numero\s*de\s*tva", r"id\.?\s*tva", r"cvr\s*(?:-?nr\.?)?",
        r"se\s*-?\s*nr\.?", r"moms\s*(?:-?nr\.?|reg)", r"btw\s*-?\s*(?:nr\.?|nummer|id)", r"gstin",
        r"\btin\b", r"tax\s*id", r"vat\s*reg", r"identifiant\s*tva", r"mwst-?nr\.?",
        r"\buid\s*-?\s*(?:nr\.?|nummer)?",
    ),
    *_labels(
        BUYER_VAT_ID, 1.0,
        # The number word is part of the label: "No." alone would name the invoice's number.
        r"(?:your|customer|buyer)\s*vat(?:\s*(?:id|reg(?:istration)?)\.?)?(?:\s*(?:no\.?|nr\.?|number|n°|#)(?![a-z]))?",
        r"ihre\s*ust", r"ihre\s*ust\.?\s*-?\s*id\.?\s*-?\s*(?:nr\.?)?", r"kunden-?\s*ust",
        r"ust\.?\s*-?\s*id\.?\s*-?\s*(?:nr\.?)?\s*(?:des\s*)?kunden?\b",
        r"(?:n°\s*)?tva\s*client", r"votre\s*(?:n°\s*)?(?:de\s*)?tva", r"jeres\s*(?:cvr|moms)",
        r"kundens\s*(?:cvr|moms)", r"uw\s*btw(?:\s*-?\s*(?:nr\.?|nummer))?",
    ),
    *_labels(IBAN, 1.0, r"\biban\b"),
    *_labels(
        BUYER, 1.0,
        r"bill\s*to", r"billed\s*to", r"invoice\s*to", r"invoiced\s*to", r"sold\s*to", r"customer",
        # OCR of small print drops or splits the second "l" ("Bil to", "Bil l To"), or reads the
        # two as an "n" ("Bin to").
        r"\bbil\s*l?\s*to\b", r"\bbin\s+to\b",
        # OCR may break the word at its umlaut ("Rechnungsempf anger").
        r"rechnungsempf\s?anger", r"rechnungsadresse", r"kaufer", r"leistungsempf\s?anger", r"\bkunde\b",
        # OCR reads the accented "à" as an ampersand now and then ("Facturé &").
        r"empf\s?anger", r"facture\s*[a&]", r"facturer\s*[a&]", r"adresse\s*de\s*facturation", r"\bclient\b",
        r"\bacheteur\b", r"faktureres\s*til", r"\bkunde\b", r"modtager", r"guest\s*name", r"buyer",
        r"bill\s*to\s*party", r"billing\s*address", r"factuuradres", r"\bafnemer\b", r"\bdestinataire\b",
        r"^to\s*:",
    ),
    *_labels(
        SELLER, 1.0,
        r"verkaufer", r"\bseller\b", r"\bvendeur\b", r"\bsupplier\b", r"sold\s*by", r"\blieferant\b",
        r"\bfournisseur\b", r"\bsaelger\b", r"\bsalger\b", r"rechnungs(?:er)?steller", r"\bemetteur\b",
        r"^from\s*:",
    ),
    *_labels(
        TERMS, 1.0,
        r"payment\s*terms", r"terms\s*of\s*payment", r"zahlungsbedingungen", r"zahlbar",
        r"conditions\s*de\s*(?:paiement|reglement)", r"payable", r"betalingsbetingelser",
        r"betales\s*senest", r"net\s*\d+\s*days", r"within\s*\d+\s*days", r"a\s*\d+\s*jours",
        r"\d+\s*(?:days?|tage?n?|jours?|dage)\s*net(?:to)?\b", r"netto\s*(?:kontant\s*)?\d+\s*dage",
        r"innerhalb\s*(?:von\s*)?\d+\s*tage?n?", r"sous\s*\d+\s*jours", r"inden\s*\d+\s*dage",
    ),
    *_labels(CURRENCY, 1.0, r"wahrung", r"currency", r"devise", r"valuta", r"monnaie"),
    *_labels(
        IGNORE, 1.0,
        r"kunden-?\s*nr\.?", r"kundennummer", r"customer\s*(?:no|number|id)\.?", r"client\s*n°",
        r"numero\s*client", r"bestell-?\s*nr\.?", r"bestellnummer", r"auftrags?-?\s*nr\.?",
        r"(?:bestellung|lieferung)\s*-?\s*(?:nr\.?|nummer)", r"order\s*#", r"commande\s*n°",
        r"auftragsnummer", r"order\s*(?:no|number|id)\.?", r"purchase\s*order", r"steuernummer",
        r"steuer-?\s*nr\.?", r"tax\s*number", r"gesamtbetrag\s*der\s*(?:zu|ab)schlage",
        r"lieferschein-?\s*(?:nr\.?|nummer)", r"gesamtbetrag\s*der\s*positionen", r"positionssumme",
        r"tax\s*rate", r"steuersatz", r"vat\s*rate", r"taux\s*(?:de\s*)?tva", r"vat\s*%",
        r"mwst\.?\s*-?\s*%", r"ust\.?\s*-?\s*%", r"tva\s*%", r"tax\s*%",
        r"mandatsreferenz", r"glaubiger-?\s*id", r"erhaltene\s*anzahlungen", r"seite", r"page",
        r"handelsregister", r"hrb", r"kvk\s*-?\s*(?:nummer|nr\.?|no\.?)?", r"siret", r"siren",
        r"(?:company|commercial)\s*reg(?:istration|ister)?\.?\s*(?:no\.?|number|nr\.?)", r"telefon", r"phone",
        r"fax", r"tel\.?",
        # A hyphenated compound's number names another document ("Rapport-Nr.", "Art.-Nr.").
        r"(?!rechnung|beleg|faktura|gutschrift|invoice)[a-z]{3,}\s?\.?\s?-\s?(?:nr\.?|nummer|no\.)",
        # A contract's or an insurance policy's number, which an insurer's invoice names beside its own.
        r"[a-z]*versicherung\s*(?:nr\.?|nummer)", r"[a-z]*vertrags?\s*-?\s*(?:nr\.?|nummer)",
        r"versicherungsschein\s*-?\s*(?:nr\.?|nummer)", r"(?:policy|contract)\s*(?:no\.?|number|#)",
        r"bestellreferenz", r"ihr\s*zeichen", r"unser\s*zeichen", r"klantnummer", r"klant\s*-?\s*nr\.?",
        r"ordernummer", r"afleveradres", r"account\s*(?:no|number|nr)\.?", r"konto-?\s*nr\.?", r"kto-?\s*nr\.?",
        r"shipping\s*address", r"delivery\s*address", r"adresse\s*de\s*livraison", r"liefer-?\s*(?:adresse|anschrift)",
        r"leveringsadresse",
        # The buyer's own reference (its order), and a direct debit's mandate: not the invoice's number.
        r"(?:your|customer|buyer)\s*ref(?:erence)?\.?", r"votre\s*ref(?:erence)?\.?", r"ihre?\s*referenz",
        r"jeres\s*ref(?:erence)?\.?", r"uw\s*referentie", r"po\s*(?:no\.?|number|nr\.?|#)",
        r"ihre?\s*bestellung", r"your\s*order", r"votre\s*commande", r"jeres\s*(?:ordre|bestilling)",
        r"reference\s*(?:client|commande)", r"bon\s*de\s*commande", r"n°\s*de\s*commande", r"ordre\s*-?\s*nr\.?",
        r"rekvisition(?:snr\.?)?", r"mandat(?:e)?\s*-?\s*ref(?:erence|erenz)?", r"reference\s*(?:unique\s*)?du\s*mandat",
        r"creditor\s*id", r"kreditor\s*-?\s*id", r"\bics\b",
        # A credit note's or correction's reference to the invoice it corrects.
        r"(?:refers\s*to|corrects|original|oprindelig|krediterer|vedr\.?)\s*(?:invoice|faktura)(?:\s*(?:no\.?|nr\.?|number))?",
        r"facture\s*(?:liee|d'origine|corrigee|initiale)", r"ursprungsrechnung",
        r"(?:bezug:?|zu|korrektur\s*(?:zu|der))\s*rechnung(?:\s*nr\.?)?",
    ),
    *_labels(
        OTHER_DATE, 1.0,
        r"order\s*date\.?", r"lieferdatum", r"leistungsdatum", r"liefer-?\s*und\s*leistungsdatum", r"bestelldatum",
        r"auftragsdatum", r"delivery\s*date", r"date\s*de\s*livraison", r"leveringsdato", r"check\s*in",
        r"check\s*out", r"print\s*date", r"druckdatum", r"datum\s*der\s*lieferung", r"zeitraum", r"period",
        r"due\s*date\s*of\s*the", r"date\s*of\s*(?:delivery|supply)", r"date\s*de\s*(?:la\s*)?facture\s*associee",
        r"date\s*de\s*(?:debut|fin)\b", r"date\s*(?:debut|fin)\b", r"preceding\s*invoice\s*date", r"orderdatum",
        r"leverdatum", r"date\s*de\s*(?:la\s*)?prestation", r"date\s*d'?execution", r"service\s*date",
        r"date\s*of\s*service", r"ydelsesdato",
        # A hyphenated compound names another date ("Leistungs-Datum", "Bestell-Datum", "Liefer-Dato").
        r"(?!rechnungs|beleg|faktura)[a-z]{3,}-\s?(?:datum|dato)\b",
    ),
)
