"""ISO 20022 camt.053 (statement), camt.054 (debit/credit notification) and camt.052 (report) to entries.

Elements are found by their local names, so every version (camt.053.001.02 to .13 and on) and
the banks' own namespaces read alike. The parser resolves no entities, loads no DTD, reaches no
network and refuses a DOCTYPE and a file above a size cap: statements come from outside.

An entry (Ntry) with several transactions (a batch booking with TxDtls for each) becomes one
entry per transaction when each says its amount; otherwise it stays one entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from lxml import etree

from invoicing.statements import (
    EntryProblem,
    Side,
    StatementEntry,
    StatementRead,
    UnreadableStatement,
    compact_iban,
    compact_reference,
)

#: Largest statement accepted, in bytes (a month of a busy account is a few MB).
MAX_BYTES = 50 * 1024 * 1024
#: Message element -> the element of each account's statement, notification or report in it.
_MESSAGES = {"BkToCstmrStmt": "Stmt", "BkToCstmrDbtCdtNtfctn": "Ntfctn", "BkToCstmrAcctRpt": "Rpt"}
_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?")
_CURRENCY = re.compile(r"[A-Z]{3}")


class _BadEntry(Exception):
    pass


def read_camt(data: bytes, *, max_bytes: int = MAX_BYTES) -> StatementRead:
    """Return the entries of a camt.053/.054/.052 file, and a problem for each entry that could not be read."""
    root = _parse(data, max_bytes)
    message = root if root.tag in _MESSAGES else next((c for c in root if c.tag in _MESSAGES), None)
    if message is None:
        raise UnreadableStatement(f"not a camt.053/.054/.052 message: the root is <{root.tag}>")
    entries: list[StatementEntry] = []
    problems: list[EntryProblem] = []
    for report in message.iterchildren(_MESSAGES[message.tag]):
        account = compact_iban(report.findtext("Acct/Id/IBAN"))
        report_id = (report.findtext("Id") or "").strip()
        for position, ntry in enumerate(report.iterchildren("Ntry"), start=1):
            try:
                entries.extend(_entries(ntry, account, f"{report_id}#{position}"))
            except _BadEntry as e:
                problems.append(EntryProblem(ntry.sourceline, f"entry {position} of statement {report_id!r}: {e}"))
    return StatementRead(tuple(entries), tuple(problems))


def _parse(data: bytes, max_bytes: int) -> etree._Element:
    if len(data) > max_bytes:
        raise UnreadableStatement(f"the statement is {len(data)} bytes, more than the {max_bytes} accepted")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )  # fmt: skip
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise UnreadableStatement(f"not XML: {e}") from e
    if root.getroottree().docinfo.doctype:
        raise UnreadableStatement("the statement has a DOCTYPE; bank statements have none")
    for element in root.iter():
        element.tag = etree.QName(element).localname
    return root


@dataclass(frozen=True, slots=True)
class _Head:
    """What every transaction of an entry shares."""

    booking_date: dt.date
    value_date: dt.date | None
    side: Side
    booked: bool
    reversal: bool
    account: str | None
    bank_text: str


def _entries(ntry: etree._Element, account: str | None, position_key: str) -> list[StatementEntry]:
    amount, currency = _amount(ntry.find("Amt"), "Amt")
    booking = _date(ntry.find("BookgDt"))
    value = _date(ntry.find("ValDt"))
    if booking is None and value is None:
        raise _BadEntry("no booking or value date")
    status = (ntry.findtext("Sts/Cd") or ntry.findtext("Sts") or "BOOK").strip()
    head = _Head(
        booking_date=booking or value,  # type: ignore[arg-type]
        value_date=value, side=_side(ntry.findtext("CdtDbtInd")), booked=status == "BOOK",
        reversal=(ntry.findtext("RvslInd") or "").strip() == "true", account=account,
        bank_text=" ".join(_texts(ntry, "AddtlNtryInf")),
    )  # fmt: skip
    base = _text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef")
    txs = [tx for details in ntry.iterchildren("NtryDtls") for tx in details.iterchildren("TxDtls")]
    amounts = [_tx_amount(tx) for tx in txs]
    if len(txs) > 1 and all(amounts):
        result = []
        for index, (tx, (tx_amount, tx_currency)) in enumerate(zip(txs, amounts, strict=True), start=1):  # type: ignore[misc]
            entry = _entry(head, tx, tx_amount, tx_currency, _side(tx.findtext("CdtDbtInd"), head.side))
            tx_ref = _text(tx, "Refs/AcctSvcrRef") or str(index)
            key = f"{base}/{tx_ref}" if base else _hash(f"{position_key}/{index}", entry)
            result.append(_with(entry, key, tx.sourceline))
        return result
    entry = _entry(head, txs[0] if len(txs) == 1 else None, amount, currency, head.side)
    if len(txs) > 1:  # a batch whose parts say no amount: one entry carrying what they all say
        parts = [_entry(head, tx, amount, currency, head.side) for tx in txs]
        entry = _merge(entry, parts)
    return [_with(entry, base or _hash(position_key, entry), ntry.sourceline)]


def _entry(head: _Head, tx: etree._Element | None, amount: Decimal, currency: str, side: Side) -> StatementEntry:
    if tx is None:
        return StatementEntry("", head.booking_date, head.value_date, amount, currency, side, remittance=head.bank_text,
                              booked=head.booked, reversal=head.reversal, account_iban=head.account)  # fmt: skip
    # The other party is the debtor of money coming in, the creditor of money going out; a
    # reversal returns money the other way, so its other party is on the other side.
    incoming = (side is Side.CREDIT) != head.reversal
    party, account = ("Dbtr", "DbtrAcct") if incoming else ("Cdtr", "CdtrAcct")
    name = _text(tx, f"RltdPties/{party}/Nm") or _text(tx, f"RltdPties/{party}/Pty/Nm") \
        or _text(tx, f"RltdPties/Ultmt{party}/Nm") or _text(tx, f"RltdPties/Ultmt{party}/Pty/Nm")  # fmt: skip
    remittance = [*_texts(tx, "RmtInf/Ustrd"), *_texts(tx, "RmtInf/Strd/AddtlRmtInf")]
    if not remittance:
        remittance = [*_texts(tx, "AddtlTxInf"), head.bank_text]
    end_to_end = _text(tx, "Refs/EndToEndId")
    return StatementEntry(
        "", head.booking_date, head.value_date, amount, currency, side, counterparty_name=name,
        counterparty_iban=compact_iban(_text(tx, f"RltdPties/{account}/Id/IBAN")),
        remittance=" ".join(part for part in remittance if part),
        references=tuple(compact_reference(r) for r in _texts(tx, "RmtInf/Strd/CdtrRefInf/Ref")),
        end_to_end_id=None if end_to_end in (None, "NOTPROVIDED") else end_to_end,
        booked=head.booked, reversal=head.reversal, account_iban=head.account,
    )  # fmt: skip


def _merge(entry: StatementEntry, parts: list[StatementEntry]) -> StatementEntry:
    remittance = " ".join(p.remittance for p in parts if p.remittance)
    references = tuple(r for p in parts for r in p.references)
    return StatementEntry(
        "", entry.booking_date, entry.value_date, entry.amount, entry.currency, entry.side, remittance=remittance,
        references=references, booked=entry.booked, reversal=entry.reversal, account_iban=entry.account_iban,
    )  # fmt: skip


def _with(entry: StatementEntry, reference: str, line: int | None) -> StatementEntry:
    return replace(entry, reference=reference, line=line)


def _hash(position_key: str, entry: StatementEntry) -> str:
    """Return a reference for an entry the bank gave none: its place in the statement and what it says."""
    fields = (position_key, entry.booking_date, entry.value_date, entry.amount, entry.currency, entry.side.value,
              entry.counterparty_iban, entry.remittance, entry.references, entry.end_to_end_id)  # fmt: skip
    return "sha256:" + hashlib.sha256(repr(fields).encode()).hexdigest()[:32]


def _amount(element: etree._Element | None, where: str) -> tuple[Decimal, str]:
    if element is None:
        raise _BadEntry(f"no amount ({where})")
    text, currency = (element.text or "").strip(), (element.get("Ccy") or "").strip().upper()
    if not _AMOUNT.fullmatch(text):
        raise _BadEntry(f"amount {text!r} is not a plain positive decimal")
    if not _CURRENCY.fullmatch(currency):
        raise _BadEntry(f"amount {text} has no ISO 4217 currency (Ccy={currency!r})")
    try:
        return Decimal(text), currency
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        raise _BadEntry(f"amount {text!r} is not a number") from None


def _tx_amount(tx: etree._Element) -> tuple[Decimal, str] | None:
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        element = tx.find(path)
        if element is not None:
            return _amount(element, path)
    return None


def _date(element: etree._Element | None) -> dt.date | None:
    if element is None:
        return None
    text = (element.findtext("Dt") or element.findtext("DtTm") or "").strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise _BadEntry(f"date {text!r} is not an ISO date") from None


def _side(text: str | None, default: Side | None = None) -> Side:
    text = (text or "").strip()
    if not text and default is not None:
        return default
    try:
        return Side(text)
    except ValueError:
        raise _BadEntry(f"credit/debit indicator {text!r} is neither CRDT nor DBIT") from None


def _text(element: etree._Element, path: str) -> str | None:
    text = " ".join((element.findtext(path) or "").split())
    return text or None


def _texts(element: etree._Element, path: str) -> list[str]:
    return [" ".join(e.text.split()) for e in element.iterfind(path) if e.text and e.text.strip()]
