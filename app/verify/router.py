"""HTTP: verify a credential or a presentation (JSON). The /verify page is in app/web."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse

from app.deps import Services, services
from app.errors import ProblemError
from app.proofs.dataintegrity import verify_document
from app.verify import challenges
from app.verify.context import build_context
from app.verify.pipeline import ProofExpectations, Report, verify_credential
from app.verify.scoring import RubricError

router = APIRouter(tags=["verify"])


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise ProblemError(400, "bad-request", "Bad request", "options must be an object")
    return options


def _context(svc: Services, options: dict[str, Any]):  # type: ignore[no-untyped-def]
    try:
        return build_context(svc, str(options.get("rubric") or "default"))
    except RubricError as exc:
        raise ProblemError(400, "unknown-rubric", "Unknown rubric", str(exc)) from None


def _answer(report: Report) -> JSONResponse:
    # VC-API: 200 only when verified; a 200 with verified:false reads as verified to clients.
    return JSONResponse(report.to_json(), status_code=200 if report.verified else 422)


@router.post("/credentials/verify", summary="Verify a credential; VC-API shape plus `report`")
def verify(body: dict[str, Any] = Body(...),
           svc: Services = Depends(services)) -> JSONResponse:
    # No request-long session: a remote did:web or status list may take seconds to fetch,
    # and the lookups of our own documents open short sessions of their own.
    if "verifiableCredential" not in body:
        raise ProblemError(400, "bad-request", "Bad request", "verifiableCredential is required")
    options = _options(body)
    return _answer(verify_credential(body["verifiableCredential"],
                                     _context(svc, options), _at(options),
                                     _expectations(options)))


def _string_option(options: dict[str, Any], option: str) -> str | None:
    value = options.get(option)
    if value is not None and (not isinstance(value, str) or not value):
        raise ProblemError(400, "bad-request", "Bad request",
                           f"options.{option} must be a non-empty string")
    return value


def _expectations(options: dict[str, Any]) -> ProofExpectations:
    """VC-API ``expectedProofPurpose``, ``domain`` and ``challenge`` the proof must match."""
    values: dict[str, str] = {}
    for option, field in (("expectedProofPurpose", "purpose"), ("domain", "domain"),
                          ("challenge", "challenge")):
        value = _string_option(options, option)
        if value is not None:
            values[field] = value
    return ProofExpectations(**values)


def _at(options: dict[str, Any]) -> datetime | None:
    """``options.at``: check validity dates at this moment instead of now."""
    value = options.get("at")
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ProblemError(400, "bad-request", "Bad request",
                           "options.at must be an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.post("/challenges", status_code=201, summary="A fresh single-use presentation challenge")
def new_challenge(svc: Services = Depends(services)) -> dict[str, str]:
    # Stateless: signed and expiring, nothing stored until it is used.
    return {"challenge": challenges.issue(svc.settings.key_secret.get_secret_value())}


def _unchecked(challenge: str | None, domain: str | None) -> list[dict[str, str]]:
    """Warnings for the binding the caller did not ask to check (VC-API checks the proof's
    domain and challenge "if provided")."""
    warnings = []
    if challenge is None:
        warnings.append({"check": "challenge", "message": "no options.challenge was given, so"
                         " the presentation was not checked for freshness: it may be a replay"})
    if domain is None:
        warnings.append({"check": "domain", "message": "no options.domain was given, so the"
                         " presentation was not checked to be meant for you"})
    return warnings


@router.post("/presentations/verify", summary="Verify a presentation and each credential in it")
def verify_presentation(body: dict[str, Any] = Body(...),
                        svc: Services = Depends(services)) -> JSONResponse:
    """The proof must carry ``options.challenge`` and ``options.domain`` when they are given.
    The caller owns its challenge; one from ``POST /challenges`` is also used up here (single
    use, ten minutes), and a used, expired or unknown one of ours is refused."""
    presentation = body.get("verifiablePresentation")
    options = _options(body)
    if not isinstance(presentation, dict):
        raise ProblemError(400, "bad-request", "Bad request",
                           "verifiablePresentation must be an object")
    challenge, domain = _string_option(options, "challenge"), _string_option(options, "domain")
    errors: list[dict[str, Any]] = []
    if "VerifiablePresentation" not in (presentation.get("type") or []):
        errors.append({"check": "format", "message": "type lacks VerifiablePresentation"})
    # No connection is held across the verification (lookups open short sessions; remote
    # fetches hold none); the challenge is consumed afterwards in its own write transaction.
    ctx = _context(svc, options)
    proof = verify_document(presentation, ctx.resolver.resolve_key,
                            expected_purpose="authentication", domain=domain,
                            challenge=challenge)
    credentials = presentation.get("verifiableCredential") or []
    reports = [verify_credential(c, ctx).to_json()
               for c in (credentials if isinstance(credentials, list) else [credentials])]
    if not proof.verified:
        first = proof.errors[0]
        errors.append({"check": "proof", "code": first.code, "message": first.message})
    else:
        holder = presentation.get("holder")
        holder = holder.get("id") if isinstance(holder, dict) else holder
        signers = {p.key.controller for p in proof.proofs if p.key}
        if holder is not None and signers != {holder}:
            errors.append({"check": "proof", "message": "not signed by the holder"})
        secret = svc.settings.key_secret.get_secret_value()
        if (challenge is not None and challenges.issued_here(challenge)
                and not challenges.consume(svc.db, secret, challenge)):
            errors.append({"check": "challenge", "code": "INVALID_CHALLENGE_ERROR",
                           "message": "the challenge is of the kind POST /challenges issues,"
                           " but no such challenge is open: unknown, used already or expired"})
    verified = not errors and all(r["verified"] for r in reports)
    result = {"verified": verified, "checks": [] if errors else ["proof"],
              "warnings": _unchecked(challenge, domain), "errors": errors,
              "credentialResults": reports}
    return JSONResponse(result, status_code=200 if verified else 422)
