"""Recognition targets: the courses and programmes an office recognises credentials against

Revision ID: 0026_recognition_targets
Revises: 0024_eseals
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_recognition_targets'
down_revision = "0025_deqar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recognition_targets',
        sa.Column('id', sa.String(32), primary_key=True),
        sa.Column('issuer_id', sa.Integer(),
                  sa.ForeignKey('issuers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('code', sa.String(64), nullable=False),
        sa.Column('title', sa.String(300), nullable=False),
        sa.Column('language', sa.String(35), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('outcomes', sa.JSON(), nullable=False),
        sa.Column('eqf_level', sa.Integer(), nullable=True),
        sa.Column('qf_ehea_cycle', sa.String(10), nullable=True),
        sa.Column('ects', sa.Numeric(6, 2), nullable=True),
        sa.Column('assessment', sa.JSON(), nullable=False),
        sa.Column('identification', sa.String(40), nullable=True),
        sa.Column('entry_requirements', sa.Text(), nullable=True),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('issuer_id', 'code', name='uq_recognition_target_code'),
    )
    op.create_index('ix_recognition_targets_issuer_id', 'recognition_targets', ['issuer_id'])


def downgrade() -> None:
    op.drop_index('ix_recognition_targets_issuer_id', 'recognition_targets')
    op.drop_table('recognition_targets')
