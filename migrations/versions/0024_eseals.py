"""Issuers' e-seals (PKCS#12 uploads): the certificate chain and the KeyStore-sealed key

Revision ID: 0024_eseals
Revises: 0023_trusted_lists
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_eseals'
down_revision = "0023_trusted_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'issuer_eseals',
        sa.Column('issuer_id', sa.Integer(),
                  sa.ForeignKey('issuers.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('sealed_key', sa.Text(), nullable=False),
        sa.Column('key_context', sa.String(100), nullable=False),
        sa.Column('chain_pem', sa.Text(), nullable=False),
        sa.Column('org_identifier', sa.String(100), nullable=False),
        sa.Column('organisation', sa.String(300), nullable=False),
        sa.Column('algorithm', sa.String(10), nullable=False),
        sa.Column('not_after', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by', sa.String(320), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('issuer_eseals')
