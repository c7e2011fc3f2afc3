"""signing keys marked compromised; API keys' last use

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable columns: added (and dropped) in place on SQLite and PostgreSQL alike.
    op.add_column('signing_keys',
                  sa.Column('compromised_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('api_keys', sa.Column('last_used_at', sa.DateTime(timezone=True),
                                        nullable=True))


def downgrade() -> None:
    op.drop_column('api_keys', 'last_used_at')
    op.drop_column('signing_keys', 'compromised_at')
