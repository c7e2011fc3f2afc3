"""Publishing and subscribing: a registry travels as a VC signed by its service's DID, listing
the entries; a subscriber verifies the proof and that the signer is the one it expects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.dids.resolver import DidResolver
from app.errors import ProblemError
from app.issuers import service as issuers
from app.issuers.keys import KeyStore
from app.limits import loads_json
from app.outbound import OutboundError, OutboundPolicy, fetch
from app.proofs.dataintegrity import RDFC, add_proof, verify_document
from app.registry import importers, service
from app.registry.models import RegistrySubscription
from app.registry.schemas import RegistryEntryIn

VC_V2 = "https://www.w3.org/ns/credentials/v2"
MCRED_CONTEXT = "https://w3id.org/mcred/v1"


def signed_export(session: Session, keystore: KeyStore, base_url: str) -> dict[str, Any]:
    key_record = issuers.ensure_service_key(session, keystore)
    did = issuers.service_did(base_url)
    entries = [service.to_out(e).model_dump(mode="json", by_alias=True, exclude={"id", "source"})
               for e in service.list_entries(session)]
    document = {
        "@context": [VC_V2, MCRED_CONTEXT],
        "type": ["VerifiableCredential", "TrustedIssuerList"],
        "issuer": did,
        "validFrom": utcnow().isoformat().replace("+00:00", "Z"),
        "credentialSubject": {"id": f"{base_url}/registry.json",
                              "registryEntries": entries},
    }
    key = keystore.signing_key(key_record.key_file)
    return add_proof(document, key, f"{did}#{key_record.fragment}", cryptosuite=RDFC)


class SubscriptionError(Exception):
    """A subscribed registry could not be fetched or fails its checks."""


def fetch_subscription(url: str, expected_signer: str, resolver: DidResolver,
                       policy: OutboundPolicy) -> list[RegistryEntryIn]:
    """Entries of the registry at ``url`` if its proof verifies and it is signed by
    ``expected_signer``; raises SubscriptionError otherwise (nothing half-imported)."""
    try:
        body, _ = fetch(url, policy, accept="application/json")
    except OutboundError as exc:
        raise SubscriptionError(str(exc)) from None
    try:
        document = loads_json(body)
    except ValueError:
        raise SubscriptionError(f"{url} is not JSON") from None
    result = verify_document(document, resolver.resolve_key)
    if not result.verified:
        first = result.errors[0]
        raise SubscriptionError(f"the registry's proof fails: {first.code}: {first.message}")
    signer = result.proofs[0].key.controller if result.proofs[0].key else None
    if signer != expected_signer or document.get("issuer") != expected_signer:
        raise SubscriptionError(f"the registry is signed by {signer}, not {expected_signer}")
    return importers.parse_json(body)


def subscribe(session: Session, url: str, signer: str, actor: str) -> RegistrySubscription:
    if not url.startswith("https://"):
        raise ProblemError(422, "invalid-subscription", "Invalid subscription",
                           "a registry is followed over https only")
    if not signer.startswith("did:"):
        raise ProblemError(422, "invalid-subscription", "Invalid subscription",
                           "signer must be the DID expected to sign the list")
    record = session.get(RegistrySubscription, url) or RegistrySubscription(url=url)
    record.signer = signer
    session.add(record)
    audit.record(session, actor, "registry.subscribe", url, signer=signer)
    session.flush()
    return record


def refresh(session: Session, subscription: RegistrySubscription, resolver: DidResolver,
            policy: OutboundPolicy, actor: str) -> dict[str, Any]:
    """Fetch, check and import one subscribed registry. A failure imports nothing and is
    recorded on the subscription (the entries from the last good fetch stay)."""
    try:
        entries = fetch_subscription(subscription.url, subscription.signer, resolver, policy)
    except SubscriptionError as exc:
        subscription.last_error = str(exc)[:2000]
        return {"url": subscription.url, "error": subscription.last_error}
    counts = service.upsert_many(session, entries, actor, f"subscription:{subscription.url}")
    subscription.refreshed_at, subscription.last_error = utcnow(), None
    return {"url": subscription.url, **counts}


def refresh_all(session: Session, resolver: DidResolver, policy: OutboundPolicy,
                actor: str) -> list[dict[str, Any]]:
    return [refresh(session, s, resolver, policy, actor)
            for s in session.scalars(select(RegistrySubscription)
                                     .order_by(RegistrySubscription.url))]
