"""issuers' own images: achievement badge images and issuer logos

Revision ID: 0011_images
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_images'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table of its own (no column added to achievements or issuers): nothing existing is
    # copied or locked, on SQLite or PostgreSQL.
    op.create_table(
        'images',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('issuer_id', sa.Integer(), nullable=False),
        sa.Column('achievement_id', sa.String(length=64), nullable=True),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('media_type', sa.String(length=20), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('current', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_images_subject', 'images',
                    ['issuer_id', 'role', 'achievement_id', 'current'])


def downgrade() -> None:
    op.drop_index('ix_images_subject', table_name='images')
    op.drop_table('images')
