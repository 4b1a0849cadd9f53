"""issuing: customer details, issued invoices, yearly number series, recurring plans

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import invoicing.db.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: Columns of an issued invoice that nothing may change once it has a number (BR: immutability).
FROZEN = ("number", "direction", "currency", "net_total", "tax_total", "total", "issue_date",
          "contact_id", "document_type", "issued")  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("postcode", sa.String(20), nullable=True))
        batch.add_column(sa.Column("city", sa.String(100), nullable=True))
        batch.add_column(sa.Column("country", sa.String(2), nullable=True))
        batch.add_column(sa.Column("invoice_email", sa.String(320), nullable=True))
        batch.add_column(sa.Column("discount_terms", sa.String(40), nullable=True))
        batch.add_column(sa.Column("late_fee_terms", sa.String(40), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("reminders_paused", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("ix_contacts_external_id", ["external_id"], unique=False)

    # A counter per series name and year (numbers restart each year).
    with op.batch_alter_table("number_series") as batch:
        batch.add_column(sa.Column("year", sa.Integer(), nullable=False, server_default="0"))
        batch.drop_constraint("uq_number_series_name", type_="unique")
        batch.create_unique_constraint("uq_number_series_name_year", ["name", "year"])

    with op.batch_alter_table("recurring_plans") as batch:
        batch.add_column(sa.Column("day", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("start_on", sa.Date(), nullable=False, server_default="2000-01-01"))
        batch.add_column(sa.Column("max_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("issued_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("send", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("document_type", sa.String(3), nullable=False, server_default="380"))
        batch.add_column(sa.Column("buyer_vat_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("preceding_invoice_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("issued", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("issued_at", invoicing.db.models.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("sent_at", invoicing.db.models.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("recurring_plan_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recurring_period", sa.String(10), nullable=True))
        batch.add_column(sa.Column("reminders_held_until", sa.Date(), nullable=True))
        batch.create_foreign_key(
            "fk_invoices_preceding_invoice_id_invoices", "invoices", ["preceding_invoice_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_invoices_recurring_plan_id_recurring_plans", "recurring_plans", ["recurring_plan_id"], ["id"]
        )
        batch.create_index("ix_invoices_preceding_invoice_id", ["preceding_invoice_id"], unique=False)
        batch.create_unique_constraint("uq_invoices_plan_period", ["recurring_plan_id", "recurring_period"])

    with op.batch_alter_table("invoice_lines") as batch:
        batch.add_column(sa.Column("tax_category", sa.String(2), nullable=True))
        batch.add_column(sa.Column("unit", sa.String(3), nullable=True))

    with op.batch_alter_table("tasks") as batch:
        batch.create_index("ix_tasks_state_assignee", ["state", "assignee_id"], unique=False)

    _freeze_issued_invoices()


def _freeze_issued_invoices() -> None:
    """Make the database refuse changes to what an issued invoice says (it is corrected by a
    credit note, never edited), whatever code or person tries."""
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)
    if op.get_bind().dialect.name == "postgresql":
        changed_pg = " OR ".join(f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" for c in FROZEN)
        op.execute(
            "CREATE FUNCTION invoices_issued_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF OLD.direction = 'out' AND OLD.number IS NOT NULL AND ({changed_pg}) THEN "
            "RAISE EXCEPTION 'an issued invoice cannot be changed; issue a credit note'; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER invoices_issued_frozen BEFORE UPDATE ON invoices "
            "FOR EACH ROW EXECUTE FUNCTION invoices_issued_frozen()"
        )
    else:
        changed_sqlite = changed.replace("IS DISTINCT FROM", "IS NOT")
        op.execute(
            "CREATE TRIGGER invoices_issued_frozen BEFORE UPDATE ON invoices "
            f"WHEN OLD.direction = 'out' AND OLD.number IS NOT NULL AND ({changed_sqlite}) "
            "BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be changed; issue a credit note'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS invoices_issued_frozen ON invoices")
        op.execute("DROP FUNCTION IF EXISTS invoices_issued_frozen()")
    else:
        op.execute("DROP TRIGGER IF EXISTS invoices_issued_frozen")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_state_assignee")
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_column("unit")
        batch.drop_column("tax_category")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint("uq_invoices_plan_period", type_="unique")
        batch.drop_index("ix_invoices_preceding_invoice_id")
        batch.drop_constraint("fk_invoices_recurring_plan_id_recurring_plans", type_="foreignkey")
        batch.drop_constraint("fk_invoices_preceding_invoice_id_invoices", type_="foreignkey")
        for column in ("reminders_held_until", "recurring_period", "recurring_plan_id", "sent_at", "issued_at",
                       "issued", "preceding_invoice_id", "buyer_vat_id", "document_type"):  # fmt: skip
            batch.drop_column(column)
    with op.batch_alter_table("recurring_plans") as batch:
        for column in ("send", "issued_count", "max_count", "start_on", "day"):
            batch.drop_column(column)
    with op.batch_alter_table("number_series") as batch:
        batch.drop_constraint("uq_number_series_name_year", type_="unique")
        batch.create_unique_constraint("uq_number_series_name", ["name"])
        batch.drop_column("year")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_index("ix_contacts_external_id")
        for column in ("reminders_paused", "external_id", "late_fee_terms", "discount_terms", "invoice_email",
                       "country", "city", "postcode"):  # fmt: skip
            batch.drop_column(column)
