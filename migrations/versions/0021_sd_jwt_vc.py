"""SD-JWT VC: issuers' ES256 keys, IETF Token Status Lists and their entries

Revision ID: 0021_sd_jwt_vc
Revises: 0017_audit_issuer
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_sd_jwt_vc'
down_revision = "0022_exchanges"
branch_labels = None
depends_on = None


def _at(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        'es256_keys',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('issuer_id', sa.Integer(), sa.ForeignKey('issuers.id', ondelete='RESTRICT'),
                  nullable=False, unique=True),
        sa.Column('kid', sa.String(64), nullable=False, unique=True),
        sa.Column('public_jwk', sa.JSON(), nullable=False),
        sa.Column('key_file', sa.String(255), nullable=False, unique=True),
        _at('created_at'),
    )
    op.create_table(
        'token_status_lists',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('issuer_id', sa.Integer(), sa.ForeignKey('issuers.id', ondelete='RESTRICT'),
                  nullable=False),
        sa.Column('bits', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        _at('created_at'),
        _at('updated_at'),
    )
    op.create_index('ix_token_status_lists_issuer_id', 'token_status_lists', ['issuer_id'])
    op.create_table(
        'token_status_entries',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('list_id', sa.Integer(),
                  sa.ForeignKey('token_status_lists.id', ondelete='RESTRICT'), nullable=False),
        sa.Column('idx', sa.Integer(), nullable=False),
        sa.Column('award_id', sa.String(64), sa.ForeignKey('awards.id', ondelete='RESTRICT'),
                  nullable=False),
        _at('created_at'),
        sa.UniqueConstraint('list_id', 'idx'),
    )
    op.create_index('ix_token_status_entries_award_id', 'token_status_entries', ['award_id'])


def downgrade() -> None:
    op.drop_index('ix_token_status_entries_award_id', 'token_status_entries')
    op.drop_table('token_status_entries')
    op.drop_index('ix_token_status_lists_issuer_id', 'token_status_lists')
    op.drop_table('token_status_lists')
    op.drop_table('es256_keys')
