"""Runtime settings, read from environment variables (prefix ``MCRED_``) and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./data/mcred.db"


class Settings(BaseSettings):
    """Every setting mcred reads; README.md's configuration table mirrors this class."""

    model_config = SettingsConfigDict(
        env_prefix="MCRED_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL, description="SQLAlchemy URL; SQLite file or PostgreSQL."
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL clients reach mcred at; DIDs derive from it."
    )
    keys_dir: Path = Field(Path("./keys"), description="Folder of encrypted private key files.")
    key_secret: SecretStr = Field(
        ..., description="Secret the private keys are encrypted with (>=16 chars)."
    )
    admin_token: SecretStr = Field(
        ..., description="Bearer token for the admin endpoints (>=16 chars)."
    )
    key_scrypt_n: int = Field(
        2**15, ge=2**10, description="scrypt cost N of a new key store (lower only in tests)."
    )
    password_hash_memory_kib: int = Field(
        65536, ge=1024, description="argon2id memory per staff password hash (lower only in tests)."
    )
    max_body_bytes: int = Field(
        1_048_576, gt=0, description="Largest request body accepted, in bytes."
    )
    max_upload_bytes: int = Field(
        50 * 1_048_576, gt=0, description="Largest bulk-issue file accepted, in bytes."
    )
    max_image_bytes: int = Field(
        512 * 1024, gt=0, description="Largest badge image or logo upload accepted, in bytes."
    )
    inprocess_worker: bool = Field(
        True, description="Run a bulk-issue worker thread inside the service."
    )
    registry_refresh_seconds: int = Field(
        3600, ge=0, description="Refresh followed registries this often (0: only on demand)."
    )
    outbound_allow_private: bool = Field(
        False, description="Let outbound fetches reach private/loopback hosts (tests only)."
    )
    outbound_ca_file: Path | None = Field(
        None, description="Extra CA certificate (PEM) trusted for outbound HTTPS (tests only)."
    )
    rubrics_dir: Path | None = Field(
        None, description="Folder of extra scoring rubrics (<name>.json), see docs/."
    )
    recognition_purposes: Path | None = Field(
        None, description="JSON file replacing app/recognition/purposes.json: what each purpose"
        " of recognition (exemption, credit, admission) asks; see docs/recognition.md."
    )
    log_level: str = Field("INFO", description="Python logging level.")
    smtp_host: str | None = Field(
        None, description="SMTP server for e-mail to learners (unset: e-mails stay queued)."
    )
    smtp_port: int = Field(587, gt=0, lt=65536, description="SMTP server port.")
    smtp_username: str | None = Field(None, description="SMTP user name (unset: no AUTH).")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_ssl: bool = Field(False, description="Implicit TLS (SMTPS, usually port 465).")
    mail_from: str | None = Field(
        None, description="From address of e-mails (default: noreply@ the public host)."
    )
    mail_send_seconds: int = Field(
        30, ge=0, description="Send due e-mails this often in the service (0: only by cron,"
                              " `mcred mail send-due`)."
    )
    # Learner home (app/learners): one-time sign-in links by e-mail and learner sessions.
    learner_link_minutes: int = Field(
        15, ge=5, le=60, description="How long a learner's e-mailed sign-in link works."
    )
    learner_session_hours: int = Field(
        12, ge=1, le=168, description="How long a learner stays signed in at most (idle:"
                                     " one hour)."
    )
    # EDC-conformant ELM (app/credentials/elm.py, docs/edc-elm.md).
    elm_credential_status: bool = Field(
        True, description="Give the ELM rendering a status: its credentialStatus is the"
                          " xsd:anyURI of the credential's status resource"
                          " (GET /credentials/{id}/status), as EDC's SHACL shapes want, which"
                          " answers with the standing and the status list entries behind it."
                          " false leaves the status out of the ELM document (the OBv3"
                          " credential still carries it)."
    )

    # VC-API exchanges delivering awards into wallets (app/wallets/exchanges.py)
    exchange_ttl_seconds: int = Field(
        1800, gt=0, le=7 * 86400,
        description="How long a wallet exchange link stays usable, in seconds (one delivery).",
    )

    # SD-JWT VC (app/wallets): the Token Status List tokens served at /statuslists/{id}.
    sd_jwt_status_lifetime_seconds: int = Field(
        86400, ge=60, le=31 * 86400,
        description="How long a Token Status List token is valid (its exp - iat), seconds.")
    sd_jwt_status_ttl_seconds: int = Field(
        300, ge=0, le=86400,
        description="A Token Status List token's ttl and HTTP max-age: how long verifiers may"
                    " cache it before fetching it again, seconds.")

    # OpenID4VCI issuer (pre-authorized code flow, app/wallets/oid4vci)
    oid4vci_offer_minutes: int = Field(
        30, gt=0, le=7 * 24 * 60,
        description="Minutes a credential offer (pre-authorized code and tx_code) stays usable."
    )
    oid4vci_tx_code_attempts: int = Field(
        5, gt=0, le=100, description="Wrong tx_codes after which a credential offer is dead."
    )
    oid4vci_token_seconds: int = Field(
        300, gt=0, le=86400, description="Lifetime of an OpenID4VCI access token, in seconds."
    )
    oid4vci_nonce_seconds: int = Field(
        300, gt=0, le=86400, description="Lifetime of an OpenID4VCI c_nonce, in seconds."
    )

    # EU trusted lists (ETSI TS 119 612) for e-seal qualification (app/trustlists/)
    trust_lotl_certs: Path | None = Field(
        None, description="PEM file of the certificates pinned to sign the EU List of Trusted"
                          " Lists (unset: no trusted list can be imported)."
    )
    trust_list_files: list[Path] = Field(
        default_factory=list, description="Trusted list files (the LOTL first, then national"
                                          " lists) re-imported by `mcred trustlists refresh`."
    )
    max_trust_list_bytes: int = Field(
        16 * 1_048_576, gt=0, description="Largest trusted list file accepted, in bytes."
    )

    # JAdES seals on Europass / EDC credentials (app/seals, docs/seals.md)
    seal_trust_roots: Path | None = Field(
        None, description="PEM file, or folder of PEM/DER files, of extra trust roots for"
                          " JAdES seals and their timestamps (default: none)."
    )

    # DEQAR quality assurance reports for the registry (app/registry/deqar.py, docs/deqar.md)
    deqar_api_url: str = Field(
        "https://backend.deqar.eu/webapi/v2",
        description="Base URL of the DEQAR Web API (v2) the registry's QA records are synced from."
    )
    deqar_token: SecretStr | None = Field(
        None, description="DEQAR Web API token (sent as Bearer); none: unauthenticated requests."
    )

    @field_validator("public_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL such as https://credentials.uni.eu")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query or fragment")
        return value.rstrip("/")

    @property
    def public_base_is_https_or_local(self) -> bool:
        """https, or http on a loopback host (development and tests)."""
        parts = urlsplit(self.public_base_url)
        return parts.scheme == "https" or parts.hostname in ("localhost", "127.0.0.1", "::1")

    @field_validator("seal_trust_roots")
    @classmethod
    def _check_seal_roots(cls, value: Path | None) -> Path | None:
        # Read them once here, so a broken file stops the start, not a verification.
        if value is not None:
            from app.seals.certpath import load_roots

            try:
                if not load_roots(value):
                    raise ValueError("holds no certificate")
            except (OSError, ValueError, TypeError) as exc:
                raise ValueError(f"cannot read trust roots from {value}: {exc}") from None
        return value

    @field_validator("recognition_purposes")
    @classmethod
    def _check_purposes(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is not None:
            from app.recognition.assess import PurposesError, policies

            try:
                policies(value, info.data.get("rubrics_dir"))
            except PurposesError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("key_secret", "admin_token")
    @classmethod
    def _check_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (use a long random value)")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; make the plain form work too.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return value

    @field_validator("key_scrypt_n")
    @classmethod
    def _check_scrypt_n(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("must be a power of 2")
        return value


def describe_settings_error(exc: Exception) -> str:
    """One line naming the first invalid setting, for start-up failures."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        name = "MCRED_" + str(first["loc"][0]).upper() if first.get("loc") else "settings"
        message = first.get("msg", "invalid")
        if first.get("type") == "missing":
            message = "is not set (run `mcred init` to create a .env, or export it)"
        return f"invalid setting {name}: {message}"
    return f"invalid settings: {exc}"


@lru_cache
def get_settings() -> Settings:
    """Settings for the running process (cached; tests build their own)."""
    return Settings()  # type: ignore[call-arg]
