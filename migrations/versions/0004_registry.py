"""trusted issuer registry

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registry_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('legal_name', sa.String(length=300), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('org_type', sa.String(length=20), nullable=False),
    sa.Column('quality_assurance', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('registry_dids',
    sa.Column('did', sa.String(length=500), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['registry_entries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('did')
    )
    with op.batch_alter_table('registry_dids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_dids_entry_id'), ['entry_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registry_dids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_dids_entry_id'))

    op.drop_table('registry_dids')
    op.drop_table('registry_entries')
