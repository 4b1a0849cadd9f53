"""Importing a CRM export: an upsert keyed by external id, then VAT ID, then e-mail, on SQLite and
PostgreSQL; refused rows are reported with their line while the good ones go in."""

from __future__ import annotations

from sqlalchemy import func, select

from invoicing import audit
from invoicing.contact_import import Outcome, import_rows
from invoicing.crm_export import read_export
from invoicing.db.models import AuditEvent, Contact
from invoicing.directory import ContactInput, add_contact, add_user
from invoicing.domain import Role

HEADER = "external_id;name;email;vat_id;address;postcode;city;country;manager\n"
EXPORT = HEADER + (
    "C-1;Muster Software GmbH;info@muster.example;DE123456788;Hauptstraße 1;10115;Berlin;DE;\n"
    "C-2;ACME SARL;billing@acme.example;FR40303265045;1 rue de la Paix;75002;Paris;FR;\n"
    "C-3;Nordisk ApS;;;Vesterbrogade 1;1620;København;DK;\n"
)


def _import(db, clock, text: str, **options) -> list:
    return list(import_rows(db, clock, read_export(text.encode(), "export.csv").rows, **options))


def _events(db) -> list[AuditEvent]:
    with db.transaction() as s:
        return list(s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


def _contacts(db) -> list[Contact]:
    with db.transaction() as s:
        return list(s.execute(select(Contact).order_by(Contact.id)).scalars())


def test_importing_the_same_export_twice_adds_once_and_then_changes_and_audits_nothing(db, clock):
    """GIVEN an export of three customers WHEN it is imported twice THEN the first run adds three
    audited contacts, and the second finds each unchanged and writes no audit event."""
    first = _import(db, clock, EXPORT)
    assert [(r.line, r.outcome) for r in first] == [(2, Outcome.ADDED), (3, Outcome.ADDED), (4, Outcome.ADDED)]
    events = len(_events(db))
    assert events == 3

    again = _import(db, clock, EXPORT)
    assert [r.outcome for r in again] == [Outcome.UNCHANGED] * 3
    assert [r.contact_id for r in again] == [r.contact_id for r in first]
    assert len(_events(db)) == events and len(_contacts(db)) == 3
    assert all(c.is_customer and not c.is_vendor for c in _contacts(db))


def test_a_changed_address_updates_the_contact_with_an_event_of_the_changed_fields_only(db, clock):
    """GIVEN an imported customer WHEN the export later has a new street and city for it THEN the
    contact is updated, and one contact.updated event holds just those fields before and after."""
    _import(db, clock, EXPORT)
    moved = EXPORT.replace("Hauptstraße 1;10115;Berlin", "\"Neue Straße 5\nAufgang B\";20095;Hamburg")
    results = _import(db, clock, moved)
    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert results[0].changed == ("address", "postcode", "city")
    last = _events(db)[-1]
    assert (last.action, last.entity_id) == ("contact.updated", results[0].contact_id)
    assert last.before == {"address": "Hauptstraße 1", "postcode": "10115", "city": "Berlin"}
    assert last.after == {"address": "Neue Straße 5\nAufgang B", "postcode": "20095", "city": "Hamburg"}
    with db.transaction() as s:
        assert audit.verify_chain(s).ok


def test_a_hand_entered_contact_is_found_by_vat_id_linked_to_the_crm_and_keeps_what_the_export_lacks(db, clock):
    """GIVEN a vendor entered by hand with an IBAN WHEN the CRM export has it (same VAT ID) as a
    customer THEN it takes the external id, becomes customer and vendor, and keeps its IBAN."""
    with db.transaction() as s:
        vendor = add_contact(s, clock, ContactInput(name="Muster Software", vat_id="DE123456788",
                                                    iban="DE02120300000000202051", is_vendor=True)).id  # fmt: skip
    results = _import(db, clock, EXPORT)
    assert (results[0].outcome, results[0].contact_id) == (Outcome.UPDATED, vendor)
    assert set(results[0].changed) == {"external_id", "name", "email", "customer", "address", "postcode",
                                       "city", "country"}  # fmt: skip
    with db.transaction() as s:
        contact = s.get(Contact, vendor)
        assert (contact.external_id, contact.iban, contact.is_customer, contact.is_vendor) == (
            "C-1", "DE02120300000000202051", True, True)  # fmt: skip


def test_a_record_whose_keys_point_at_two_contacts_is_reported_not_merged(db, clock):
    """GIVEN two imported customers WHEN a record keeps C-1's external id but carries C-2's VAT ID,
    or is found by VAT ID or e-mail on a contact that holds another external id or VAT ID THEN
    each row is refused, naming the contacts, and nothing changes."""
    _import(db, clock, EXPORT)
    before = [(c.id, c.name, c.vat_id, c.external_id, c.email) for c in _contacts(db)]
    events = len(_events(db))
    text = HEADER + (
        "C-1;Muster Software GmbH;;FR40303265045;;;;;\n"
        "C-9;ACME again;;FR40303265045;;;;;\n"
        ";Someone;billing@acme.example;ATU13585627;;;;;\n"
    )
    results = _import(db, clock, text)
    assert [(r.line, r.outcome) for r in results] == [(2, Outcome.REFUSED), (3, Outcome.REFUSED), (4, Outcome.REFUSED)]
    assert [r.reason for r in results] == [
        "external id C-1 is contact #1, but VAT ID FR40303265045 is contact #2",
        "VAT ID FR40303265045 is contact #2, whose external id is C-2, not C-9",
        "e-mail billing@acme.example is contact #2, whose VAT ID is FR40303265045, not ATU13585627",
    ]
    assert [(c.id, c.name, c.vat_id, c.external_id, c.email) for c in _contacts(db)] == before
    assert len(_events(db)) == events


def test_an_e_mail_may_be_shared_but_alone_it_matches_only_one_contact(db, clock):
    """GIVEN two contacts sharing an accounting mailbox WHEN a record with a new VAT ID has that
    address THEN it is refused (which one?), while one found by its VAT ID may take the address."""
    with db.transaction() as s:
        for name in ("A GmbH", "B GmbH"):
            add_contact(s, clock, ContactInput(name=name, email="Buchhaltung@group.example", is_customer=True))
        add_contact(s, clock, ContactInput(name="C GmbH", vat_id="DE123456788", is_customer=True))
    ambiguous, by_vat = _import(db, clock, "name;email;vat_id\nD GmbH;buchhaltung@group.example;ATU13585627\n"
                                           "C GmbH;buchhaltung@group.example;DE123456788\n")  # fmt: skip
    assert ambiguous.reason == ("e-mail buchhaltung@group.example belongs to contacts #1, #2; "
                                "merge them or give each its own")  # fmt: skip
    assert (by_vat.outcome, by_vat.contact_id, by_vat.changed) == (Outcome.UPDATED, 3, ("email",))


def test_bad_rows_are_refused_with_their_line_while_every_good_row_goes_in(db, clock):
    """GIVEN an export mixing good rows with a bad VAT ID, a missing name and an unknown manager,
    imported in batches of two THEN the refusals carry their lines and reasons, and all the good
    rows are in, the manager named by e-mail or name resolved."""
    with db.transaction() as s:
        mia = add_user(s, clock, name="Mia Muster", role=Role.MANAGER, email="mia@example.com").id
    text = HEADER + (
        "C-1;Good One;;;;;;DE;mia@example.com\n"
        "C-2;Bad VAT;;DE123456789;;;;DE;\n"
        "C-3;;no-name@example.com;;;;;DE;\n"
        "C-4;Good Two;;;;;;FR;mia muster\n"
        "C-5;Unknown manager;;;;;;DE;Bob\n"
        "C-6;Good Three;;;;;;DK;\n"
    )
    results = _import(db, clock, text, batch_size=2)
    assert [(r.line, r.outcome) for r in results] == [
        (2, Outcome.ADDED), (3, Outcome.REFUSED), (4, Outcome.REFUSED), (5, Outcome.ADDED),
        (6, Outcome.REFUSED), (7, Outcome.ADDED)]  # fmt: skip
    assert "not a valid VAT ID" in results[1].reason and results[2].reason == "name: missing"
    assert results[4].reason == "unknown manager 'Bob': no user has that id, e-mail or name"
    contacts = _contacts(db)
    assert [c.name for c in contacts] == ["Good One", "Good Two", "Good Three"]
    assert [c.manager_id for c in contacts] == [mia, mia, None]


def test_a_manager_name_two_users_share_is_refused_with_their_ids(db, clock):
    with db.transaction() as s:
        for email in ("a@example.com", "b@example.com"):
            add_user(s, clock, name="Mia", role=Role.MANAGER, email=email)
    [result] = _import(db, clock, "name;manager\nX;Mia\n")
    assert result.reason == "manager 'Mia' names users #1, #2; give the id or e-mail instead"


def test_a_dry_run_reports_what_would_happen_and_changes_nothing(db, clock):
    """GIVEN an imported export WHEN a changed one with a new row is dry-run THEN the outcomes say
    updated and added, a row repeated in the next batch is seen as added once, and nothing is kept."""
    _import(db, clock, EXPORT)
    events = len(_events(db))
    changed = EXPORT.replace("Berlin", "Potsdam") + "C-4;New One;;;;;;DE;\nC-4;New One;;;;;;DE;\n"
    results = _import(db, clock, changed, dry_run=True, batch_size=2)
    assert [r.outcome for r in results] == [Outcome.UPDATED, Outcome.UNCHANGED, Outcome.UNCHANGED,
                                            Outcome.ADDED, Outcome.UNCHANGED]  # fmt: skip
    assert len(_events(db)) == events and len(_contacts(db)) == 3
    assert _contacts(db)[0].city == "Berlin"


def test_an_export_row_that_says_vendor_imports_a_vendor(db, clock):
    _import(db, clock, "name;vendor\nSupplier AG;yes\n")
    [contact] = _contacts(db)
    assert (contact.is_customer, contact.is_vendor) == (False, True)
    with db.transaction() as s:
        assert s.execute(select(func.count()).select_from(AuditEvent)).scalar() == 1
