"""Resolve a verification method (DID URL or https URL) to its key, checking it is authorised
for a purpose.

did:key expands locally; did:web documents of our own issuers come from a local lookup (no
HTTP); other did:web hosts go through the guarded outbound client, cached with a TTL. A
verification method that is an https URL (``https://uni.example/issuers/1#key-1``) names a
controller document (W3C Controlled Identifiers) at the URL without its fragment: fetched the
same guarded, cached way, and bound the same way (the document's id is the URL fetched, the
method's controller is that id, the method is listed for the purpose).

A method marked ``revoked`` (CID 1.0 §2.2) is refused whatever its relationships say. For DIDs
this service hosts (did:web, and the did:key of its own keys), the local lookup may also say
when each key was retired (``HostedDocument``): such a key resolves as a ``HostedKey`` carrying
that moment, for the verifier to hold against the proof's ``created`` (DID Core §9.7: checking
proofs by rotated-out methods needs "when a particular verification method was expected to be
valid", which only the host knows).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from app.cache import FetchCache
from app.dids.didkey import resolve_did_key
from app.dids.didweb import did_web_url
from app.limits import loads_json
from app.outbound import OutboundError, OutboundPolicy, fetch
from app.proofs.dataintegrity import ResolvedKey
from app.proofs.errors import ProofError
from app.proofs.multikey import MultibaseError, decode_public_key


@dataclass(frozen=True)
class HostedDocument:
    """A DID document this service hosts, with what only its host knows: when each of its
    verification methods (by id) was retired, i.e. stopped making the controller's proofs."""

    document: dict[str, Any]
    retired: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class HostedKey(ResolvedKey):
    """A retired key of a DID this service hosts: proofs it made after ``retired_at`` are not
    its controller's."""

    retired_at: datetime | None = None


# A DID's document held locally: a plain document, a HostedDocument, or None (not held here).
LocalLookup = Callable[[str], dict[str, Any] | HostedDocument | None]
KEY_TYPES = ("Multikey", "Ed25519VerificationKey2020")
CONTROLLER_ACCEPT = "application/cid, application/ld+json, application/json"


class DidResolver:
    """Resolves DIDs, controller documents and verification methods; thread-safe TTL cache for
    remote did:web and controller documents.

    ``local`` answers did:web DIDs and ``controllers`` https controller URLs without any HTTP
    (None: not held locally, fetch it)."""

    def __init__(self, local: LocalLookup | None = None, policy: OutboundPolicy | None = None,
                 ttl_seconds: float = 300.0, controllers: LocalLookup | None = None) -> None:
        self.local = local
        self.controllers = controllers
        self.policy = policy or OutboundPolicy()
        self.ttl = ttl_seconds
        self._cache = FetchCache(ttl_seconds, maxsize=256)

    def with_local(self, local: LocalLookup) -> DidResolver:
        """A resolver with its own local lookup that shares this one's remote cache."""
        twin = DidResolver(local, self.policy, self.ttl, self.controllers)
        twin._cache = self._cache
        return twin

    def resolve(self, did: str) -> dict[str, Any]:
        """The DID document for ``did``, or the controller document at an https URL; raises
        ProofError(VM_RESOLUTION)."""
        return self._resolve(did).document

    def _resolve(self, did: str) -> HostedDocument:
        try:
            if did.startswith("did:key:"):
                # The did:key of one of our own keys is answered locally too: the key cannot
                # say it was retired or compromised, its host can.
                return self._local(did) or HostedDocument(resolve_did_key(did))
            if did.startswith("did:web:"):
                return self._local(did) or HostedDocument(self._resolve_web(did))
            if did.startswith("https://"):
                return HostedDocument(self._resolve_controller(did))
        except (ValueError, MultibaseError) as exc:
            raise ProofError(ProofError.VM_RESOLUTION, f"cannot resolve {did}: {exc}") from None
        if urlsplit(did).scheme.lower() in ("http", "https"):
            raise ProofError(ProofError.VM_RESOLUTION,
                             f"controller document {did!r} is not an https URL; only https"
                             " controller documents are fetched")
        raise ProofError(ProofError.VM_RESOLUTION, f"DID method of {did!r} is not supported")

    def _resolve_controller(self, url: str) -> dict[str, Any]:
        if "#" in url or not urlsplit(url).hostname:
            raise ProofError(ProofError.VM_RESOLUTION, f"{url!r} is not a controller document URL")
        if self.controllers is not None:
            doc = self.controllers(url)
            if doc is not None:
                _check_controller_document(doc, url)
                return doc
        cached = self._cache.get(url)
        if cached is not None:
            return cached
        try:
            body, _ = fetch(url, self.policy, accept=CONTROLLER_ACCEPT)
            doc = loads_json(body)
        except OutboundError as exc:
            raise ProofError(ProofError.VM_RESOLUTION,
                             f"cannot fetch the controller document {url}: {exc}") from None
        except ValueError:
            raise ProofError(ProofError.VM_RESOLUTION, f"{url} is not JSON") from None
        _check_controller_document(doc, url)
        self._cache.put(url, doc)
        return doc

    def _local(self, did: str) -> HostedDocument | None:
        found = self.local(did) if self.local is not None else None
        return HostedDocument(found) if isinstance(found, dict) else found

    def _resolve_web(self, did: str) -> dict[str, Any]:
        cached = self._cache.get(did)
        if cached is not None:
            return cached
        url = did_web_url(did, "https")
        try:
            body, _ = fetch(url, self.policy, accept="application/did+json, application/json")
            doc = loads_json(body)
        except OutboundError as exc:
            raise ProofError(ProofError.VM_RESOLUTION, f"cannot resolve {did}: {exc}") from None
        except ValueError:
            raise ProofError(ProofError.VM_RESOLUTION, f"{url} is not JSON") from None
        if not isinstance(doc, dict) or doc.get("id") != did:
            raise ProofError(ProofError.VM_RESOLUTION, f"{url} is not the DID document of {did}")
        self._cache.put(did, doc)
        return doc

    def resolve_key(self, vm_id: str, purpose: str) -> ResolvedKey:
        """The key behind ``vm_id`` if its DID (or controller) document authorises it for
        ``purpose``."""
        if not isinstance(vm_id, str) or "#" not in vm_id:
            raise ProofError(ProofError.VM_RESOLUTION, f"verificationMethod {vm_id!r} is not a"
                             " DID URL or https URL with a fragment")
        did = vm_id.split("#", 1)[0]
        hosted = self._resolve(did)
        doc = hosted.document
        method = _find_method(doc, vm_id, did)
        if method is None:
            raise ProofError(ProofError.VM_RESOLUTION, f"{vm_id} is not in the DID document")
        if "revoked" in method:
            # CID 1.0 §2.2: the method "MUST NOT be used" (Digital Bazaar's suites refuse it
            # too). A did:web shows only its current state and a proof's `created` is the
            # signer's word, so no date can save a proof by it (DID Core §9.8).
            raise ProofError(ProofError.VM_NOT_AUTHORIZED, f"{vm_id} was revoked by {did}"
                             f" ({method['revoked']}); no proof by it is accepted")
        authorised = [_absolute(m if isinstance(m, str) else m.get("id", ""), did)
                      for m in _as_list(doc.get(purpose))]
        if vm_id not in authorised:
            raise ProofError(ProofError.VM_NOT_AUTHORIZED,
                             f"{vm_id} is not authorised for {purpose} by {did}")
        controller = method.get("controller")
        if controller != did:
            raise ProofError(ProofError.VM_NOT_AUTHORIZED,
                             f"{vm_id} is controlled by {controller!r}, not {did}")
        if method.get("type") not in KEY_TYPES:
            raise ProofError(ProofError.VM_RESOLUTION,
                             f"{vm_id} has type {method.get('type')!r}, expected Multikey")
        try:
            public = decode_public_key(method.get("publicKeyMultibase", ""))
        except MultibaseError as exc:
            raise ProofError(ProofError.MALFORMED_MULTIBASE, f"{vm_id}: {exc}") from None
        retired = hosted.retired.get(vm_id)
        if retired is not None:
            return HostedKey(id=vm_id, controller=did, public_key=public, retired_at=retired)
        return ResolvedKey(id=vm_id, controller=did, public_key=public)


def _check_controller_document(doc: Any, url: str) -> None:
    # The binding that makes an https issuer id mean something: the document at the URL
    # speaks for exactly that URL (CID 1.0: its id must be the URL it was retrieved from).
    if not isinstance(doc, dict):
        raise ProofError(ProofError.VM_RESOLUTION, f"{url} is not a controller document")
    if doc.get("id") != url:
        raise ProofError(ProofError.VM_RESOLUTION, f"the controller document at {url} has id"
                         f" {doc.get('id')!r}, not {url}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([] if value is None else [value])


def _absolute(ref: str, did: str) -> str:
    return did + ref if ref.startswith("#") else ref


def _find_method(doc: dict[str, Any], vm_id: str, did: str) -> dict[str, Any] | None:
    candidates = _as_list(doc.get("verificationMethod"))
    for relationship in ("assertionMethod", "authentication"):
        candidates += [m for m in _as_list(doc.get(relationship)) if isinstance(m, dict)]
    for method in candidates:
        if isinstance(method, dict) and _absolute(method.get("id", ""), did) == vm_id:
            return method
    return None
