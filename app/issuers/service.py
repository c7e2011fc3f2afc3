"""Issuer registration, key rotation, API keys and DID documents (shared by API and CLI)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from app import audit
from app.db import is_read_only, utcnow
from app.dids.didkey import did_key_for, did_key_verification_method, resolve_did_key
from app.dids.didweb import did_web_for
from app.dids.document import VerificationMethod, did_document
from app.dids.resolver import HostedDocument
from app.errors import ProblemError, not_found
from app.images import service as images
from app.issuers.keys import KeyStore
from app.issuers.models import SERVICE_OWNER, ApiKey, Issuer, SigningKeyRecord
from app.issuers.schemas import ApiKeyInfo, IssuerCreate, IssuerDetails, IssuerOut, KeyOut
from app.proofs.errors import ProofError

API_KEY_PREFIX = "mcred"
# An API key's last use is written at most this often (per key and per process, and the
# database row is only touched when its value is older).
LAST_USE_PRECISION = timedelta(minutes=1)
log = logging.getLogger("mcred")


def issuer_did(base_url: str, slug: str) -> str:
    return did_web_for(base_url, "issuers", slug)


def service_did(base_url: str) -> str:
    return did_web_for(base_url)


def get_issuer(session: Session, slug: str) -> Issuer:
    # A NUL cannot be in a slug, and PostgreSQL refuses it in a query parameter.
    issuer = session.scalar(select(Issuer).where(Issuer.slug == slug)) \
        if "\x00" not in slug else None
    if issuer is None:
        raise not_found(f"issuer '{slug}'")
    return issuer


def _keys_of(session: Session, issuer: Issuer | None) -> list[SigningKeyRecord]:
    owner = SigningKeyRecord.issuer_id.is_(None) if issuer is None else (
        SigningKeyRecord.issuer_id == issuer.id)
    return list(session.scalars(select(SigningKeyRecord).where(owner)
                                .order_by(SigningKeyRecord.number)))


def timestamp(moment: datetime) -> str:
    """XML Schema dateTimeStamp in UTC with a Z (what DID documents and proofs carry)."""
    return moment.isoformat().replace("+00:00", "Z")


def current_key(session: Session, issuer: Issuer | None) -> SigningKeyRecord:
    """The key that signs now: the newest one neither retired nor compromised."""
    active = [k for k in _keys_of(session, issuer)
              if k.retired_at is None and k.compromised_at is None]
    if not active:
        raise ProblemError(409, "no-signing-key", "No signing key",
                           "this issuer has no active signing key; rotate to create one")
    return active[-1]


def add_key(session: Session, keystore: KeyStore, issuer: Issuer | None,
            actor: str) -> SigningKeyRecord:
    """Create a new signing key and retire (but keep resolvable) the previous ones."""
    existing = _keys_of(session, issuer)
    number = max((k.number for k in existing), default=0) + 1
    owner = SERVICE_OWNER if issuer is None else f"issuer-{issuer.slug}"
    key_file, public = keystore.generate(owner)
    now = utcnow()
    for key in existing:
        if key.retired_at is None:
            key.retired_at = now
    record = SigningKeyRecord(issuer_id=issuer.id if issuer else None, number=number,
                              public_key_multibase=public, key_file=key_file, created_at=now)
    session.add(record)
    audit.record(session, actor, "key.rotate" if existing else "key.create",
                 issuer.slug if issuer else SERVICE_OWNER,
                 key=record.fragment, publicKeyMultibase=public,
                 issuer_id=issuer.id if issuer else None)
    session.flush()
    return record


def create_issuer(session: Session, keystore: KeyStore, data: IssuerCreate,
                  actor: str) -> Issuer:
    """Register an issuer and give it its first key. Trust is a separate registry decision."""
    if session.scalar(select(Issuer.id).where(Issuer.slug == data.slug)) is not None:
        raise ProblemError(409, "issuer-exists", "Issuer exists",
                           f"an issuer with slug '{data.slug}' already exists")
    issuer = Issuer(slug=data.slug, legal_name=data.legal_name, country=data.country,
                    url=str(data.url), email=str(data.email), org_type=data.org_type,
                    suspension=data.suspension)
    session.add(issuer)
    try:
        session.flush()
    except IntegrityError:
        raise ProblemError(409, "issuer-exists", "Issuer exists",
                           f"an issuer with slug '{data.slug}' already exists") from None
    audit.record(session, actor, "issuer.create", data.slug, legalName=data.legal_name,
                 country=data.country, issuer_id=issuer.id)
    add_key(session, keystore, issuer, actor)
    return issuer


def update_issuer(session: Session, issuer: Issuer, data: IssuerDetails,
                  actor: str) -> dict[str, list[str]]:
    """Change an issuer's public details (credentials issued from now on carry them; signed
    ones keep theirs). Returns what changed, field -> [before, after]; audit-logged."""
    wanted = {"legal_name": data.legal_name, "country": data.country, "url": str(data.url),
              "email": str(data.email), "org_type": data.org_type}
    changed = {field: [getattr(issuer, field), value] for field, value in wanted.items()
               if getattr(issuer, field) != value}
    for field, (_before, after) in changed.items():
        setattr(issuer, field, after)
    if changed:
        audit.record(session, actor, "issuer.update", issuer.slug, changed=changed,
                     issuer_id=issuer.id)
        session.flush()
    return changed


def ensure_service_key(session: Session, keystore: KeyStore) -> SigningKeyRecord:
    """The service's own DID key, created on first use."""
    keys = [k for k in _keys_of(session, None) if k.retired_at is None]
    return keys[-1] if keys else add_key(session, keystore, None, "system")


def _revoked(key: SigningKeyRecord) -> str | None:
    return timestamp(key.compromised_at) if key.compromised_at is not None else None


def verification_methods(session: Session, issuer: Issuer | None,
                         controller: str) -> list[VerificationMethod]:
    """Every key, old ones included (credentials they signed before their retirement stay
    verifiable); a compromised key is marked ``revoked`` and so in no relationship."""
    return [VerificationMethod(controller, k.fragment, k.public_key_multibase, _revoked(k))
            for k in _keys_of(session, issuer)]


def issuer_did_document(session: Session, base_url: str, issuer: Issuer) -> dict[str, Any]:
    did = issuer_did(base_url, issuer.slug)
    return did_document(did, verification_methods(session, issuer, did))


def service_did_document(session: Session, base_url: str) -> dict[str, Any]:
    did = service_did(base_url)
    return did_document(did, verification_methods(session, None, did),
                        ("assertionMethod", "authentication"))


def _hosted(document: dict[str, Any], keys: list[SigningKeyRecord],
            method_id: Any) -> HostedDocument:
    return HostedDocument(document, {method_id(k): k.retired_at for k in keys
                                     if k.retired_at is not None})


def key_out(base_url: str, issuer: Issuer, key: SigningKeyRecord) -> KeyOut:
    return KeyOut(id=f"{issuer_did(base_url, issuer.slug)}#{key.fragment}",
                  publicKeyMultibase=key.public_key_multibase,
                  didKey=did_key_for(key.public_key_multibase), created=key.created_at,
                  current=key.retired_at is None and key.compromised_at is None,
                  retired=key.retired_at, compromised=key.compromised_at)


def issuer_out(session: Session, base_url: str, issuer: Issuer) -> IssuerOut:
    did = issuer_did(base_url, issuer.slug)
    logo = images.current(session, issuer.id)
    return IssuerOut(
        slug=issuer.slug, did=did, didDocumentUrl=f"{base_url}/issuers/{issuer.slug}/did.json",
        legalName=issuer.legal_name, country=issuer.country, url=issuer.url,
        email=issuer.email, orgType=issuer.org_type, suspension=issuer.suspension,
        created=issuer.created_at,
        keys=[key_out(base_url, issuer, k) for k in _keys_of(session, issuer)],
        logo=images.image_url(base_url, logo) if logo else None)


def get_key(session: Session, base_url: str, issuer: Issuer, key_id: str) -> SigningKeyRecord:
    """One of the issuer's keys by its fragment (``key-2``) or full id (``did:web:…#key-2``)."""
    did, _, fragment = key_id.rpartition("#")
    found = next((k for k in _keys_of(session, issuer) if k.fragment == fragment), None)
    if found is None or did not in ("", issuer_did(base_url, issuer.slug)):
        raise not_found(f"key '{key_id}' of issuer '{issuer.slug}'")
    return found


def _hash_secret(secret: str) -> str:
    # API key secrets are 256-bit random, so a fast hash is enough (no password stretching).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_api_key(session: Session, issuer: Issuer, label: str, actor: str) -> tuple[str, ApiKey]:
    """A new API key for ``issuer``: returns the token (shown once) and its stored record."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    record = ApiKey(issuer_id=issuer.id, key_id=key_id, secret_sha256=_hash_secret(secret),
                    label=label)
    session.add(record)
    audit.record(session, actor, "apikey.create", issuer.slug, keyId=key_id, label=label,
                 issuer_id=issuer.id)
    session.flush()
    return f"{API_KEY_PREFIX}_{key_id}_{secret}", record


def api_key_revoked(record: ApiKey) -> ProblemError:
    # RFC 6750 §3.1: a revoked token is "invalid_token", answered with 401.
    assert record.revoked_at is not None
    return ProblemError(401, "api-key-revoked", "API key revoked",
                        f"API key {record.key_id} was revoked at {timestamp(record.revoked_at)}",
                        headers={"WWW-Authenticate": 'Bearer realm="mcred", error="invalid_token",'
                                 ' error_description="the API key was revoked"'})


def authenticate_api_key(session: Session, token: str) -> Issuer | None:
    """The issuer an API key token belongs to, or None if it is unknown; a revoked key (with
    its right secret) raises a 401 problem. Records the key's use (at most once a minute)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    record = session.scalar(select(ApiKey).where(ApiKey.key_id == parts[1]))
    if record is None or not hmac.compare_digest(record.secret_sha256, _hash_secret(parts[2])):
        return None
    if record.revoked_at is not None:
        raise api_key_revoked(record)
    _record_use(session, record)
    return record.issuer


_recent_uses: dict[str, float] = {}  # key id → time.monotonic() of its last recorded use
_recent_lock = threading.Lock()


def _due(key: str) -> bool:
    """Whether this process should record a use of API key ``key`` now (and note it did)."""
    now = time.monotonic()
    with _recent_lock:
        last = _recent_uses.get(key)
        if last is not None and now - last < LAST_USE_PRECISION.total_seconds():
            return False
        if len(_recent_uses) > 10_000:  # bounded: forget everything, at worst one more write
            _recent_uses.clear()
        _recent_uses[key] = now
        return True


def forget_recent_uses() -> None:
    """Let the next authentication of every key record its use (tests, key revocation)."""
    with _recent_lock:
        _recent_uses.clear()


def _record_use(session: Session, record: ApiKey) -> None:
    """Set ``last_used_at`` unless it was set within the last minute; never fails a request.

    The write is a conditional UPDATE of one row. It runs in the request's own transaction
    where that already holds SQLite's write lock; otherwise (PostgreSQL, or a read-only
    session) in a short transaction of its own, so no request waits for another's commit on
    the key's row and read-only handlers stay read-only."""
    now = utcnow()
    if record.last_used_at is not None and now - record.last_used_at < LAST_USE_PRECISION:
        return
    if not _due(record.key_id):
        return
    statement = (update(ApiKey)
                 .where(ApiKey.id == record.id,
                        or_(ApiKey.last_used_at.is_(None),
                            ApiKey.last_used_at <= now - LAST_USE_PRECISION))
                 .values(last_used_at=now)
                 .execution_options(synchronize_session=False))
    try:
        bind = session.get_bind()
        if bind.dialect.name == "sqlite" and not is_read_only(session):
            session.execute(statement)
        else:
            with bind.begin() as conn:
                conn.execute(statement)
    except SQLAlchemyError:
        log.warning("could not record the use of API key %s", record.key_id, exc_info=True)


def api_key_info(record: ApiKey) -> ApiKeyInfo:
    """What may be shown of an API key: never its secret, only its id and token prefix."""
    return ApiKeyInfo(keyId=record.key_id, prefix=f"{API_KEY_PREFIX}_{record.key_id}_",
                      label=record.label, created=record.created_at,
                      lastUsed=record.last_used_at, revoked=record.revoked_at)


def api_key_history(session: Session, issuer: Issuer) -> dict[str, dict[str, str]]:
    """Who created and who revoked each of the issuer's API keys, and why it was revoked:
    key id -> {createdBy, revokedBy, reason}, read from the audit log (which already says
    it, so the key rows need not repeat it)."""
    found: dict[str, dict[str, str]] = {}
    for event in audit.issuer_history(session, issuer.id, ("apikey.create", "apikey.revoke")):
        key_id = str(event.detail.get("keyId", ""))
        if event.action == "apikey.create":
            found.setdefault(key_id, {})["createdBy"] = event.actor
        else:
            found.setdefault(key_id, {}).update(revokedBy=event.actor,
                                                reason=str(event.detail.get("reason", "")))
    return found


def list_api_keys(session: Session, issuer: Issuer) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.issuer_id == issuer.id)
                                .order_by(ApiKey.created_at, ApiKey.id)))


def revoke_api_key(session: Session, issuer: Issuer, key_id: str, reason: str,
                   actor: str) -> ApiKey:
    """Revoke one of the issuer's API keys (final): from now on it gets 401."""
    record = session.scalar(select(ApiKey).where(ApiKey.issuer_id == issuer.id,
                                                 ApiKey.key_id == key_id))
    if record is None:
        raise not_found(f"API key '{key_id}' of issuer '{issuer.slug}'")
    if record.revoked_at is not None:
        raise ProblemError(409, "api-key-already-revoked", "API key already revoked",
                           f"API key {key_id} was revoked at {timestamp(record.revoked_at)}")
    record.revoked_at = utcnow()
    audit.record(session, actor, "apikey.revoke", issuer.slug, keyId=key_id, reason=reason,
                 issuer_id=issuer.id)
    session.flush()
    return record


def count_issuers(session: Session) -> int:
    return session.scalar(select(func.count(Issuer.id))) or 0


def list_issuers(session: Session) -> list[Issuer]:
    return list(session.scalars(select(Issuer).order_by(Issuer.slug)))


def local_did_document(session: Session, base_url: str, did: str) -> HostedDocument | None:
    """The DID document of a DID this service hosts (no HTTP), with when each of its keys was
    retired; None if not ours. Ours: the service's and the issuers' did:web, and the did:key of
    any of our keys (whose document then says whether the key was compromised).

    A DID under our host that names no issuer is an error here, never an HTTP fetch.
    """
    if did.startswith("did:key:"):
        return _local_did_key(session, did)
    if did == service_did(base_url):
        return _hosted(service_did_document(session, base_url), _keys_of(session, None),
                       lambda k: f"{did}#{k.fragment}")
    prefix = issuer_did(base_url, "x")[:-1]
    if not did.startswith(prefix):
        return None
    issuer = session.scalar(select(Issuer).where(Issuer.slug == did.removeprefix(prefix)))
    if issuer is None:
        raise ProofError(ProofError.VM_RESOLUTION, f"{did} names no issuer of this service")
    return _hosted(issuer_did_document(session, base_url, issuer), _keys_of(session, issuer),
                   lambda k: f"{did}#{k.fragment}")


def _local_did_key(session: Session, did: str) -> HostedDocument | None:
    multibase = did.removeprefix("did:key:")
    key = session.scalar(select(SigningKeyRecord)
                         .where(SigningKeyRecord.public_key_multibase == multibase))
    if key is None:
        return None
    return _hosted(resolve_did_key(did, _revoked(key)), [key],
                   lambda k: did_key_verification_method(k.public_key_multibase))


def signing_dids(session: Session, base_url: str, issuer: Issuer) -> tuple[str, str]:
    """The DIDs an issuer may sign as: its did:web (the default) and the did:key of its
    current key (for verifiers that resolve only did:key, like the W3C eddsa suite)."""
    key = current_key(session, issuer)
    return issuer_did(base_url, issuer.slug), did_key_for(key.public_key_multibase)


def signing_method(session: Session, base_url: str, issuer: Issuer,
                   as_did: str | None = None) -> tuple[SigningKeyRecord, str]:
    """The issuer's current key and its verification method id (DID URL): under its
    did:web, or under the key's did:key when ``as_did`` is that did:key."""
    key = current_key(session, issuer)
    if as_did is not None and as_did == did_key_for(key.public_key_multibase):
        return key, did_key_verification_method(key.public_key_multibase)
    return key, f"{issuer_did(base_url, issuer.slug)}#{key.fragment}"


def signer_for(session: Session, keystore: KeyStore, base_url: str, issuer: Issuer,
               as_did: str | None = None) -> tuple[SigningKey, str]:
    """The issuer's current private key and its verification method id (``signing_method``)."""
    key, vm = signing_method(session, base_url, issuer, as_did)
    return keystore.signing_key(key.key_file), vm
