"""OpenID4VCI: credential offers, access tokens and their uses, c_nonces (all secrets hashed)

Revision ID: 0019_oid4vci
Revises: 0017_audit_issuer
"""
import sqlalchemy as sa
from alembic import op


revision = '0019_oid4vci'
down_revision = "0021_sd_jwt_vc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'oid4vci_offers',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('ref_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('code_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('tx_code_hash', sa.String(64), nullable=True),
        sa.Column('tx_code_failures', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('award_id', sa.String(64),
                  sa.ForeignKey('awards.id', ondelete='RESTRICT'), nullable=False),
        sa.Column('issuer_id', sa.Integer(),
                  sa.ForeignKey('issuers.id', ondelete='RESTRICT'), nullable=False),
        sa.Column('configurations', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('dead_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_oid4vci_offers_award_id', 'oid4vci_offers', ['award_id'])
    op.create_table(
        'oid4vci_tokens',
        sa.Column('token_hash', sa.String(64), primary_key=True),
        sa.Column('offer_id', sa.String(36),
                  sa.ForeignKey('oid4vci_offers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_oid4vci_tokens_offer_id', 'oid4vci_tokens', ['offer_id'])
    op.create_table(
        'oid4vci_token_uses',
        sa.Column('token_hash', sa.String(64),
                  sa.ForeignKey('oid4vci_tokens.token_hash', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('configuration_id', sa.String(100), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'oid4vci_nonces',
        sa.Column('nonce_hash', sa.String(64), primary_key=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_oid4vci_nonces_expires_at', 'oid4vci_nonces', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_oid4vci_nonces_expires_at', 'oid4vci_nonces')
    op.drop_table('oid4vci_nonces')
    op.drop_table('oid4vci_token_uses')
    op.drop_index('ix_oid4vci_tokens_offer_id', 'oid4vci_tokens')
    op.drop_table('oid4vci_tokens')
    op.drop_index('ix_oid4vci_offers_award_id', 'oid4vci_offers')
    op.drop_table('oid4vci_offers')
