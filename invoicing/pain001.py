"""A SEPA credit transfer file (ISO 20022 pain.001.001.09) paying approved supplier invoices. Pure.

One payment information block per requested execution date, charges shared (SLEV), service level
SEPA. Texts are reduced to the characters every SEPA bank accepts (EPC basic Latin: letters, digits,
space and / - ? : ( ) . , ' +): umlauts are transliterated (ä -> ae), accents dropped, anything else
becomes a space. Names longer than 70 characters are shortened; a remittance text or an id that
does not fit is refused rather than cut, because the supplier needs all of it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from invoicing.billing import is_creditor_reference
from invoicing.errors import InvoicingError

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
#: Largest amount of one SEPA credit transfer (EPC rulebook, AT-04).
MAX_AMOUNT = Decimal("999999999.99")
_SEPA_TEXT = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SEPA_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")
#: Letters that do not decompose into a base letter and an accent.
_TRANSLITERATE = str.maketrans({
    "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "&": "+", "Æ": "AE", "æ": "ae",
    "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
    "Þ": "Th", "þ": "th",
})  # fmt: skip


class InvalidPayment(InvoicingError):
    """A payment that cannot go into a SEPA file; `position` is the 1-based payable (0: the file)."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"payment {position}: {reason}" if position else f"payment file: {reason}")
        self.position = position
        self.reason = reason


@dataclass(frozen=True, slots=True)
class DebtorAccount:
    """Our account the payments leave from."""

    name: str
    iban: str
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class Payable:
    """One supplier invoice to pay."""

    creditor_name: str
    iban: str
    amount: Decimal
    execution_date: dt.date
    #: The id the supplier's bank passes on to them (at most 35 SEPA characters), unique in the file.
    end_to_end_id: str
    #: The supplier's invoice number or other text, sent unstructured (at most 140 characters)...
    remittance: str | None = None
    #: ...or the ISO 11649 creditor reference ("RF..") it asks for, sent structured.
    reference: str | None = None
    bic: str | None = None
    currency: str = "EUR"


def credit_transfer(
    debtor: DebtorAccount, payables: Sequence[Payable], *, message_id: str, created_at: dt.datetime,
    batch_booking: bool = True,
) -> bytes:  # fmt: skip
    """Return the pain.001.001.09 XML (UTF-8) paying `payables` from `debtor`'s account."""
    _check_file(debtor, payables, message_id, created_at)
    for position, payable in enumerate(payables, start=1):
        _check(payable, position)
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _el(root, "CstmrCdtTrfInitn")
    header = _el(initiation, "GrpHdr")
    _el(header, "MsgId", message_id)
    _el(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    _el(header, "NbOfTxs", str(len(payables)))
    _el(header, "CtrlSum", _amount(sum((p.amount for p in payables), Decimal(0))))
    _el(_el(header, "InitgPty"), "Nm", sepa_text(debtor.name, 70))
    dates = sorted({p.execution_date for p in payables})
    for number, date in enumerate(dates, start=1):
        batch = [p for p in payables if p.execution_date == date]
        _payment_information(initiation, debtor, batch, f"{message_id[:30]}-{number}", date, batch_booking)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _payment_information(parent: etree._Element, debtor: DebtorAccount, batch: list[Payable], info_id: str,
                         date: dt.date, batch_booking: bool) -> None:  # fmt: skip
    info = _el(parent, "PmtInf")
    _el(info, "PmtInfId", info_id)
    _el(info, "PmtMtd", "TRF")
    _el(info, "BtchBookg", "true" if batch_booking else "false")
    _el(info, "NbOfTxs", str(len(batch)))
    _el(info, "CtrlSum", _amount(sum((p.amount for p in batch), Decimal(0))))
    _el(_el(_el(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _el(_el(info, "ReqdExctnDt"), "Dt", date.isoformat())
    _el(_el(info, "Dbtr"), "Nm", sepa_text(debtor.name, 70))
    _el(_el(_el(info, "DbtrAcct"), "Id"), "IBAN", stdnum_iban.compact(debtor.iban))
    _agent(_el(info, "DbtrAgt"), debtor.bic)
    _el(info, "ChrgBr", "SLEV")
    for payable in batch:
        _transaction(info, payable)


def _transaction(parent: etree._Element, payable: Payable) -> None:
    tx = _el(parent, "CdtTrfTxInf")
    _el(_el(tx, "PmtId"), "EndToEndId", payable.end_to_end_id)
    _el(_el(tx, "Amt"), "InstdAmt", _amount(payable.amount), Ccy=payable.currency)
    if payable.bic:
        _agent(_el(tx, "CdtrAgt"), payable.bic)
    _el(_el(tx, "Cdtr"), "Nm", sepa_text(payable.creditor_name, 70))
    _el(_el(_el(tx, "CdtrAcct"), "Id"), "IBAN", stdnum_iban.compact(payable.iban))
    remittance = _el(tx, "RmtInf")
    if payable.reference:
        reference = _el(_el(remittance, "Strd"), "CdtrRefInf")
        _el(_el(_el(reference, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
        _el(reference, "Ref", "".join(payable.reference.split()).upper())
    else:
        _el(remittance, "Ustrd", sepa_text(payable.remittance or "", 140))


def _agent(parent: etree._Element, bic: str | None) -> None:
    institution = _el(parent, "FinInstnId")
    if bic:
        _el(institution, "BICFI", stdnum_bic.compact(bic))
    else:  # IBAN-only: SEPA banks find the agent from the IBAN
        _el(_el(institution, "Othr"), "Id", "NOTPROVIDED")


def _el(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def sepa_text(text: str, limit: int) -> str:
    """Return `text` in the SEPA basic character set, spaces collapsed, cut to `limit` characters."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_SEPA_TEXT.sub(" ", plain).split())[:limit].rstrip()


def _check_file(debtor: DebtorAccount, payables: Sequence[Payable], message_id: str, created_at: dt.datetime) -> None:
    if not payables:
        raise InvalidPayment(0, "no payments")
    if not _SEPA_ID.fullmatch(message_id) or message_id.startswith("/"):
        raise InvalidPayment(0, f"message id {message_id!r}: 1 to 35 SEPA characters, not starting with /")
    if created_at.tzinfo is None:
        raise InvalidPayment(0, "the creation time needs a time zone")
    if not sepa_text(debtor.name, 70):
        raise InvalidPayment(0, "our account needs a name")
    if not stdnum_iban.is_valid(debtor.iban):
        raise InvalidPayment(0, f"our IBAN {debtor.iban!r} is not valid")
    if debtor.bic and not stdnum_bic.is_valid(debtor.bic):
        raise InvalidPayment(0, f"our BIC {debtor.bic!r} is not valid")
    ids = [p.end_to_end_id for p in payables]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise InvalidPayment(0, f"end-to-end id {repeated[0]!r} is used twice")


def _check(payable: Payable, position: int) -> None:
    if payable.currency != "EUR":
        raise InvalidPayment(position, f"SEPA pays in EUR only, not {payable.currency}")
    if not Decimal("0.01") <= payable.amount <= MAX_AMOUNT or payable.amount != round(payable.amount, 2):
        raise InvalidPayment(position, f"amount {payable.amount}: 0.01 to {MAX_AMOUNT}, in cents")
    if not sepa_text(payable.creditor_name, 70):
        raise InvalidPayment(position, "the supplier needs a name")
    if not stdnum_iban.is_valid(payable.iban):
        raise InvalidPayment(position, f"IBAN {payable.iban!r} is not valid")
    if payable.bic and not stdnum_bic.is_valid(payable.bic):
        raise InvalidPayment(position, f"BIC {payable.bic!r} is not valid")
    if not _SEPA_ID.fullmatch(payable.end_to_end_id) or payable.end_to_end_id.startswith("/") or "//" in payable.end_to_end_id:
        raise InvalidPayment(position, f"end-to-end id {payable.end_to_end_id!r}: 1 to 35 SEPA characters, no leading / or //")
    if payable.reference and payable.remittance:
        raise InvalidPayment(position, "give the remittance text or the creditor reference, not both")
    if payable.reference and not is_creditor_reference(payable.reference):
        raise InvalidPayment(position, f"{payable.reference!r} is no RF creditor reference; send it as remittance text")
    if not payable.reference and not sepa_text(payable.remittance or "", 1000):
        raise InvalidPayment(position, "needs the supplier's invoice number or reference")
    if len(sepa_text(payable.remittance or "", 1000)) > 140:
        raise InvalidPayment(position, "the remittance text is longer than 140 characters")
