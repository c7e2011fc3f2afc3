"""share links

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('share_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_unique_constraint('uq_credentials_share_token', ['share_token'])



def downgrade() -> None:
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_constraint('uq_credentials_share_token', type_='unique')
        batch_op.drop_column('share_enabled')
        batch_op.drop_column('share_token')

