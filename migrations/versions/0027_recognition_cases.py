"""Recognition cases (credentials weighed against a target) and targets' entry requirement

Revision ID: 0027_recognition_cases
Revises: 0026_recognition_targets
"""
import sqlalchemy as sa
from alembic import op

revision = '0027_recognition_cases'
down_revision = "0026_recognition_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recognition_targets') as batch:
        batch.add_column(sa.Column('entry', sa.JSON(), nullable=True))
    op.create_table(
        'recognition_cases',
        sa.Column('id', sa.String(32), primary_key=True),
        sa.Column('issuer_id', sa.Integer(),
                  sa.ForeignKey('issuers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('target_id', sa.String(32),
                  sa.ForeignKey('recognition_targets.id', ondelete='CASCADE'), nullable=False),
        sa.Column('target_version', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(20), nullable=False),
        sa.Column('applicant', sa.String(200), nullable=True),
        sa.Column('credentials', sa.JSON(), nullable=False),
        sa.Column('assessment', sa.JSON(), nullable=False),
        sa.Column('recommendation', sa.String(20), nullable=False),
        sa.Column('decision', sa.String(20), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.Column('decided_by', sa.String(200), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_recognition_cases_issuer_id', 'recognition_cases', ['issuer_id'])
    op.create_index('ix_recognition_cases_target_id', 'recognition_cases', ['target_id'])


def downgrade() -> None:
    op.drop_index('ix_recognition_cases_target_id', 'recognition_cases')
    op.drop_index('ix_recognition_cases_issuer_id', 'recognition_cases')
    op.drop_table('recognition_cases')
    with op.batch_alter_table('recognition_targets') as batch:
        batch.drop_column('entry')
