"""achievement versions: family, version, supersedes / superseded by, retired, title

Revision ID: 0013_achievement_versions
Revises: 0012_console
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_achievement_versions'
down_revision = '0012_console'
branch_labels = None
depends_on = None

_ACHIEVEMENTS = sa.table('achievements', sa.column('id', sa.String), sa.column('spec', sa.JSON),
                         sa.column('title', sa.String), sa.column('family_id', sa.String))


def upgrade() -> None:
    # Columns are only added (ALTER TABLE ADD COLUMN on both databases): rebuilding the table,
    # as a batch alter on SQLite does, would fail under foreign keys once awards, images and
    # bulk jobs reference its rows.
    op.add_column('achievements', sa.Column('title', sa.String(length=300), server_default='',
                                            nullable=False))
    op.add_column('achievements', sa.Column('family_id', sa.String(length=64),
                                            server_default='', nullable=False))
    op.add_column('achievements', sa.Column('version', sa.Integer(), server_default='1',
                                            nullable=False))
    op.add_column('achievements', sa.Column('supersedes_id', sa.String(length=64),
                                            nullable=True))
    op.add_column('achievements', sa.Column('superseded_by_id', sa.String(length=64),
                                            nullable=True))
    op.add_column('achievements', sa.Column('retired_at', sa.DateTime(timezone=True),
                                            nullable=True))
    # Every existing definition is version 1 of a family of its own, titled as its spec says.
    conn = op.get_bind()
    for row in conn.execute(sa.select(_ACHIEVEMENTS.c.id, _ACHIEVEMENTS.c.spec)).all():
        spec = row.spec if isinstance(row.spec, dict) else {}
        conn.execute(_ACHIEVEMENTS.update().where(_ACHIEVEMENTS.c.id == row.id).values(
            family_id=row.id, title=str(spec.get('title', ''))[:300]))
    op.create_index('uq_achievements_family_version', 'achievements', ['family_id', 'version'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('uq_achievements_family_version', table_name='achievements')
    # ALTER TABLE DROP COLUMN (SQLite 3.35+), not a batch rebuild: see upgrade().
    for column in ('retired_at', 'superseded_by_id', 'supersedes_id', 'version', 'family_id',
                   'title'):
        op.drop_column('achievements', column)
