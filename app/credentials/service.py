"""Issuing: achievements, awards (OBv3 + ELM renderings, both signed), VC-API credentials.

Everything here runs inside the caller's transaction: a failure anywhere leaves nothing stored.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.credentials import sharing
from app.credentials.content import CredentialContent, IssuerInfo
from app.credentials.elm import render_elm
from app.credentials.models import AchievementRecord, AwardRecord, CredentialRecord
from app.credentials.ob3 import render_ob3
from app.credentials.signing import SignFailure, SignJob, sign
from app.db import utcnow
from app.elements.model import AwardRequest, MicroCredentialSpec, element_errors
from app.errors import ProblemError, not_found
from app.images import service as images
from app.issuers import service as issuers
from app.issuers.keys import KeyStore
from app.issuers.models import Issuer
from app.proofs.errors import ProofError
from app.status.service import credential_status


@dataclass(frozen=True)
class Issuing:
    """What signing needs: the key store and the public base URL."""

    keystore: KeyStore
    base_url: str


def credential_bytes(document: dict[str, Any]) -> bytes:
    """The one serialisation we store and serve: compact UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def achievement_url(base_url: str, achievement_id: str) -> str:
    return f"{base_url}/achievements/{achievement_id}"


def incomplete(errors: list[dict[str, str]]) -> ProblemError:
    elements = sorted({e["element"] for e in errors})
    return ProblemError(422, "incomplete-credential", "Missing or malformed EU elements",
                        f"offending element(s): {', '.join(elements)}", elements=elements,
                        errors=errors)


def validate_spec(data: Any) -> MicroCredentialSpec:
    try:
        return MicroCredentialSpec.model_validate(data)
    except ValidationError as exc:
        raise incomplete(element_errors(exc.errors())) from None


def create_achievement(session: Session, issuer: Issuer, spec: MicroCredentialSpec,
                       actor: str) -> AchievementRecord:
    for component in spec.components:
        get_achievement(session, issuer, component)
    record = AchievementRecord(id=uuid.uuid4().hex, issuer_id=issuer.id,
                               spec=spec.model_dump(mode="json", by_alias=True,
                                                    exclude_none=True))
    session.add(record)
    audit.record(session, actor, "achievement.create", record.id, title=spec.title,
                 issuer_id=issuer.id)
    session.flush()
    return record


def get_achievement(session: Session, issuer: Issuer | None,
                    achievement_id: str) -> AchievementRecord:
    record = session.get(AchievementRecord, achievement_id)
    if record is None or (issuer is not None and record.issuer_id != issuer.id):
        raise not_found(f"achievement '{achievement_id}'")
    return record


def learner_key(request: AwardRequest) -> str:
    """Stable key of the learner: the strongest identifier given, normalised and hashed."""
    learner = request.learner
    if learner.did:
        basis = f"did:{learner.did}"
    elif learner.email:
        basis = f"email:{str(learner.email).lower()}"
    elif learner.student_id:
        basis = f"student:{learner.student_id}"
    elif learner.national_id:
        basis = f"national:{learner.national_id}"
    else:
        basis = f"name:{' '.join(learner.name.lower().split())}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _existing_award(session: Session, issuer: Issuer, request: AwardRequest,
                    key: str) -> AwardRecord | None:
    if request.idempotency_key:
        found = session.scalar(select(AwardRecord).where(
            AwardRecord.issuer_id == issuer.id,
            AwardRecord.idempotency_key == request.idempotency_key))
        if found is not None:
            return found
    return session.scalar(select(AwardRecord).where(
        AwardRecord.achievement_id == request.achievement_id, AwardRecord.learner_key == key,
        AwardRecord.awarded_on == request.awarded_on))


def _components(session: Session, spec: MicroCredentialSpec, key: str) -> list[str]:
    """OBv3 ids of the learner's credentials for each component achievement (stacking)."""
    composed = []
    missing = []
    for component in spec.components:
        award = session.scalar(select(AwardRecord).where(
            AwardRecord.achievement_id == component, AwardRecord.learner_key == key)
            .order_by(AwardRecord.created_at.desc()))
        credential = session.scalar(select(CredentialRecord.id).where(
            CredentialRecord.award_id == award.id, CredentialRecord.profile == "ob3")) \
            if award else None
        if credential is None:
            missing.append(component)
        else:
            composed.append(credential)
    if missing:
        raise incomplete([{"element": "integrationStackability", "field": "components",
                           "message": f"the learner holds no credential for component "
                                      f"achievement(s) {', '.join(missing)}"}])
    return composed


@dataclass
class Unsigned:
    """A credential stored without its proof yet: the caller signs ``job`` and sets
    ``record.document`` before the transaction commits (bulk jobs sign in parallel)."""

    record: CredentialRecord
    job: SignJob


def award(session: Session, issuing: Issuing, issuer: Issuer, request: AwardRequest,
          actor: str, unsigned: list[Unsigned] | None = None) -> tuple[AwardRecord, bool]:
    """Award an achievement: returns (award, created). A repeat of the same award (same
    idempotency key, or same learner, achievement and date) returns the existing one.
    With ``unsigned``, the credentials are stored unsigned and listed there to be signed."""
    achievement = get_achievement(session, issuer, request.achievement_id)
    spec = MicroCredentialSpec.model_validate(achievement.spec)
    key = learner_key(request)
    existing = _existing_award(session, issuer, request, key)
    if existing is not None:
        return existing, False
    composed = _components(session, spec, key)
    key_record, vm = issuers.signing_method(session, issuing.base_url, issuer)
    logo, badge = (images.current(session, issuer.id, achievement_id)
                   for achievement_id in (None, achievement.id))
    info = IssuerInfo(did=issuers.issuer_did(issuing.base_url, issuer.slug),
                      name=issuer.legal_name, country=issuer.country, url=issuer.url,
                      email=issuer.email,
                      image=images.image_url(issuing.base_url, logo) if logo else None)
    record = AwardRecord(id=uuid.uuid4().hex, issuer_id=issuer.id,
                         achievement_id=achievement.id, learner_key=key,
                         idempotency_key=request.idempotency_key,
                         awarded_on=request.awarded_on,
                         request=request.model_dump(mode="json", by_alias=True,
                                                    exclude_none=True))
    session.add(record)
    status = credential_status(session, issuing.base_url, issuer, record.id)
    issued_at = utcnow()
    salt = secrets.token_hex(8)
    for profile, render in (("ob3", render_ob3), ("elm", render_elm)):
        content = CredentialContent(
            id=f"urn:uuid:{uuid.uuid4()}", issuer=info,
            achievement_id=achievement_url(issuing.base_url, achievement.id), spec=spec,
            learner=request.learner, awarded_on=request.awarded_on, issued_at=issued_at,
            salt=salt, grade=request.grade, evidence=request.evidence,
            valid_until=request.valid_until, composed_of=composed, status=status,
            achievement_image=images.image_url(issuing.base_url, badge) if badge else None)
        job = SignJob(render(content), key_record.key_file, vm, proof_array=profile == "ob3")
        credential = CredentialRecord(id=content.id, issuer_id=issuer.id, award_id=record.id,
                                      profile=profile, document=b"")
        if unsigned is not None:
            unsigned.append(Unsigned(credential, job))
        else:
            signed = sign(job, issuing.keystore)
            if isinstance(signed, SignFailure):
                raise ProofError(signed.code, signed.message)
            credential.document = credential_bytes(signed)
        session.add(credential)
    sharing.create(session, award_id=record.id)  # one link for the award, both renderings
    audit.record(session, actor, "credential.issue", record.id, achievement=achievement.id,
                 issuer_id=issuer.id)
    session.flush()
    return record, True


def award_credentials(session: Session, award_id: str) -> dict[str, CredentialRecord]:
    """The signed renderings of an award, by profile."""
    rows = session.scalars(select(CredentialRecord).where(CredentialRecord.award_id == award_id))
    return {row.profile: row for row in rows}


def get_credential(session: Session, credential_id: str) -> CredentialRecord:
    record = session.get(CredentialRecord, credential_id)
    if record is None:
        raise not_found(f"credential '{credential_id}'")
    return record


def proof_problem(exc: ProofError) -> ProblemError:
    return ProblemError(422, "invalid-credential", "Credential cannot be signed", exc.message,
                        code=exc.code)
