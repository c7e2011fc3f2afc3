"""Status lists: random index allocation safe across instances, bit changes (revoke, suspend,
unsuspend) with audit, and the signed BitstringStatusListCredential of each list."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nacl.signing import SigningKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.credentials.models import CredentialRecord
from app.db import is_read_only, utcnow
from app.dids.didkey import did_key_verification_method
from app.errors import ProblemError, not_found
from app.issuers import service as issuers
from app.issuers.keys import KeyStore
from app.issuers.models import Issuer, SigningKeyRecord
from app.proofs.dataintegrity import RDFC, add_proof
from app.status import bitstring
from app.status.models import StatusEntry, StatusList
from app.wallets import token_status

VC_V2 = "https://www.w3.org/ns/credentials/v2"
LIST_SIZE = bitstring.MIN_BITS
# Roll over to a new list at half full: random probing then almost never collides, and every
# list keeps a large anonymity set.
FILL_LIMIT = LIST_SIZE // 2
ACTIONS = {"revoke": ("revocation", True), "suspend": ("suspension", True),
           "unsuspend": ("suspension", False)}


def list_url(base_url: str, list_id: int) -> str:
    return f"{base_url}/status-lists/{list_id}"


def resource_url(base_url: str, credential_id: str) -> str:
    """The status resource of an award's credential, what its ELM rendering names as its
    ``credentialStatus`` (EDC wants an xsd:anyURI there, not a status entry)."""
    return f"{base_url}/credentials/{credential_id}/status"


def credential_id_of_resource(base_url: str, url: str) -> str | None:
    """The credential id in one of our status resource URLs; None for any other URL."""
    prefix, suffix = f"{base_url}/credentials/", "/status"
    if not (url.startswith(prefix) and url.endswith(suffix)):
        return None
    credential_id = url[len(prefix):-len(suffix)]
    return credential_id if credential_id and "/" not in credential_id else None


def _open_list(session: Session, issuer: Issuer, purpose: str,
               did_key: str | None) -> StatusList:
    signer = StatusList.did_key.is_(None) if did_key is None else StatusList.did_key == did_key
    latest = session.scalar(select(StatusList).where(
        StatusList.issuer_id == issuer.id, StatusList.purpose == purpose, signer)
        .order_by(StatusList.id.desc()).limit(1))
    if latest is not None:
        used = session.scalar(select(func.count()).select_from(StatusEntry)
                              .where(StatusEntry.list_id == latest.id)) or 0
        if used < FILL_LIMIT:
            return latest
    fresh = StatusList(issuer_id=issuer.id, purpose=purpose, did_key=did_key, size=LIST_SIZE,
                       bits=bytes(bitstring.empty(LIST_SIZE)))
    session.add(fresh)
    session.flush()
    return fresh


def allocate(session: Session, issuer: Issuer, purpose: str, subject: str,
             did_key: str | None = None) -> StatusEntry:
    """A random, never-used index in the issuer's open list for ``purpose``: the list issued
    as ``did_key``, or as the issuer's did:web when that is None."""
    for _ in range(64):
        status_list = _open_list(session, issuer, purpose, did_key)
        entry = StatusEntry(list_id=status_list.id, index=secrets.randbelow(status_list.size),
                            subject=subject)
        try:
            with session.begin_nested():  # the unique (list, index) pair arbitrates races
                session.add(entry)
                session.flush()
            return entry
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a status list index")  # ~2^-64 at half fill


def _list_did_key(session: Session, base_url: str, issuer: Issuer,
                  issued_as: str | None) -> str | None:
    """The did:key a credential issued as ``issued_as`` needs its lists issued as (verifiers
    hold a list's issuer against the credential's); None for the issuer's did:web."""
    if issued_as is None or issued_as == issuers.issuer_did(base_url, issuer.slug):
        return None
    _, did_key = issuers.signing_dids(session, base_url, issuer)
    if issued_as != did_key:
        raise ValueError(f"{issuer.slug} does not issue as {issued_as}")
    return did_key


def credential_status(session: Session, base_url: str, issuer: Issuer, subject: str,
                      issued_as: str | None = None) -> list[dict[str, Any]]:
    """Allocate the entries a new credential carries (revocation, and suspension if on), in
    lists issued by the same DID as the credential (``issued_as``; default: the did:web)."""
    purposes = ["revocation", "suspension"] if issuer.suspension else ["revocation"]
    did_key = _list_did_key(session, base_url, issuer, issued_as)
    out = []
    for purpose in purposes:
        entry = allocate(session, issuer, purpose, subject, did_key)
        url = list_url(base_url, entry.list_id)
        out.append({"id": f"{url}#{entry.index}", "type": "BitstringStatusListEntry",
                    "statusPurpose": purpose, "statusListIndex": str(entry.index),
                    "statusListCredential": url})
    return out


def _subject_of(session: Session, issuer: Issuer | None,
                credential_id: str) -> tuple[CredentialRecord, str]:
    record = session.get(CredentialRecord, credential_id)
    if record is None:
        raise not_found(f"credential '{credential_id}'")
    if issuer is not None and record.issuer_id != issuer.id:
        raise ProblemError(403, "forbidden", "Forbidden",
                           "only the credential's own issuer may change its status")
    return record, record.award_id or record.id


def current_status(session: Session, credential_id: str) -> dict[str, str]:
    _, subject = _subject_of(session, None, credential_id)
    rows = session.execute(select(StatusList.purpose, StatusEntry.state)
                           .join(StatusList, StatusEntry.list_id == StatusList.id)
                           .where(StatusEntry.subject == subject)).all()
    return {purpose: state for purpose, state in rows}


@dataclass(frozen=True)
class Standing:
    """Where a credential stands: ``state`` active | suspended | revoked, with the time and
    reason of the change that put it there (None when unknown: changed before 0014)."""

    state: str
    changed_at: datetime | None = None
    reason: str | None = None
    purposes: frozenset[str] = frozenset()  # the entries it carries: what may change


def standing_of(session: Session, subject: str) -> Standing:
    """The standing of an award (or a VC-API credential) by its status entries' subject:
    revoked beats suspended."""
    rows = session.execute(select(StatusList.purpose, StatusEntry)
                           .join(StatusList, StatusEntry.list_id == StatusList.id)
                           .where(StatusEntry.subject == subject)).all()
    by_purpose = {purpose: entry for purpose, entry in rows}
    purposes = frozenset(by_purpose)
    for purpose, state in (("revocation", "revoked"), ("suspension", "suspended")):
        entry = by_purpose.get(purpose)
        if entry is not None and entry.state == state:
            return Standing(state, entry.changed_at, entry.reason, purposes)
    return Standing("active", purposes=purposes)


def status_resource(session: Session, base_url: str, credential_id: str,
                    now: datetime) -> dict[str, Any]:
    """What a credential's status resource answers: its standing (active, suspended or
    revoked, since when) and the Bitstring status list entries that back it, which a verifier
    may read in the signed lists. Only awards' credentials have one: their ids are minted
    here and not guessable; a VC-API credential's id (the caller's choice) is a 404, no
    oracle for which ids exist."""
    record = session.get(CredentialRecord, credential_id)
    if record is None or record.award_id is None:
        raise not_found(f"credential '{credential_id}'")
    standing = standing_of(session, record.award_id)
    rows = session.execute(select(StatusList.id, StatusList.purpose, StatusEntry.index)
                           .join(StatusList, StatusEntry.list_id == StatusList.id)
                           .where(StatusEntry.subject == record.award_id)
                           .order_by(StatusList.purpose)).all()
    entries = [{"id": f"{list_url(base_url, list_id)}#{index}",
                "type": "BitstringStatusListEntry", "statusPurpose": purpose,
                "statusListIndex": str(index), "statusListCredential": list_url(base_url, list_id)}
               for list_id, purpose, index in rows]
    out: dict[str, Any] = {"id": resource_url(base_url, credential_id),
                           "credential": credential_id, "status": standing.state}
    if standing.changed_at is not None:
        out["since"] = _instant(standing.changed_at)
    out["checked"] = _instant(now)
    out["credentialStatus"] = entries
    return out


def _instant(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def states_of(session: Session, subjects: list[str]) -> dict[str, str]:
    """active | suspended | revoked for each subject (a page of awards in one query)."""
    out = dict.fromkeys(subjects, "active")
    if not subjects:
        return out
    rows = session.execute(select(StatusEntry.subject, StatusEntry.state)
                           .where(StatusEntry.subject.in_(subjects),
                                  StatusEntry.state != "active")).all()
    for subject, state in rows:
        if out[subject] != "revoked":
            out[subject] = state
    return out


def change(session: Session, issuer: Issuer | None, credential_id: str, action: str,
           reason: str, actor: str) -> dict[str, str]:
    """Revoke (final), suspend or unsuspend a credential; returns its status by purpose."""
    if action not in ACTIONS:
        raise ProblemError(422, "unknown-status-action", "Unknown status change",
                           f"'{action}' is not one of {', '.join(ACTIONS)}")
    purpose, value = ACTIONS[action]
    credential, subject = _subject_of(session, issuer, credential_id)
    entries = {lst.purpose: (entry, lst) for entry, lst in session.execute(
        select(StatusEntry, StatusList).join(StatusList, StatusEntry.list_id == StatusList.id)
        .where(StatusEntry.subject == subject)).all()}
    if not entries:
        raise ProblemError(409, "no-status", "No status entry",
                           "this credential was issued without a status list entry")
    revoked = "revocation" in entries and entries["revocation"][0].state == "revoked"
    if revoked:
        raise ProblemError(409, "revoked", "Credential revoked",
                           "the credential is revoked; revocation is final")
    if purpose not in entries:
        raise ProblemError(409, "suspension-not-enabled", "Suspension not enabled",
                           "this credential carries no suspension entry")
    entry, _ = entries[purpose]
    wanted = {"revoke": "revoked", "suspend": "suspended", "unsuspend": "active"}[action]
    if entry.state == wanted:
        raise ProblemError(409, "status-unchanged", "Status unchanged",
                           f"the credential is already {wanted}")
    # Lock the list row: concurrent changes to other bits of the same list must not be lost.
    status_list = session.scalar(select(StatusList).where(StatusList.id == entry.list_id)
                                 .with_for_update())
    assert status_list is not None
    bits = bytearray(status_list.bits)
    bitstring.set_bit(bits, entry.index, value)
    status_list.bits = bytes(bits)
    status_list.version += 1
    status_list.signed = None  # regenerated (and re-signed) on the next fetch
    status_list.updated_at = utcnow()
    entry.state = wanted
    # Kept on the entry for the share page ("Revoked on … by the issuer: <reason>"); the
    # audit log below keeps the whole history.
    entry.changed_at, entry.reason = utcnow(), reason[:500]
    if credential.award_id is not None:  # the award's SD-JWT VCs follow (Token Status List)
        token_status.follow_award(session, credential.award_id, wanted)
    audit.record(session, actor, f"credential.{action}", credential_id, reason=reason,
                 list=entry.list_id, index=entry.index, issuer_id=credential.issuer_id)
    session.flush()
    return {p: e.state for p, (e, _) in entries.items()}


def get_list(session: Session, list_id: int) -> StatusList:
    status_list = session.get(StatusList, list_id)
    if status_list is None:
        raise not_found(f"status list {list_id}")
    return status_list


def _list_signer(session: Session, keystore: KeyStore, base_url: str, issuer: Issuer,
                 status_list: StatusList) -> tuple[SigningKey, str]:
    """The key and verification method that sign ``status_list`` as its issuer."""
    if status_list.did_key is None:
        return issuers.signer_for(session, keystore, base_url, issuer)
    # A did:key is its key, so the list stays signed by that key after a rotation (rotated
    # keys are retired, never deleted); a newer key issues as another did:key, with own lists.
    record = session.scalar(select(SigningKeyRecord).where(
        SigningKeyRecord.issuer_id == issuer.id,
        SigningKeyRecord.public_key_multibase == status_list.did_key.removeprefix("did:key:")))
    if record is None:
        raise RuntimeError(f"status list {status_list.id}: {issuer.slug} holds no key for"
                           f" {status_list.did_key}")
    return (keystore.signing_key(record.key_file),
            did_key_verification_method(record.public_key_multibase))


def signed_list(session: Session, keystore: KeyStore, base_url: str,
                status_list: StatusList) -> bytes:
    """The list's signed BitstringStatusListCredential (cached until a bit changes)."""
    if status_list.signed is not None:
        return status_list.signed
    issuer = session.get(Issuer, status_list.issuer_id)
    assert issuer is not None
    url = list_url(base_url, status_list.id)
    key, vm = _list_signer(session, keystore, base_url, issuer, status_list)
    document = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": status_list.did_key or issuers.issuer_did(base_url, issuer.slug),
        "validFrom": utcnow().isoformat().replace("+00:00", "Z"),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": status_list.purpose,
                              "encodedList": bitstring.encode(status_list.bits)},
    }
    signed = json.dumps(add_proof(document, key, vm, cryptosuite=RDFC),
                        separators=(",", ":")).encode("utf-8")
    if is_read_only(session):
        return signed  # a verifier's read: the next fetch of the list itself stores it
    status_list.signed = signed
    session.flush()
    return signed
