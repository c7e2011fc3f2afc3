"""one share link per award; the learner's search-engine opt-in

Revision ID: 0010
Revises: 0009

Until now each credential had its own share token, so an award had two links (OBv3, ELM).
Now a share link belongs to an award (or, for a credential issued without one, to that
credential). Existing data keeps working: an award's link takes its OBv3 credential's token,
so links and manage keys already handed out stay valid, and its ELM credential's old token
becomes an alias that still leads to the award's link. A credential that never had a token
(issued before 0006) gets a fresh one, so every award has its link.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CHUNK = 1000

credentials = sa.table(
    'credentials', sa.column('id', sa.String), sa.column('award_id', sa.String),
    sa.column('profile', sa.String), sa.column('share_token', sa.String),
    sa.column('share_enabled', sa.Boolean), sa.column('created_at', sa.DateTime(timezone=True)))
awards = sa.table('awards', sa.column('id', sa.String),
                  sa.column('created_at', sa.DateTime(timezone=True)))
share_links = sa.table(
    'share_links', sa.column('token', sa.String), sa.column('award_id', sa.String),
    sa.column('credential_id', sa.String), sa.column('enabled', sa.Boolean),
    sa.column('search_engines', sa.Boolean), sa.column('created_at', sa.DateTime(timezone=True)))
aliases = sa.table('share_link_aliases', sa.column('token', sa.String),
                   sa.column('award_id', sa.String), sa.column('profile', sa.String))


def _new_token() -> str:
    return secrets.token_urlsafe(24)  # as app.credentials.sharing.new_token


def _insert(conn: sa.Connection, table: sa.TableClause, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])


def upgrade() -> None:
    # The link to a credential gets its foreign key only after the credentials table has lost
    # its share columns: on SQLite that change rebuilds the table, which must not be
    # referenced by another table while it is dropped (foreign keys are on).
    op.create_table(
        'share_links',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('award_id', sa.String(length=64), nullable=True),
        sa.Column('credential_id', sa.String(length=255), nullable=True),
        sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('search_engines', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(award_id IS NULL) <> (credential_id IS NULL)',
                           name='ck_share_links_one_subject'),
        sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name='fk_share_links_award_id',
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('token', name='pk_share_links'),
        sa.UniqueConstraint('award_id', name='uq_share_links_award_id'),
        sa.UniqueConstraint('credential_id', name='uq_share_links_credential_id'),
    )
    op.create_table(
        'share_link_aliases',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('award_id', sa.String(length=64), nullable=False),
        sa.Column('profile', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['award_id'], ['awards.id'],
                                name='fk_share_link_aliases_award_id', ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('token', name='pk_share_link_aliases'),
    )
    op.create_index('ix_share_link_aliases_award_id', 'share_link_aliases', ['award_id'])

    conn = op.get_bind()
    by_award: dict[str, list] = {}
    links: list[dict] = []
    moved: list[dict] = []
    for row in conn.execute(sa.select(credentials.c.id, credentials.c.award_id,
                                      credentials.c.profile, credentials.c.share_token,
                                      credentials.c.share_enabled, credentials.c.created_at)
                            .order_by(credentials.c.created_at, credentials.c.id)):
        if row.award_id is None:
            links.append({'token': row.share_token or _new_token(), 'award_id': None,
                          'credential_id': row.id, 'enabled': bool(row.share_enabled),
                          'search_engines': False, 'created_at': row.created_at})
        else:
            by_award.setdefault(row.award_id, []).append(row)
    for award in conn.execute(sa.select(awards.c.id, awards.c.created_at)):
        rows = sorted(by_award.get(award.id, []), key=lambda r: r.profile != 'ob3')
        tokens = [r for r in rows if r.share_token]
        # The OBv3 token (sorted first) is the award's link; any other becomes an alias.
        token = tokens[0].share_token if tokens else _new_token()
        links.append({'token': token, 'award_id': award.id, 'credential_id': None,
                      # Both renderings were switched together; should they differ, the
                      # learner's "off" wins.
                      'enabled': all(bool(r.share_enabled) for r in rows),
                      'search_engines': False, 'created_at': award.created_at})
        moved += [{'token': r.share_token, 'award_id': award.id, 'profile': r.profile}
                  for r in tokens[1:]]
    _insert(conn, share_links, links)
    _insert(conn, aliases, moved)

    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_constraint('uq_credentials_share_token', type_='unique')
        batch_op.drop_column('share_enabled')
        batch_op.drop_column('share_token')
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_share_links_credential_id', 'credentials',
                                    ['credential_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.drop_constraint('fk_share_links_credential_id', type_='foreignkey')
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('share_enabled', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.create_unique_constraint('uq_credentials_share_token', ['share_token'])

    conn = op.get_bind()
    link_of_award = {r.award_id: r for r in conn.execute(
        sa.select(share_links).where(share_links.c.award_id.is_not(None)))}
    link_of_credential = {r.credential_id: r for r in conn.execute(
        sa.select(share_links).where(share_links.c.credential_id.is_not(None)))}
    old = {(r.award_id, r.profile): r.token for r in conn.execute(sa.select(aliases))}
    for row in conn.execute(sa.select(credentials.c.id, credentials.c.award_id,
                                      credentials.c.profile)).all():
        link = link_of_award.get(row.award_id) if row.award_id else \
            link_of_credential.get(row.id)
        if link is None:
            continue
        if row.award_id is None or row.profile == 'ob3':
            token = link.token
        else:  # the other rendering gets its old token back, or a new one of its own
            token = old.get((row.award_id, row.profile)) or _new_token()
        conn.execute(credentials.update().where(credentials.c.id == row.id)
                     .values(share_token=token, share_enabled=link.enabled))

    op.drop_index('ix_share_link_aliases_award_id', table_name='share_link_aliases')
    op.drop_table('share_link_aliases')
    op.drop_table('share_links')
