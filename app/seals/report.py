"""The checks of a JAdES seal, in the pipeline's terms: ``proof`` (the signature over the
payload with x5c[0]), ``timestamps`` (RFC 3161 tokens and what they cover), ``certificate``
(the path at the signing time, revocation from the carried data) and ``seal`` (who sealed,
at which level, anchored at a trusted root or not). Never raises for bad input."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp, x509
from cryptography import x509 as cx509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509.base import InvalidVersion

from app.messages import N_, Message, join, msg, when
from app.seals import certpath, jades, qualified, timestamps

# sigT may precede the signature timestamp by the time a TSA round trip takes, never follow it.
SIGT_TOLERANCE = timedelta(minutes=5)
LEVELS = {"qualified": N_("a qualified electronic seal"),
          "advanced": N_("an advanced electronic seal"),
          "unknown": N_("an electronic seal of unknown level")}


@dataclass
class Step:
    name: str
    status: str  # passed | failed | warning | skipped
    message: Message
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class SealResult:
    document: Any  # the sealed credential (None when the payload is not a JSON object)
    steps: list[Step]
    summary: dict[str, Any]
    failure: Step | None = None  # why the envelope or payload cannot be read at all

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


# What a trusted-list lookup is given (the seal certificate, then its path's CA certificates,
# cryptography objects) and the moment; it answers an object with `qualified` (True, False or
# None: no list knows the CA), `qualifiers` (TS 119 612 names or URIs: QCForESeal,
# QCWithQSCD, QCNoQSCD, QCQSCDStatusAsInCert, …), `tsp_name` and `to_json()` —
# app.trustlists.service.trust_for_certificate's TrustAnswer, bound to a session.
TrustedListLookup = Callable[[list[cx509.Certificate], datetime], Any]


def verify_seal(doc: dict[str, Any], roots: tuple[x509.Certificate, ...],
                now: datetime, trusted_list: TrustedListLookup | None = None) -> SealResult:
    try:
        return _verify_seal(doc, roots, now, trusted_list)
    except (ValueError, TypeError, LookupError, AttributeError, InvalidVersion,
            UnsupportedAlgorithm):
        # asn1crypto parses lazily: a certificate or CRL that is DER on the outside but broken
        # inside can fail anywhere in the validation; it is bad input, not a server error.
        return SealResult(None, [], {}, Step("format", "failed", msg(
            "the JAdES seal cannot be read: %(why)s",
            why=msg("a certificate or validation value in it is malformed")),
            {"code": "malformed-envelope"}))


def _verify_seal(doc: dict[str, Any], roots: tuple[x509.Certificate, ...],
                 now: datetime, trusted_list: TrustedListLookup | None) -> SealResult:
    try:
        env = jades.parse(doc)
    except jades.SealError as exc:
        return SealResult(None, [], {}, Step("format", "failed", msg(
            "the JAdES seal cannot be read: %(why)s", why=exc.message), {"code": exc.code}))
    try:
        signer = x509.Certificate.load(env.certificates[0], strict=True)
        signer_c = cx509.load_der_x509_certificate(env.certificates[0])
        _ = signer.subject.human_friendly  # parse now, not halfway through the checks
    except (ValueError, TypeError, InvalidVersion, UnsupportedAlgorithm):
        return SealResult(None, [], {}, Step("format", "failed", msg(
            "the JAdES seal cannot be read: %(why)s",
            why=msg("x5c[0] is not an X.509 certificate")),
            {"code": "bad-certificate"}))
    sealer = qualified.sealer(signer)
    claims = qualified.qc_claims(signer)
    proof = _proof(env, signer_c, sealer)
    kid = jades.kid_problem(env, signer)
    if kid is not None and proof.status == "passed":
        proof = Step("proof", "failed", msg("the seal names another certificate than the one"
                                            " it carries (%(why)s)", why=kid),
                     {"code": "CERTIFICATE_MISMATCH"})
    carried = _carried(env)
    stamps, proven, trusted_time = _timestamps(env, carried, roots)
    cert_step, path = _certificate(env, signer, carried, roots, proven, now)
    answer = None
    if trusted_list is not None and proof.status == "passed" and cert_step.status == "passed":
        chain = [signer_c] + [cx509.load_der_x509_certificate(c.dump())
                              for c in reversed(path.path[:-1])] if path else [signer_c]
        answer = trusted_list(chain, trusted_time or now)
    anchored = (path is not None and path.outcome == "valid") or \
        (answer is not None and answer.qualified is not None)
    if anchored and proven is not None and trusted_time != proven:
        # Only a trusted TSA proves a past signing time: an anchored seal whose time comes
        # from an untrusted one is judged at the time a trusted one proves, or now.
        cert_step, path = _certificate(env, signer, carried, roots, trusted_time, now)
    seal_step, level = _seal(proof, cert_step, path, sealer, claims, answer)
    summary = {"seal": {
        "format": "JAdES", "algorithm": env.alg, "sealer": sealer.to_json(),
        "level": level, "qualifiedCertificate": _qualified_certificate(claims, answer),
        "qcStatements": claims.to_json(),
        "signedAt": _iso(proven) if proven else env.protected.get("sigT"),
        "signedAtProven": proven is not None,
        "certificatePath": [qualified.short_name(c) for c in path.path] if path else [],
        "trustedRoot": bool(path and path.outcome == "valid"),
        "trustedList": answer.to_json() if answer is not None else None}}
    document, failure = _payload(env)
    if document is not None and proof.status == "passed":
        proof = _issuer_binding(document, sealer, proof)
    return SealResult(document, [proof, stamps, cert_step, seal_step], summary, failure)


# ELM v3 Organisation identifiers that name a legal person (the seal's organizationIdentifier
# is one of them: VATES-…, NTRBE-…, LEIXG-…, EN 319 412-1 §5.1.4).
_ISSUER_IDENTIFIERS = ("eIDASIdentifier", "legalIdentifier", "vatIdentifier", "taxIdentifier")


def _notations(issuer: Any) -> list[str]:
    found = []
    for key in _ISSUER_IDENTIFIERS:
        values = issuer.get(key) if isinstance(issuer, dict) else None
        for value in values if isinstance(values, list) else [values]:
            notation = value.get("notation") if isinstance(value, dict) else value
            if isinstance(notation, str) and notation.strip():
                found.append(notation.strip())
    return found


def _same_identifier(seal_id: str, notation: str) -> bool:
    """VATES-A00000000 is the issuer's "VATES-A00000000", or its bare "A00000000" (ELM
    vatIdentifiers often carry the number alone, the country in `spatial`)."""
    def clean(text: str) -> str:
        return "".join(text.split()).upper()
    seal_id, notation = clean(seal_id), clean(notation)
    return notation == seal_id or (len(seal_id) > 6 and seal_id[5] == "-"
                                   and notation == seal_id[6:])


def _issuer_binding(document: dict[str, Any], sealer: qualified.Sealer, proof: Step) -> Step:
    """The sealing organisation must be the issuer: the certificate's organizationIdentifier
    among the issuer's legal identifiers, as the Europass viewer requires. An issuer naming no
    such identifier cannot be compared (a warning); one naming others is someone else's."""
    notations = _notations(document.get("issuer"))
    details = dict(proof.details)
    if not notations or not sealer.identifier:
        details["warnings"] = [msg("the issuer's legal identifier cannot be compared with the"
                                   " seal's organisation identifier")]
        return Step(proof.name, proof.status, proof.message, details)
    if not any(_same_identifier(sealer.identifier, n) for n in notations):
        return Step("proof", "failed", msg("sealed by %(identifier)s, but the issuer is"
                                           " %(issuer)s", identifier=sealer.identifier,
                                           issuer=", ".join(notations)),
                    {"code": "ISSUER_MISMATCH", "sealer": sealer.to_json()})
    details["issuerIdentifier"] = sealer.identifier
    return Step(proof.name, proof.status, msg("%(said)s; the issuer's legal identifier is the"
                                              " seal's", said=proof.message), details)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _payload(env: jades.Envelope) -> tuple[Any, Step | None]:
    try:
        document = json.loads(env.payload)
    except (ValueError, UnicodeDecodeError):
        return None, Step("format", "failed", msg("the sealed payload is not JSON (truncated or"
                                                  " altered?)"), {"code": "payload-not-json"})
    if not isinstance(document, dict):
        return None, Step("format", "failed", msg("the sealed payload is not a JSON object"),
                          {"code": "payload-not-json"})
    return document, None


def _proof(env: jades.Envelope, signer: cx509.Certificate, sealer: qualified.Sealer) -> Step:
    problem = jades.check_crit(env.protected)
    if problem:
        return Step("proof", "failed", msg("the seal cannot be checked: %(why)s", why=problem),
                    {"code": "UNSUPPORTED_CRITICAL_HEADER"})
    if env.alg not in jades.ALGORITHMS:
        return Step("proof", "failed", msg("the seal uses the algorithm %(alg)s, which mcred"
                                           " does not support", alg=env.alg),
                    {"code": "UNSUPPORTED_ALGORITHM"})
    mismatch = jades.thumbprint_problem(env)
    if mismatch:
        return Step("proof", "failed", msg("the seal names another certificate than the one it"
                                           " carries (%(why)s)", why=mismatch),
                    {"code": "CERTIFICATE_MISMATCH"})
    if not jades.verify_signature(env, signer):
        return Step("proof", "failed", msg("the seal's signature does not match the content with"
                                           " the key of its certificate (x5c[0]): the credential"
                                           " was changed after sealing, or sealed with another"
                                           " key"), {"code": "INVALID_SIGNATURE"})
    who = f"{sealer.name} ({sealer.identifier})" if sealer.identifier else sealer.name
    return Step("proof", "passed", msg("sealed by %(sealer)s: the JAdES signature (%(alg)s)"
                                       " verifies with the key of its certificate",
                                       sealer=who, alg=env.alg),
                {"sealer": sealer.to_json()})


@dataclass
class _Carried:
    certificates: list[x509.Certificate]
    crls: list[asn1_crl.CertificateList]
    ocsps: list[ocsp.OCSPResponse]
    problems: list[str]


def _carried(env: jades.Envelope) -> _Carried:
    """x5c[1:], xVals and rVals (TS 119 182-1): what the path is validated with."""
    out = _Carried([], [], [], [])
    for der in env.certificates[1:]:
        _load(out, x509.Certificate.load, der, out.certificates, "an x5c certificate")
    for _, values in env.unprotected("xVals"):
        for item in values if isinstance(values, list) else []:
            value = item.get("x509Cert", {}).get("val") if isinstance(item, dict) else None
            if isinstance(value, str):
                _load(out, x509.Certificate.load, value, out.certificates, "an xVals certificate")
    for _, values in env.unprotected("rVals"):
        if not isinstance(values, dict):
            continue
        for item in values.get("crlVals") or []:
            if isinstance(item, dict):
                _load(out, asn1_crl.CertificateList.load, item.get("val"), out.crls, "a CRL")
        for item in values.get("ocspVals") or []:
            if isinstance(item, dict):
                _load(out, ocsp.OCSPResponse.load, item.get("val"), out.ocsps, "an OCSP response")
    return out


def _load(out: _Carried, loader: Any, value: Any, into: list[Any], what: str) -> None:
    try:
        der = value if isinstance(value, bytes) else jades.b64_decode(value, what)
        parsed = loader(der, strict=True)
        parsed.native  # noqa: B018 — asn1crypto parses lazily; fail here, not in the validator
        into.append(parsed)
    except (jades.SealError, ValueError, TypeError):
        out.problems.append(msg("%(what)s could not be read", what=what))


def _tokens(value: Any) -> list[Any]:
    tokens = value.get("tstTokens") if isinstance(value, dict) else None
    return [t.get("val") for t in tokens if isinstance(t, dict)] if isinstance(tokens, list) \
        else [None]


def _timestamps(env: jades.Envelope, carried: _Carried, roots: tuple[x509.Certificate, ...]
                ) -> tuple[Step, datetime | None, datetime | None]:
    """Each token's imprint, CMS signature and TSA; the earliest valid signature timestamp
    says when the seal existed, and the earliest one by a TSA anchored at a trusted root
    proves it (a self-made TSA could backdate a seal)."""
    payload = env.payload_text.encode("utf-8")
    wanted: list[tuple[str, Any, bytes]] = []
    for _, value in env.unprotected("sigTst"):
        # TS 119 182-1: the imprint covers the base64url JWS Signature Value as it appears
        # (OpenSSL agrees on the Europass sample, tests/seals/test_seal_interop.py)
        wanted += [("sigTst", t, env.signature_b64.encode("ascii")) for t in _tokens(value)]
    if "adoTst" in env.protected:
        # the payload as it appears in the JWS: so on the Europass sample (b64:false)
        wanted += [("adoTst", t, payload) for t in _tokens(env.protected["adoTst"])]
    for position, value in env.unprotected("arcTst"):
        # payload, protected header, signature and the etsiU entries before it, each as in
        # the JWS (so on the Europass sample)
        before = "".join(text for text, _ in env.etsi_u[:position])
        covered = b".".join((payload, env.protected_b64.encode(), env.signature_b64.encode(),
                             before.encode()))
        wanted += [("arcTst", t, covered) for t in _tokens(value)]
    if not wanted:
        return Step("timestamps", "skipped", msg("the seal has no timestamp: its signing time"
                                                 " is the sealer's own claim")), None, None
    found: list[dict[str, Any]] = []
    failures: list[Message] = []
    warnings: list[Message] = []
    proven: datetime | None = None
    trusted: datetime | None = None
    for kind, value, covered in wanted:
        try:
            token = timestamps.check_token(jades.b64_decode(value, kind), covered)
        except (jades.SealError, timestamps.TokenError) as exc:
            code = getattr(exc, "code", "malformed-token")
            failures.append(msg("%(kind)s: %(why)s", kind=kind, why=exc.message))
            found.append({"kind": kind, "valid": False, "code": code})
            continue
        tsa = certpath.validate(token.tsa, token.certificates + carried.certificates,
                                carried.crls, carried.ocsps, token.gen_time, roots, set(),
                                {"time_stamping"})
        entry = {"kind": kind, "valid": True, "time": _iso(token.gen_time),
                 "authority": qualified.short_name(token.tsa), "authorityPath": tsa.outcome}
        found.append(entry)
        if tsa.outcome == "untrusted":
            warnings.append(msg("the time-stamping authority %(tsa)s is not anchored at a"
                                " trusted root", tsa=entry["authority"]))
        elif tsa.outcome == "no-revocation-data":
            warnings.append(msg("the seal carries no revocation data for the time-stamping"
                                " authority %(tsa)s", tsa=entry["authority"]))
        elif tsa.outcome != "valid":
            failures.append(msg("%(kind)s: the time-stamping authority's certificate is %(why)s"
                                " at %(when)s", kind=kind, why=tsa.outcome,
                                when=when(_iso(token.gen_time))))
            entry.update(valid=False, code=f"tsa-{tsa.outcome}")
            continue
        if kind == "sigTst" and (proven is None or token.gen_time < proven):
            proven = token.gen_time
        if kind == "sigTst" and tsa.outcome == "valid" and (trusted is None
                                                            or token.gen_time < trusted):
            trusted = token.gen_time
    claimed = env.claimed_signing_time()
    if proven and claimed and claimed > proven + SIGT_TOLERANCE:
        proven = trusted = None  # which of the two is wrong cannot be told
        failures.append(msg("the claimed signing time %(claimed)s is after the signature"
                            " timestamp %(proven)s", claimed=when(claimed), proven=when(proven)))
    details: dict[str, Any] = {"tokens": found}
    if warnings:
        details["warnings"] = list(dict.fromkeys(warnings))
    if failures:
        details["code"] = next(f["code"] for f in found if not f.get("valid", True)) \
            if any(not f.get("valid", True) for f in found) else "SIGNING_TIME_MISMATCH"
        # a valid signature timestamp still proves the time, whatever else fails
        return Step("timestamps", "failed", join("; ", failures), details), proven, trusted
    kinds = ", ".join(dict.fromkeys(k for k, _, _ in wanted))
    if proven is None:
        return Step("timestamps", "passed", msg("the timestamps (%(kinds)s) cover what they"
                                                " should; none proves the signing time",
                                                kinds=kinds), details), None, None
    return Step("timestamps", "passed", msg("sealed no later than %(when)s, proven by a"
                                            " signature timestamp; every timestamp (%(kinds)s)"
                                            " covers what it should", when=when(_iso(proven)),
                                            kinds=kinds), details), proven, trusted


_PATH_WORDS = {
    "revoked": (N_("the seal's certificate was revoked at the signing time %(when)s"),
                "CERTIFICATE_REVOKED"),
    "expired": (N_("the seal's certificate had expired at the signing time %(when)s"),
                "CERTIFICATE_EXPIRED"),
    "not-yet-valid": (N_("the seal's certificate was not yet valid at the signing time"
                         " %(when)s"), "CERTIFICATE_NOT_YET_VALID"),
    "no-revocation-data": (N_("the seal carries no revocation data for its certificates, so"
                              " revocation at %(when)s cannot be checked"),
                           "REVOCATION_UNKNOWN"),
    "invalid": (N_("the seal's certificate path is not valid at %(when)s"), "CERTIFICATE_INVALID"),
}
_SEALING_USAGES = {"digital_signature", "non_repudiation"}


def _certificate(env: jades.Envelope, signer: x509.Certificate, carried: _Carried,
                 roots: tuple[x509.Certificate, ...], proven: datetime | None,
                 now: datetime) -> tuple[Step, certpath.PathResult | None]:
    # Without a proven time the certificate must be valid now: sigT alone proves nothing.
    moment = proven or now
    usage = signer.key_usage_value
    if usage is not None and not (set(usage.native) & _SEALING_USAGES):
        return Step("certificate", "failed", msg("the seal's certificate is not for signing"),
                    {"code": "CERTIFICATE_INVALID"}), None
    result = certpath.validate(signer, carried.certificates, carried.crls, carried.ocsps, moment,
                               roots, set())
    details: dict[str, Any] = {"path": [qualified.short_name(c) for c in result.path],
                               "at": _iso(moment), "timeProven": proven is not None}
    if carried.problems:
        details["warnings"] = carried.problems
    if result.outcome == "untrusted" and not result.revocation_checked:
        details.update(code="REVOCATION_UNKNOWN", reason=result.reason)
        return Step("certificate", "failed", msg(
            "the seal does not carry its certificate's issuer, so revocation at %(when)s"
            " cannot be checked", when=when(_iso(moment))), details), result
    if result.outcome in _PATH_WORDS:
        words, code = _PATH_WORDS[result.outcome]
        details.update(code=code, reason=result.reason)
        return Step("certificate", "failed", msg(words, when=when(_iso(moment))), details), result
    at = msg("at the signing time %(when)s", when=when(_iso(moment))) if proven else \
        msg("now (%(when)s), as no timestamp proves the signing time", when=when(_iso(moment)))
    return Step("certificate", "passed", msg("the seal's certificate was valid and not revoked"
                                             " %(at)s", at=at), details), result


def _names(qualifiers: Any) -> set[str]:
    """TS 119 612 qualifiers by their last URI segment (QCWithQSCD, QCForESeal, …)."""
    return {str(q).rstrip("/").rsplit("/", 1)[-1] for q in qualifiers or ()}


def _qualified_certificate(claims: qualified.QcClaims, answer: Any) -> bool:
    if answer is not None and answer.qualified is not None:
        return bool(answer.qualified)  # the trusted list overrides the certificate's claim
    return claims.compliance and "eseal" in claims.types


def _level(claims: qualified.QcClaims, answer: Any) -> str:
    """Qualified: a qualified certificate for seals whose key is in a QSCD. A trusted list
    that knows the CA decides both (TS 119 615: its qualifiers over the certificate's
    claims); else the certificate's QC statements do."""
    if answer is None or answer.qualified is None:
        return claims.level
    if not answer.qualified:
        return "advanced"
    q = _names(answer.qualifiers)
    for_seal = "QCForESeal" in q or ("QCForESig" not in q and "QCForWSA" not in q
                                     and "eseal" in claims.types)
    qscd = bool(q & {"QCWithQSCD", "QCQSCDManagedOnBehalf"}) or (
        not q & {"QCNoQSCD", "QCWithSSCD", "QCNoSSCD"} and claims.sscd)
    return "qualified" if for_seal and qscd else "advanced"


def _seal(proof: Step, cert: Step, path: certpath.PathResult | None, sealer: qualified.Sealer,
          claims: qualified.QcClaims, answer: Any = None) -> tuple[Step, str]:
    decided = proof.status == "passed" and cert.status == "passed"
    level = _level(claims, answer) if decided else "unknown"
    details: dict[str, Any] = {"level": level, "qcStatements": claims.to_json(),
                               "sealer": sealer.to_json()}
    said = msg(LEVELS[level])
    if level == "advanced" and _qualified_certificate(claims, answer):
        said = msg("an advanced electronic seal with a qualified certificate for seals (no"
                   " qualified seal creation device is claimed for its key)")
    who = f"{sealer.name} ({sealer.identifier})" if sealer.identifier else sealer.name
    if answer is not None and answer.qualified is not None:
        details["trustedList"] = answer.to_json()
        return Step("seal", "passed", msg("%(level)s of %(sealer)s; its certificate's issuer is"
                                          " on the EU trusted lists (%(tsp)s)", level=said,
                                          sealer=who, tsp=answer.tsp_name or "?"),
                    details), level
    if path is not None and path.outcome == "valid":
        return Step("seal", "passed", msg("%(level)s of %(sealer)s; its certificate chains to a"
                                          " trusted root (%(root)s)", level=said, sealer=who,
                                          root=qualified.short_name(path.path[0])),
                    details), level
    top = path.top if path is not None and path.outcome == "untrusted" else None
    why = msg("its certificate could not be validated") if top is None else \
        msg("the path ends at %(top)s, a root that is not trusted",
            top=qualified.short_name(top)) if top.subject == top.issuer else \
        msg("the path ends at %(top)s, whose issuer %(issuer)s is not a trusted root",
            top=qualified.short_name(top), issuer=qualified.issuer_name(top))
    details["code"] = "UNTRUSTED_ROOT" if path is not None and path.outcome == "untrusted" \
        else "NOT_VALIDATED"
    return Step("seal", "failed", msg("%(level)s of %(sealer)s by its certificate's own claims,"
                                      " not confirmed: %(why)s", level=said, sealer=who, why=why),
                details), level


def certificate_der(value: str) -> bytes:
    """Used by tests and tools: a base64 x5c value as DER."""
    return base64.b64decode(value)
