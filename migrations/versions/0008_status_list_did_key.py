"""status lists issued as a did:key (for credentials issued as that did:key)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable column: SQLite adds (and drops) it in place, no table copy.
    op.add_column('status_lists', sa.Column('did_key', sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column('status_lists', 'did_key')
