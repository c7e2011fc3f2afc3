"""console cohorts: a bulk job uploaded in the console, previewed as a draft before issuing

Revision ID: 0014_cohort_drafts
Revises: 0013_achievement_versions
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_cohort_drafts'
down_revision = '0013_achievement_versions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table of its own: bulk_jobs (and the workers' claim query) stay as they are; a draft's
    # rows simply carry states no worker claims.
    op.create_table(
        'cohorts',
        sa.Column('job_id', sa.String(length=64), nullable=False),
        sa.Column('issuer_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('created_by', sa.String(length=320), nullable=False),
        sa.Column('encoding', sa.String(length=20), nullable=False),
        sa.Column('separator', sa.String(length=10), nullable=False),
        sa.Column('unknown_columns', sa.JSON(), nullable=False),
        sa.Column('ready', sa.Integer(), nullable=False),
        sa.Column('problems', sa.Integer(), nullable=False),
        sa.Column('formula_rows', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['job_id'], ['bulk_jobs.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('job_id'),
    )
    op.create_index('ix_cohorts_issuer_id', 'cohorts', ['issuer_id'])


def downgrade() -> None:
    op.drop_index('ix_cohorts_issuer_id', table_name='cohorts')
    op.drop_table('cohorts')
