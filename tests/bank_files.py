"""Bank files for tests and benchmarks, written the way banks write them: camt.053 and camt.054.

Each version gets its own shapes, as the official schemas have them: from .001.07 on the status
is Sts/Cd and a party Dbtr/Pty/Nm (before: Sts and Dbtr/Nm); from .001.03 on a transaction says
its amount in TxDtls/Amt (before: AmtDtls/TxAmt/Amt). The element order follows the schemas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

OUR_IBAN = "DE02120300000000202051"


@dataclass(frozen=True)
class Tx:
    amount: str
    currency: str = "EUR"
    name: str | None = None
    iban: str | None = None
    ustrd: tuple[str, ...] = ()
    #: A structured creditor reference (Strd/CdtrRefInf/Ref), typed SCOR, or QRR for a Swiss QR reference.
    ref: str | None = None
    ref_type: str = "SCOR"
    e2e: str | None = None
    acct_svcr_ref: str | None = None
    #: The transaction's own direction (TxDtls/CdtDbtInd, from .001.03 on); default: the entry's.
    side: str | None = None


@dataclass(frozen=True)
class Entry:
    txs: tuple[Tx, ...]
    side: str = "CRDT"
    booking: str = "2026-04-01"
    value: str | None = "2026-04-01"
    ref: str | None = None
    ntry_ref: str | None = None
    status: str = "BOOK"
    reversal: bool = False
    #: The entry's amount; default: the sum of its transactions.
    amount: str | None = None
    currency: str | None = None
    #: The bank's booking text (AddtlNtryInf).
    info: str | None = None
    #: Leave the transactions' amounts out (some banks do, in batches; the schemas of .001.03 to .06 do not allow it).
    tx_amounts: bool = True
    bank_code: tuple[str, str, str] = field(default=("PMNT", "RCDT", "ESCT"))


def camt053(entries: Sequence[Entry], *, version: str = "08", account: str = OUR_IBAN, stmt_id: str = "STMT-2026-04-01") -> bytes:
    """Return a camt.053 statement (BkToCstmrStmt) of `entries`, version .001.`version`."""
    return _message("053", "BkToCstmrStmt", "Stmt", entries, version, account, stmt_id)


def camt054(entries: Sequence[Entry], *, version: str = "08", account: str = OUR_IBAN, stmt_id: str = "NTF-2026-04-01-1") -> bytes:
    """Return a camt.054 debit/credit notification (BkToCstmrDbtCdtNtfctn) of `entries`."""
    return _message("054", "BkToCstmrDbtCdtNtfctn", "Ntfctn", entries, version, account, stmt_id)


def _message(kind: str, message: str, report: str, entries: Sequence[Entry], version: str, account: str, stmt_id: str) -> bytes:
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version}"

    def el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        child = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            child.text = text
        return child

    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    body = el(root, message)
    header = el(body, "GrpHdr")
    el(header, "MsgId", f"MSG-{stmt_id}")
    el(header, "CreDtTm", "2026-04-01T06:00:00+02:00")
    stmt = el(body, report)
    el(stmt, "Id", stmt_id)
    el(stmt, "CreDtTm", "2026-04-01T06:00:00+02:00")
    acct = el(stmt, "Acct")
    el(el(acct, "Id"), "IBAN", account)
    el(acct, "Ccy", "EUR")
    if kind == "053":
        for code, amount in (("OPBD", "1000.00"), ("CLBD", "1000.00")):
            bal = el(stmt, "Bal")
            el(el(el(bal, "Tp"), "CdOrPrtry"), "Cd", code)
            el(bal, "Amt", amount, Ccy="EUR")
            el(bal, "CdtDbtInd", "CRDT")
            el(el(bal, "Dt"), "Dt", "2026-04-01")
    for entry in entries:
        _entry(el, stmt, entry, int(version))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _entry(el, stmt: etree._Element, entry: Entry, version: int) -> None:  # noqa: ANN001 - the local builder
    ntry = el(stmt, "Ntry")
    if entry.ntry_ref:
        el(ntry, "NtryRef", entry.ntry_ref)
    total = entry.amount or f"{sum(Decimal(tx.amount) for tx in entry.txs):.2f}"
    el(ntry, "Amt", total, Ccy=entry.currency or (entry.txs[0].currency if entry.txs else "EUR"))
    el(ntry, "CdtDbtInd", entry.side)
    if entry.reversal:
        el(ntry, "RvslInd", "true")
    if version < 7:
        el(ntry, "Sts", entry.status)
    else:
        el(el(ntry, "Sts"), "Cd", entry.status)
    el(el(ntry, "BookgDt"), "Dt", entry.booking)
    if entry.value:
        el(el(ntry, "ValDt"), "Dt", entry.value)
    if entry.ref:
        el(ntry, "AcctSvcrRef", entry.ref)
    domain = el(el(ntry, "BkTxCd"), "Domn")
    el(domain, "Cd", entry.bank_code[0])
    family = el(domain, "Fmly")
    el(family, "Cd", entry.bank_code[1])
    el(family, "SubFmlyCd", entry.bank_code[2])
    if entry.txs:
        details = el(ntry, "NtryDtls")
        if len(entry.txs) > 1:
            el(el(details, "Btch"), "NbOfTxs", str(len(entry.txs)))
        for tx in entry.txs:
            _tx(el, details, tx, entry, version)
    if entry.info:
        el(ntry, "AddtlNtryInf", entry.info)


def _tx(el, details: etree._Element, tx: Tx, entry: Entry, version: int) -> None:  # noqa: ANN001
    txd = el(details, "TxDtls")
    if tx.acct_svcr_ref or tx.e2e:
        refs = el(txd, "Refs")
        if tx.acct_svcr_ref:
            el(refs, "AcctSvcrRef", tx.acct_svcr_ref)
        el(refs, "EndToEndId", tx.e2e or "NOTPROVIDED")
    if entry.tx_amounts:
        if version < 3:
            el(el(el(txd, "AmtDtls"), "TxAmt"), "Amt", tx.amount, Ccy=tx.currency)
        else:
            el(txd, "Amt", tx.amount, Ccy=tx.currency)
            el(txd, "CdtDbtInd", tx.side or entry.side)
    # A reversal keeps the parties of the booking it reverses: the other side's.
    incoming = ((tx.side or entry.side) == "CRDT") != entry.reversal
    party, account = ("Dbtr", "DbtrAcct") if incoming else ("Cdtr", "CdtrAcct")
    if tx.name or tx.iban:
        parties = el(txd, "RltdPties")
        if tx.name:
            holder = el(parties, party)
            el(holder if version < 7 else el(holder, "Pty"), "Nm", tx.name)
        if tx.iban:
            el(el(el(parties, account), "Id"), "IBAN", tx.iban)
    if tx.ustrd or tx.ref:
        rmt = el(txd, "RmtInf")
        for text in tx.ustrd:
            el(rmt, "Ustrd", text)
        if tx.ref:
            ref_info = el(el(rmt, "Strd"), "CdtrRefInf")
            kind = el(el(ref_info, "Tp"), "CdOrPrtry")
            if tx.ref_type == "SCOR":
                el(kind, "Cd", "SCOR")
            else:
                el(kind, "Prtry", tx.ref_type)
            el(ref_info, "Ref", tx.ref)
