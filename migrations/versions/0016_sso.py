"""console single sign-on: per-issuer OpenID Connect settings

Revision ID: 0016_sso
Revises: 0015_mail_status_reasons
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_sso'
down_revision = '0015_mail_status_reasons'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table only: create_table works alike on SQLite and PostgreSQL (no batch mode).
    op.create_table(
        'console_sso_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issuer_id', sa.Integer(), nullable=False),
        sa.Column('idp_issuer', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=300), nullable=False),
        sa.Column('client_secret_sealed', sa.String(length=1000), nullable=False),
        sa.Column('allowed_domains', sa.String(length=2000), nullable=False),
        sa.Column('new_user_role', sa.String(length=10), nullable=False),
        sa.Column('enabled', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['issuer_id'], ['issuers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('issuer_id'),
    )


def downgrade() -> None:
    op.drop_table('console_sso_settings')
