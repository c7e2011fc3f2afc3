"""Build a VerifyContext for a request: local DIDs, status lists and status resources
straight from the database, everything else through the guarded outbound client (cached per
process)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.db import utcnow
from app.deps import Services
from app.dids.resolver import DidResolver, HostedDocument
from app.errors import ProblemError
from app.issuers.service import local_did_document
from app.messages import msg
from app.outbound import OutboundPolicy, outbound_policy
from app.registry.service import lookup, registry_entry_for_seal
from app.seals.certpath import load_roots
from app.status import service as status_service
from app.status.check import RESOURCE_BYTES, RemoteLists, RemoteResources, StatusCheckError
from app.trustlists.service import trust_for_certificate
from app.verify.caches import keys_fingerprint, list_version


@lru_cache(maxsize=8)
def _remote(policy: OutboundPolicy) -> tuple[DidResolver, RemoteLists, RemoteResources]:
    # One cache per policy, shared by requests: did:web documents, status lists and status
    # resources are fetched at most once per TTL.
    return (DidResolver(policy=policy), RemoteLists(replace(policy, max_bytes=4 * 1024 * 1024)),
            RemoteResources(replace(policy, max_bytes=RESOURCE_BYTES)))


def build_context(svc: Services, rubric: str = "default"):  # type: ignore[no-untyped-def]
    """Lookups of our own DIDs, status lists and registry each use a short read session of
    their own: no database connection is held while a remote document is fetched, so a slow
    host cannot drain the pool for requests that need no fetch. Each reads a fingerprint of
    what it depends on and answers from the process's caches when it is unchanged
    (app.verify.caches says why that sees every worker's changes at once)."""
    from app.verify.pipeline import VerifyContext

    base = svc.settings.public_base_url
    caches = svc.caches
    remote_resolver, remote_lists, remote_resources = _remote(outbound_policy(svc.settings))
    # Read once per verification context (one request): what this request sees of our keys
    # is one moment, and costs one round trip.
    seen: list[tuple[Any, ...]] = []

    def current(session: Session) -> tuple[Any, ...]:
        if not seen:
            seen.append(keys_fingerprint(session))
        return seen[0]

    def local_did(did: str) -> HostedDocument | None:
        if seen:  # this request has read the fingerprints: a known document needs no query
            found, document = caches.dids.peek((did, seen[0]))
            if found:
                return document  # type: ignore[no-any-return]
        with svc.db.session(read_only=True) as session:
            return caches.dids.get((did, current(session)),
                                   lambda: local_did_document(session, base, did))

    resolver = remote_resolver.with_local(local_did)
    prefix = f"{base}/status-lists/"

    def fetch_list(url: str) -> dict[str, Any]:
        if not (url.startswith(prefix) and url[len(prefix):].isdigit()):
            return remote_lists(url)
        list_id = int(url[len(prefix):])
        with svc.db.session(read_only=True) as session:
            version = list_version(session, list_id)
            if version is None:  # not found → cannot be checked
                raise StatusCheckError(f"status list {url} does not exist")

            def signed() -> dict[str, Any]:
                status_list = status_service.get_list(session, list_id)
                return json.loads(status_service.signed_list(session, svc.keystore, base,
                                                             status_list))

            return caches.lists.get((list_id, version), signed)

    def fetch_resource(url: str) -> dict[str, Any]:
        # Ours answered from the database, as the route would: a revocation counts at once.
        credential_id = status_service.credential_id_of_resource(base, url)
        if credential_id is None:
            return remote_resources(url)
        with svc.db.session(read_only=True) as session:
            try:
                return status_service.status_resource(session, base, credential_id, utcnow())
            except ProblemError:
                raise StatusCheckError(msg("status resource %(url)s does not exist",
                                           url=url)) from None

    def registry(did: str, on: date):  # type: ignore[no-untyped-def]
        with svc.db.session(read_only=True) as session:
            return lookup(session, did, on)

    def by_seal(org_identifier: str, on: date):  # type: ignore[no-untyped-def]
        with svc.db.session(read_only=True) as session:
            return registry_entry_for_seal(session, org_identifier, on)

    def trusted_list(chain: list[Any], at: datetime) -> Any:
        with svc.db.session(read_only=True) as session:
            return trust_for_certificate(session, chain, at)

    return VerifyContext(resolver=resolver, fetch_status_list=fetch_list, registry=registry,
                         rubric=caches.rubric(rubric, svc.settings.rubrics_dir),
                         seal_roots=_seal_roots(svc.settings.seal_trust_roots),
                         seal_trusted_list=trusted_list, registry_by_seal=by_seal,
                         fetch_status_resource=fetch_resource)


@lru_cache(maxsize=4)
def _seal_roots(location: Path | None) -> tuple[Any, ...]:
    # Read once per process (the settings checked them at start).
    return load_roots(location)
