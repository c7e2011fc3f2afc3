"""Issuing: achievements, awards (OBv3 + ELM renderings, both signed), VC-API credentials.

Everything here runs inside the caller's transaction: a failure anywhere leaves nothing stored.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.credentials import sharing
from app.credentials.accreditation import accreditation_for
from app.credentials.content import CredentialContent, IssuerInfo
from app.credentials.elm import render_elm
from app.credentials.models import AchievementRecord, AwardRecord, CredentialRecord
from app.credentials.ob3 import render_ob3
from app.credentials.signing import SignFailure, SignJob, sign
from app.db import utcnow
from app.elements.model import (
    AwardRequest,
    MicroCredentialSpec,
    element_errors,
    grade_errors,
)
from app.errors import ProblemError, not_found
from app.images import service as images
from app.images.checks import CheckedImage
from app.issuers import eseals
from app.issuers import service as issuers
from app.issuers.keys import KeyStore
from app.issuers.models import Issuer
from app.learners.index import index_award
from app.mail import service as mail
from app.proofs.errors import ProofError
from app.registry import service as registry
from app.status.service import credential_status, resource_url


@dataclass(frozen=True)
class Issuing:
    """What signing needs: the key store and the public base URL; whether the ELM rendering
    names its status resource (settings.elm_credential_status)."""

    keystore: KeyStore
    base_url: str
    elm_status: bool = True


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
    new_id = uuid.uuid4().hex
    record = AchievementRecord(id=new_id, issuer_id=issuer.id, title=spec.title,
                               family_id=new_id, version=1, created_at=_now_exact(),
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


def _now_exact() -> datetime:
    """Now, to the microsecond (``utcnow`` is to the second, what credentials carry), so
    lists order the definitions made within one second newest first."""
    return datetime.now(UTC)


ACTIVE, SUPERSEDED, RETIRED = "active", "superseded", "retired"
ACHIEVEMENT_STATES = (ACTIVE, SUPERSEDED, RETIRED)


def achievement_state(record: AchievementRecord) -> str:
    """``active`` (may be issued), ``superseded`` (a newer version exists) or ``retired``."""
    if record.superseded_by_id is not None:
        return SUPERSEDED
    return RETIRED if record.retired_at is not None else ACTIVE


def achievement_versions(session: Session, record: AchievementRecord) -> list[AchievementRecord]:
    """Every version of the record's family, newest first."""
    return list(session.scalars(select(AchievementRecord).where(
        AchievementRecord.family_id == record.family_id,
        AchievementRecord.issuer_id == record.issuer_id)
        .order_by(AchievementRecord.version.desc())))


def latest_version(session: Session, record: AchievementRecord) -> AchievementRecord:
    """The newest version of the record's family (the record itself if it is the newest)."""
    if record.superseded_by_id is None:
        return record
    return achievement_versions(session, record)[0]


def issuable(session: Session, record: AchievementRecord) -> None:
    """409 for a version that may no longer be issued: superseded (naming the current
    version) or retired. API, bulk jobs and console all issue through ``award``, which
    asks this."""
    if record.superseded_by_id is not None:
        current = latest_version(session, record)
        raise ProblemError(409, "achievement-superseded", "Achievement superseded",
                           f"achievement '{record.id}' (version {record.version}) was replaced"
                           f" by version {current.version}: issue '{current.id}' instead",
                           current=current.id, currentVersion=current.version)
    if record.retired_at is not None:
        raise ProblemError(409, "achievement-retired", "Achievement retired",
                           f"achievement '{record.id}' was retired on"
                           f" {record.retired_at.date().isoformat()}; it may not be issued",
                           retiredAt=record.retired_at.isoformat())


def revise_achievement(session: Session, issuer: Issuer, achievement_id: str,
                       spec: MicroCredentialSpec, actor: str) -> AchievementRecord:
    """Edit = a new version: a new record (new id) superseding the old one, which stays as
    it is for the credentials already signed with it. The badge image goes along unless a
    new one is uploaded for the new version."""
    old = get_achievement(session, issuer, achievement_id)
    issuable(session, old)  # only the current, unretired version is edited
    for component in spec.components:
        if component == old.id or component == old.family_id:
            raise incomplete([{"element": "integrationStackability", "field": "components",
                               "message": "an achievement cannot be made up of itself"}])
        get_achievement(session, issuer, component)
    record = AchievementRecord(id=uuid.uuid4().hex, issuer_id=issuer.id, title=spec.title,
                               family_id=old.family_id, version=old.version + 1,
                               supersedes_id=old.id, created_at=_now_exact(),
                               spec=spec.model_dump(mode="json", by_alias=True,
                                                    exclude_none=True))
    session.add(record)
    session.flush()
    old.superseded_by_id = record.id
    badge = images.current(session, issuer.id, old.id)
    if badge is not None:
        images.store(session, issuer.id, record.id, CheckedImage(
            badge.media_type, badge.data, badge.width, badge.height), actor)
    audit.record(session, actor, "achievement.revise", record.id, title=spec.title,
                 supersedes=old.id, version=record.version, issuer_id=issuer.id)
    session.flush()
    return record


def retire_achievement(session: Session, issuer: Issuer, achievement_id: str,
                       actor: str) -> AchievementRecord:
    """Retire the current version: nothing more is issued from it; what was issued stays."""
    record = get_achievement(session, issuer, achievement_id)
    issuable(session, record)
    record.retired_at = utcnow()
    audit.record(session, actor, "achievement.retire", record.id, title=record.title,
                 issuer_id=issuer.id)
    session.flush()
    return record


@dataclass(frozen=True)
class AchievementRow:
    """One line of an achievement list: the current version of a family and its awards."""

    record: AchievementRecord
    state: str
    awards: int


@dataclass(frozen=True)
class AchievementPage:
    rows: list[AchievementRow]
    total: int
    page: int
    pages: int


def list_achievements(session: Session, issuer: Issuer, text: str = "", state: str = "",
                      page: int = 1, per_page: int = 20) -> AchievementPage:
    """The issuer's achievements (the newest version of each), newest first; ``text``
    searches titles (case-insensitive), ``state`` is ``active`` or ``retired``."""
    where = [AchievementRecord.issuer_id == issuer.id,
             AchievementRecord.superseded_by_id.is_(None)]
    # No title holds a control character, and PostgreSQL refuses a NUL in a query.
    text = "".join(ch for ch in text if ch.isprintable())
    if text.strip():
        where.append(func.lower(AchievementRecord.title).contains(text.strip().lower(),
                                                                  autoescape=True))
    if state == ACTIVE:
        where.append(AchievementRecord.retired_at.is_(None))
    elif state == RETIRED:
        where.append(AchievementRecord.retired_at.is_not(None))
    total = session.scalar(select(func.count(AchievementRecord.id)).where(*where)) or 0
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    records = list(session.scalars(select(AchievementRecord).where(*where)
                                   .order_by(AchievementRecord.created_at.desc(),
                                             AchievementRecord.id)
                                   .offset((page - 1) * per_page).limit(per_page)))
    counts = award_counts(session, [r.id for r in records])
    return AchievementPage([AchievementRow(r, achievement_state(r), counts.get(r.id, 0))
                            for r in records], total, page, pages)


def award_counts(session: Session, achievement_ids: list[str]) -> dict[str, int]:
    """Awards made of each of these achievement versions."""
    if not achievement_ids:
        return {}
    rows = session.execute(select(AwardRecord.achievement_id, func.count(AwardRecord.id))
                           .where(AwardRecord.achievement_id.in_(achievement_ids))
                           .group_by(AwardRecord.achievement_id))
    return {achievement_id: count for achievement_id, count in rows}


def issuable_achievements(session: Session, issuer: Issuer) -> list[AchievementRecord]:
    """What may be awarded now: the current version of each family, not retired, newest
    first (the console's choice of what to award)."""
    return list(session.scalars(select(AchievementRecord).where(
        AchievementRecord.issuer_id == issuer.id, AchievementRecord.superseded_by_id.is_(None),
        AchievementRecord.retired_at.is_(None))
        .order_by(AchievementRecord.created_at.desc(), AchievementRecord.id)))


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
    # Before the repeat check: a grade off the scale is refused however often it is sent.
    bad_grade = grade_errors(request.grade, spec.grade_scale)
    if bad_grade:
        raise incomplete(bad_grade)
    key = learner_key(request)
    existing = _existing_award(session, issuer, request, key)
    if existing is not None:
        # A replay of an award already made is answered even after the achievement changed:
        # it issues nothing new.
        return existing, False
    issuable(session, achievement)
    composed = _components(session, spec, key)
    key_record, vm = issuers.signing_method(session, issuing.base_url, issuer)
    logo, badge = (images.current(session, issuer.id, achievement_id)
                   for achievement_id in (None, achievement.id))
    eseal = eseals.usable(session, issuer)
    info = IssuerInfo(did=issuers.issuer_did(issuing.base_url, issuer.slug),
                      name=issuer.legal_name, country=issuer.country, url=issuer.url,
                      email=issuer.email,
                      image=images.image_url(issuing.base_url, logo) if logo else None,
                      legal_identifier=eseal.org_identifier if eseal else None)
    record = AwardRecord(id=uuid.uuid4().hex, issuer_id=issuer.id,
                         achievement_id=achievement.id, learner_key=key,
                         idempotency_key=request.idempotency_key,
                         awarded_on=request.awarded_on,
                         request=request.model_dump(mode="json", by_alias=True,
                                                    exclude_none=True))
    session.add(record)
    status = credential_status(session, issuing.base_url, issuer, record.id)
    # What the registry knows of the issuer's QA on the award date: ELM's accreditation.
    accreditation = accreditation_for(spec, registry.lookup(session, info.did,
                                                            request.awarded_on),
                                      request.awarded_on)
    issued_at = utcnow()
    salt = secrets.token_hex(8)
    profiles = ["ob3", "elm", *(["elm-sealed"] if eseal else [])]
    for profile in profiles:
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        elm_status = profile != "ob3" and issuing.elm_status
        content = CredentialContent(
            id=credential_id, issuer=info,
            achievement_id=achievement_url(issuing.base_url, achievement.id), spec=spec,
            learner=request.learner, awarded_on=request.awarded_on, issued_at=issued_at,
            salt=salt, grade=request.grade, evidence=request.evidence,
            valid_until=request.valid_until, composed_of=composed,
            # ELM names its status resource (EDC's anyURI), which reads the same entries.
            status=status if profile == "ob3" else [],
            status_url=resource_url(issuing.base_url, credential_id) if elm_status else None,
            achievement_image=images.image_url(issuing.base_url, badge) if badge else None,
            accreditation=accreditation if profile != "ob3" else None)
        credential = CredentialRecord(id=content.id, issuer_id=issuer.id, award_id=record.id,
                                      profile=profile, document=b"")
        if profile == "elm-sealed" and eseal is not None:
            # Sealed here, in bulk jobs too: one RSA or ECDSA signature, no DI to compute.
            credential.document = credential_bytes(eseals.seal_credential(
                issuing.keystore, eseal, credential_bytes(render_elm(content, sealed=True)),
                issued_at))
            session.add(credential)
            continue
        render = render_ob3 if profile == "ob3" else render_elm
        job = SignJob(render(content), key_record.key_file, vm, proof_array=profile == "ob3")
        if unsigned is not None:
            unsigned.append(Unsigned(credential, job))
        else:
            signed = sign(job, issuing.keystore)
            if isinstance(signed, SignFailure):
                raise ProofError(signed.code, signed.message)
            credential.document = credential_bytes(signed)
        session.add(credential)
    link = sharing.create(session, award_id=record.id)  # one link: every rendering
    audit.record(session, actor, "credential.issue", record.id, achievement=achievement.id,
                 issuer_id=issuer.id)
    session.flush()
    index_award(session, record)  # the learner home finds it by the e-mail address
    if request.notify_learner:  # queued in this transaction: no award, no e-mail
        mail.queue_award(session, issuing.base_url, issuer, record, link, spec.title, actor)
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
