"""The verification pipeline: format → proof → issuer registry → status → validity dates →
completeness → score. Each check is reported separately; later checks still run when an
earlier one fails, wherever they still make sense. Reads any issuer's credential (no import
of app.credentials): the EU elements come from app.elements."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from app.dids.resolver import DidResolver
from app.elements.completeness import check as completeness_check
from app.elements.extract import Found, read_elements
from app.proofs.dataintegrity import VerificationResult, verify_document
from app.registry.service import Lookup
from app.status.check import ListFetcher, StatusResult, check_status
from app.verify.scoring import Rubric, score

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ONSITE = "http://data.europa.eu/snb/learning-assessment/9191af2ed9"
RegistryLookup = Callable[[str, date], Lookup]


@dataclass
class Check:
    name: str
    status: str  # passed | failed | warning | skipped
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = {"name": self.name, "status": self.status, "message": self.message}
        if self.details:
            out["details"] = self.details
        return out


@dataclass
class VerifyContext:
    resolver: DidResolver
    fetch_status_list: ListFetcher
    registry: RegistryLookup
    rubric: Rubric


@dataclass
class Report:
    checks: list[Check]
    profile: str
    summary: dict[str, Any]
    registry: dict[str, Any] | None = None
    completeness: list[dict[str, Any]] | None = None
    score: dict[str, Any] | None = None

    # These checks decide `verified`; registry, completeness and score inform recognition.
    DECIDING = ("format", "proof", "status", "validity")

    @property
    def verified(self) -> bool:
        return all(c.status in ("passed", "skipped") for c in self.checks
                   if c.name in self.DECIDING)

    @property
    def trusted(self) -> bool:
        """The issuer passed the registry check (genuine is not the same as trusted)."""
        registry = self.check("registry")
        return registry is not None and registry.status == "passed"

    @property
    def headline(self) -> str:
        """One word for people: verified, untrusted (genuine, issuer not trusted) or failed."""
        if not self.verified:
            return "failed"
        return "verified" if self.trusted else "untrusted"

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """VC-API shape plus our `report`."""
        return {
            "verified": self.verified,
            "checks": [c.name for c in self.checks if c.status == "passed"],
            "warnings": [{"check": c.name, "message": c.message} for c in self.checks
                         if c.status == "warning" or (c.status == "failed"
                                                      and c.name not in self.DECIDING)]
            # caveats of a check that still passed (e.g. a date-time read as UTC)
            + [{"check": c.name, "message": w} for c in self.checks
               for w in c.details.get("warnings", [])],
            "errors": [{"check": c.name, "message": c.message, **c.details}
                       for c in self.checks if c.status == "failed" and c.name in self.DECIDING],
            "report": {"profile": self.profile, "trusted": self.trusted,
                       "headline": self.headline, "credential": self.summary,
                       "checks": [c.to_json() for c in self.checks], "registry": self.registry,
                       "completeness": self.completeness, "score": self.score},
        }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([] if value is None else [value])


def _issuer_id(doc: dict[str, Any]) -> str | None:
    issuer = doc.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


# VC 1.1 issuers sometimes leave the zone off ("2010-01-01T19:23:24"); such a value is read as
# UTC, with a warning, rather than refused.
_ZONELESS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")


def _read_time(value: Any) -> tuple[datetime | None, bool]:
    """(the moment, whether its zone was missing and UTC assumed); None if not a date-time."""
    if not isinstance(value, str):
        return None, False
    zoneless = bool(_ZONELESS.match(value))
    if not zoneless and not _DATETIME.match(value):
        return None, False
    try:  # the pattern admits month 13 or hour 25; fromisoformat does not
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None, False
    return (moment.replace(tzinfo=UTC), True) if zoneless else (moment, False)


def _parse_time(value: Any) -> datetime | None:
    return _read_time(value)[0]


def _format(doc: Any) -> Check:
    if not isinstance(doc, dict):
        return Check("format", "failed", "a credential must be a JSON object")
    contexts = _list(doc.get("@context"))
    if not contexts or contexts[0] not in (V1, V2):
        return Check("format", "failed", "@context must start with the VC 2.0 (or 1.1) context")
    problems = []
    if "VerifiableCredential" not in _list(doc.get("type")):
        problems.append("type lacks VerifiableCredential")
    if _issuer_id(doc) is None:
        problems.append("no issuer id")
    if not isinstance(doc.get("credentialSubject"), dict | list):
        problems.append("no credentialSubject")
    if problems:
        return Check("format", "failed", "; ".join(problems))
    version = "2.0" if contexts[0] == V2 else "1.1"
    return Check("format", "passed", f"a VC Data Model {version} credential",
                 {"dataModel": version})


@dataclass(frozen=True)
class ProofExpectations:
    """What the verifier asks of the proof (VC-API verify options)."""

    purpose: str = "assertionMethod"
    domain: str | None = None
    challenge: str | None = None


def _proof(doc: dict[str, Any], ctx: VerifyContext,
           expect: ProofExpectations) -> tuple[Check, VerificationResult]:
    result = verify_document(doc, ctx.resolver.resolve_key, expected_purpose=expect.purpose,
                             domain=expect.domain, challenge=expect.challenge)
    if not result.verified:
        first = result.errors[0]
        return Check("proof", "failed", first.message, {"code": first.code}), result
    issuer = _issuer_id(doc)
    controllers = {p.key.controller for p in result.proofs if p.key}
    if controllers != {issuer}:
        return Check("proof", "failed", f"signed by {', '.join(sorted(controllers))}, but the"
                     f" issuer is {issuer}", {"code": "ISSUER_MISMATCH"}), result
    suites = sorted({p.proof.get("cryptosuite") or p.proof.get("type") for p in result.proofs})
    return Check("proof", "passed", f"signature verifies ({', '.join(suites)}) with a key of "
                 f"{issuer}"), result


def _issued_on(doc: dict[str, Any]) -> date | None:
    for key in ("awardedDate", "validFrom", "issuanceDate", "issued"):
        moment = _parse_time(doc.get(key))
        if moment:
            return moment.date()
    return None


def _registry(doc: dict[str, Any], ctx: VerifyContext) -> tuple[Check, Lookup]:
    issuer = _issuer_id(doc) or ""
    issued = _issued_on(doc) or datetime.now(UTC).date()
    found = ctx.registry(issuer, issued)
    if found.entry is None:
        return Check("registry", "failed", f"{issuer} is not in the trusted issuer registry"), found
    if not found.trusted:
        return Check("registry", "failed",
                     f"{found.entry.legal_name} is {found.entry.status} in the registry"), found
    if not found.qa_valid:
        return Check("registry", "failed", f"{found.entry.legal_name} had no quality assurance"
                     f" valid on the issuance date {issued}"), found
    return Check("registry", "passed", f"{found.entry.legal_name} is trusted, with quality"
                 f" assurance valid on {issued}"), found


def _status(doc: dict[str, Any], ctx: VerifyContext,
            now: datetime) -> tuple[Check, list[StatusResult]]:
    if doc.get("credentialStatus") is None:
        return Check("status", "skipped", "the credential has no status entry"), []
    results = check_status(doc, ctx.fetch_status_list, ctx.resolver.resolve_key, now)
    details = {"entries": [r.to_json() for r in results]}
    unchecked = [r for r in results if r.set is None]
    if unchecked:
        return Check("status", "failed", "status could not be checked: " + "; ".join(
            str(r.error) for r in unchecked), details), results
    flagged = [r.purpose for r in results if r.set]
    if flagged:
        words = {"revocation": "revoked", "suspension": "suspended"}
        return Check("status", "failed", " and ".join(words.get(p, f"{p} flag set")
                                                      for p in flagged), details), results
    return Check("status", "passed", "not revoked or suspended", details), results


def _validity(doc: dict[str, Any], now: datetime) -> Check:
    start_key, end_key = ("validFrom", "validUntil") if "validFrom" in doc or \
        "issuanceDate" not in doc else ("issuanceDate", "expirationDate")
    start, end = doc.get(start_key), doc.get(end_key)
    (begins, start_zoneless), (ends, end_zoneless) = _read_time(start), _read_time(end)
    problems = [f"{key} is not a valid date-time" for key, value, moment in
                ((start_key, start, begins), (end_key, end, ends))
                if value is not None and moment is None]
    if problems:
        return Check("validity", "failed", "; ".join(problems))
    # Not a check status of its own: "warning" would make a sound credential unverified.
    warnings = [f"{key} {value} has no time zone; it was read as UTC" for key, value, zoneless
                in ((start_key, start, start_zoneless), (end_key, end, end_zoneless)) if zoneless]
    details: dict[str, Any] = {"warnings": warnings} if warnings else {}
    note = f" ({'; '.join(warnings)})" if warnings else ""
    when = now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if begins and begins > now:
        return Check("validity", "failed",
                     f"not yet valid: valid from {start} (checked at {when}){note}", details)
    if ends and ends < now:
        return Check("validity", "failed", f"expired at {end} (checked at {when}){note}", details)
    return Check("validity", "passed", f"valid at {when}{note}", details)


def _facts(doc: dict[str, Any], found: dict[str, Found], proof: Check, registry: Lookup,
           status: Check) -> dict[str, bool]:
    qa = found.get("qualityAssurance")
    level = found.get("level")
    workload = found.get("workload")
    learner = found.get("learner")
    supervision = str(found["supervisionAndIdentityVerification"].value) \
        if "supervisionAndIdentityVerification" in found else ""
    identifiers = learner.value.get("identifiers", []) if learner else []
    esg = any(q.get("esgAligned") for q in (registry.qa_current or []))
    return {
        "proof.verified": proof.status == "passed",
        "registry.trusted": registry.trusted,
        "registry.qaValidOnIssuance": registry.qa_valid,
        "registry.esgAligned": esg,
        "status.checked": status.status == "passed",
        "credential.qaDeclared": bool(qa and qa.value),
        "credential.qaExternal": bool(qa and any("external" in str(q.get("type")) or
                                                 "bb4618238e" in str(q.get("type")) or
                                                 "820101cba6" in str(q.get("type"))
                                                 for q in qa.value)),
        "level.eqf": bool(level and level.value.get("eqf")),
        "level.secondFramework": bool(level and (level.value.get("qfEhea")
                                                 or level.value.get("nqf"))),
        "level.any": bool(level),
        "outcomes.statements": "learningOutcomes" in found,
        "outcomes.aligned": "esco/skill" in str(doc.get("credentialSubject")),
        "outcomes.description": "title" in found,
        "workload.ects": bool(workload and workload.value.get("ects")),
        "workload.credits": bool(workload and workload.value.get("ects")),
        "workload.hours": bool(workload and workload.value.get("hours")),
        "assessment.type": "assessmentType" in found,
        "assessment.graded": "grade" in found,
        "assessment.supervised": "-supervised-" in supervision or (
            bool(supervision) and "c598449d64" not in supervision),
        "identity.supervisedWithId": supervision.endswith(("online-id", "onsite-id")),
        "identity.idVerified": supervision.endswith("-id") and "no-id" not in supervision,
        "identity.bound": bool(identifiers or (learner and learner.value.get("id"))),
    }


def verify_credential(doc: Any, ctx: VerifyContext, now: datetime | None = None,
                      expect: ProofExpectations | None = None) -> Report:
    """Run every check on ``doc``; never raises for bad input."""
    now = now or datetime.now(UTC)
    fmt = _format(doc)
    if fmt.status == "failed":
        return Report([fmt], "unknown", {})
    profile, found = read_elements(doc)
    summary = {"id": doc.get("id"), "issuer": _issuer_id(doc),
               "title": found["title"].value if "title" in found else doc.get("name"),
               "types": _list(doc.get("type"))}
    proof, _ = _proof(doc, ctx, expect or ProofExpectations())
    registry_check, lookup = _registry(doc, ctx)
    status_check, _ = _status(doc, ctx, now)
    validity = _validity(doc, now)
    elements = completeness_check(found)
    failures = [e.element for e in elements if e.mandatory and e.status != "present"]
    completeness = Check("completeness", "failed" if failures else "passed",
                         f"missing or malformed: {', '.join(failures)}" if failures
                         else "all 11 mandatory EU elements present and well formed")
    onsite_only = "participationForm" in found and found["participationForm"].value == [ONSITE]
    facts = _facts(doc, found, proof, lookup, status_check)
    result = score(facts, ctx.rubric, onsite_only)
    score_check = Check("score", "passed" if result["trafficLight"] == "green" else "warning",
                        f"{result['outcome']}: {result['because']}")
    return Report([fmt, proof, registry_check, status_check, validity, completeness,
                   score_check], profile, summary, lookup.to_json(),
                  [e.to_json() for e in elements], result)
