"""What the VC Data Model requires of a credential's shape, beyond what JSON-LD checks: issuer,
subjects, the objects that must carry a ``type`` (and some an ``id``), related resources and
their digests. One list of problems, each naming its field, so the issuer can refuse with it
(422) and the verifier can report it (a failed ``format`` check) in the same words.

Rules follow VC Data Model 2.0 (W3C Recommendation) and, for credentials whose first
``@context`` is the 1.1 one, VC Data Model 1.1 where 1.1 has the rule."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.proofs.contexts import UnknownContextError, context_bytes
from app.proofs.multikey import MultibaseError, decode_base58btc

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
VERSIONS = {V1: "1.1", V2: "2.0"}
# An absolute URL (any scheme, e.g. https:, did:, urn:) with nothing JSON-LD would refuse.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")
_SRI_ALGORITHMS = ("sha256", "sha384", "sha512")


@dataclass(frozen=True)
class Problem:
    """One way a credential breaks the data model: where, what, and a stable code."""

    field: str
    message: str
    code: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


# The objects the data model says MUST have a type (VCDM 2.0 §4.5 table and §5.9 reserved
# extension points; VCDM 1.1 §4.3 table, plus refreshService and credentialSchema, whose own
# sections say "MUST specify its type"), and those that MUST also have an id.
_TYPED = {
    "1.1": ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence"),
    "2.0": ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence",
            "confidenceMethod", "renderMethod"),
}
_ID_REQUIRED = {
    # 1.1 §4.9 credentialStatus "MUST include the id property, which MUST be a URI"; §5.3
    # "Each refreshService value MUST specify its type ... and its id"; §5.4 "Each
    # credentialSchema MUST specify its type ..., and an id property that MUST be a URI".
    "1.1": ("credentialStatus", "credentialSchema", "refreshService"),
    # 2.0 §4.11 "Each credentialSchema MUST specify its type ... and an id property that MUST
    # be a URL"; 2.0 dropped the id requirement of credentialStatus and refreshService.
    "2.0": ("credentialSchema",),
}


def data_model(doc: Any) -> str | None:
    """"2.0" or "1.1" by the credential's first @context; None when it is neither."""
    contexts = doc.get("@context") if isinstance(doc, dict) else None
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return VERSIONS.get(first) if isinstance(first, str) else None


def is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL.match(value))


def _entries(doc: dict[str, Any], key: str) -> Iterator[tuple[str, Any]]:
    """(field path, value) for each value of ``key``: ``key`` alone, or ``key[i]`` in a list."""
    value = doc[key]
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{key}[{index}]", item
    else:
        yield key, value


def _has_type(value: Any) -> bool:
    types = value.get("type")
    types = [types] if isinstance(types, str) else types
    return isinstance(types, list) and bool(types) and all(isinstance(t, str) and t
                                                           for t in types)


def issuer_problems(issuer: Any, version: str) -> list[Problem]:
    """2.0 §4.7 "The value of the issuer property MUST be either a URL or an object containing
    an id property whose value is a URL"; 1.1 §4.5 "either a URI or an object containing an id
    property"."""
    if isinstance(issuer, dict):
        if "id" not in issuer or issuer["id"] is None:
            return [Problem("issuer.id", "issuer.id is required: an issuer object must have an"
                            " id", "id-required")]
        if not is_url(issuer["id"]):
            return [Problem("issuer.id", "issuer.id must be a single URL", "not-a-url")]
        return []
    if issuer is None:
        return [Problem("issuer", "issuer must be a URL or an object with an id, not null",
                        "not-a-url")]
    if not is_url(issuer):
        return [Problem("issuer", "issuer must be a URL or an object with an id", "not-a-url")]
    return []


def _subject_problems(doc: dict[str, Any], version: str) -> list[Problem]:
    """2.0 §4.8 "A verifiable credential MUST contain a credentialSubject property" whose value
    "is a set of objects where each object MUST be the subject of one or more claims"; 1.1 §4.4:
    "a set of objects that contain one or more properties"."""
    if doc.get("credentialSubject") in (None, []):
        return [Problem("credentialSubject", "credentialSubject is required", "required")]
    problems = []
    for path, subject in _entries(doc, "credentialSubject"):
        if not isinstance(subject, dict):
            problems.append(Problem(path, f"{path} must be an object", "not-an-object"))
        elif not subject:
            problems.append(Problem(path, f"{path} is empty: each subject must be the subject of"
                                    " one or more claims", "no-claims"))
        elif "id" in subject and not is_url(subject["id"]):
            problems.append(Problem(f"{path}.id", f"{path}.id must be a single URL",
                                    "not-a-url"))
    return problems


def _typed_object_problems(doc: dict[str, Any], version: str,
                           with_status: bool) -> list[Problem]:
    problems = []
    for key in _TYPED[version]:
        if key not in doc or (key == "credentialStatus" and not with_status):
            continue
        if doc[key] in (None, []):
            continue  # JSON-LD reads null or [] as no value: nothing there to be malformed
        for path, value in _entries(doc, key):
            if not isinstance(value, dict):
                problems.append(Problem(path, f"{path} must be an object", "not-an-object"))
                continue
            if not _has_type(value):
                problems.append(Problem(f"{path}.type", f"{path}.type is required: each {key}"
                                        " must specify its type", "type-required"))
            if key in _ID_REQUIRED[version] and value.get("id") is None:
                problems.append(Problem(f"{path}.id", f"{path}.id is required: each {key} must"
                                        " have an id", "id-required"))
            elif "id" in value and not is_url(value["id"]):
                problems.append(Problem(f"{path}.id", f"{path}.id must be a single URL",
                                        "not-a-url"))
    return problems


def _digests(value: Any) -> list[str] | None:
    """A digest value's strings ("one or more cryptographic digests"), or None if malformed."""
    values = value if isinstance(value, list) else [value]
    return values if values and all(isinstance(v, str) and v for v in values) else None


def _related_resource_problems(doc: dict[str, Any]) -> list[Problem]:
    """2.0 §5.3: relatedResource "MUST be one or more objects"; each id "is REQUIRED and
    conforms to the format defined in Section 4.4 Identifiers. The value MUST be unique among
    the list of related resource objects"; "Each object associated with relatedResource MUST
    contain at least a digestSRI or a digestMultibase value"."""
    if doc.get("relatedResource") in (None, []):
        return []
    problems, seen = [], set()
    for path, resource in _entries(doc, "relatedResource"):
        if not isinstance(resource, dict):
            problems.append(Problem(path, f"{path} must be an object", "not-an-object"))
            continue
        rid = resource.get("id")
        if rid is None:
            problems.append(Problem(f"{path}.id", f"{path}.id is required", "id-required"))
        elif not is_url(rid):
            problems.append(Problem(f"{path}.id", f"{path}.id must be a single URL",
                                    "not-a-url"))
        elif rid in seen:
            problems.append(Problem(f"{path}.id", f"{path}.id {rid} is listed twice: related"
                                    " resource ids must be unique", "duplicate-id"))
        else:
            seen.add(rid)
        if "digestSRI" not in resource and "digestMultibase" not in resource:
            problems.append(Problem(path, f"{path} needs a digestSRI or a digestMultibase",
                                    "digest-required"))
        for key in ("digestSRI", "digestMultibase"):
            if key in resource and _digests(resource[key]) is None:
                problems.append(Problem(f"{path}.{key}", f"{path}.{key} must be one or more"
                                        " digest strings", "malformed-digest"))
    return problems


def _sri_matches(digest: str, data: bytes) -> bool | None:
    """Whether an SRI hash-expression matches ``data``; None for an algorithm we do not know."""
    algorithm, _, value = digest.partition("-")
    if algorithm not in _SRI_ALGORITHMS:
        return None
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == value


def _multibase_matches(digest: str, data: bytes) -> bool | None:
    """Whether a multibase multihash (sha2-256 or sha2-384) matches ``data``; None if unreadable."""
    try:
        raw = (base64.urlsafe_b64decode(digest[1:] + "=" * (-len(digest[1:]) % 4))
               if digest.startswith("u") else decode_base58btc(digest))
    except (MultibaseError, ValueError, binascii.Error):
        return None
    algorithms = {b"\x12\x20": "sha256", b"\x20\x30": "sha384"}
    algorithm = algorithms.get(raw[:2])
    if algorithm is None:
        return None
    return raw[2:] == hashlib.new(algorithm, data).digest()


def digest_problems(doc: dict[str, Any]) -> list[Problem]:
    """A relatedResource naming a context we hold must carry that context's real digest
    (2.0 §5.3: a digest that does not match the resource MUST produce an error)."""
    resources = doc.get("relatedResource")
    problems = []
    for path, resource in (_entries(doc, "relatedResource") if resources else []):
        if not isinstance(resource, dict) or not isinstance(resource.get("id"), str):
            continue
        try:
            data = context_bytes(resource["id"])
        except UnknownContextError:
            continue  # not a resource we hold; nothing to compare
        for key, matches in (("digestSRI", _sri_matches), ("digestMultibase",
                                                           _multibase_matches)):
            for digest in (_digests(resource.get(key)) or []) if key in resource else []:
                result = matches(digest, data)
                if result is None:
                    problems.append(Problem(f"{path}.{key}", f"{path}.{key} {digest!r} uses an"
                                            " unsupported or malformed digest",
                                            "malformed-digest"))
                elif not result:
                    problems.append(Problem(f"{path}.{key}", f"{path}.{key} of {resource['id']}"
                                            " does not match its content", "digest-mismatch"))
    return problems


def structure_problems(doc: dict[str, Any], version: str, *,
                       with_status: bool = True) -> list[Problem]:
    """Every structure rule of data model ``version`` ("2.0" or "1.1") that ``doc`` breaks.

    ``with_status=False`` leaves credentialStatus out: the verifier's status check reads each
    entry and reports one it cannot read as "could not be checked", which fails the
    credential just the same and says which entry."""
    problems = []
    if "issuer" not in doc:
        problems.append(Problem("issuer", "issuer is required", "required"))
    else:
        problems += issuer_problems(doc["issuer"], version)
    problems += _subject_problems(doc, version)
    # Not here: 1.1 §4.6 "A credential MUST have an issuanceDate property". European Digital
    # Credentials (ELM v3) use the 1.1 context with their own validFrom and no issuanceDate;
    # the issuer adds issuanceDate when it is missing, the verifier reads either.
    problems += _typed_object_problems(doc, version, with_status)
    if version == "2.0":
        problems += _related_resource_problems(doc)
        problems += digest_problems(doc)
    return problems
