"""presentation challenges in the database (shared by every instance)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'presentation_challenges',
        sa.Column('challenge', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('challenge'),
    )
    op.create_index('ix_presentation_challenges_expires_at', 'presentation_challenges',
                    ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_presentation_challenges_expires_at', table_name='presentation_challenges')
    op.drop_table('presentation_challenges')
