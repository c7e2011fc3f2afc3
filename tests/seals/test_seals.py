"""JAdES seals on Europass (EDC) credentials: the real sample, and seals made with a test PKI
built here (tests/seals/pki.py) for the qualified, advanced, revoked, expired and tampered
cases. Each bad input is a named failed check, never an exception."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from asn1crypto import cms
from asn1crypto import x509 as ax509

from app.seals.report import verify_seal
from app.verify.pipeline import Report, verify_credential
from tests import realworld
from tests.seals import pki as test_pki
from tests.seals.pki import NOW, b64url, etsi, qc_statements, seal

SAMPLE = "elm/Sample-MC-Annex1-signed-jades.json"
SIGNED_AT = NOW - timedelta(hours=1)


@pytest.fixture(scope="module")
def pki() -> test_pki.Pki:
    return test_pki.Pki.make()


@pytest.fixture(scope="module")
def qualified(pki: test_pki.Pki) -> test_pki.Issued:
    return pki.issue("Seal of Universiteit Test", org="Universiteit Test",
                     org_id="VATES-A00000000", qc=qc_statements(), rsa_key=True)


@pytest.fixture(scope="module")
def credential() -> dict[str, Any]:
    return issued_by("VATES-A00000000")


def issued_by(identifier: str) -> dict[str, Any]:
    """The unsigned EDC sample with the issuer's eIDAS identifier our test seals carry."""
    doc = realworld.load("elm/Sample-MC-Annex1-unsigned.json")
    doc["issuer"]["eIDASIdentifier"] = {"id": "urn:epass:legalIdentifier:9",
                                        "type": "LegalIdentifier", "notation": identifier}
    return doc


def _verify(doc: Any, pki: test_pki.Pki | None = None) -> Report:
    ctx = realworld.context()
    if pki is not None:
        ctx = replace(ctx, seal_roots=(ax509.Certificate.load(pki.root.der),))
    return verify_credential(doc, ctx)


def _status(report: Report) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def _code(report: Report, name: str) -> str | None:
    check = report.check(name)
    assert check is not None, f"no {name} check in {_status(report)}"
    return check.details.get("code")


def test_the_europass_sample_is_read_with_its_sealer_named() -> None:
    report = _verify(realworld.load(SAMPLE))
    assert _status(report) | {"registry": "-", "completeness": "-", "score": "-"} == {
        "format": "passed", "reading": "passed", "proof": "passed", "timestamps": "passed",
        "certificate": "passed", "seal": "failed", "registry": "-", "status": "skipped",
        "validity": "passed", "completeness": "-", "score": "-"}
    assert report.verified and report.headline == "untrusted"
    assert report.profile == "elm"
    assert report.summary["title"] == "Digital micro-credential creation"
    sealed = report.summary["seal"]
    assert sealed["sealer"] == {"organisation": "ORGANIZACION TEST",
                                "organisationIdentifier": "VATES-A00000000",
                                "commonName": "TEST SEAL", "country": "ES"}
    # QcCompliance + QcType eseal, but no QcSSCD: a qualified certificate, an advanced seal
    assert sealed["qualifiedCertificate"] is True and sealed["level"] == "advanced"
    assert sealed["signedAt"] == "2023-09-27T11:54:20Z" and sealed["signedAtProven"] is True
    assert sealed["certificatePath"] == ["ANF AC Qualified Certificates for eSeal", "TEST SEAL"]
    assert report.check("proof").message.startswith("sealed by ORGANIZACION TEST"
                                                    " (VATES-A00000000)")
    tokens = report.check("timestamps").details["tokens"]
    assert [(t["kind"], t["authority"], t["valid"]) for t in tokens] == [
        ("sigTst", "good-tsa", True), ("adoTst", "good-tsa", True), ("arcTst", "good-tsa", True)]
    assert _code(report, "seal") == "UNTRUSTED_ROOT"
    assert "ANF Global Root CA" in report.check("seal").message


def test_a_qualified_seal_by_a_trusted_pki_passes_every_check(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    report = _verify(seal(pki, qualified, credential, SIGNED_AT), pki)
    status = _status(report)
    assert {k: status[k] for k in ("format", "proof", "timestamps", "certificate", "seal")} == \
        dict.fromkeys(("format", "proof", "timestamps", "certificate", "seal"), "passed")
    assert report.summary["seal"]["level"] == "qualified"
    assert report.summary["seal"]["trustedRoot"] is True
    assert report.summary["seal"]["sealer"]["organisationIdentifier"] == "VATES-A00000000"
    assert report.summary["seal"]["certificatePath"] == ["mcred Test Root CA",
                                                         "Seal of Universiteit Test"]
    assert report.check("seal").message.startswith("a qualified electronic seal of Universiteit"
                                                   " Test (VATES-A00000000)")


def test_without_the_root_configured_the_same_seal_is_not_anchored(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    report = _verify(seal(pki, qualified, credential, SIGNED_AT))
    assert report.check("certificate").status == "passed"
    assert _code(report, "seal") == "UNTRUSTED_ROOT"
    assert report.summary["seal"]["trustedRoot"] is False


def test_a_certificate_without_qc_statements_makes_an_advanced_seal(
        pki: test_pki.Pki, credential: dict[str, Any]) -> None:
    plain = pki.issue("Seal of Hogeschool Test", org="Hogeschool Test", org_id="VATES-A00000000")
    report = _verify(seal(pki, plain, credential, SIGNED_AT), pki)
    assert report.check("seal").status == "passed"
    assert report.summary["seal"]["level"] == "advanced"
    assert report.summary["seal"]["qualifiedCertificate"] is False
    assert report.summary["seal"]["algorithm"] == "ES256"


def test_qc_compliance_without_a_qscd_claim_is_an_advanced_seal(
        pki: test_pki.Pki, credential: dict[str, Any]) -> None:
    cert = pki.issue("Seal QC", org="QC Org", org_id="VATES-A00000000",
                     qc=qc_statements(sscd=False))
    report = _verify(seal(pki, cert, credential, SIGNED_AT), pki)
    assert report.summary["seal"]["level"] == "advanced"
    assert report.summary["seal"]["qualifiedCertificate"] is True


def test_a_certificate_revoked_before_the_signing_time_fails(
        credential: dict[str, Any]) -> None:
    pki = test_pki.Pki.make()
    cert = pki.issue("Revoked seal", org="Revoked Org", qc=qc_statements())
    pki.revoked[cert.cert.serial_number] = SIGNED_AT - timedelta(days=1)
    report = _verify(seal(pki, cert, credential, SIGNED_AT), pki)
    assert report.check("certificate").status == "failed"
    assert _code(report, "certificate") == "CERTIFICATE_REVOKED"
    assert not report.verified and report.summary["seal"]["level"] == "unknown"


def test_a_revoked_certificate_is_found_without_trust_roots_too(
        credential: dict[str, Any]) -> None:
    """The carried root stands in as the anchor: untrusted, but its CRL still counts."""
    pki = test_pki.Pki.make()
    cert = pki.issue("Revoked seal", org="Revoked Org")
    pki.revoked[cert.cert.serial_number] = SIGNED_AT - timedelta(days=1)
    report = _verify(seal(pki, cert, credential, SIGNED_AT))
    assert _code(report, "certificate") == "CERTIFICATE_REVOKED"


def test_a_seal_without_its_issuer_cannot_be_checked_for_revocation(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    report = _verify(seal(pki, qualified, credential, SIGNED_AT, carry_root=False))
    assert _code(report, "certificate") == "REVOCATION_UNKNOWN"
    assert not report.verified


def test_a_revoked_time_stamping_authority_fails_the_timestamp(
        credential: dict[str, Any]) -> None:
    pki = test_pki.Pki.make()
    cert = pki.issue("Seal", org="Org")
    pki.revoked[pki.tsa.cert.serial_number] = SIGNED_AT - timedelta(days=1)
    check = _verify(seal(pki, cert, credential, SIGNED_AT), pki).check("timestamps")
    assert check.status == "failed" and check.details["code"] == "tsa-revoked"


def test_a_revocation_after_the_signing_time_does_not_void_the_seal(
        credential: dict[str, Any]) -> None:
    pki = test_pki.Pki.make()
    cert = pki.issue("Later revoked seal", org="Later Org", qc=qc_statements())
    pki.revoked[cert.cert.serial_number] = SIGNED_AT + timedelta(minutes=30)
    report = _verify(seal(pki, cert, credential, SIGNED_AT), pki)
    assert report.check("certificate").status == "passed", report.check("certificate")
    assert report.verified


def test_a_certificate_expired_at_the_signing_time_fails(
        pki: test_pki.Pki, credential: dict[str, Any]) -> None:
    cert = pki.issue("Expired seal", org="Expired Org", not_before=NOW - timedelta(days=30),
                     not_after=SIGNED_AT - timedelta(hours=1))
    report = _verify(seal(pki, cert, credential, SIGNED_AT), pki)
    assert _code(report, "certificate") == "CERTIFICATE_EXPIRED"
    assert not report.verified


def test_a_seal_made_while_valid_stays_valid_after_its_certificate_expires(
        pki: test_pki.Pki, credential: dict[str, Any]) -> None:
    """The timestamp proves when: the path is checked then, not now."""
    cert = pki.issue("Old seal", org="Old Org", not_before=NOW - timedelta(days=30),
                     not_after=NOW - timedelta(minutes=10))
    report = _verify(seal(pki, cert, credential, SIGNED_AT), pki)
    assert report.check("certificate").status == "passed"
    # without a timestamp nothing proves the time, so the certificate must be valid now
    unstamped = _verify(seal(pki, cert, credential, SIGNED_AT, stamp=False), pki)
    assert unstamped.check("timestamps").status == "skipped"
    assert _code(unstamped, "certificate") == "CERTIFICATE_EXPIRED"


def test_a_changed_payload_breaks_the_seal(pki: test_pki.Pki, qualified: test_pki.Issued,
                                           credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT)
    doc["payload"] = doc["payload"].replace("Digital micro-credential creation",
                                            "Digital micro-credential creatioN")
    report = _verify(doc, pki)
    assert _code(report, "proof") == "INVALID_SIGNATURE" and not report.verified


def test_a_re_encoded_payload_breaks_the_seal(pki: test_pki.Pki, qualified: test_pki.Issued,
                                              credential: dict[str, Any]) -> None:
    """The same JSON with other spacing is other bytes: b64:false signs the bytes."""
    doc = seal(pki, qualified, credential, SIGNED_AT)
    doc["payload"] = json.dumps(json.loads(doc["payload"]), indent=1)
    report = _verify(doc, pki)
    assert _code(report, "proof") == "INVALID_SIGNATURE"


def test_a_truncated_payload_is_named_not_raised(pki: test_pki.Pki, qualified: test_pki.Issued,
                                                 credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT)
    doc["payload"] = doc["payload"][:-40]
    report = _verify(doc, pki)
    assert _code(report, "format") == "payload-not-json"
    assert _code(report, "proof") == "INVALID_SIGNATURE"
    assert not report.verified


def test_a_signature_by_another_key_than_x5c_0_fails(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    other = pki.issue("Another seal", org="Another Org", rsa_key=True)
    report = _verify(seal(pki, qualified, credential, SIGNED_AT, sign_with=other.key), pki)
    assert _code(report, "proof") == "INVALID_SIGNATURE"


def test_a_thumbprint_of_another_certificate_fails(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT,
               extra_protected={"x5t#S256": b64url(b"\x00" * 32)})
    assert _code(_verify(doc, pki), "proof") == "CERTIFICATE_MISMATCH"


def test_a_timestamp_over_something_else_fails(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT, stamp_over=b"another signature")
    report = _verify(doc, pki)
    check = report.check("timestamps")
    assert check.status == "failed" and check.details["code"] == "imprint-mismatch"
    assert "does not cover this signature" in check.message
    assert not report.verified


def test_a_timestamp_token_with_an_altered_tstinfo_fails(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT)
    header = doc["signatures"][0]["header"]
    entry = json.loads(base64.urlsafe_b64decode(header["etsiU"][0] + "=="))
    token = bytearray(base64.b64decode(entry["sigTst"]["tstTokens"][0]["val"]))
    gen_time = (SIGNED_AT + timedelta(seconds=2)).strftime("%Y%m%d%H%M%SZ").encode()
    at = bytes(token).index(b"\x18\x0f" + gen_time) + 2  # the TSTInfo's genTime, DER
    assert bytes(token).count(gen_time) == 1
    token[at] = ord("1") if token[at] != ord("1") else ord("2")  # another millennium
    entry["sigTst"]["tstTokens"][0]["val"] = base64.b64encode(bytes(token)).decode()
    header["etsiU"][0] = etsi(entry)
    check = _verify(doc, pki).check("timestamps")
    assert check.status == "failed" and check.details["code"] == "token-signature-invalid"


def test_an_unsupported_critical_header_fails(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT, crit_extra=["sigD"])
    report = _verify(doc, pki)
    assert _code(report, "proof") == "UNSUPPORTED_CRITICAL_HEADER"
    assert "sigD" in report.check("proof").message


def test_b64_false_outside_crit_fails(pki: test_pki.Pki, qualified: test_pki.Issued,
                                      credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT, extra_protected={"crit": ["sigT"]})
    assert _code(_verify(doc, pki), "proof") == "UNSUPPORTED_CRITICAL_HEADER"


@pytest.mark.parametrize("change, code", [
    (lambda d: d["signatures"][0]["protected"].__class__, None),  # untouched: reads
    (lambda d: d["signatures"].append(d["signatures"][0]), "several-signatures"),
    (lambda d: d["signatures"][0].update(protected="!!"), "malformed-envelope"),
    (lambda d: d["signatures"][0].update(signature=12), "malformed-envelope"),
    (lambda d: d.update(payload=None), "detached-payload"),
    (lambda d: d["signatures"][0]["header"].update(etsiU=["x"] * 65), "too-many-entries"),
    (lambda d: d["signatures"][0]["header"].update(etsiU=["bm90IGpzb24"]), "malformed-envelope"),
    (lambda d: d["signatures"][0]["header"].update(etsiU="x"), "malformed-envelope"),
    (lambda d: d.update(signatures=[]), "malformed-envelope"),
    (lambda d: d.update(signatures=["x"]), "malformed-envelope"),
])
def test_malformed_envelopes_are_named(change: Any, code: str | None, pki: test_pki.Pki,
                                       qualified: test_pki.Issued,
                                       credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT)
    change(doc)
    report = _verify(doc, pki)
    assert _code(report, "format") == code


def _with_protected(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    sig = doc["signatures"][0]
    protected = json.loads(base64.urlsafe_b64decode(sig["protected"] + "=="))
    protected.update(changes)
    sig["protected"] = b64url(json.dumps(protected).encode())
    return doc


def test_more_than_ten_certificates_are_refused(pki: test_pki.Pki, qualified: test_pki.Issued,
                                                credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT)
    x5c = [base64.b64encode(qualified.der).decode()] * 11
    assert _code(_verify(_with_protected(doc, x5c=x5c), pki), "format") == \
        "too-many-certificates"


@pytest.mark.parametrize("x5c, code", [(None, "no-certificate"), (["***"], "malformed-envelope"),
                                       (["AAAA"], "bad-certificate")])
def test_a_missing_or_broken_certificate_is_named(
        x5c: Any, code: str, pki: test_pki.Pki, qualified: test_pki.Issued,
        credential: dict[str, Any]) -> None:
    doc = _with_protected(seal(pki, qualified, credential, SIGNED_AT), x5c=x5c)
    assert _code(_verify(doc, pki), "format") == code


def test_garbage_in_carried_values_is_a_warning_not_a_crash(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT)
    doc["signatures"][0]["header"]["etsiU"] += [
        etsi({"xVals": [{"x509Cert": {"val": "AAAA"}}]}),
        etsi({"rVals": {"crlVals": [{"val": "!!"}], "ocspVals": [{"val": "AAAA"}]}}),
        etsi({"sigTst": {"tstTokens": [{"val": "AAAA"}]}})]
    report = _verify(doc, pki)
    assert report.check("proof").status == "passed"
    assert report.check("timestamps").details["code"] == "malformed-token"
    assert "an xVals certificate could not be read" in \
        report.check("certificate").details["warnings"]


def test_a_seal_without_revocation_data_cannot_be_checked(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT)
    etsi_u = doc["signatures"][0]["header"]["etsiU"]
    doc["signatures"][0]["header"]["etsiU"] = [e for e in etsi_u if "rVals" not in
                                               base64.urlsafe_b64decode(e + "==").decode()]
    assert _code(_verify(doc, pki), "certificate") == "REVOCATION_UNKNOWN"


def test_verify_seal_alone_reads_the_sample() -> None:
    result = verify_seal(realworld.load(SAMPLE), (), NOW)
    assert result.failure is None
    assert [s.name for s in result.steps] == ["proof", "timestamps", "certificate", "seal"]
    assert result.document["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]


def test_a_seal_by_another_organisation_than_the_issuer_fails(
        pki: test_pki.Pki, credential: dict[str, Any]) -> None:
    """Anyone may hold a seal certificate; it must be the issuer's (eIDASIdentifier)."""
    other = pki.issue("Seal of Someone Else", org="Someone Else", org_id="VATBE-0999999999",
                      qc=qc_statements())
    report = _verify(seal(pki, other, credential, SIGNED_AT), pki)
    assert _code(report, "proof") == "ISSUER_MISMATCH"
    assert report.check("proof").message == ("sealed by VATBE-0999999999, but the issuer is"
                                             " VATES-A00000000, 654321")
    assert not report.verified


def test_the_sample_issuer_is_the_sealing_organisation() -> None:
    proof = _verify(realworld.load(SAMPLE)).check("proof")
    assert proof.details["issuerIdentifier"] == "VATES-A00000000"
    assert proof.message.endswith("; the issuer's legal identifier is the seal's")


def test_a_bare_vat_number_of_the_issuer_matches_the_seal(pki: test_pki.Pki) -> None:
    doc = realworld.load("elm/Sample-MC-Annex1-unsigned.json")  # vatIdentifier "654321"
    cert = pki.issue("Seal of Research Alliance", org="Research Alliance",
                     org_id="VATIE-654321")
    proof = _verify(seal(pki, cert, doc, SIGNED_AT), pki).check("proof")
    assert proof.status == "passed" and proof.details["issuerIdentifier"] == "VATIE-654321"


def test_a_seal_without_an_organisation_identifier_is_a_warning(
        pki: test_pki.Pki, credential: dict[str, Any]) -> None:
    anonymous = pki.issue("Seal without identifier", org="Nameless")
    proof = _verify(seal(pki, anonymous, credential, SIGNED_AT), pki).check("proof")
    assert proof.status == "passed" and proof.details["warnings"]


def _mutations(seed: int, count: int) -> list[tuple[str, int, str]]:
    rng = random.Random(seed)
    return [(rng.choice(["protected", "signature", "etsiU", "x5c"]), rng.randrange(10_000),
             rng.choice("AZaz09-_+/=!")) for _ in range(count)]


@pytest.mark.parametrize("where, at, char", _mutations(20, 60))
def test_a_damaged_sample_is_named_never_raised(where: str, at: int, char: str) -> None:
    """One character changed anywhere in the envelope's encoded parts: a named failure."""
    doc = realworld.load(SAMPLE)
    sig = doc["signatures"][0]

    def damage(text: str) -> str:
        i = at % len(text)
        return text[:i] + char + text[i + 1:]

    if where in ("protected", "signature"):
        sig[where] = damage(sig[where])
    elif where == "etsiU":
        entries = sig["header"]["etsiU"]
        entries[at % len(entries)] = damage(entries[at % len(entries)])
    else:
        protected = json.loads(base64.urlsafe_b64decode(sig["protected"] + "=="))
        protected["x5c"][0] = damage(protected["x5c"][0])
        sig["protected"] = b64url(json.dumps(protected).encode())
    report = _verify(doc)
    changed = json.dumps(doc) != json.dumps(realworld.load(SAMPLE))
    if changed and where != "etsiU":
        assert not report.verified, report.to_json()["errors"]
    assert all(c.status in ("passed", "failed", "warning", "skipped") for c in report.checks)


def _der_damage(seed: int) -> dict[str, Any]:
    """The sample with 1 to 3 bytes changed inside one DER value: a carried certificate, CRL,
    OCSP response or timestamp token, or the seal certificate itself."""
    rng = random.Random(seed)
    doc = realworld.load(SAMPLE)
    sig = doc["signatures"][0]
    entries = sig["header"]["etsiU"]
    k = rng.randrange(len(entries) + 1)
    if k == len(entries):  # the seal certificate in the protected header
        protected = json.loads(base64.urlsafe_b64decode(sig["protected"] + "=="))
        holder, key = protected["x5c"], 0
    else:
        entry = json.loads(base64.urlsafe_b64decode(entries[k] + "=="))
        found: list[dict[str, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                found.extend([node] if "val" in node else [])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
        walk(entry)
        holder, key = rng.choice(found), "val"
    der = bytearray(base64.b64decode(holder[key]))
    for _ in range(rng.randint(1, 3)):
        der[rng.randrange(len(der))] = rng.randrange(256)
    holder[key] = base64.b64encode(bytes(der)).decode()
    if k == len(entries):
        sig["protected"] = b64url(json.dumps(protected).encode())
    else:
        entries[k] = etsi(entry)
    return doc


@pytest.mark.parametrize("seed", range(40))
def test_damaged_der_in_the_sample_is_named_never_raised(seed: int) -> None:
    report = _verify(_der_damage(seed))
    assert report.checks and all(
        c.status in ("passed", "failed", "warning", "skipped") for c in report.checks)


@dataclass
class Answer:
    """A trusted-list answer as app.trustlists' TrustAnswer gives it (its fields, as values)."""

    qualified: bool | None
    qualifiers: tuple[str, ...] = ()
    tsp_name: str | None = "mcred Test Trust Services"

    def to_json(self) -> dict[str, Any]:
        return {"qualified": self.qualified, "qualifiers": list(self.qualifiers),
                "tspName": self.tsp_name}


def _with_list(doc: dict[str, Any], answer: Answer,
               asked: list[tuple[list[Any], Any]] | None = None) -> Report:
    def lookup(chain: list[Any], at: Any) -> Answer:
        if asked is not None:
            asked.append((chain, at))
        return answer
    return verify_credential(doc, replace(realworld.context(), seal_trusted_list=lookup))


TL = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"


@pytest.mark.parametrize("claims, answer, level", [
    # the sample's kind of certificate: QC for seals, no QcSSCD
    (qc_statements(sscd=False), Answer(True, (f"{TL}QCForESeal", f"{TL}QCWithQSCD")),
     "qualified"),
    (qc_statements(sscd=False), Answer(True, ("QCForESeal",)), "advanced"),
    (qc_statements(), Answer(True, ("QCForESeal", "QCQSCDStatusAsInCert")), "qualified"),
    (qc_statements(), Answer(True, ("QCForESeal", "QCNoQSCD")), "advanced"),
    (qc_statements(), Answer(True, ("QCForESig", "QCWithQSCD")), "advanced"),
    (qc_statements(), Answer(False, ("NotQualified",)), "advanced"),
    (qc_statements(), Answer(None), "qualified"),  # no list knows the CA: the certificate's
])
def test_a_trusted_list_decides_the_level_over_the_certificate(
        pki: test_pki.Pki, credential: dict[str, Any], claims: bytes, answer: Answer,
        level: str) -> None:
    cert = pki.issue("Seal", org="Org", org_id="VATES-A00000000", qc=claims)
    asked: list[tuple[list[Any], Any]] = []
    report = _with_list(seal(pki, cert, credential, SIGNED_AT), answer, asked)
    assert report.summary["seal"]["level"] == level
    # the seal certificate first, then its CA; asked about now: the signature timestamp's
    # TSA is anchored at no trusted root here, so it proves no past signing time
    chain, at = asked[0]
    assert [c.subject.rfc4514_string() for c in chain][1:] == [
        pki.root.cert.subject.rfc4514_string()]
    assert chain[0] == cert.cert and at > SIGNED_AT + timedelta(minutes=30)
    seal_check = report.check("seal")
    if answer.qualified is None:  # not anchored by a list, and no root configured
        assert seal_check.status == "failed" and report.summary["seal"]["trustedList"] == \
            answer.to_json()
    else:
        assert seal_check.status == "passed"
        assert "on the EU trusted lists (mcred Test Trust Services)" in seal_check.message
        assert report.summary["seal"]["qualifiedCertificate"] is answer.qualified


def test_the_trusted_list_is_not_asked_about_a_broken_seal(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    doc = seal(pki, qualified, credential, SIGNED_AT)
    doc["payload"] = doc["payload"].replace("Digital", "Analogue")
    asked: list[tuple[list[Any], Any]] = []
    report = _with_list(doc, Answer(True, ("QCForESeal", "QCWithQSCD")), asked)
    assert asked == [] and report.summary["seal"]["level"] == "unknown"


def test_a_kid_naming_another_certificate_fails(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    other = pki.issue("Another seal", org="Another Org")

    def kid(cert: test_pki.Issued) -> str:
        parsed = ax509.Certificate.load(cert.der)
        return base64.b64encode(cms.IssuerSerial({
            "issuer": [ax509.GeneralName({"directory_name": parsed.issuer})],
            "serial": parsed.serial_number}).dump()).decode()

    right = _verify(seal(pki, qualified, credential, SIGNED_AT,
                         extra_protected={"kid": kid(qualified)}), pki)
    assert right.check("proof").status == "passed"
    wrong = _verify(seal(pki, qualified, credential, SIGNED_AT,
                         extra_protected={"kid": kid(other)}), pki)
    assert _code(wrong, "proof") == "CERTIFICATE_MISMATCH"
    assert "kid names another certificate" in wrong.check("proof").message
    # a key id of another form says nothing about x5c[0]
    free_form = _verify(seal(pki, qualified, credential, SIGNED_AT,
                             extra_protected={"kid": "seal-key-2026"}), pki)
    assert free_form.check("proof").status == "passed"


def test_a_claimed_signing_time_after_the_timestamp_fails(
        pki: test_pki.Pki, qualified: test_pki.Issued, credential: dict[str, Any]) -> None:
    later = (SIGNED_AT + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = _verify(seal(pki, qualified, credential, SIGNED_AT,
                          extra_protected={"sigT": later}), pki)
    check = report.check("timestamps")
    assert check.status == "failed" and check.details["code"] == "SIGNING_TIME_MISMATCH"
    # which of the two is wrong cannot be told: nothing proves the time, checked now
    assert report.check("certificate").details["timeProven"] is False


def test_an_untrusted_tsa_cannot_backdate_an_anchored_seal(pki: test_pki.Pki,
                                                           credential: dict[str, Any]) -> None:
    """A stolen key of a trusted, now expired certificate, and a self-made TSA claiming a time
    when it was valid: the seal is judged now, and fails as expired."""
    rogue = test_pki.Pki.make("Self-made Root")  # its TSA is anchored at no trusted root
    expired = pki.issue("Seal", org="Org", org_id="VATES-A00000000", qc=qc_statements(),
                        not_before=NOW - timedelta(days=60), not_after=NOW - timedelta(days=1),
                        crl_pointer=False)
    doc = seal(rogue, expired, credential, NOW - timedelta(days=10))
    report = _verify(doc, pki)  # the real PKI's root is trusted
    [stamp] = report.check("timestamps").details["tokens"]
    assert stamp["valid"] and stamp["authorityPath"] == "untrusted"  # a sound token, no anchor
    assert _status(report)["certificate"] == "failed"
    assert _code(report, "certificate") == "CERTIFICATE_EXPIRED"
    assert report.check("certificate").details["timeProven"] is False
    assert not report.verified
    # the same seal stamped by the trusted PKI's own TSA was made while valid: it stands
    honest = _verify(seal(pki, expired, credential, NOW - timedelta(days=10)), pki)
    assert _status(honest)["certificate"] == "passed" and honest.verified
