"""Open what the service runs on (database, key store) without the web application: the CLI
builds services with this and imports the routers only for `mcred serve`, so a command starts
in half the time."""

from __future__ import annotations

from app.config import Settings
from app.console import accounts
from app.db import Database
from app.deps import Services
from app.issuers.keys import KeyStore


class StartupError(Exception):
    """The service must not start; the message is one line for the operator."""


def build_services(settings: Settings) -> Services:
    """Open the database and key store; refuse to start on a wrong secret or stale schema."""
    from app.migrate import schema_is_current

    keystore = KeyStore(settings.keys_dir, settings.key_secret.get_secret_value(),
                        settings.key_scrypt_n)
    accounts.use_memory_cost(settings.password_hash_memory_kib)
    keystore.open()  # WrongSecretError / KeyStoreError propagate as one-line start-up errors
    if not schema_is_current(settings.database_url):
        raise StartupError("the database schema is not at the latest migration; run `mcred init`"
                           " (or `mcred migrate`) first")
    return Services(settings=settings, db=Database(settings.database_url), keystore=keystore)
