"""An award rendered as an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc, SD-JWT per RFC 9901):
the EU standard elements in clear, the learner's personal data selectively disclosable, bound
to the holder's key (``cnf``), with an IETF Token Status List entry.

The claims are made from the same record as the OBv3 and ELM renderings (the award's request,
its achievement's spec, the issuer), named as micro_credential_type.json describes them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import time
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from app.credentials.models import AchievementRecord, AwardRecord
from app.credentials.service import Issuing, achievement_url
from app.elements.model import AwardRequest, MicroCredentialSpec
from app.errors import ProblemError, not_found
from app.issuers import service as issuers
from app.issuers.models import Issuer
from app.status.service import standing_of
from app.wallets import es256_keys, token_status
from app.wallets.type_metadata import integrity, vct

MEDIA_TYPE = "application/dc+sd-jwt"
# Decoy digests pad ``_sd`` to this many, so its length does not tell which personal
# claims an award holds (RFC 9901 §4.2.5).
SD_DIGESTS = 6
_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
_MAX_JWK_MEMBER = 200
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")  # unpadded (RFC 7515 §2)


class InvalidHolderKey(ValueError):
    """The holder's JWK cannot be bound (``cnf``): the OpenID4VCI caller answers
    ``invalid_proof``."""


def _b64url_decode(value: object, member: str) -> bytes:
    if not isinstance(value, str) or len(value) > _MAX_JWK_MEMBER \
            or not _BASE64URL.match(value):
        raise InvalidHolderKey(f"holder JWK member '{member}' must be a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise InvalidHolderKey(f"holder JWK member '{member}' is not base64url") from None


def holder_cnf_jwk(jwk: object) -> dict[str, str]:
    """The public JWK to bind: EC P-256 (a point on the curve) or OKP Ed25519, no private
    members; returns only its public members (and ``kid`` when given)."""
    if not isinstance(jwk, dict):
        raise InvalidHolderKey("the holder key must be a JWK object")
    private = sorted(_PRIVATE_MEMBERS & set(jwk))
    if private:
        raise InvalidHolderKey(f"the holder JWK carries private key members: {', '.join(private)}")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "EC" and crv == "P-256":
        x, y = _b64url_decode(jwk.get("x"), "x"), _b64url_decode(jwk.get("y"), "y")
        if len(x) != 32 or len(y) != 32:
            raise InvalidHolderKey("a P-256 JWK has 32-byte x and y coordinates")
        try:
            ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"),
                                          ec.SECP256R1()).public_key()
        except ValueError:
            raise InvalidHolderKey("the holder JWK's point is not on the P-256 curve") from None
        out = {"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]}
    elif kty == "OKP" and crv == "Ed25519":
        if len(_b64url_decode(jwk.get("x"), "x")) != 32:
            raise InvalidHolderKey("an Ed25519 JWK has a 32-byte x")
        out = {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]}
    else:
        raise InvalidHolderKey(f"unsupported holder key kty={kty!r} crv={crv!r};"
                               " use EC P-256 or OKP Ed25519")
    kid = jwk.get("kid")
    if kid is not None:
        if not isinstance(kid, str) or not kid or len(kid) > _MAX_JWK_MEMBER:
            raise InvalidHolderKey("holder JWK member 'kid' must be a short string")
        out["kid"] = kid
    return out


def _b64url(data: bytes) -> str:
    return es256_keys.b64url(data)


def disclosure(name: str, value: Any) -> tuple[str, str]:
    """(disclosure, its sha-256 digest) for one object property, with a fresh 128-bit salt."""
    encoded = _b64url(json.dumps([_b64url(secrets.token_bytes(16)), name, value],
                                 ensure_ascii=False).encode("utf-8"))
    return encoded, _b64url(hashlib.sha256(encoded.encode("ascii")).digest())


def _midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _pruned(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, [], {})}


def element_claims(base_url: str, issuer: Issuer, achievement: AchievementRecord,
                   spec: MicroCredentialSpec, request: AwardRequest) -> dict[str, Any]:
    """The always-disclosed claims: the EU standard elements (and the other things our
    credentials say), as micro_credential_type.json describes their values."""
    stack = spec.stackability
    return _pruned({
        "issuing_authority": issuer.legal_name,
        "issuing_authority_id": issuers.issuer_did(base_url, issuer.slug),
        "issuing_authority_url": issuer.url,
        "issuing_country": spec.country or issuer.country,
        "date_of_issuance": request.awarded_on.isoformat(),
        "date_of_expiry": request.valid_until.isoformat() if request.valid_until else None,
        "achievement_title": spec.title,
        "achievement_description": spec.description,
        "achievement_id": achievement_url(base_url, achievement.id),
        "learning_outcomes": [o.statement for o in spec.learning_outcomes],
        "learning_outcome_skills": [str(o.esco_skill) for o in spec.learning_outcomes
                                    if o.esco_skill],
        "ects_credits": spec.ects,
        "expected_study_time": f"PT{spec.workload_hours:g}H" if spec.workload_hours else None,
        "level_of_learning_experience": spec.eqf_level,
        "qf_ehea_cycle": spec.qf_ehea_cycle,
        "nqf_level": str(spec.nqf_level) if spec.nqf_level else None,
        "assessment_type": spec.assessment_type,
        "assessment_description": spec.assessment_description,
        "form_of_participation": list(spec.participation),
        "types_of_quality_assurance": list(dict.fromkeys(q.type for q in spec.quality_assurance)),
        "quality_assurance": [_pruned({"type": q.type, "agency": q.agency,
                                       "deqar_report": str(q.deqar_report)
                                       if q.deqar_report else None,
                                       "description": q.description})
                              for q in spec.quality_assurance],
        "prerequisites_to_enroll": [spec.prerequisites] if spec.prerequisites else None,
        "evaluator_verification": [spec.supervision] if spec.supervision else None,
        "assessment_grade": request.grade,
        "integration_stackability_options": stack.mode != "standalone" if stack else None,
        "integration_stackability": {"mode": stack.mode,
                                     "towards": [str(t) for t in stack.towards]}
        if stack else None,
        "further_information": spec.further_information,
        "award_criteria": spec.criteria,
        "language_of_classes": spec.language,
        "field_of_study": spec.field_of_study,
    })


def personal_claims(request: AwardRequest) -> dict[str, Any]:
    """The selectively disclosable claims: what the award holds about the learner."""
    learner = request.learner
    return _pruned({"name": learner.name,
                    "email": str(learner.email) if learner.email else None,
                    "learner_identification": learner.student_id})


def render_sd_jwt_vc(session: Session, issuing: Issuing, award_id: str,
                     holder_jwk: object) -> str:
    """The issuer-signed SD-JWT (``jwt~disclosure~…~``, no Key Binding JWT) of an award,
    bound to ``holder_jwk``; allocates the Token Status List entry it carries.
    Unknown award: ProblemError 404; revoked award: 409; unusable holder key:
    InvalidHolderKey."""
    cnf = holder_cnf_jwk(holder_jwk)
    award = session.get(AwardRecord, award_id) if "\x00" not in award_id else None
    if award is None:
        raise not_found(f"award '{award_id}'")
    issuer = session.get(Issuer, award.issuer_id)
    achievement = session.get(AchievementRecord, award.achievement_id)
    assert issuer is not None and achievement is not None
    spec = MicroCredentialSpec.model_validate(achievement.spec)
    request = AwardRequest.model_validate(award.request)
    base = issuing.base_url
    state = standing_of(session, award.id).state
    if state == "revoked":  # final: a new credential would be born invalid
        raise ProblemError(409, "revoked", "Credential revoked",
                           "the award is revoked; no new credential is issued for it")
    entry = token_status.allocate(session, issuer, award.id, state)  # suspended: stays so
    now = int(time.time())
    disclosures, digests = [], []
    for name, value in personal_claims(request).items():
        encoded, digest = disclosure(name, value)
        disclosures.append(encoded)
        digests.append(digest)
    while len(digests) < SD_DIGESTS:
        digests.append(_b64url(hashlib.sha256(secrets.token_bytes(32)).digest()))
    payload: dict[str, Any] = {
        "iss": es256_keys.issuer_url(base, issuer.slug), "iat": now, "nbf": now,
        "vct": vct(base), "vct#integrity": integrity(base),
        "cnf": {"jwk": cnf},
        "status": {"status_list": {"idx": entry.idx,
                                   "uri": token_status.list_uri(base, entry.list_id)}},
        **element_claims(base, issuer, achievement, spec, request),
        "_sd": sorted(digests),  # sorted: the order tells nothing (RFC 9901 §4.2.4.1)
        "_sd_alg": "sha-256",
    }
    if request.valid_until:
        payload["exp"] = _midnight(request.valid_until)
    key, kid = es256_keys.signer(session, issuing.keystore, issuer)
    jwt = es256_keys.sign_jws(key, {"typ": "dc+sd-jwt", "kid": kid}, payload)
    return "~".join([jwt, *disclosures]) + "~"
