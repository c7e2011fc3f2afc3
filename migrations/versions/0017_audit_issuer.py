"""audit log: the issuer each event belongs to (indexed), backfilled where derivable

Revision ID: 0017_audit_issuer
Revises: 0016_sso
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0017_audit_issuer'
down_revision = '0016_sso'
branch_labels = None
depends_on = None

# What each recorded subject names, by action (see the audit.record callers):
# the issuer's slug, or the id of one of its rows.
_BY_SLUG = ("issuer.create", "key.create", "key.rotate", "key.compromised",
            "apikey.create", "apikey.revoke")
_BACKFILL = [
    ("action IN ({})".format(", ".join(f"'{a}'" for a in _BY_SLUG)),
     "SELECT id FROM issuers WHERE issuers.slug = audit_events.subject"),
    ("action = 'achievement.create'",
     "SELECT issuer_id FROM achievements WHERE achievements.id = audit_events.subject"),
    ("action = 'bulk.create'",
     "SELECT issuer_id FROM bulk_jobs WHERE bulk_jobs.id = audit_events.subject"),
    # credential.* and share.*: an award id, else a credential's id (VC-API credentials)
    ("(action LIKE 'credential.%' OR action LIKE 'share.%')",
     "SELECT issuer_id FROM awards WHERE awards.id = audit_events.subject"),
    ("(action LIKE 'credential.%' OR action LIKE 'share.%')",
     "SELECT issuer_id FROM credentials WHERE credentials.id = audit_events.subject"),
    ("action LIKE 'image.badge.%'",
     "SELECT issuer_id FROM achievements WHERE achievements.id = audit_events.subject"),
    ("action LIKE 'image.logo.%'",
     "SELECT id FROM issuers WHERE CAST(issuers.id AS VARCHAR(20)) = audit_events.subject"),
]


def _unprotect(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_events_no_{verb}")


def _protect(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON"
                       " audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only');"
                       " END")


def _backfill() -> None:
    """Events recorded before the column: the issuer their subject names. staff.role events
    carry the issuer's slug in their detail (read in Python: JSON access differs by dialect);
    other staff events and the registry's are service-wide and stay NULL."""
    for condition, query in _BACKFILL:
        op.execute(f"UPDATE audit_events SET issuer_id = ({query}) WHERE issuer_id IS NULL"
                   f" AND {condition}")
    bind = op.get_bind()
    slugs = dict(bind.execute(sa.text("SELECT slug, id FROM issuers")).all())
    for event_id, detail in bind.execute(sa.text(
            "SELECT id, detail FROM audit_events WHERE action = 'staff.role'")).all():
        data = json.loads(detail) if isinstance(detail, str) else detail
        issuer_id = slugs.get((data or {}).get("issuer"))
        if issuer_id is not None:
            bind.execute(sa.text("UPDATE audit_events SET issuer_id = :i WHERE id = :e"),
                         {"i": issuer_id, "e": event_id})


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.add_column(sa.Column('issuer_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_events_issuer', ['issuer_id', 'at'])
    _unprotect(dialect)
    _backfill()
    _protect(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect != "postgresql":
        _unprotect(dialect)  # a SQLite batch drop re-creates the table, triggers lost
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_index('ix_audit_events_issuer')
        batch_op.drop_column('issuer_id')
    if dialect != "postgresql":
        _protect(dialect)
