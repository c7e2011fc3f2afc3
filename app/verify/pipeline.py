"""The verification pipeline: format → proof → issuer registry → status → validity dates →
completeness → score. A JAdES-sealed credential (Europass / EDC) is unwrapped first: its
seal's checks (app.seals) take the place of the Data Integrity proof. Each check is
reported separately; later checks still run when an earlier one fails, wherever they still
make sense. Reads any issuer's credential (no import
of app.credentials): the EU elements come from app.elements."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from app.dids.resolver import DidResolver
from app.elements import vocabularies as vocab
from app.elements.completeness import ElementCheck
from app.elements.completeness import check as completeness_check
from app.elements.extract import Found, Reading, encoding_label, read
from app.elements.model import ELEMENT_LABELS
from app.elements.shacl import cached_shacl_check
from app.messages import N_, Message, When, and_join, coded, join, msg, when
from app.proofs.dataintegrity import VerificationResult, verify_document
from app.proofs.jsonld import shared_parsing
from app.registry.service import Lookup
from app.seals.jades import is_jades
from app.seals.report import SealResult, Step, TrustedListLookup, verify_seal
from app.status.check import (
    ListFetcher,
    RemoteResources,
    ResourceFetcher,
    StatusResult,
    check_status,
    check_status_resource,
    status_uri,
)
from app.vcdm.structure import Problem, structure_problems
from app.verify.scoring import OUTCOME_WORDS, Rubric, score

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ONSITE = "http://data.europa.eu/snb/learning-assessment/9191af2ed9"
RegistryLookup = Callable[[str, date], Lookup]
# Codes the API says as they are and pages say as words.
ELEMENT_NAMES = {key: coded(key, label) for key, label in ELEMENT_LABELS.items()}
# A failed signature in plain words, by its stable code; the page adds the library's own
# (technical, English) message after it.
PROOF_EXPLAINED = {
    "INVALID_SIGNATURE": N_("the signature does not match the content: the credential was"
                            " changed after it was signed"),
    "MALFORMED_PROOF": N_("the signature is incomplete or malformed"),
    "UNKNOWN_CRYPTOSUITE": N_("the signature uses a method mcred does not support"),
    "UNSUPPORTED_PROOF_TYPE": N_("the signature uses a method mcred does not support"),
    "MALFORMED_MULTIBASE": N_("the signature or the key is not correctly encoded"),
    "WRONG_PROOF_PURPOSE": N_("the signature was made for another purpose"),
    "VERIFICATION_METHOD_NOT_AUTHORIZED": N_("the key that signed is not, or no longer,"
                                             " authorised by the issuer"),
    "VERIFICATION_METHOD_UNRESOLVABLE": N_("the issuer's key could not be found"),
    "CONTEXT_NOT_ALLOWED": N_("the credential uses a JSON-LD context mcred does not know, so"
                              " what was signed cannot be computed"),
    "JSONLD_DATA_LOSS": N_("part of the credential would be lost in processing, so what was"
                           " signed cannot be computed"),
    "INVALID_JSONLD": N_("the credential is not valid JSON-LD, so what was signed cannot be"
                         " computed"),
    "PROOF_CONTEXT_MISMATCH": N_("the signature's context does not match the credential's"),
    "INVALID_DOMAIN_ERROR": N_("the signature was made for another website or service"),
    "INVALID_CHALLENGE_ERROR": N_("the signature answers another challenge"),
}
# A data-model rule a credential breaks, in plain words, by the rule's stable code.
STRUCTURE_EXPLAINED = {
    "required": N_("%(field)s is required"), "id-required": N_("%(field)s needs an id"),
    "not-a-url": N_("%(field)s must be a URL"), "not-an-object": N_("%(field)s must be an object"),
    "type-required": N_("%(field)s needs a type"),
    "no-claims": N_("%(field)s says nothing about its subject"),
    "duplicate-id": N_("%(field)s is listed twice"),
    "digest-mismatch": N_("%(field)s does not match the resource's digest"),
    "malformed-digest": N_("%(field)s is not a usable digest"),
}
_ENTRY_STATUS = {"active": coded("active", N_("active")),
                 "suspended": coded("suspended", N_("suspended"))}


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
    # Extra trust roots for JAdES seals (MCRED_SEAL_TRUST_ROOTS), asn1crypto certificates.
    seal_roots: tuple[Any, ...] = ()
    # What the EU trusted lists say of a seal certificate (app.seals.report.TrustedListLookup)
    seal_trusted_list: TrustedListLookup | None = None
    # The registry entry listed by an e-seal's organisation identifier (VATES-…), on a day
    registry_by_seal: Callable[[str, date], Lookup] | None = None
    # A status resource (a credentialStatus that is a URI, as in EDC credentials), as JSON
    fetch_status_resource: ResourceFetcher = field(default_factory=RemoteResources)


@dataclass
class Report:
    checks: list[Check]
    profile: str
    summary: dict[str, Any]
    registry: dict[str, Any] | None = None
    completeness: list[dict[str, Any]] | None = None
    score: dict[str, Any] | None = None
    encodings: list[str] | None = None
    # The elements as read (for pages, which show them without reading the document again).
    elements: dict[str, Found] | None = None

    # These checks decide `verified`; registry, completeness and score inform recognition, and
    # so does `seal` (a seal's trust anchor and level), as the registry does for DI proofs.
    DECIDING = ("format", "proof", "timestamps", "certificate", "status", "validity")

    @property
    def verified(self) -> bool:
        return all(c.status in ("passed", "skipped") for c in self.checks
                   if c.name in self.DECIDING)

    @property
    def trusted(self) -> bool:
        """The issuer passed the registry check (genuine is not the same as trusted), and a
        seal's certificate chains to a trusted root."""
        registry, seal = self.check("registry"), self.check("seal")
        return registry is not None and registry.status == "passed" and (
            seal is None or seal.status == "passed")

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
            "report": {"profile": self.profile, "encodings": self.encodings or [],
                       "trusted": self.trusted,
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


OB2_CONTEXT = "https://w3id.org/openbadges/v2"
OB2_MESSAGE = msg("an Open Badges 2.0 assertion, not a verifiable credential: it carries no"
                  " signature that can be checked here; ask the issuer for the Open Badges 3.0"
                  " credential")


def _is_open_badges_2(doc: dict[str, Any], contexts: list[Any]) -> bool:
    """An OB 2.0 assertion: its context (or its spelling without one, an ``Assertion`` with a
    ``recipient`` and a ``badge``), which an OB 2.0 host serves as plain JSON."""
    if any(isinstance(c, str) and c.rstrip("/") == OB2_CONTEXT for c in contexts):
        return True
    return not contexts and "Assertion" in _list(doc.get("type")) \
        and "recipient" in doc and "badge" in doc


def _format(doc: Any) -> Check:
    """The credential's shape: the VC context first, VerifiableCredential among its types, and
    the data model's structure rules (app.vcdm, the same the issuer applies), each problem
    named by its field in ``details.errors``."""
    if not isinstance(doc, dict):
        return Check("format", "failed", msg("a credential must be a JSON object"))
    contexts = _list(doc.get("@context"))
    if _is_open_badges_2(doc, contexts):
        return Check("format", "failed", OB2_MESSAGE, {"code": "open-badges-2"})
    if not contexts or contexts[0] not in (V1, V2):
        return Check("format", "failed",
                     msg("@context must start with the VC 2.0 (or 1.1) context"))
    version = "2.0" if contexts[0] == V2 else "1.1"
    problems = [] if "VerifiableCredential" in _list(doc.get("type")) else [Problem(
        "type", msg("type lacks VerifiableCredential"), "type-required")]
    # Status entries are the status check's to read: one it cannot read is "could not be
    # checked" there, which fails the credential as surely and names the entry.
    problems += structure_problems(doc, version, with_status=False)
    if problems:
        return Check("format", "failed", join("; ", (_structure(p) for p in problems)),
                     {"errors": [p.to_json() for p in problems]})
    return Check("format", "passed", msg("a VC Data Model %(version)s credential", version=version),
                 {"dataModel": version})


def _structure(problem: Problem) -> Message:
    if isinstance(problem.message, Message):
        return problem.message
    return Message.explained(problem.message, STRUCTURE_EXPLAINED.get(
        problem.code, N_("%(field)s breaks a rule of the VC data model")), field=problem.field)


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
        said = first.message if isinstance(first.message, Message) else Message.explained(
            first.message, PROOF_EXPLAINED.get(first.code, N_("the signature could not be"
                                                              " checked")))
        return Check("proof", "failed", said, {"code": first.code}), result
    issuer = _issuer_id(doc)
    controllers = {p.key.controller for p in result.proofs if p.key}
    if controllers != {issuer}:
        return Check("proof", "failed", msg("signed by %(signers)s, but the issuer is %(issuer)s",
                                            signers=", ".join(sorted(controllers)), issuer=issuer),
                     {"code": "ISSUER_MISMATCH"}), result
    retired = _made_after_retirement(result)
    if retired is not None:
        return retired, result
    suites = sorted({p.proof.get("cryptosuite") or p.proof.get("type") for p in result.proofs})
    return Check("proof", "passed", msg("signature verifies (%(suites)s) with a key of %(issuer)s",
                                        suites=", ".join(suites), issuer=issuer)), result


def _made_after_retirement(result: VerificationResult) -> Check | None:
    """A failed check if a proof is by a key its host retired before the proof's ``created``
    (or a proof without ``created``: it cannot show it came first). The host says when a key
    retired (app.dids.resolver.HostedKey); other keys carry no such window."""
    from app.dids.resolver import HostedKey

    for p in result.proofs:
        if not isinstance(p.key, HostedKey) or p.key.retired_at is None:
            continue
        created = _parse_time(p.proof.get("created"))
        if created is None or created > p.key.retired_at:
            retired = p.key.retired_at.isoformat().replace("+00:00", "Z")
            why = (msg("this proof was created later, at %(created)s",
                       created=When(str(p.proof["created"]))) if created
                   else msg("this proof has no created time to show it came first"))
            return Check("proof", "failed", msg("signed with %(key)s, which a newer key replaced at"
                                                " %(retired)s; %(when)s", key=p.key.id,
                                                retired=When(retired), when=why),
                         {"code": "KEY_RETIRED"})
    return None


def _issued_on(doc: dict[str, Any]) -> date | None:
    for key in ("awardedDate", "validFrom", "issuanceDate", "issued"):
        moment = _parse_time(doc.get(key))
        if moment:
            return moment.date()
    return None


def _registry(doc: dict[str, Any], ctx: VerifyContext,
              seal_id: str | None = None) -> tuple[Check, Lookup]:
    """The issuer's registry entry by its DID, else (a sealed credential) by the organisation
    identifier of the e-seal that proved it."""
    issuer = _issuer_id(doc) or ""
    issued = _issued_on(doc) or datetime.now(UTC).date()
    found = ctx.registry(issuer, issued)
    if found.entry is None and seal_id and ctx.registry_by_seal is not None:
        issuer, found = seal_id, ctx.registry_by_seal(seal_id, issued)
    if found.entry is None:
        return Check("registry", "failed", msg("%(issuer)s is not in the trusted issuer registry",
                                               issuer=issuer)), found
    if not found.trusted:
        return Check("registry", "failed", msg("%(name)s is %(status)s in the registry",
                                               name=found.entry.legal_name,
                                               status=_ENTRY_STATUS.get(found.entry.status,
                                                                        found.entry.status))), found
    if not found.qa_valid:
        return Check("registry", "failed", msg("%(name)s had no quality assurance valid on the"
                                               " issuance date %(date)s",
                                               name=found.entry.legal_name,
                                               date=when(issued))), found
    return Check("registry", "passed", msg("%(name)s is trusted, with quality assurance valid on"
                                           " %(date)s", name=found.entry.legal_name,
                                           date=when(issued))), found


def _status(doc: dict[str, Any], ctx: VerifyContext,
            now: datetime) -> tuple[Check, list[StatusResult]]:
    if not _list(doc.get("credentialStatus")):  # absent, null or []: nothing to check
        return Check("status", "skipped", msg("the credential has no status entry")), []
    uri = status_uri(doc.get("credentialStatus"))
    details: dict[str, Any] = {}
    if uri is None:
        results = check_status(doc, ctx.fetch_status_list, ctx.resolver.resolve_key, now)
    else:  # EDC's form: the URI of a status resource, which names the entries behind it
        results = check_status_resource(doc, uri, ctx.fetch_status_resource,
                                        ctx.fetch_status_list, ctx.resolver.resolve_key, now)
        details.update(resource=uri, state=_resource_state(results))
    details["entries"] = [r.to_json() for r in results]
    warnings = list(dict.fromkeys(r.warning for r in results if r.warning))
    if warnings:
        details["warnings"] = warnings
    words = {"revocation": msg("revoked"), "suspension": msg("suspended")}
    # Once each: a resource that says "revoked" and the revocation bit it names are one fact.
    flagged = list(dict.fromkeys(words.get(r.purpose) or msg("%(purpose)s flag set",
                                                             purpose=r.purpose)
                                 for r in results if r.set))
    unchecked = [r.error or "" for r in results if r.set is None]
    if flagged or unchecked:
        # A known revocation is said even when another entry could not be checked.
        said: list[Message] = [and_join(flagged)] if flagged else []
        said += [msg("status could not be checked: %(why)s", why=join("; ", unchecked))] \
            if unchecked else []
        return Check("status", "failed", _noted(join("; ", said), warnings), details), results
    if not results:  # never "not revoked" without having read a bit
        return Check("status", "failed", msg("status could not be checked"), details), results
    return Check("status", "passed", _noted(msg("not revoked or suspended"), warnings),
                 details), results


def _resource_state(results: list[StatusResult]) -> str:
    """revoked | suspended | active | unknown: what the status resource and the entries it
    names say together (revoked beats suspended; anything unread leaves it unknown)."""
    purposes = {r.purpose for r in results if r.set}
    for purpose, state in (("revocation", "revoked"), ("suspension", "suspended")):
        if purpose in purposes:
            return state
    return "unknown" if any(r.set is None for r in results) else "active"


def _noted(text: Message, warnings: list[Any]) -> Message:
    """``text`` with the caveats in brackets, "valid at … (caveat; caveat)"."""
    return msg("%(text)s (%(notes)s)", text=text, notes=join("; ", warnings)) if warnings \
        else text


def _validity(doc: dict[str, Any], now: datetime) -> Check:
    start_key, end_key = ("validFrom", "validUntil") if "validFrom" in doc or \
        "issuanceDate" not in doc else ("issuanceDate", "expirationDate")
    start, end = doc.get(start_key), doc.get(end_key)
    (begins, start_zoneless), (ends, end_zoneless) = _read_time(start), _read_time(end)
    problems = [msg("%(key)s is not a valid date-time", key=key) for key, value, moment in
                ((start_key, start, begins), (end_key, end, ends))
                if value is not None and moment is None]
    if problems:
        return Check("validity", "failed", join("; ", problems))
    if begins and ends and ends < begins:
        # 2.0 §4.9: validUntil "MUST express a point in time that is temporally the same or
        # later than" validFrom; a 1.1 expirationDate before its issuanceDate is as void.
        return Check("validity", "failed", msg("%(end_key)s %(end)s is before %(start_key)s"
                                               " %(start)s", end_key=end_key, end=end,
                                               start_key=start_key, start=start))
    # Not a check status of its own: "warning" would make a sound credential unverified.
    warnings = [msg("%(key)s %(value)s has no time zone; it was read as UTC", key=key,
                    value=value) for key, value, zoneless
                in ((start_key, start, start_zoneless), (end_key, end, end_zoneless)) if zoneless]
    details: dict[str, Any] = {"warnings": warnings} if warnings else {}
    at = now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if begins and begins > now:
        return Check("validity", "failed", _noted(msg(
            "not yet valid: valid from %(start)s (checked at %(when)s)", start=When(start),
            when=When(at)), warnings), details)
    if ends and ends < now:
        return Check("validity", "failed", _noted(msg(
            "expired at %(end)s (checked at %(when)s)", end=When(end), when=When(at)), warnings),
            details)
    return Check("validity", "passed", _noted(msg("valid at %(when)s", when=When(at)), warnings),
                 details)


def _usable(found: dict[str, Found], elements: list[ElementCheck]) -> dict[str, Any]:
    """Element values that are present and well formed (a malformed element earns nothing)."""
    bad = {e.element for e in elements if e.status != "present"}
    return {k: f.value for k, f in found.items() if f.value is not None and k not in bad}


def _facts(usable: dict[str, Any], proof: Check, registry: Lookup,
           status: Check) -> dict[str, bool]:
    qa = usable.get("qualityAssurance") or []
    level = usable.get("level") or {}
    work = usable.get("workload") or {}
    learner = usable.get("learner") or {}
    concept = vocab.concept_by_uri(str(usable.get("supervisionAndIdentityVerification", "")))
    supervised, with_id = vocab.SUPERVISION_MEANING.get(concept.key, (False, False)) \
        if concept and concept in vocab.SUPERVISION.values() else (False, False)
    checked = usable.get("identityChecked") is True
    external = {vocab.QA_TYPES[k].uri for k in vocab.EXTERNAL_QA_KEYS}
    esg = any(q.get("esgAligned") for q in (registry.qa_current or []))
    return {
        "proof.verified": proof.status == "passed",
        "registry.trusted": registry.trusted,
        "registry.qaValidOnIssuance": registry.qa_valid,
        "registry.esgAligned": esg,
        "status.checked": status.status == "passed",
        "credential.qaDeclared": bool(qa),
        "credential.qaExternal": any(q.get("type") in external for q in qa),
        "level.eqf": bool(level.get("eqf")),
        "level.secondFramework": bool(level.get("qfEhea") or level.get("nqf")),
        "level.any": bool(level),
        "outcomes.statements": bool(usable.get("learningOutcomes")),
        "outcomes.aligned": bool(usable.get("learningOutcomes")
                                 and usable.get("learningOutcomeAlignments")),
        "outcomes.description": bool(usable.get("description") or usable.get("criteria")
                                     or usable.get("learningOutcomes")),
        "workload.ects": work.get("ects") is not None,
        "workload.credits": work.get("ects") is not None or work.get("credits") is not None,
        "workload.hours": bool(work),
        "assessment.type": "assessmentType" in usable,
        "assessment.graded": "grade" in usable,
        "assessment.supervised": supervised,
        "identity.supervisedWithId": supervised and (with_id or checked),
        "identity.idVerified": with_id or checked,
        "identity.bound": bool(learner.get("identifiers") or learner.get("id")),
    }


def _reading_check(reading: Reading) -> Check:
    if reading.failed:
        return Check("reading", "failed", msg("the EU elements could not be read: %(why)s",
                                              why=reading.failed))
    # The encodings' names are in the catalogues (babel.cfg: elements/encodings/*.json).
    read_as = join(" + ", (msg(encoding_label(e)) for e in reading.encodings if e != "vc")) \
        if [e for e in reading.encodings if e != "vc"] else msg(encoding_label("vc"))
    details: dict[str, Any] = {"encodings": reading.encodings}
    if reading.notes:
        details["notes"] = reading.notes
        return Check("reading", "warning", msg("read as %(encodings)s; %(notes)s",
                                               encodings=read_as, notes=join(" ", reading.notes)),
                     details)
    return Check("reading", "passed", msg("read as %(encodings)s", encodings=read_as), details)


# A report lists this many SHACL results at most (a broken document can break hundreds of rules).
SHACL_LISTED = 50


def _shacl_result(result: dict[str, Any]) -> dict[str, Any]:
    """One SHACL result for the report; a nested shape's own results (why a node did not
    conform, e.g. the issuer's missing eIDAS identifier) as its ``details``."""
    out = {k: result[k] for k in ("focus", "path", "message", "severity", "name", "constraint",
                                  "value") if k in result}
    if result.get("details"):
        out["details"] = [_shacl_result(d) for d in result["details"][:SHACL_LISTED]]
    return out


def _edc_conformance(doc: dict[str, Any]) -> tuple[dict[str, Any], Message | None]:
    """The EDC SHACL validation (app.elements.shacl) as completeness details, and the warning
    it gives when the credential does not conform or cannot be validated. Informs, never
    decides: the EU elements decide completeness, and EDC's shapes ask for things a sound
    credential may lack (a literal credentialStatus, an eIDAS identifier of the issuer)."""
    check, cached = cached_shacl_check(doc)
    status = check["status"]
    block: dict[str, Any] = {"status": status, "conforms": {"passed": True, "failed": False}
                             .get(status), "shapes": check.get("profile")}
    if status in ("passed", "failed"):
        violations = check["violations"]
        block.update(count=len(violations),
                     violations=[_shacl_result(v) for v in violations[:SHACL_LISTED]],
                     ms=round(check["seconds"] * 1000, 1), cached=cached)
    if status == "error":
        block.update(reason=check["reason"], message=check["message"])
        return block, msg("the Europass EDC shapes could not be checked (%(reason)s)",
                          reason=check["reason"])
    if status == "failed":
        first = violations[0]
        return block, msg("not conformant with the Europass EDC shapes %(shapes)s: %(count)s"
                          " SHACL results, the first at %(path)s", shapes=check["profile"],
                          count=len(violations), path=first["path"] or first["focus"] or "")
    return block, None


def _explain_broken_context(proof: Check, reading: Reading) -> Check:
    """Say what a broken issuer context means for the signature, in place of 'not offline'."""
    broken = [n for n in reading.notes if "could not be used as published" in n]
    if proof.status == "failed" and broken and proof.details.get("code") in (
            "CONTEXT_NOT_ALLOWED", "INVALID_JSONLD"):
        return Check("proof", "failed", msg("the signature cannot be checked: the issuer's"
                                            " JSON-LD context is not valid JSON-LD, so no"
                                            " conforming processor can compute what was signed"
                                            " (the elements were read with a corrected copy)"),
                     proof.details)
    return proof


def verify_credential(doc: Any, ctx: VerifyContext, now: datetime | None = None,
                      expect: ProofExpectations | None = None) -> Report:
    """Run every check on ``doc``; never raises for bad input."""
    with shared_parsing():  # the reading and the proof parse the credential once
        return _verify(doc, ctx, now, expect)


def _as_check(step: Step) -> Check:
    return Check(step.name, step.status, step.message, step.details)


def _seal(doc: dict[str, Any], ctx: VerifyContext,
          now: datetime) -> tuple[SealResult, Report | None]:
    """The seal's checks, and the whole report when its payload cannot be read as a
    credential (each seal check still reported, so a truncated payload names its failures)."""
    seal = verify_seal(doc, ctx.seal_roots, now, ctx.seal_trusted_list)
    if seal.failure is not None:
        return seal, Report([_as_check(seal.failure), *map(_as_check, seal.steps)], "unknown",
                            seal.summary)
    return seal, None


def _verify(doc: Any, ctx: VerifyContext, now: datetime | None,
            expect: ProofExpectations | None) -> Report:
    now = now or datetime.now(UTC)
    seal: SealResult | None = None
    if is_jades(doc):
        seal, unreadable = _seal(doc, ctx, now)
        if unreadable is not None:
            return unreadable
        doc = seal.document
    fmt = _format(doc)
    if fmt.status == "failed":
        return Report([fmt, *(_as_check(s) for s in seal.steps)] if seal else [fmt], "unknown",
                      seal.summary if seal else {})
    reading = read(doc)
    profile, found = reading.profile, reading.found
    summary = {"id": doc.get("id"), "issuer": _issuer_id(doc),
               "title": found["title"].value if "title" in found else doc.get("name"),
               "types": _list(doc.get("type"))}
    seal_checks: list[Check] = []
    seal_id = None
    if seal is not None:  # the seal stands in for a Data Integrity proof
        summary.update(seal.summary)
        proof, *seal_checks = map(_as_check, seal.steps)
        anchored = seal.step("seal")
        # Only a seal whose certificate chains to a trusted root or list names the issuer:
        # anyone can make a certificate that claims an organisation identifier.
        if proof.status == "passed" and anchored is not None and anchored.status == "passed":
            seal_id = seal.summary["seal"]["sealer"].get("organisationIdentifier")
    else:
        proof, _ = _proof(doc, ctx, expect or ProofExpectations())
        proof = _explain_broken_context(proof, reading)
    registry_check, lookup = _registry(doc, ctx, seal_id)
    status_check, _ = _status(doc, ctx, now)
    validity = _validity(doc, now)
    elements = completeness_check(found, reading.failed)
    failures = [e.element for e in elements if e.mandatory and e.status != "present"]
    completeness = Check("completeness", "failed" if failures else "passed",
                         msg("missing or malformed: %(elements)s",
                             elements=join(", ", (ELEMENT_NAMES.get(e, e) for e in failures)))
                         if failures else
                         msg("all 11 mandatory EU elements present and well formed"))
    if profile == "elm" or seal is not None:  # EDC's shapes: only for what claims to be ELM
        completeness.details["shacl"], warning = _edc_conformance(doc)
        if warning is not None:
            completeness.details["warnings"] = [warning]
    onsite_only = "participationForm" in found and found["participationForm"].value == [ONSITE]
    facts = _facts(_usable(found, elements), proof, lookup, status_check)
    result = score(facts, ctx.rubric, onsite_only)
    score_check = Check("score", "passed" if result["trafficLight"] == "green" else "warning",
                        msg("%(outcome)s: %(because)s",
                            outcome=OUTCOME_WORDS.get(result["outcome"], result["outcome"]),
                            because=result["because"]))
    return Report([fmt, _reading_check(reading), proof, *seal_checks, registry_check,
                   status_check, validity, completeness, score_check], profile, summary,
                  lookup.to_json(), [e.to_json() for e in elements], result,
                  reading.encodings, found)
