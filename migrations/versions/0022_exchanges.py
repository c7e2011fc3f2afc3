"""wallet_exchanges: VC-API exchanges delivering an award into a wallet (LCW)

Revision ID: 0022_exchanges
Revises: 0017_audit_issuer
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_exchanges'
down_revision = "0020_learner_home"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'wallet_exchanges',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('issuer_id', sa.Integer(), nullable=False),
        sa.Column('award_id', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('challenge', sa.String(length=64), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('holder', sa.String(length=200), nullable=True),
        sa.Column('credential_id', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['award_id'], ['awards.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_wallet_exchanges_issuer_id', 'wallet_exchanges', ['issuer_id'])
    op.create_index('ix_wallet_exchanges_award_id', 'wallet_exchanges', ['award_id'])


def downgrade() -> None:
    op.drop_index('ix_wallet_exchanges_award_id', table_name='wallet_exchanges')
    op.drop_index('ix_wallet_exchanges_issuer_id', table_name='wallet_exchanges')
    op.drop_table('wallet_exchanges')
