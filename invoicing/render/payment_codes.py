"""Payment QR codes printed on an invoice: the EPC "GiroCode" and the Swiss QR-bill.

The payer's banking app reads IBAN, amount and reference from the code, so nothing is typed
wrong. EUR invoices with an IBAN get an EPC QR code (EPC069-12, version 002); CHF invoices paid
to a Swiss or Liechtenstein IBAN get a Swiss QR-bill payment part (Swiss Payment Standards,
Implementation Guidelines for the QR-bill 2.3: structured addresses, QR reference with a
QR-IBAN, creditor reference "RF.." or none otherwise). The payloads are built here from the
document, the symbols by segno.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import segno
import segno.helpers

from invoicing.billing import is_creditor_reference, is_qr_iban
from invoicing.document import Address, DocumentKind, InvoiceDocument, PartyDetails

_MAX_AMOUNT = Decimal("999999999.99")
_EPC_NAME = 70


def epc_code(document: InvoiceDocument) -> segno.QRCode | None:
    """Return the EPC QR code for paying `document`, or None where it gets none.

    Only invoices (not credit notes) in EUR with an IBAN and an amount to pay get one.
    """
    bank = document.bank
    total = document.totals.total
    if document.kind is not DocumentKind.INVOICE or bank is None or document.currency != "EUR":
        return None
    if not Decimal("0.01") <= total <= _MAX_AMOUNT:
        return None
    name = _one_line(bank.holder or document.seller.name)[:_EPC_NAME]
    # The structured field takes ISO 11649 references only; anything else goes as text.
    reference = document.payment_reference or ""
    structured = is_creditor_reference(reference)
    return segno.helpers.make_epc_qr(
        name=name, iban=bank.iban, amount=total, bic=bank.bic or None,
        reference="".join(reference.split()).upper() if structured else None,
        text=None if structured else _one_line(reference or document.number)[:140],
    )  # fmt: skip


# --- Swiss QR-bill ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SwissAddress:
    name: str
    street: str
    building: str
    postcode: str
    town: str
    country: str

    def fields(self) -> list[str]:
        return ["S", self.name, self.street, self.building, self.postcode, self.town, self.country]

    def lines(self) -> list[str]:
        """Return the address as printed on the payment part: name, street, postcode and town."""
        street = " ".join(part for part in (self.street, self.building) if part)
        return [line for line in (self.name, street, f"{self.postcode} {self.town}") if line.strip()]


@dataclass(frozen=True, slots=True)
class SwissBill:
    """The data of a QR-bill payment part, as encoded and as printed."""

    iban: str
    creditor: SwissAddress
    debtor: SwissAddress
    amount: Decimal
    currency: str
    #: "QRR" (QR reference), "SCOR" (creditor reference "RF..") or "NON".
    reference_type: str
    reference: str
    message: str

    def payload(self) -> str:
        """Return the text the QR code carries (lines joined by CR LF, no trailing line break)."""
        lines = [
            "SPC", "0200", "1", self.iban, *self.creditor.fields(), *[""] * 7,
            f"{self.amount:.2f}", self.currency, *self.debtor.fields(),
            self.reference_type, self.reference, self.message, "EPD",
        ]  # fmt: skip
        return "\r\n".join(lines)

    @property
    def printed_reference(self) -> str:
        return printed_reference(self.reference)

    @property
    def printed_amount(self) -> str:
        """Return the amount as the QR-bill prints it: "1 949.75"."""
        return f"{self.amount:,.2f}".replace(",", " ")


def printed_reference(reference: str) -> str:
    """Return a payment reference grouped as printed: a QR reference in fives from the right
    ("21 00000 00003 13947 14300 09017"), a creditor reference in fours ("RF18 5390 0754 7034")."""
    compact = "".join(reference.split())
    if compact.isdigit():
        head = len(compact) % 5
        groups = [compact[:head]] if head else []
        return " ".join(groups + [compact[i : i + 5] for i in range(head, len(compact), 5)])
    return grouped_in_fours(compact)


def grouped_in_fours(text: str) -> str:
    """Return an IBAN as the QR-bill prints it: groups of four from the left."""
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def swiss_bill(document: InvoiceDocument) -> SwissBill | None:
    """Return the QR-bill of `document`, or None unless it is a CHF invoice to a CH/LI IBAN."""
    bank = document.bank
    total = document.totals.total
    if document.kind is not DocumentKind.INVOICE or bank is None or document.currency != "CHF":
        return None
    if bank.iban[:2] not in ("CH", "LI") or not Decimal("0.01") <= total <= _MAX_AMOUNT:
        return None
    reference = "".join((document.payment_reference or "").split()).upper()
    if is_qr_iban(bank.iban):
        kind = "QRR"  # the rules made sure the document carries a QR reference
    elif is_creditor_reference(reference):
        kind = "SCOR"
    else:
        kind, reference = "NON", ""
    creditor = _swiss_address(document.seller, bank.holder)
    return SwissBill(
        iban=bank.iban, creditor=creditor, debtor=_swiss_address(document.buyer), amount=total,
        currency="CHF", reference_type=kind, reference=reference,
        message=_swiss_text(document.number, 140),
    )  # fmt: skip


_HOUSE_NUMBER = re.compile(r"\d+\s?[a-zA-Z]?(?:[-/]\d+\s?[a-zA-Z]?)?")


def split_street(line: str) -> tuple[str, str]:
    """Return (street, building number) of an address line: "Rue du Lac 1268" or "12 rue de la Paix"."""
    words = line.split()
    if len(words) > 1 and _HOUSE_NUMBER.fullmatch(words[-1]):
        return " ".join(words[:-1]), words[-1]
    if len(words) > 1 and _HOUSE_NUMBER.fullmatch(words[0].rstrip(",")):
        return " ".join(words[1:]), words[0].rstrip(",")
    return line, ""


def _swiss_address(party: PartyDetails, name: str | None = None) -> SwissAddress:
    address: Address = party.address
    street, building = split_street(address.lines[0]) if address.lines else ("", "")
    return SwissAddress(
        name=_swiss_text(name or party.name, 70), street=_swiss_text(street, 70),
        building=_swiss_text(building, 16), postcode=_swiss_text(address.postcode, 16),
        town=_swiss_text(address.city, 35), country=address.country,
    )  # fmt: skip


def _swiss_text(text: str, limit: int) -> str:
    """Return `text` in the QR-bill's character set (Latin), on one line, cut to `limit`."""
    out = []
    for char in unicodedata.normalize("NFC", _one_line(text)):
        if _latin(char):
            out.append(char)
            continue
        # Letters outside the set lose their accents ("ş" -> "s"); anything else becomes "."
        base = unicodedata.normalize("NFKD", char)[0]
        out.append(base if _latin(base) and base.isalnum() else ".")
    return "".join(out)[:limit].strip()


def _latin(char: str) -> bool:
    code = ord(char)
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0x17F or char in "ȘșȚț€"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def swiss_code(bill: SwissBill) -> segno.QRCode:
    """Return the QR-bill's QR code: error correction M, UTF-8 (the Swiss cross is drawn over it)."""
    return segno.make_qr(bill.payload(), error="m", boost_error=False, encoding="utf-8")
