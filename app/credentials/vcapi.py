"""VC-API issuing (``{credential, options}``): check a caller's credential, bind it to the
issuer behind the API key, sign it. Refuses what the W3C interop suites expect refused.

VC Data Model 2.0 credentials are the default; a credential whose first @context is the VC 1.1
one is signed as VC 1.1 (issuanceDate / expirationDate, never validFrom). Both go through the
data model's structure rules in app.vcdm, which the verifier applies too."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from app import audit
from app.credentials import sharing
from app.credentials.models import CredentialRecord
from app.credentials.service import Issuing, credential_bytes, incomplete, proof_problem
from app.db import utcnow
from app.elements.completeness import mandatory_failures
from app.elements.extract import read_elements
from app.errors import ProblemError
from app.issuers import service as issuers
from app.issuers.models import Issuer
from app.proofs import jsonld
from app.proofs.dataintegrity import CRYPTOSUITES, RDFC, add_proof
from app.proofs.errors import ProofError
from app.status.check import MAX_STATUS_ENTRIES
from app.status.service import credential_status
from app.vcdm import structure
from app.vcdm.structure import V1, V2, is_url

# The VC 1.1 context does not map DataIntegrityProof and its terms; Data Integrity 1.0 §2.4:
# "When securing a document, if ... the Data Integrity terms used in the document are not
# mapped by existing values in the @context property, implementations MUST inject or add an
# @context property with a value of https://w3id.org/security/data-integrity/v2."
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# VC 1.1 dates are XML Schema dateTime, whose zone is optional (read as UTC, as the verifier does)
_DATETIME_ZONE_OPTIONAL = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def _invalid(detail: str, field: str) -> ProblemError:
    return ProblemError(422, "invalid-credential", "Invalid credential", detail,
                        errors=[{"field": field, "message": detail}])


def _nonconforming(problems: list[structure.Problem], version: str) -> ProblemError:
    """422 naming every structure rule the credential breaks (``errors[]``: field, message,
    code), under the same problem type as any other credential that cannot be issued."""
    return ProblemError(422, "invalid-credential", "Invalid credential",
                        f"not a conforming VC Data Model {version} credential: "
                        + "; ".join(p.message for p in problems),
                        errors=[p.to_json() for p in problems])


def _parse_time(value: Any, field: str, zone_optional: bool = False) -> datetime:
    pattern = _DATETIME_ZONE_OPTIONAL if zone_optional else _DATETIME
    kind = "an XML Schema dateTime" if zone_optional else "an XML Schema dateTimeStamp"
    if not isinstance(value, str) or not pattern.match(value):
        raise _invalid(f"{field} must be {kind}", field)
    try:  # the pattern admits month 13 or hour 25; fromisoformat does not
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"{field} must be {kind}", field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_status(credential: dict[str, Any]) -> None:
    """What the status entries must hold beyond the data model's type/id rules (checked in
    app.vcdm): a bounded number, and a well-formed BitstringStatusListEntry."""
    statuses = credential.get("credentialStatus")
    if statuses is None:
        return
    if isinstance(statuses, list) and len(statuses) > MAX_STATUS_ENTRIES:
        raise _invalid(f"at most {MAX_STATUS_ENTRIES} credentialStatus entries (verifiers check"
                       " no more)", "credentialStatus")
    for entry in statuses if isinstance(statuses, list) else [statuses]:
        types = entry.get("type") if isinstance(entry, dict) else None
        if "BitstringStatusListEntry" in ([types] if isinstance(types, str) else types or []):
            index = entry.get("statusListIndex")
            if not isinstance(index, str) or not index.isdigit():
                raise _invalid("statusListIndex must be a base-10 integer string",
                               "credentialStatus")
            if not isinstance(entry.get("statusPurpose"), str):
                raise _invalid("statusPurpose is required", "credentialStatus")
            url = entry.get("statusListCredential")
            if not is_url(url):
                raise _invalid("statusListCredential must be a URL", "credentialStatus")


def _refuse_our_status_lists(credential: dict[str, Any], base_url: str) -> None:
    """Entries on mcred's own status lists are allocated by mcred, never by the caller: one
    naming another issuer's list would make a credential nobody can revoke, and one copying
    an entry of ours would share its index with another credential."""
    statuses = credential.get("credentialStatus")
    prefix = f"{base_url}/status-lists/"
    for entry in statuses if isinstance(statuses, list) else [statuses]:
        url = entry.get("statusListCredential") if isinstance(entry, dict) else None
        if isinstance(url, str) and url.startswith(prefix):
            raise _invalid("status entries on mcred's status lists are allocated by mcred: leave"
                           " credentialStatus out and mcred adds one", "credentialStatus")


def requested_issuer(credential: Any) -> str | None:
    """The issuer DID the caller put in the credential, if any."""
    issuer = credential.get("issuer") if isinstance(credential, dict) else None
    given = issuer.get("id") if isinstance(issuer, dict) else issuer
    return given if isinstance(given, str) else None


def _dates(out: dict[str, Any], version: str) -> None:
    """Default the start date to now and refuse an end before it: validFrom / validUntil for
    VC 2.0, issuanceDate (which VC 1.1 requires) / expirationDate for VC 1.1."""
    start, end = ("validFrom", "validUntil") if version == "2.0" else ("issuanceDate",
                                                                       "expirationDate")
    zone_optional = version == "1.1"
    begins = _parse_time(out.setdefault(start, utcnow().isoformat().replace("+00:00", "Z")),
                         start, zone_optional)
    # 2.0 §4.9: "the validUntil value MUST express a point in time that is temporally the same
    # or later than the point in time expressed by the validFrom value" (equal is allowed).
    if end in out and _parse_time(out[end], end, zone_optional) < begins:
        raise _invalid(f"{end} must not be before {start}", end)


def prepare(credential: Any, issuer_did: str) -> dict[str, Any]:
    """The credential to sign, bound to ``issuer_did``; 422 problems for invalid input."""
    if not isinstance(credential, dict):
        raise _invalid("credential must be a JSON object", "credential")
    contexts = credential.get("@context")
    version = structure.data_model(credential)
    if not isinstance(contexts, list) or version is None:
        raise _invalid(f"@context must be an array starting with {V2} (or, for a VC 1.1"
                       f" credential, {V1})", "@context")
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise _invalid("type must be an array including VerifiableCredential", "type")
    if "id" in credential and not is_url(credential["id"]):
        raise _invalid("id must be a single URL", "id")
    if "proof" in credential:
        raise _invalid("the credential to issue must not carry a proof", "proof")
    issuer = credential.get("issuer")
    if "issuer" in credential:  # absent: we name ourselves; present: it must be well formed
        problems = structure.issuer_problems(issuer, version)
        if problems:
            raise _nonconforming(problems, version)
    given = issuer.get("id") if isinstance(issuer, dict) else issuer
    if given is not None and given != issuer_did:
        raise ProblemError(403, "wrong-issuer", "Wrong issuer",
                           f"this API key issues as {issuer_did} (or as the did:key of the"
                           f" issuer's current key), not {given!r}")
    out = dict(credential)
    out["issuer"] = {**issuer, "id": issuer_did} if isinstance(issuer, dict) else issuer_did
    out.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    problems = structure.structure_problems(out, version)
    if problems:
        raise _nonconforming(problems, version)
    _dates(out, version)
    _check_status(out)
    if version == "1.1" and DATA_INTEGRITY_V2 not in contexts:
        out["@context"] = [*contexts, DATA_INTEGRITY_V2]
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
    _refuse_our_status_lists(document, issuing.base_url)
    if session.get(CredentialRecord, document["id"]) is not None:
        raise ProblemError(409, "credential-exists", "Credential exists",
                           f"a credential with id {document['id']} was issued already")
    # Our status entries are BitstringStatusListEntry, a term of the VC 2.0 context only: a
    # VC 1.1 credential gets none (the 1.1 context would leave its terms undefined).
    if "credentialStatus" not in document and options.get("credentialStatus", True) is not False \
            and structure.data_model(document) == "2.0":
        entries = credential_status(session, issuing.base_url, issuer, document["id"],
                                    issued_as=did)
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    signing_key, vm = issuers.signer_for(session, issuing.keystore, issuing.base_url, issuer,
                                         as_did=did)
    try:
        signed = add_proof(document, signing_key, vm, cryptosuite=suite)
    except ProofError as exc:
        raise proof_problem(exc) from None
    record = CredentialRecord(id=document["id"], issuer_id=issuer.id, profile="vc",
                              document=credential_bytes(signed))
    session.add(record)
    sharing.create(session, credential_id=record.id)  # its own link: it has no award
    audit.record(session, actor, "credential.issue", document["id"], shape="vc-api",
                 issuer_id=issuer.id)
    session.flush()
    return record, signed
