"""status lists

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('status_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('bits', sa.LargeBinary(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('signed', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('status_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_lists_issuer_id'), ['issuer_id'], unique=False)

    op.create_table('status_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['status_lists.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('list_id', 'index')
    )
    with op.batch_alter_table('status_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_entries_subject'), ['subject'], unique=False)

    with op.batch_alter_table('issuers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspension', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('issuers', schema=None) as batch_op:
        batch_op.drop_column('suspension')

    with op.batch_alter_table('status_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_entries_subject'))

    op.drop_table('status_entries')
    with op.batch_alter_table('status_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_lists_issuer_id'))

    op.drop_table('status_lists')
