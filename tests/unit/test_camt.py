"""camt.053/.054 statements become entries: every version alike, batches split, nothing unsafe parsed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from invoicing.statements import Side, UnreadableStatement
from invoicing.statements.camt import read_camt
from tests.bank_files import OUR_IBAN, Entry, Tx, camt053, camt054

PAYER = "DE89370400440532013000"
SINGLE = Entry(
    (Tx("1190.00", name="Muster GmbH", iban="DE89 3704 0044 0532 0130 00", ustrd=("Invoice INV-2026-0001", "thank you"),
        e2e="E2E-4711"),),
    ref="2026040100001", booking="2026-04-01", value="2026-04-02", info="SEPA-GUTSCHRIFT",
)  # fmt: skip


@pytest.mark.parametrize("version", ["02", "04", "06", "07", "08", "13"])
@pytest.mark.parametrize("build", [camt053, camt054])
def test_a_credit_reads_the_same_from_every_version_and_message(build, version: str):
    """GIVEN one SEPA credit in camt.053 or camt.054, old or new version WHEN read THEN the same entry comes out."""
    read = read_camt(build([SINGLE], version=version))
    assert read.problems == ()
    [entry] = read.entries
    assert (entry.reference, entry.booking_date, entry.value_date) == ("2026040100001", dt.date(2026, 4, 1), dt.date(2026, 4, 2))
    assert (entry.amount, entry.currency, entry.side, entry.booked, entry.reversal) == (D("1190.00"), "EUR", Side.CREDIT, True, False)
    assert (entry.counterparty_name, entry.counterparty_iban) == ("Muster GmbH", PAYER)
    assert entry.remittance == "Invoice INV-2026-0001 thank you"
    assert (entry.end_to_end_id, entry.references, entry.account_iban) == ("E2E-4711", (), OUR_IBAN)
    assert entry.line is not None and entry.line > 10


def test_structured_references_rf_and_swiss_qr_are_kept_compact():
    entry = Entry((Tx("100.00", ref="RF18 5390 0754 7034"),), ref="R1")
    qr = Entry((Tx("50.00", currency="CHF", ref="21 00000 00003 13947 14300 09017", ref_type="QRR"),), ref="R2")
    [rf_entry, qr_entry] = read_camt(camt053([entry, qr])).entries
    assert rf_entry.structured_reference == "RF18539007547034"
    assert (qr_entry.structured_reference, qr_entry.currency) == ("210000000003139471430009017", "CHF")


def test_a_batch_becomes_one_entry_per_transaction():
    """GIVEN a batch booking of three transfers with their own amounts THEN three entries with their own
    payer, reference and amount, keyed by the batch's reference and each transaction's."""
    batch = Entry(
        (Tx("100.00", name="A", iban=PAYER, ref="RF18539007547034", acct_svcr_ref="T-1"),
         Tx("250.50", name="B", ustrd=("INV-2026-0002",)),
         Tx("9.99", name="C", side="CRDT")),
        ref="BATCH-7",
    )  # fmt: skip
    for version in ("02", "08"):
        entries = read_camt(camt053([batch], version=version)).entries
        assert [(e.reference, e.amount, e.counterparty_name) for e in entries] == [
            ("BATCH-7/T-1", D("100.00"), "A"), ("BATCH-7/2", D("250.50"), "B"), ("BATCH-7/3", D("9.99"), "C"),
        ]  # fmt: skip
        assert entries[0].structured_reference == "RF18539007547034" and entries[1].remittance == "INV-2026-0002"


def test_a_batch_whose_transactions_say_no_amount_stays_one_entry():
    batch = Entry((Tx("60.00", ustrd=("INV-1",)), Tx("40.00", ustrd=("INV-2",))), ref="B-8", tx_amounts=False)
    [entry] = read_camt(camt053([batch])).entries
    assert (entry.reference, entry.amount, entry.remittance, entry.counterparty_name) == ("B-8", D("100.00"), "INV-1 INV-2", None)


def test_debits_reversals_and_pending_entries_say_so():
    """GIVEN a payment to a supplier, its reversal (a credit with RvslInd) and a pending credit THEN each entry
    says which it is, and the other party of both the debit and its reversal is the supplier."""
    debit = Entry((Tx("80.00", name="Supplier AG", iban=PAYER),), side="DBIT", ref="D1")
    returned = Entry((Tx("80.00", name="Supplier AG", iban=PAYER),), side="CRDT", reversal=True, ref="D2")
    pending = Entry((Tx("5.00"),), status="PDNG", ref="P1")
    read = read_camt(camt053([debit, returned, pending]))
    assert [(e.side, e.reversal, e.booked, e.counterparty_name) for e in read.entries] == [
        (Side.DEBIT, False, True, "Supplier AG"), (Side.CREDIT, True, True, "Supplier AG"), (Side.CREDIT, False, False, None),
    ]  # fmt: skip


def test_an_entry_without_references_gets_a_stable_hash_and_the_bank_text():
    """GIVEN entries with no AcctSvcrRef, one with an NtryRef THEN the NtryRef is the key, and the other gets a hash
    that is the same when read again and differs from its twin's at another position."""
    bare = Entry((), amount="3.00", info="Interest Q1")
    data = camt053([Entry((Tx("1.00"),), ntry_ref="N-1"), bare, bare])
    first, second = read_camt(data), read_camt(data)
    assert first.entries[0].reference == "N-1"
    assert first.entries[1].reference.startswith("sha256:") and first.entries[1].remittance == "Interest Q1"
    assert [e.reference for e in first.entries] == [e.reference for e in second.entries]
    assert first.entries[1].reference != first.entries[2].reference


def test_namespaces_do_not_matter():
    """GIVEN a bank's own namespace, or none THEN the statement reads the same."""
    data = camt053([SINGLE])
    for namespace in (b"urn:bank:example:camt.053", b""):
        changed = data.replace(b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", namespace)
        changed = changed.replace(b' xmlns=""', b"")
        assert read_camt(changed).entries[0].amount == D("1190.00")


def test_a_bad_entry_is_a_problem_with_its_line_and_the_others_are_read():
    data = camt053([SINGLE, Entry((Tx("12,50"),), ref="BAD", amount="12,50"), Entry((Tx("2.00"),), ref="OK")])
    read = read_camt(data)
    assert [e.reference for e in read.entries] == ["2026040100001", "OK"]
    [problem] = read.problems
    assert problem.line is not None and "entry 2 of statement 'STMT-2026-04-01': amount '12,50'" in problem.reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml at all", "not XML"),
        (b"<Document><pain.001/></Document>", "not a camt.053/.054/.052 message"),
        (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document><BkToCstmrStmt/></Document>', "DOCTYPE"),
    ],
)
def test_what_is_not_a_statement_is_refused_clearly(data: bytes, message: str):
    with pytest.raises(UnreadableStatement, match=message):
        read_camt(data)


def test_an_external_entity_is_never_fetched_and_a_large_file_is_refused(tmp_path):
    """GIVEN an XXE attempt naming a local file THEN it is refused before anything is read; GIVEN a file over
    the cap THEN it is refused by size."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]><Document><BkToCstmrStmt>&x;</BkToCstmrStmt></Document>'
    with pytest.raises(UnreadableStatement) as raised:
        read_camt(xxe.encode())
    assert "TOP SECRET" not in str(raised.value)
    with pytest.raises(UnreadableStatement, match="more than the 100 accepted"):
        read_camt(camt053([SINGLE]), max_bytes=100)
