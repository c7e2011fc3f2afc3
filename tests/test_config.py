"""Settings validation and their one-line descriptions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import Settings, describe_settings_error
from app.deps import Services
from app.main import create_app

GOOD = {"key_secret": "k" * 16, "admin_token": "a" * 16}


def load(**values: object) -> Settings:
    return Settings(_env_file=None, **{**GOOD, **values})  # type: ignore[arg-type]


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MCRED_DATABASE_URL", "MCRED_PUBLIC_BASE_URL", "MCRED_MAX_BODY_BYTES"):
        monkeypatch.delenv(name, raising=False)
    settings = load()
    assert settings.database_url == "sqlite:///./data/mcred.db"
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.max_body_bytes == 1_048_576


def test_plain_postgres_url_uses_psycopg() -> None:
    assert load(database_url="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_trailing_slash_removed_from_base_url() -> None:
    assert load(public_base_url="https://ut.ee/mcred/").public_base_url == "https://ut.ee/mcred"


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("key_secret", "short", "invalid setting MCRED_KEY_SECRET: Value error, must be at least 16"),
    ("database_url", "mysql://x", "invalid setting MCRED_DATABASE_URL: Value error, must be a"),
    ("max_body_bytes", 0, "invalid setting MCRED_MAX_BODY_BYTES: Input should be greater than 0"),
    ("log_level", "LOUD", "invalid setting MCRED_LOG_LEVEL: Value error, must be one of"),
])
def test_invalid_setting_is_described_in_one_line(field: str, value: object,
                                                  expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        load(**{field: value})
    message = describe_settings_error(info.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_missing_secret_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MCRED_KEY_SECRET", raising=False)
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, admin_token="a" * 16)  # type: ignore[call-arg]
    assert describe_settings_error(info.value) == (
        "invalid setting MCRED_KEY_SECRET: is not set (run `mcred init` to create a .env,"
        " or export it)")


@pytest.mark.parametrize(("url", "fine"), [
    ("https://credentials.ut.ee", True), ("http://127.0.0.1:8000", True),
    ("http://localhost:8000", True), ("http://credentials.ut.ee", False),
])
def test_plain_http_base_is_flagged_unless_local(url: str, fine: bool) -> None:
    assert load(public_base_url=url).public_base_is_https_or_local is fine


def test_service_warns_at_start_on_a_public_http_base(svc: Services,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    svc.settings = svc.settings.model_copy(update={"public_base_url": "http://creds.ut.ee",
                                                   "inprocess_worker": False})
    with caplog.at_level("WARNING", logger="mcred"), TestClient(create_app(svc=svc)):
        pass
    assert any("plain http on a non-local host" in r.getMessage() for r in caplog.records)


def test_the_key_and_password_costs() -> None:
    settings = load()
    assert (settings.key_scrypt_n, settings.password_hash_memory_kib) == (2**15, 65536)
    assert load(key_scrypt_n=1024, password_hash_memory_kib=1024).key_scrypt_n == 1024
    for bad in ({"key_scrypt_n": 3000}, {"key_scrypt_n": 512},
                {"password_hash_memory_kib": 64}):
        with pytest.raises(ValidationError):
            load(**bad)
