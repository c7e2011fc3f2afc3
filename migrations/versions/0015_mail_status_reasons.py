"""e-mail to learners (outbox, issuer texts), reason and time of a status change

Revision ID: 0015_mail_status_reasons
Revises: 0014_cohort_drafts
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_mail_status_reasons'
down_revision = '0014_cohort_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issuer_id', sa.Integer(), nullable=False),
        sa.Column('award_id', sa.String(length=64), nullable=False),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('queued_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['award_id'], ['awards.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_mail_outbox_due', 'mail_outbox', ['state', 'next_attempt_at'])
    op.create_index('ix_mail_outbox_award_id', 'mail_outbox', ['award_id'])
    op.create_table(
        'issuer_mail_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issuer_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('issuer_id', 'language'),
    )
    op.create_table(
        'issuer_mail_settings',
        sa.Column('issuer_id', sa.Integer(), nullable=False),
        sa.Column('default_language', sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('issuer_id'),
    )
    with op.batch_alter_table('status_entries') as batch:
        batch.add_column(sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('reason', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('status_entries') as batch:
        batch.drop_column('reason')
        batch.drop_column('changed_at')
    op.drop_table('issuer_mail_settings')
    op.drop_table('issuer_mail_texts')
    op.drop_index('ix_mail_outbox_award_id', table_name='mail_outbox')
    op.drop_index('ix_mail_outbox_due', table_name='mail_outbox')
    op.drop_table('mail_outbox')
