"""Issuer registration, key rotation, API keys and DID documents (shared by API and CLI)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.dids.didkey import did_key_for, did_key_verification_method
from app.dids.didweb import did_web_for
from app.dids.document import VerificationMethod, did_document
from app.errors import ProblemError, not_found
from app.issuers.keys import KeyStore
from app.issuers.models import SERVICE_OWNER, ApiKey, Issuer, SigningKeyRecord
from app.issuers.schemas import IssuerCreate, IssuerOut, KeyOut
from app.proofs.errors import ProofError

API_KEY_PREFIX = "mcred"


def issuer_did(base_url: str, slug: str) -> str:
    return did_web_for(base_url, "issuers", slug)


def service_did(base_url: str) -> str:
    return did_web_for(base_url)


def get_issuer(session: Session, slug: str) -> Issuer:
    issuer = session.scalar(select(Issuer).where(Issuer.slug == slug))
    if issuer is None:
        raise not_found(f"issuer '{slug}'")
    return issuer


def _keys_of(session: Session, issuer: Issuer | None) -> list[SigningKeyRecord]:
    owner = SigningKeyRecord.issuer_id.is_(None) if issuer is None else (
        SigningKeyRecord.issuer_id == issuer.id)
    return list(session.scalars(select(SigningKeyRecord).where(owner)
                                .order_by(SigningKeyRecord.number)))


def current_key(session: Session, issuer: Issuer | None) -> SigningKeyRecord:
    """The key that signs now: the newest one not retired."""
    active = [k for k in _keys_of(session, issuer) if k.retired_at is None]
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
                 key=record.fragment, publicKeyMultibase=public)
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
                 country=data.country)
    add_key(session, keystore, issuer, actor)
    return issuer


def ensure_service_key(session: Session, keystore: KeyStore) -> SigningKeyRecord:
    """The service's own DID key, created on first use."""
    keys = [k for k in _keys_of(session, None) if k.retired_at is None]
    return keys[-1] if keys else add_key(session, keystore, None, "system")


def verification_methods(session: Session, issuer: Issuer | None,
                         controller: str) -> list[VerificationMethod]:
    return [VerificationMethod(controller, k.fragment, k.public_key_multibase)
            for k in _keys_of(session, issuer)]


def issuer_did_document(session: Session, base_url: str, issuer: Issuer) -> dict[str, Any]:
    did = issuer_did(base_url, issuer.slug)
    return did_document(did, verification_methods(session, issuer, did))


def service_did_document(session: Session, base_url: str) -> dict[str, Any]:
    did = service_did(base_url)
    return did_document(did, verification_methods(session, None, did),
                        ("assertionMethod", "authentication"))


def issuer_out(session: Session, base_url: str, issuer: Issuer) -> IssuerOut:
    did = issuer_did(base_url, issuer.slug)
    keys = _keys_of(session, issuer)
    return IssuerOut(
        slug=issuer.slug, did=did, didDocumentUrl=f"{base_url}/issuers/{issuer.slug}/did.json",
        legalName=issuer.legal_name, country=issuer.country, url=issuer.url,
        email=issuer.email, orgType=issuer.org_type, suspension=issuer.suspension,
        created=issuer.created_at,
        keys=[KeyOut(id=f"{did}#{k.fragment}", publicKeyMultibase=k.public_key_multibase,
                     didKey=did_key_for(k.public_key_multibase), created=k.created_at,
                     current=k.retired_at is None) for k in keys])


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
    audit.record(session, actor, "apikey.create", issuer.slug, keyId=key_id, label=label)
    session.flush()
    return f"{API_KEY_PREFIX}_{key_id}_{secret}", record


def authenticate_api_key(session: Session, token: str) -> Issuer | None:
    """The issuer an API key token belongs to, or None if it is unknown or revoked."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    record = session.scalar(select(ApiKey).where(ApiKey.key_id == parts[1]))
    if record is None or record.revoked_at is not None:
        return None
    if not hmac.compare_digest(record.secret_sha256, _hash_secret(parts[2])):
        return None
    return record.issuer


def count_issuers(session: Session) -> int:
    return session.scalar(select(func.count(Issuer.id))) or 0


def list_issuers(session: Session) -> list[Issuer]:
    return list(session.scalars(select(Issuer).order_by(Issuer.slug)))


def local_did_document(session: Session, base_url: str, did: str) -> dict[str, Any] | None:
    """The DID document of a did:web this service hosts (no HTTP), or None if not ours.

    A DID under our host that names no issuer is an error here, never an HTTP fetch.
    """
    if did == service_did(base_url):
        return service_did_document(session, base_url)
    prefix = issuer_did(base_url, "x")[:-1]
    if not did.startswith(prefix):
        return None
    issuer = session.scalar(select(Issuer).where(Issuer.slug == did.removeprefix(prefix)))
    if issuer is None:
        raise ProofError(ProofError.VM_RESOLUTION, f"{did} names no issuer of this service")
    return issuer_did_document(session, base_url, issuer)


def signing_dids(session: Session, base_url: str, issuer: Issuer) -> tuple[str, str]:
    """The DIDs an issuer may sign as: its did:web (the default) and the did:key of its
    current key (for verifiers that resolve only did:key, like the W3C eddsa suite)."""
    key = current_key(session, issuer)
    return issuer_did(base_url, issuer.slug), did_key_for(key.public_key_multibase)


def signer_for(session: Session, keystore: KeyStore, base_url: str, issuer: Issuer,
               as_did: str | None = None) -> tuple[SigningKey, str]:
    """The issuer's current private key and its verification method id (DID URL): under its
    did:web, or under the key's did:key when ``as_did`` is that did:key."""
    key = current_key(session, issuer)
    signing_key = keystore.signing_key(key.key_file)
    if as_did is not None and as_did == did_key_for(key.public_key_multibase):
        return signing_key, did_key_verification_method(key.public_key_multibase)
    return signing_key, f"{issuer_did(base_url, issuer.slug)}#{key.fragment}"
