"""Migrations up and down on the test database's engine (SQLite, or PostgreSQL in CI's
second run), and the append-only audit log they install."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from app import migrate
from app.db import make_engine

TABLES = {"issuers", "signing_keys", "api_keys", "credentials", "audit_events", "achievements",
          "status_lists", "status_entries", "registry_entries", "registry_dids",
          "registry_subscriptions", "presentation_challenges",
          "awards", "bulk_jobs", "bulk_rows"}


@pytest.fixture
def fresh_url(scratch_dbs) -> str:  # type: ignore[no-untyped-def]
    return scratch_dbs.new()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(fresh_url: str) -> None:
    migrate.upgrade(fresh_url)
    assert TABLES <= _tables(fresh_url)
    assert migrate.schema_is_current(fresh_url)
    migrate.downgrade(fresh_url, "base")
    assert _tables(fresh_url) == set()
    assert not migrate.schema_is_current(fresh_url)
    migrate.upgrade(fresh_url)
    assert TABLES <= _tables(fresh_url)


def test_each_step_downgrades_cleanly(fresh_url: str) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(fresh_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate.upgrade(fresh_url, revision)
    for revision in reversed(revisions):
        migrate.downgrade(fresh_url, f"{revision}-1" if revision != revisions[0] else "base")
    assert _tables(fresh_url) == set()


def test_audit_log_is_append_only(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_events (at, actor, action, subject, detail)"
                              " VALUES (CURRENT_TIMESTAMP, 'a', 'b', 'c', '{}')"))
        for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT actor FROM audit_events")).scalars().all() == ["a"]
    finally:
        engine.dispose()


def test_stale_schema_refuses_to_start(fresh_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.main import StartupError, build_services
    from tests.conftest import make_settings

    with pytest.raises(StartupError, match="not at the latest migration"):
        build_services(make_settings(fresh_url, tmp_path / "keys"))
