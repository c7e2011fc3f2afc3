"""achievements, awards, bulk jobs

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('achievements',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievements_issuer_id'), ['issuer_id'], unique=False)

    op.create_table('awards',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.String(length=64), nullable=False),
    sa.Column('learner_key', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('achievement_id', 'learner_key', 'awarded_on'),
    sa.UniqueConstraint('issuer_id', 'idempotency_key')
    )
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awards_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_learner_key'), ['learner_key'], unique=False)

    op.create_table('bulk_jobs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('bulk_rows',
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('award_id', sa.String(length=64), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['bulk_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'row_number')
    )
    with op.batch_alter_table('bulk_rows', schema=None) as batch_op:
        batch_op.create_index('ix_bulk_rows_pending', ['job_id', 'state'], unique=False)

    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('award_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_credentials_award_id'), ['award_id'], unique=False)
        batch_op.create_foreign_key('fk_credentials_award_id', 'awards', ['award_id'], ['id'], ondelete='RESTRICT')



def downgrade() -> None:
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_constraint('fk_credentials_award_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_credentials_award_id'))
        batch_op.drop_column('award_id')

    with op.batch_alter_table('bulk_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_rows_pending')

    op.drop_table('bulk_rows')
    op.drop_table('bulk_jobs')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awards_learner_key'))
        batch_op.drop_index(batch_op.f('ix_awards_achievement_id'))

    op.drop_table('awards')
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievements_issuer_id'))

    op.drop_table('achievements')
