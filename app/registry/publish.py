"""Publishing and subscribing: a registry travels as a VC signed by its service's DID, listing
the entries; a subscriber verifies the proof and that the signer is the one it expects."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.db import Database, utcnow
from app.dids.resolver import DidResolver
from app.errors import ProblemError
from app.issuers import service as issuers
from app.issuers.keys import KeyStore
from app.issuers.schemas import one_line_problem
from app.limits import loads_json
from app.outbound import OutboundError, OutboundPolicy, fetch
from app.proofs.dataintegrity import RDFC, add_proof, verify_document
from app.registry import importers, service
from app.registry.models import RegistrySubscription
from app.registry.schemas import RegistryEntryIn

VC_V2 = "https://www.w3.org/ns/credentials/v2"
MCRED_CONTEXT = "https://w3id.org/mcred/v1"
log = logging.getLogger("mcred.registry")


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
    try:
        return importers.parse_json(body)
    except ProblemError as exc:  # signed, but with entries this registry cannot take
        detail = "; ".join(f"{e.get('field')}: {e.get('message')}"
                           for e in exc.extra.get("errors", [])[:5]) or exc.detail
        raise SubscriptionError(f"the registry's entries are invalid: {detail}") from None


def _refuse_hidden_characters(**fields: str) -> None:
    errors = [{"field": name, "message": problem, "code": "value_error"}
              for name, value in fields.items() if (problem := one_line_problem(value))]
    if errors:
        raise ProblemError(422, "validation-error", "Invalid request",
                           "; ".join(f"{e['field']} {e['message']}" for e in errors),
                           errors=errors)


def subscribe(session: Session, url: str, signer: str, actor: str) -> RegistrySubscription:
    _refuse_hidden_characters(url=url, signer=signer)  # the CLI does not pass the API schema
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


def refresh_followed(db: Database, base_url: str, policy: OutboundPolicy,
                     actor: str) -> list[dict[str, Any]]:
    """Fetch, check and import every followed registry. Each is fetched and checked outside
    any write transaction (a slow host must not hold SQLite's write lock), then imported in a
    short one; a failure imports nothing and is recorded on the subscription (the entries
    from the last good fetch stay)."""
    with db.session(read_only=True) as session:
        followed = [(s.url, s.signer) for s in session.scalars(
            select(RegistrySubscription).order_by(RegistrySubscription.url))]
    results = []
    for url, signer in followed:
        try:
            results.append(_refresh_one(db, base_url, policy, actor, url, signer))
        except Exception as exc:  # one broken registry must not stop the others
            log.exception("registry %s: refresh failed", url)
            results.append({"url": url, "error": f"refresh failed: {type(exc).__name__}"})
    return results


def _refresh_one(db: Database, base_url: str, policy: OutboundPolicy, actor: str, url: str,
                 signer: str) -> dict[str, Any]:
    with db.session(read_only=True) as session:
        resolver = DidResolver(local=lambda did: issuers.local_did_document(
            session, base_url, did), policy=policy)
        try:
            entries, error = fetch_subscription(url, signer, resolver, policy), None
        except SubscriptionError as exc:
            entries, error = None, str(exc)[:2000]
    with db.session() as session:
        record = session.scalar(select(RegistrySubscription)
                                .where(RegistrySubscription.url == url))
        if record is None or record.signer != signer:
            # unsubscribed, or re-subscribed with another signer, while we fetched
            return {"url": url, "error": "subscription changed during the refresh; skipped"}
        if entries is None:
            record.last_error = error
            return {"url": url, "error": error}
        counts = service.upsert_many(session, entries, actor, f"subscription:{url}")
        record.refreshed_at, record.last_error = utcnow(), None
        return {"url": url, **counts}


class RegistryRefresher:
    """Thread that refreshes followed registries every ``interval`` seconds."""

    def __init__(self, db: Database, base_url: str, policy: OutboundPolicy,
                 interval: float) -> None:
        self._args = (db, base_url, policy)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="mcred-registry-refresh")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for result in refresh_followed(*self._args, actor="scheduler"):
                    if "error" in result:
                        log.warning("registry %s not refreshed: %s", result["url"],
                                    result["error"])
            except Exception:  # keep the service up; try again next round
                log.exception("registry refresh failed")
            self._stop.wait(self._interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
