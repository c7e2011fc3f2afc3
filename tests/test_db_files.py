"""The embedded SQLite database holds learner names and e-mails: its folder is private to the
service's user (0700) and its files (with -wal and -shm) are 0600, like the key files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from app import migrate
from app.db import Database


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_database_folder_and_files_are_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask, which would give 0755 / 0644
    try:
        database = tmp_path / "data" / "mcred.db"
        migrate.upgrade(f"sqlite:///{database}")
        db = Database(f"sqlite:///{database}")
        try:
            with db.session() as session:  # a write: the -wal and -shm files exist now
                session.execute(text("CREATE TABLE scratch (x INTEGER)"))
            files = sorted(database.parent.iterdir())
            assert {f.name for f in files} >= {"mcred.db", "mcred.db-wal", "mcred.db-shm"}
            assert _mode(database.parent) == 0o700
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        finally:
            db.dispose()
    finally:
        os.umask(old_umask)


def test_existing_readable_files_are_tightened(tmp_path: Path) -> None:
    database = tmp_path / "mcred.db"
    migrate.upgrade(f"sqlite:///{database}")
    for path in tmp_path.glob("mcred.db*"):
        path.chmod(0o644)  # as an older mcred left them
    db = Database(f"sqlite:///{database}")
    try:
        db.ping()
        assert {p.name: _mode(p) for p in tmp_path.glob("mcred.db*")} == \
            {p.name: 0o600 for p in tmp_path.glob("mcred.db*")}
    finally:
        db.dispose()


def test_an_existing_folder_is_left_alone(tmp_path: Path) -> None:
    # The operator's folder (it may be /var/lib or /tmp): never chmod-ed, only our files are.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    db = Database(f"sqlite:///{shared / 'mcred.db'}")
    db.ping()
    db.dispose()
    assert _mode(shared) == 0o755
    assert _mode(shared / "mcred.db") == 0o600
