"""getting paid: bank statement entries, discounts and lateness on payments, the reminder schedule

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import invoicing.db.models
import invoicing.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("next_reminder_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("paid_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("payment_exported_at", invoicing.db.models.UtcDateTime(), nullable=True))
        batch.create_index("ix_invoices_next_reminder_on", ["next_reminder_on"], unique=False)
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("discount", invoicing.db.types.Money(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("days_late", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("effect_started_at", invoicing.db.models.UtcDateTime(), nullable=True))
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("fee_invoice_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_reminders_fee_invoice_id_invoices", "invoices", ["fee_invoice_id"], ["id"])
    op.create_table(
        "bank_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_ref", sa.String(200), nullable=False),
        sa.Column("account_iban", sa.String(34), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("amount", invoicing.db.types.Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("counterparty_name", sa.String(300), nullable=True),
        sa.Column("counterparty_iban", sa.String(34), nullable=True),
        sa.Column("remittance", sa.Text(), nullable=True),
        sa.Column("structured_ref", sa.String(64), nullable=True),
        sa.Column("end_to_end_id", sa.String(100), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", invoicing.db.models.UtcDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_bank_entries_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_bank_entries_payment_id_payments")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_bank_entries_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
        sa.UniqueConstraint("entry_ref", name=op.f("uq_bank_entries_entry_ref")),
    )
    with op.batch_alter_table("bank_entries") as batch:
        batch.create_index("ix_bank_entries_state", ["state"], unique=False)
        batch.create_index(batch.f("ix_bank_entries_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    op.drop_table("bank_entries")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint("fk_reminders_fee_invoice_id_invoices", type_="foreignkey")
        batch.drop_column("fee_invoice_id")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("effect_started_at")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("days_late")
        batch.drop_column("discount")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index("ix_invoices_next_reminder_on")
        for column in ("payment_exported_at", "paid_on", "next_reminder_on"):
            batch.drop_column(column)
