"""learner home: awards by e-mail digest (backfilled), sign-in links, learner sessions,
collections; the outbox takes sign-in mails (kind, no issuer or award)

Revision ID: 0020_learner_home
Revises: 0017_audit_issuer
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

revision = '0020_learner_home'
down_revision = '0017_audit_issuer'
branch_labels = None
depends_on = None


def _digest(address: object) -> str | None:
    """What app.learners.index.email_digest computes (kept here: a migration must not change
    when the app does)."""
    if not isinstance(address, str) or not address:
        return None
    try:
        normal = validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None
    return hashlib.sha256(normal.encode('utf-8')).hexdigest()


def _backfill() -> None:
    """Awards made before the index: their request's learner e-mail, where there is one."""
    conn = op.get_bind()
    rows = []
    for award_id, request in conn.execute(sa.text('SELECT id, request FROM awards')):
        data = json.loads(request) if isinstance(request, str) else request
        learner = data.get('learner') if isinstance(data, dict) else None
        digest = _digest(learner.get('email')) if isinstance(learner, dict) else None
        if digest:
            rows.append({'email_sha256': digest, 'award_id': award_id})
    if rows:
        conn.execute(sa.text('INSERT INTO learner_awards (email_sha256, award_id)'
                             ' VALUES (:email_sha256, :award_id)'), rows)


def upgrade() -> None:
    op.create_table(
        'learner_awards',
        sa.Column('email_sha256', sa.String(length=64), nullable=False),
        sa.Column('award_id', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['award_id'], ['awards.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('email_sha256', 'award_id'),
    )
    op.create_index('ix_learner_awards_award_id', 'learner_awards', ['award_id'])
    op.create_table(
        'learner_sign_in_links',
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('email_sha256', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token_sha256'),
    )
    op.create_index('ix_learner_sign_in_links_email_sha256', 'learner_sign_in_links',
                    ['email_sha256'])
    op.create_index('ix_learner_sign_in_links_expires_at', 'learner_sign_in_links',
                    ['expires_at'])
    op.create_table(
        'learner_sessions',
        sa.Column('token_sha256', sa.String(length=64), nullable=False),
        sa.Column('email_sha256', sa.String(length=64), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token_sha256'),
    )
    op.create_index('ix_learner_sessions_email_sha256', 'learner_sessions', ['email_sha256'])
    op.create_table(
        'learner_collections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('email_sha256', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('published', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    op.create_index('ix_learner_collections_email_sha256', 'learner_collections',
                    ['email_sha256'])
    op.create_table(
        'learner_collection_items',
        sa.Column('collection_id', sa.Integer(), nullable=False),
        sa.Column('award_id', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['collection_id'], ['learner_collections.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['award_id'], ['awards.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('collection_id', 'award_id'),
    )
    with op.batch_alter_table('mail_outbox') as batch:
        batch.alter_column('issuer_id', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('award_id', existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column('kind', sa.String(length=20), server_default='award',
                                   nullable=False))
    _backfill()


def downgrade() -> None:
    # Sign-in mails have no award: they cannot stay once the columns are required again.
    op.execute("DELETE FROM mail_outbox WHERE kind = 'sign-in'")
    with op.batch_alter_table('mail_outbox') as batch:
        batch.drop_column('kind')
        batch.alter_column('award_id', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('issuer_id', existing_type=sa.Integer(), nullable=False)
    op.drop_table('learner_collection_items')
    op.drop_index('ix_learner_collections_email_sha256', table_name='learner_collections')
    op.drop_table('learner_collections')
    op.drop_index('ix_learner_sessions_email_sha256', table_name='learner_sessions')
    op.drop_table('learner_sessions')
    op.drop_index('ix_learner_sign_in_links_expires_at', table_name='learner_sign_in_links')
    op.drop_index('ix_learner_sign_in_links_email_sha256', table_name='learner_sign_in_links')
    op.drop_table('learner_sign_in_links')
    op.drop_index('ix_learner_awards_award_id', table_name='learner_awards')
    op.drop_table('learner_awards')
