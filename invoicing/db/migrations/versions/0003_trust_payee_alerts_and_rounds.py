"""payee alerts, approval rounds, captioned approval messages

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_alerts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('approval_round', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('captioned', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_column('captioned')
        batch_op.drop_column('round')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('approval_round')
        batch_op.drop_column('payee_alerts')
