"""Registry entries linked to their DEQAR institution (DEQAR-sourced QA records)

Revision ID: 0025_deqar
Revises: 0024_eseals
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_deqar'
down_revision = "0024_eseals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('registry_entries') as batch:
        batch.add_column(sa.Column('deqar_id', sa.String(20), nullable=True))
        batch.create_index('ix_registry_entries_deqar_id', ['deqar_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('registry_entries') as batch:
        batch.drop_index('ix_registry_entries_deqar_id')
        batch.drop_column('deqar_id')
