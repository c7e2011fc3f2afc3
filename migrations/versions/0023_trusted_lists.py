"""EU trusted lists (TS 119 612): the lists, their services and keys; registry entries
found by their e-seal's organisation identifier

Revision ID: 0023_trusted_lists
Revises: 0017_audit_issuer
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_trusted_lists'
down_revision = "0019_oid4vci"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'trusted_lists',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('scope', sa.String(8), nullable=False, unique=True),
        sa.Column('territory', sa.String(8), nullable=False),
        sa.Column('operator', sa.String(500), nullable=False),
        sa.Column('sequence_number', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_update', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('signer_sha256', sa.String(64), nullable=False),
        sa.Column('source', sa.String(500), nullable=False),
        sa.Column('pointers', sa.JSON(), nullable=False),
        sa.Column('document', sa.LargeBinary(), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'trust_services',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('list_id', sa.Integer(),
                  sa.ForeignKey('trusted_lists.id', ondelete='CASCADE'), nullable=False),
        sa.Column('tsp_name', sa.String(500), nullable=False),
        sa.Column('service_name', sa.String(500), nullable=False),
        sa.Column('service_type', sa.String(200), nullable=False),
        sa.Column('history', sa.JSON(), nullable=False),
    )
    op.create_index('ix_trust_services_list_id', 'trust_services', ['list_id'])
    op.create_table(
        'trust_service_keys',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('service_id', sa.Integer(),
                  sa.ForeignKey('trust_services.id', ondelete='CASCADE'), nullable=False),
        sa.Column('ski', sa.String(128), nullable=True),
        sa.Column('spki_sha256', sa.String(64), nullable=True),
        sa.Column('certificate', sa.LargeBinary(), nullable=True),
    )
    op.create_index('ix_trust_service_keys_service_id', 'trust_service_keys', ['service_id'])
    op.create_index('ix_trust_service_keys_ski', 'trust_service_keys', ['ski'])
    op.create_index('ix_trust_service_keys_spki_sha256', 'trust_service_keys', ['spki_sha256'])
    op.create_table(
        'registry_seal_ids',
        sa.Column('org_identifier', sa.String(100), primary_key=True),
        sa.Column('entry_id', sa.Integer(),
                  sa.ForeignKey('registry_entries.id', ondelete='CASCADE'), nullable=False),
    )
    op.create_index('ix_registry_seal_ids_entry_id', 'registry_seal_ids', ['entry_id'])


def downgrade() -> None:
    op.drop_table('registry_seal_ids')
    op.drop_table('trust_service_keys')
    op.drop_table('trust_services')
    op.drop_table('trusted_lists')
