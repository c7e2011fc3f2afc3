"""Database engine, sessions and the declarative base shared by every domain's tables."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    """Declarative base; Alembic reads its metadata."""


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


READ_ONLY = "mcred_read_only"


def is_read_only(session: Session) -> bool:
    """True for sessions opened with ``Database.session(read_only=True)``."""
    return bool(session.info.get(READ_ONLY))


def _refuse_writes(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a read-only session tried to write")


def utcnow() -> datetime:
    """Current time in UTC, to the second (what credentials carry)."""
    return datetime.now(UTC).replace(microsecond=0)


# SQLite's own files besides the database (write-ahead log, shared memory, rollback journal).
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
# PostgreSQL: fail a connection attempt to an unreachable server after this many seconds (503)
# rather than after the operating system's TCP timeout of minutes.
PG_CONNECT_TIMEOUT = 10


def _private_sqlite_files(database: Path) -> None:
    """The folder (when we create it) 0700, the database and its side files 0600: they hold
    learner names and e-mails. SQLite gives -wal/-shm the database file's mode, so creating
    the file 0600 first is enough for new databases; older, wider files are tightened."""
    folder = database.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)  # an existing folder is the operator's
        folder.chmod(0o700)
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for path in [database, *(Path(f"{database}{suffix}") for suffix in SQLITE_SIDE_FILES)]:
        try:
            info = path.stat()
            if (stat.S_ISREG(info.st_mode) and info.st_mode & 0o077
                    and info.st_uid == os.geteuid()):
                path.chmod(0o600)
        except FileNotFoundError:
            pass


def make_engine(url: str) -> Engine:
    """Engine for ``url``; SQLite gets a private folder and files, foreign keys and WAL on.
    Errors never carry SQL parameters (learner data) into messages or logs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not parsed.query.get("uri"):
            _private_sqlite_files(Path(database))
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not pysqlite, open transactions, so SAVEPOINTs work (the
            # SQLAlchemy-documented recipe for pysqlite).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            # IMMEDIATE: take the write lock up front. A deferred transaction that reads and
            # then writes fails at once with "database is locked" when another process is
            # writing; an immediate one waits its turn (busy_timeout). Read-only sessions
            # take no lock at all: in WAL mode they read a snapshot while a bulk job writes,
            # instead of queueing behind a writer that re-takes the lock after every row.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    connect_args = {} if "connect_timeout" in parsed.query \
        else {"connect_timeout": PG_CONNECT_TIMEOUT}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         hide_parameters=True, connect_args=connect_args)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.sessions, "before_flush", _refuse_writes)

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session committed on success and rolled back on error. ``read_only`` sessions
        never block on (or block) writers and refuse to flush changes."""
        with self.sessions() as session:
            if read_only:
                session.info[READ_ONLY] = True
                session.connection(execution_options={READ_ONLY: True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
