"""Alembic environment: the URL comes from the caller's Config (see app/migrate.py)."""

from alembic import context

from app.db import Base, make_engine
from app.models import load_all

load_all()
target_metadata = Base.metadata
config = context.config


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; give a database URL")
run_migrations_online()
