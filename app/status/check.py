"""Verifier side of Bitstring Status List: fetch each referenced list credential, verify its
proof, expiry and purpose, and read the credential's bit. A list that cannot be
fetched or checked, and a status entry of any other type, is an error ("could not be
checked"), never a pass. A list shorter than the specification's minimum is still read, with
a warning: its bits are as authoritative as a long list's. So is a list issued by another
DID than the credential, or whose ``id`` is not the URL it was fetched from: Bitstring Status
List v1.0 allows both (§2.2: the issuers "MAY be different"; the list "MAY express an id" that
matches the entry's URL) and leaves trusting the list's issuer to the verifier (§3.2, "Issuer
validation is use case dependent"), so the warning says whom the answer comes from.

A ``credentialStatus`` that is a URI (EDC's shapes want one xsd:anyURI there) names a status
resource: its JSON answer says active, suspended or revoked, and lists the Bitstring entries
behind it, which are then read as above (``check_status_resource``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.cache import FetchCache
from app.limits import loads_json
from app.messages import When, join, msg
from app.outbound import OutboundError, OutboundPolicy, fetch
from app.proofs.dataintegrity import KeyResolver, ResolvedKey, verify_document
from app.proofs.errors import ProofError
from app.status import bitstring

ENTRY_TYPE = "BitstringStatusListEntry"
ListFetcher = Callable[[str], dict[str, Any]]
ResourceFetcher = Callable[[str], dict[str, Any]]


MAX_STATUS_ENTRIES = 8
ACCEPT = "application/vc, application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.8"


class StatusCheckError(Exception):
    """The status could not be established; the message says why."""


@dataclass(frozen=True)
class StatusResult:
    purpose: str
    index: int | None
    list_url: str | None
    set: bool | None  # None when the status could not be checked
    error: str | None = None
    warning: str | None = None  # read, but something about the list is off
    resource: str | None = None  # the status resource (a URI credentialStatus) it comes from

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class RemoteLists:
    """Fetches status list credentials over guarded HTTPS, cached for ``ttl`` seconds."""

    def __init__(self, policy: OutboundPolicy | None = None, ttl: float = 300.0) -> None:
        self.policy = policy or OutboundPolicy(max_bytes=4 * 1024 * 1024)
        self.ttl = ttl
        # Lists are at most 4 MB each: 64 of them bound the cache at 256 MB worst case.
        self._cache = FetchCache(ttl, maxsize=64)

    def __call__(self, url: str) -> dict[str, Any]:
        cached = self._cache.get(url)
        if cached is not None:
            return cached
        try:
            body, _ = fetch(url, self.policy, accept=ACCEPT)
            document = loads_json(body)
        except OutboundError as exc:
            raise StatusCheckError(msg("status list %(url)s could not be fetched: %(why)s",
                                       url=url, why=exc.args[0] if exc.args else exc)) from None
        except ValueError:
            raise StatusCheckError(msg("status list %(url)s is not JSON", url=url)) from None
        self._cache.put(url, document)
        return document


# A status resource's answer is small (ours: well under 2 kB with two entries).
RESOURCE_BYTES = 64 * 1024
# What a status resource's ``status`` says, as the purpose and flag of a status entry.
RESOURCE_STATES = {"active": ("status", False), "suspended": ("suspension", True),
                   "revoked": ("revocation", True)}
XSD_ANY_URI = ("http://www.w3.org/2001/XMLSchema#anyURI", "xsd:anyURI")


class RemoteResources:
    """Fetches status resources (a credentialStatus that is a URI, as EDC's shapes want it)
    over guarded HTTPS, cached for ``ttl`` seconds: the max-age mcred serves its own with."""

    def __init__(self, policy: OutboundPolicy | None = None, ttl: float = 60.0) -> None:
        self.policy = policy or OutboundPolicy(max_bytes=RESOURCE_BYTES)
        self._cache = FetchCache(ttl, maxsize=1024)  # 64 kB each: 64 MB worst case

    def __call__(self, url: str) -> dict[str, Any]:
        cached = self._cache.get(url)
        if cached is not None:
            return cached
        try:
            body, _ = fetch(url, self.policy, accept="application/json")
            document = loads_json(body)
        except OutboundError as exc:
            raise StatusCheckError(msg("status resource %(url)s could not be fetched: %(why)s",
                                       url=url, why=exc.args[0] if exc.args else exc)) from None
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise StatusCheckError(msg("status resource %(url)s is not a JSON object", url=url))
        self._cache.put(url, document)
        return document


# Status lists whose proofs verified, by URL and content digest, with the keys that made
# them: many credentials share one list, and re-checking its proof on every verification was
# a third of the cost of verifying one of our credentials. The digest covers the whole
# document, so a changed list (a new bit, a new signature) is verified afresh; the keys are
# resolved again on every use, so a key revoked or replaced since fails the list as before.
_VERIFIED_LISTS = FetchCache(ttl=3600.0, maxsize=512)
UsedKey = tuple[str, str, bytes]  # verification method, purpose, public key


def _check_list_proof(url: str, document: dict[str, Any], resolve_key: KeyResolver) -> None:
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"))
                            .encode("utf-8")).hexdigest()
    used: tuple[UsedKey, ...] | None = _VERIFIED_LISTS.get(f"{digest} {url}")
    if used:
        try:
            if all(resolve_key(vm, purpose).public_key == public for vm, purpose, public in used):
                return
        except ProofError:
            pass  # verified afresh below, which says why
    seen: list[UsedKey] = []

    def recording(vm: str, purpose: str) -> ResolvedKey:
        key = resolve_key(vm, purpose)
        seen.append((vm, purpose, key.public_key))
        return key

    result = verify_document(document, recording)
    if not result.verified:
        first = result.errors[0]
        raise StatusCheckError(msg("the status list's proof fails: %(code)s: %(why)s",
                                   code=first.code, why=first.message))
    _VERIFIED_LISTS.put(f"{digest} {url}", tuple(seen))


def _moment(document: dict[str, Any], key: str) -> datetime | None:
    value = document.get(key)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise StatusCheckError(msg("the status list's %(key)s %(value)s is not a date-time",
                                   key=key, value=repr(value))) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_expiry(document: dict[str, Any], now: datetime) -> None:
    # Compared as instants, not as strings: "…T10:00:00+02:00" is before "…T09:00:00Z".
    # (validFrom is not held against ``now``: a list says what holds today, and ``now`` may
    # be a past moment the verifier asked about.)
    ends = _moment(document, "validUntil")
    if ends is not None and ends < now:
        raise StatusCheckError(msg("the status list expired at %(end)s",
                                   end=When(str(document["validUntil"]))))


def _id_of(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _provenance(credential: dict[str, Any], document: dict[str, Any], url: str) -> list[str]:
    """Warnings when the list is not plainly the credential issuer's list at ``url``."""
    warnings = []
    issuer, list_issuer = _id_of(credential.get("issuer")), _id_of(document.get("issuer"))
    if list_issuer != issuer:
        warnings.append(msg("the status list is issued by %(list_issuer)s, not by the"
                            " credential's issuer %(issuer)s (the specification allows this:"
                            " rely on the list only if you trust its issuer)",
                            list_issuer=repr(list_issuer), issuer=repr(issuer)))
    if document.get("id") != url:
        warnings.append(msg("the status list's id %(id)s is not the URL it was fetched from",
                            id=repr(document.get("id"))))
    return warnings


def _read_entry(credential: dict[str, Any], entry: dict[str, Any], fetch_list: ListFetcher,
                resolve_key: KeyResolver, now: datetime) -> StatusResult:
    purpose = str(entry.get("statusPurpose"))
    url, raw_index = entry.get("statusListCredential"), entry.get("statusListIndex")
    if not isinstance(url, str) or not isinstance(raw_index, str) or not raw_index.isdigit():
        return StatusResult(purpose, None, None, None, msg("malformed status entry"))
    index = int(raw_index)
    if entry.get("statusSize", 1) not in (1, "1"):
        # Multi-bit entries (status messages) are not read as one bit: that would misread.
        return StatusResult(purpose, index, url, None,
                            msg("statusSize %(size)s is not supported",
                                size=repr(entry.get("statusSize"))))
    try:
        document = fetch_list(url)
        kinds = document.get("type") if isinstance(document, dict) else None
        if "BitstringStatusListCredential" not in (kinds if isinstance(kinds, list) else [kinds]):
            raise StatusCheckError(msg("%(url)s is not a BitstringStatusListCredential", url=url))
        _check_list_proof(url, document, resolve_key)
        _check_expiry(document, now)
        subject = document.get("credentialSubject") or {}
        if not isinstance(subject, dict):
            raise StatusCheckError(msg("%(url)s has no BitstringStatusList subject", url=url))
        purposes = subject.get("statusPurpose")
        if purpose not in (purposes if isinstance(purposes, list) else [purposes]):
            raise StatusCheckError(msg("the status list's purpose is %(found)s, not %(wanted)s",
                                       found=repr(purposes), wanted=repr(purpose)))
        bits = bitstring.decode(subject.get("encodedList", ""), min_bits=0)
        size = len(bits) * 8
        warnings = [msg("the status list has %(size)s entries, fewer than the %(minimum)s the"
                        " specification requires", size=size, minimum=bitstring.MIN_BITS)] \
            if size < bitstring.MIN_BITS else []
        warnings += _provenance(credential, document, url)
        return StatusResult(purpose, index, url, bitstring.get_bit(bits, index),
                            warning=join("; ", warnings) if warnings else None)
    except (StatusCheckError, bitstring.BitstringError) as exc:
        return StatusResult(purpose, index, url, None,
                            exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc))


def check_status(credential: dict[str, Any], fetch_list: ListFetcher, resolve_key: KeyResolver,
                 now: datetime) -> list[StatusResult]:
    """One result per status entry of ``credential`` (none when it has no status); an entry
    that is not a BitstringStatusListEntry is a result that could not be checked."""
    entries = credential.get("credentialStatus")
    results = []
    if isinstance(entries, list) and len(entries) > MAX_STATUS_ENTRIES:
        # Each entry is a fetch to a URL the submitter chose: no fan-out amplifier.
        return [StatusResult("unknown", None, None, None,
                             msg("%(count)s status entries; at most %(maximum)s are checked, so"
                                 " this credential cannot be checked", count=len(entries),
                                 maximum=MAX_STATUS_ENTRIES))]
    for entry in entries if isinstance(entries, list) else [entries] * (entries is not None):
        if not isinstance(entry, dict):
            results.append(StatusResult("unknown", None, None, None,
                                        msg("a status entry must be a JSON object")))
            continue
        kind = entry.get("type")
        if ENTRY_TYPE not in (kind if isinstance(kind, list) else [kind]):
            results.append(StatusResult(str(kind), None, None, None,
                                        msg("status method %(kind)s is not supported",
                                            kind=repr(kind))))
            continue
        results.append(_read_entry(credential, entry, fetch_list, resolve_key, now))
    return results


def status_uri(value: Any) -> str | None:
    """The status resource a ``credentialStatus`` names: a URI string, or (EDC) an xsd:anyURI
    value object, alone or as a one-item array; None when it is no such thing."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict) and set(value) <= {"@value", "@type"} \
            and value.get("@type", XSD_ANY_URI[0]) in XSD_ANY_URI:
        value = value.get("@value")
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) \
        else None


def check_status_resource(credential: dict[str, Any], url: str, fetch_resource: ResourceFetcher,
                          fetch_list: ListFetcher, resolve_key: KeyResolver,
                          now: datetime) -> list[StatusResult]:
    """The status a resource at ``url`` gives ``credential`` (its ``status``: active, suspended
    or revoked), then each Bitstring entry it names read in its signed list, as
    ``check_status`` reads a credential's own: a set bit or an unreadable list counts as
    surely as the resource's word, so the answer never rests on the host alone when it names
    entries. A resource that cannot be fetched, or says no status, is "could not be checked"."""
    try:
        document = fetch_resource(url)
        if document.get("credential") != credential.get("id"):
            raise StatusCheckError(msg("status resource %(url)s is about another credential",
                                       url=url))
        state = document.get("status")
        if not isinstance(state, str) or state not in RESOURCE_STATES:
            raise StatusCheckError(msg("status resource %(url)s names no status (active,"
                                       " suspended or revoked)", url=url))
    except StatusCheckError as exc:
        return [StatusResult("status", None, None, None, exc.args[0], resource=url)]
    purpose, flagged = RESOURCE_STATES[state]
    results = [StatusResult(purpose, None, None, flagged, resource=url)]
    entries = document.get("credentialStatus")
    if entries not in (None, []):
        results += check_status({"issuer": credential.get("issuer"), "credentialStatus": entries},
                                fetch_list, resolve_key, now)
    return results
