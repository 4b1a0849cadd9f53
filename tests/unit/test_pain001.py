"""Supplier payments become a SEPA pain.001.001.09 file that the official ISO 20022 schema accepts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from invoicing.billing import creditor_reference
from invoicing.pain001 import DebtorAccount, InvalidPayment, Payable, credit_transfer, sepa_text

SCHEMA = etree.XMLSchema(etree.parse(str(files("sepaxml") / "schemas" / "pain.001.001.09.xsd")))
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
US = DebtorAccount("Example Trading GmbH", "DE02 1203 0000 0000 2020 51", "BYLADEM1001")
CREATED = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
MONDAY, TUESDAY = dt.date(2026, 4, 6), dt.date(2026, 4, 7)


def payable(**changes: object) -> Payable:
    fields = {"creditor_name": "Müller & Söhne KG", "iban": "DE89370400440532013000", "amount": D("1190.00"),
              "execution_date": MONDAY, "end_to_end_id": "PAY-1", "remittance": "Rechnung R-2026-117"}  # fmt: skip
    return Payable(**{**fields, **changes})  # type: ignore[arg-type]


def valid(xml: bytes) -> etree._Element:
    document = etree.fromstring(xml)
    assert SCHEMA.validate(document), SCHEMA.error_log
    return document


def test_payments_on_two_days_make_two_blocks_the_schema_accepts():
    """GIVEN three supplier invoices, two to pay Monday (one with an RF reference and a BIC), one Tuesday WHEN the
    file is made THEN it is valid pain.001.001.09 with one block per day, counts and control sums right."""
    ref = creditor_reference("SUP-4711")
    xml = credit_transfer(US, [
        payable(),
        payable(creditor_name="Beta SARL", iban="FR1420041010050500013M02606", bic="PSSTFRPPPAR", amount=D("250.5"),
                end_to_end_id="PAY-2", remittance=None, reference=ref),
        payable(creditor_name="Gamma BV", iban="NL91ABNA0417164300", amount=D("80.00"), execution_date=TUESDAY,
                end_to_end_id="PAY-3", remittance="INV 99"),
    ], message_id="PAIN-2026-04-01-1", created_at=CREATED)  # fmt: skip
    doc = valid(xml)
    assert doc.xpath("string(//p:GrpHdr/p:NbOfTxs)", namespaces=NS) == "3"
    assert doc.xpath("string(//p:GrpHdr/p:CtrlSum)", namespaces=NS) == "1520.50"
    assert doc.xpath("string(//p:GrpHdr/p:CreDtTm)", namespaces=NS) == "2026-04-01T09:30:00+02:00"
    blocks = doc.xpath("//p:PmtInf", namespaces=NS)
    assert [(b.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS), b.findtext("p:CtrlSum", namespaces=NS)) for b in blocks] == [
        ("2026-04-06", "1440.50"), ("2026-04-07", "80.00")]
    assert blocks[0].findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE02120300000000202051"
    assert blocks[0].findtext("p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "BYLADEM1001"
    first, second = blocks[0].findall("p:CdtTrfTxInf", namespaces=NS)
    assert first.findtext("p:Cdtr/p:Nm", namespaces=NS) == "Mueller + Soehne KG"
    assert first.findtext("p:RmtInf/p:Ustrd", namespaces=NS) == "Rechnung R-2026-117"
    assert first.find("p:CdtrAgt", namespaces=NS) is None
    assert second.findtext("p:Amt/p:InstdAmt", namespaces=NS) == "250.50"
    assert second.findtext("p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref", namespaces=NS) == ref
    assert second.findtext("p:RmtInf/p:Strd/p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd", namespaces=NS) == "SCOR"
    assert second.findtext("p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "PSSTFRPPPAR"


def test_without_our_bic_the_agent_is_not_provided():
    doc = valid(credit_transfer(DebtorAccount("Us", US.iban), [payable()], message_id="M1", created_at=CREATED))
    assert doc.xpath("string(//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id)", namespaces=NS) == "NOTPROVIDED"


def test_texts_are_reduced_to_the_sepa_characters():
    assert sepa_text("Müller & Söhne — Łódź Café № 5", 70) == "Mueller + Soehne Lodz Cafe No 5"
    assert sepa_text("A" * 80, 70) == "A" * 70


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"currency": "CHF"}, "EUR only"),
        ({"amount": D("0")}, "amount 0"),
        ({"amount": D("1.005")}, "in cents"),
        ({"iban": "DE89370400440532013001"}, "IBAN 'DE89370400440532013001' is not valid"),
        ({"bic": "NOTABIC"}, "BIC 'NOTABIC' is not valid"),
        ({"end_to_end_id": "x" * 36}, "1 to 35 SEPA characters"),
        ({"end_to_end_id": "a//b"}, "no leading / or //"),
        ({"reference": "RF00INVALID"}, "not both"),
        ({"reference": "12345", "remittance": None}, "no RF creditor reference"),
        ({"remittance": None}, "needs the supplier's invoice number"),
        ({"remittance": "x" * 141}, "longer than 140"),
        ({"creditor_name": "—"}, "needs a name"),
    ],
)
def test_a_payment_that_cannot_go_into_a_sepa_file_is_refused_by_position(changes: dict[str, object], message: str):
    with pytest.raises(InvalidPayment, match=message) as raised:
        credit_transfer(US, [payable(end_to_end_id="OK-1"), payable(**changes)], message_id="M1", created_at=CREATED)
    assert raised.value.position == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"payables": []}, "no payments"),
        ({"payables": [payable(), payable()]}, "end-to-end id 'PAY-1' is used twice"),
        ({"created_at": dt.datetime(2026, 4, 1, 9, 30)}, "needs a time zone"),
        ({"message_id": "/M1"}, "message id '/M1'"),
        ({"debtor": DebtorAccount("Us", "DE00 0000")}, "our IBAN"),
    ],
)
def test_a_file_that_cannot_be_made_says_why(kwargs: dict[str, object], message: str):
    arguments = {"debtor": US, "payables": [payable()], "message_id": "M1", "created_at": CREATED, **kwargs}
    with pytest.raises(InvalidPayment, match=message):
        credit_transfer(arguments.pop("debtor"), arguments.pop("payables"), **arguments)  # type: ignore[arg-type]


@given(
    names=st.lists(st.text(min_size=1, max_size=90).filter(lambda t: sepa_text(t, 70)), min_size=1, max_size=5),
    cents=st.integers(1, 99_999_999_999),
    text=st.text(min_size=1, max_size=140).filter(lambda t: sepa_text(t, 140)),
    day=st.integers(0, 3),
)
def test_any_names_texts_and_amounts_make_a_valid_file(names: list[str], cents: int, text: str, day: int):
    """GIVEN any supplier names and remittance texts (any Unicode) and any amounts THEN the schema accepts the file."""
    payables = [payable(creditor_name=name, amount=D(cents) / 100, remittance=text, end_to_end_id=f"E-{i}",
                        execution_date=MONDAY + dt.timedelta(days=(day + i) % 3)) for i, name in enumerate(names)]  # fmt: skip
    valid(credit_transfer(US, payables, message_id="M-prop", created_at=CREATED))
