"""VC-API issuing (``{credential, options}``): check a caller's credential, bind it to the
issuer behind the API key, sign it. Refuses what the W3C interop suites expect refused."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app import audit
from app.credentials.models import CredentialRecord
from app.credentials.service import Issuing, credential_bytes, incomplete, proof_problem
from app.credentials.sharing import new_token
from app.db import utcnow
from app.elements.completeness import mandatory_failures
from app.elements.extract import read_elements
from app.errors import ProblemError
from app.issuers import service as issuers
from app.issuers.models import Issuer
from app.proofs import jsonld
from app.proofs.contexts import UnknownContextError, context_bytes
from app.proofs.dataintegrity import CRYPTOSUITES, RDFC, add_proof
from app.proofs.errors import ProofError
from app.status.check import MAX_STATUS_ENTRIES
from app.status.service import credential_status

VC_V2 = "https://www.w3.org/ns/credentials/v2"
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _invalid(detail: str, field: str) -> ProblemError:
    return ProblemError(422, "invalid-credential", "Invalid credential", detail,
                        errors=[{"field": field, "message": detail}])


def _parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise _invalid(f"{field} must be an XML Schema dateTimeStamp", field)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _check_related_resources(credential: dict[str, Any]) -> None:
    """A relatedResource naming one of our contexts must carry that context's real digest."""
    resources = credential.get("relatedResource")
    for resource in resources if isinstance(resources, list) else [resources] * bool(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("id"), str):
            raise _invalid("each relatedResource needs an id", "relatedResource")
        try:
            data = context_bytes(resource["id"])
        except UnknownContextError:
            continue  # not a context we hold; nothing to compare
        sri = resource.get("digestSRI")
        if isinstance(sri, str):
            algorithm, _, digest = sri.partition("-")
            if algorithm not in ("sha256", "sha384", "sha512"):
                raise _invalid(f"unsupported digestSRI algorithm {algorithm!r}", "relatedResource")
            actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
            if actual != digest:
                raise _invalid(f"digestSRI of {resource['id']} does not match its content",
                               "relatedResource")
        multibase = resource.get("digestMultibase")
        if isinstance(multibase, str):
            from app.proofs.multikey import MultibaseError, decode_base58btc

            try:
                digest_bytes = (base64.urlsafe_b64decode(multibase[1:] + "==")
                                if multibase.startswith("u") else decode_base58btc(multibase))
            except (MultibaseError, ValueError):
                raise _invalid("malformed digestMultibase", "relatedResource") from None
            # multihash sha2-256: 0x12 0x20 + 32 bytes
            if digest_bytes[2:] != hashlib.sha256(data).digest():
                raise _invalid(f"digestMultibase of {resource['id']} does not match its content",
                               "relatedResource")


def _check_status(credential: dict[str, Any]) -> None:
    statuses = credential.get("credentialStatus")
    if statuses is None:
        return
    if isinstance(statuses, list) and len(statuses) > MAX_STATUS_ENTRIES:
        raise _invalid(f"at most {MAX_STATUS_ENTRIES} credentialStatus entries (verifiers check"
                       " no more)", "credentialStatus")
    for entry in statuses if isinstance(statuses, list) else [statuses]:
        types = entry.get("type") if isinstance(entry, dict) else None
        types = [types] if isinstance(types, str) else types
        if not (isinstance(types, list) and types and all(isinstance(t, str) for t in types)):
            raise _invalid("each credentialStatus entry must be an object with a type",
                           "credentialStatus")
        if "id" in entry and not (isinstance(entry["id"], str) and _IRI.match(entry["id"])):
            raise _invalid("credentialStatus.id must be a URL", "credentialStatus")
        if "BitstringStatusListEntry" in types:
            index = entry.get("statusListIndex")
            if not isinstance(index, str) or not index.isdigit():
                raise _invalid("statusListIndex must be a base-10 integer string",
                               "credentialStatus")
            if not isinstance(entry.get("statusPurpose"), str):
                raise _invalid("statusPurpose is required", "credentialStatus")
            url = entry.get("statusListCredential")
            if not isinstance(url, str) or not _IRI.match(url):
                raise _invalid("statusListCredential must be a URL", "credentialStatus")


def requested_issuer(credential: Any) -> str | None:
    """The issuer DID the caller put in the credential, if any."""
    issuer = credential.get("issuer") if isinstance(credential, dict) else None
    given = issuer.get("id") if isinstance(issuer, dict) else issuer
    return given if isinstance(given, str) else None


def prepare(credential: Any, issuer_did: str) -> dict[str, Any]:
    """The credential to sign, bound to ``issuer_did``; 422 problems for invalid input."""
    if not isinstance(credential, dict):
        raise _invalid("credential must be a JSON object", "credential")
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC_V2:
        raise _invalid(f"@context must be an array starting with {VC_V2}", "@context")
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise _invalid("type must be an array including VerifiableCredential", "type")
    if "id" in credential and not (isinstance(credential["id"], str)
                                   and _IRI.match(credential["id"])):
        raise _invalid("id must be a single URL", "id")
    if "proof" in credential:
        raise _invalid("the credential to issue must not carry a proof", "proof")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict | list) or not subject:
        raise _invalid("credentialSubject is required", "credentialSubject")
    issuer = credential.get("issuer")
    given = issuer.get("id") if isinstance(issuer, dict) else issuer
    if given is not None and given != issuer_did:
        raise ProblemError(403, "wrong-issuer", "Wrong issuer",
                           f"this API key issues as {issuer_did} (or as the did:key of the"
                           f" issuer's current key), not {given!r}")
    out = dict(credential)
    out["issuer"] = {**issuer, "id": issuer_did} if isinstance(issuer, dict) else issuer_did
    out.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    valid_from = _parse_time(out.setdefault(
        "validFrom", utcnow().isoformat().replace("+00:00", "Z")), "validFrom")
    if "validUntil" in out and _parse_time(out["validUntil"], "validUntil") <= valid_from:
        raise _invalid("validUntil must be after validFrom", "validUntil")
    _check_related_resources(out)
    _check_status(out)
    try:
        jsonld.expand(out)  # strict: protected-term redefinitions, dropped terms, relative IRIs
    except ProofError as exc:
        raise proof_problem(exc) from None
    if {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        # mcred's micro-credentials must carry the EU elements; generic VCs need not.
        _, found = read_elements(out)
        failures = mandatory_failures(found)
        if failures:
            raise incomplete([{"element": f.element, "field": f.path or f.element,
                               "message": f.reason or f.status} for f in failures])
    return out


def issue(session: Session, issuing: Issuing, issuer: Issuer, credential: Any,
          options: dict[str, Any] | None, actor: str) -> tuple[CredentialRecord, dict[str, Any]]:
    """Sign and store a VC-API credential; returns the record and the signed document."""
    options = options or {}
    suite = options.get("cryptosuite", RDFC)
    if suite not in CRYPTOSUITES:
        raise _invalid(f"unsupported cryptosuite {suite!r}", "options.cryptosuite")
    did_web, did_key = issuers.signing_dids(session, issuing.base_url, issuer)
    did = did_key if requested_issuer(credential) == did_key else did_web
    document = prepare(credential, did)
    if session.get(CredentialRecord, document["id"]) is not None:
        raise ProblemError(409, "credential-exists", "Credential exists",
                           f"a credential with id {document['id']} was issued already")
    if "credentialStatus" not in document and options.get("credentialStatus", True) is not False:
        entries = credential_status(session, issuing.base_url, issuer, document["id"])
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    signing_key, vm = issuers.signer_for(session, issuing.keystore, issuing.base_url, issuer,
                                         as_did=did)
    try:
        signed = add_proof(document, signing_key, vm, cryptosuite=suite)
    except ProofError as exc:
        raise proof_problem(exc) from None
    record = CredentialRecord(id=document["id"], issuer_id=issuer.id, profile="vc",
                              document=credential_bytes(signed), share_token=new_token())
    session.add(record)
    audit.record(session, actor, "credential.issue", document["id"], shape="vc-api")
    session.flush()
    return record, signed
