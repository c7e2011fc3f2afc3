"""Issuing sealed Europass credentials: an issuer uploads its e-seal (PKCS#12) through the
admin API, each award is then also delivered as a JAdES-sealed EDC credential, which mcred's
verifier (with the test PKI root configured: anchored) and panva's `jose` accept, and which
fails once tampered. The refusals of bad uploads are named problems; the key is stored only
encrypted, the password nowhere."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.main import build_services, create_app
from tests import samples
from tests.conformance.test_interop_js import node  # noqa: F401  (the fixture)
from tests.conftest import ADMIN_TOKEN, ISSUER_BODY, make_settings
from tests.seals import pki as test_pki
from tests.seals.pki import NOW, qc_statements
from tests.seals.test_seal_interop import jose_verify

ORG_ID = "NTREE-74001073"  # the issuer fixture is in Estonia
PASSWORD = "p12 password that must never be logged 7f3a"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def pki() -> test_pki.Pki:
    return test_pki.Pki.make()


def p12(cert: test_pki.Issued, key: Any = None, password: str = PASSWORD,
        extra: list[Any] | None = None) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"e-seal", key if key is not None else cert.key, cert.cert,
        [c.cert for c in extra or []],
        serialization.BestAvailableEncryption(password.encode()))


def eseal_cert(pki: test_pki.Pki, **kwargs: Any) -> test_pki.Issued:
    options: dict[str, Any] = {"org": "University of Tartu", "org_id": ORG_ID,
                               "qc": qc_statements(), **kwargs}
    return pki.issue("e-seal of the University of Tartu", **options)


@pytest.fixture
def app_client(database_url: str, tmp_path: Path, pki: test_pki.Pki) -> Iterator[TestClient]:
    """The service with the test PKI root as a trusted seal root."""
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "root.pem").write_bytes(pki.root.pem)
    svc = build_services(make_settings(database_url, tmp_path / "keys", seal_trust_roots=roots))
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as client:
        client.svc = svc  # type: ignore[attr-defined]
        response = client.post("/admin/issuers", json=ISSUER_BODY, headers=ADMIN)
        assert response.status_code == 201, response.text
        yield client
    svc.db.dispose()


def upload(client: TestClient, data: bytes, password: str = PASSWORD,
           headers: dict[str, str] | None = None) -> Any:
    return client.post("/admin/issuers/uni-tartu/eseal", headers=ADMIN if headers is None
                       else headers, files={"file": ("seal.p12", data, "application/x-pkcs12")},
                       data={"password": password})


def api_key(client: TestClient) -> dict[str, str]:
    token = client.post("/admin/issuers/uni-tartu/api-keys", headers=ADMIN).json()["apiKey"]
    return {"Authorization": f"Bearer {token}"}


def award(client: TestClient, key: dict[str, str], email: str = "learner@example.org"
          ) -> dict[str, Any]:
    achievement = client.post("/achievements", json=samples.FULL_SPEC, headers=key)
    assert achievement.status_code == 201, achievement.text
    body = samples.award_body(achievement.json()["id"])
    body["learner"]["email"] = email
    response = client.post("/credentials/issue", json=body, headers=key)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_good_upload_is_shown_and_audited(app_client: TestClient, pki: test_pki.Pki) -> None:
    cert = eseal_cert(pki)
    response = upload(app_client, p12(cert, extra=[pki.root]))
    assert response.status_code == 201, response.text
    shown = app_client.get("/admin/issuers/uni-tartu/eseal", headers=ADMIN).json()
    assert shown == response.json()
    assert shown["organisationIdentifier"] == ORG_ID
    assert shown["organisation"] == "University of Tartu"
    assert "mcred Test Root CA" in shown["issuer"] and shown["algorithm"] == "ES256"
    assert shown["chainLength"] == 2
    assert shown["qcStatements"] == {"qcCompliance": True, "qcSSCD": True,
                                     "qcTypes": ["eseal"], "level": "qualified"}
    assert shown["notAfter"].startswith(cert.cert.not_valid_after_utc.strftime("%Y-%m-%d"))
    with app_client.svc.db.session() as session:  # type: ignore[attr-defined]
        actions = [a for (a,) in session.execute(text(
            "SELECT action FROM audit_events WHERE action LIKE 'issuer.eseal%'"))]
    assert actions == ["issuer.eseal-upload"]


def _refusals(pki: test_pki.Pki) -> list[tuple[str, Any, int, str]]:
    good = eseal_cert(pki)
    other = ec.generate_private_key(ec.SECP256R1())
    expired = eseal_cert(pki, not_before=NOW - timedelta(days=400),
                         not_after=NOW - timedelta(days=1))
    future = eseal_cert(pki, not_before=NOW + timedelta(days=2),
                        not_after=NOW + timedelta(days=400))
    no_org_id = pki.issue("Seal without identifier", org="University of Tartu",
                          qc=qc_statements())
    belgian = eseal_cert(pki, org_id="VATBE-0123456789")
    odd_id = eseal_cert(pki, org_id="Tartu University")
    weak = rsa.generate_private_key(65537, 1024)
    weak_cert = _self_cert(weak)
    p384 = ec.generate_private_key(ec.SECP384R1())
    p384_cert = _self_cert(p384)
    cert_only = pkcs12.serialize_key_and_certificates(
        b"x", None, good.cert, None, serialization.BestAvailableEncryption(PASSWORD.encode()))
    return [
        ("wrong password", (p12(good), "not the password"), 422, "eseal-wrong-password"),
        ("not PKCS#12", (good.pem, PASSWORD), 422, "eseal-not-pkcs12"),
        ("mismatched key", (_p12_of(other, None, [good.cert]), PASSWORD), 422,
         "eseal-key-mismatch"),
        ("expired", (p12(expired), PASSWORD), 422, "eseal-expired"),
        ("not yet valid", (p12(future), PASSWORD), 422, "eseal-not-yet-valid"),
        ("no organisationIdentifier", (p12(no_org_id), PASSWORD), 422,
         "eseal-no-organisation-identifier"),
        ("another country's organisation", (p12(belgian), PASSWORD), 422,
         "eseal-identifier-mismatch"),
        ("no EN 319 412-1 identifier", (p12(odd_id), PASSWORD), 422,
         "eseal-identifier-unusable"),
        ("RSA 1024", (_p12_of(weak, weak_cert), PASSWORD), 422, "eseal-weak-key"),
        ("P-384", (_p12_of(p384, p384_cert), PASSWORD), 422, "eseal-unsupported-key"),
        ("no key", (cert_only, PASSWORD), 422, "eseal-no-key"),
        ("too big", (b"\x30" * (64 * 1024 + 1), PASSWORD), 413, "eseal-too-large"),
        ("2 million KDF rounds", (_costly(good), PASSWORD), 422, "eseal-too-costly"),
        ("password too long", (p12(good), "x" * 1025), 422, "eseal-bad-password-field"),
    ]


def _costly(cert: test_pki.Issued) -> bytes:
    """A PKCS#12 whose key derivation asks for 2 million rounds (any password costs that)."""
    encryption = (serialization.PrivateFormat.PKCS12.encryption_builder()
                  .kdf_rounds(2_000_000)
                  .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
                  .build(PASSWORD.encode()))
    return pkcs12.serialize_key_and_certificates(b"x", cert.key, cert.cert, None, encryption)


def _self_cert(key: Any) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "EE"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "University of Tartu"),
                      x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, ORG_ID),
                      x509.NameAttribute(NameOID.COMMON_NAME, "seal")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=30))
            .sign(key, hashes.SHA256()))


def _p12_of(key: Any, cert: Any, cas: list[Any] | None = None) -> bytes:
    """A PKCS#12 of ``key``; ``cert`` may be None (cryptography pairs no other certificate
    with a key, so a mismatched one is put among the other certificates)."""
    return pkcs12.serialize_key_and_certificates(
        b"x", key, cert, cas, serialization.BestAvailableEncryption(PASSWORD.encode()))


def test_each_bad_upload_is_refused_by_name(app_client: TestClient, pki: test_pki.Pki) -> None:
    for label, (data, password), status, slug in _refusals(pki):
        response = upload(app_client, data, password)
        assert response.status_code == status, (label, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), label
        assert response.json()["type"] == f"urn:mcred:problem:{slug}", (label, response.text)
    # no file at all, or no form at all: refused, never a 5xx
    no_file = app_client.post("/admin/issuers/uni-tartu/eseal", headers=ADMIN,
                              data={"password": PASSWORD})
    assert no_file.status_code in (400, 422) and no_file.json()["type"].startswith(
        "urn:mcred:problem:")
    not_a_form = app_client.post("/admin/issuers/uni-tartu/eseal", headers=ADMIN,
                                 json={"file": "x"})
    assert not_a_form.status_code in (400, 415, 422), not_a_form.text
    # nothing was stored by any of them
    assert app_client.get("/admin/issuers/uni-tartu/eseal", headers=ADMIN).status_code == 404


def test_only_the_admin_uploads(app_client: TestClient, pki: test_pki.Pki) -> None:
    data = p12(eseal_cert(pki))
    assert upload(app_client, data, headers={}).status_code == 401
    issuer_key = api_key(app_client)
    response = upload(app_client, data, headers=issuer_key)
    assert response.status_code == 403 and response.json()["type"] == \
        "urn:mcred:problem:forbidden"
    assert app_client.get("/admin/issuers/uni-tartu/eseal",
                          headers=issuer_key).status_code == 403
    assert app_client.delete("/admin/issuers/uni-tartu/eseal",
                             headers=issuer_key).status_code == 403


def test_the_key_is_stored_only_encrypted_and_the_password_nowhere(
        app_client: TestClient, pki: test_pki.Pki, caplog: pytest.LogCaptureFixture) -> None:
    cert = eseal_cert(pki)
    der = cert.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    scalar = cert.key.private_numbers().private_value.to_bytes(32, "big")
    with caplog.at_level(logging.DEBUG):
        assert upload(app_client, p12(cert)).status_code == 201
        award(app_client, api_key(app_client))
    assert PASSWORD not in caplog.text
    svc = app_client.svc  # type: ignore[attr-defined]
    keys_dir = Path(svc.settings.keys_dir)
    on_disk = b"".join(p.read_bytes() for p in keys_dir.rglob("*") if p.is_file())
    for secret in (der, scalar, base64.b64encode(der), b"PRIVATE KEY", PASSWORD.encode()):
        assert secret not in on_disk
    with svc.db.session() as session:
        rows = session.execute(text("SELECT * FROM issuer_eseals")).all()
        events = session.execute(text("SELECT detail FROM audit_events")).all()
    dumped = repr(rows).encode() + repr(events).encode()
    assert len(rows) == 1
    for secret in (der.hex().encode(), base64.b64encode(der), b"PRIVATE KEY",
                   PASSWORD.encode(), base64.urlsafe_b64encode(der).rstrip(b"=")):
        assert secret not in dumped
    for row in rows:
        for value in row:
            raw = value if isinstance(value, bytes) else str(value).encode()
            assert der not in raw and scalar not in raw


def verify(client: TestClient, document: dict[str, Any]) -> dict[str, Any]:
    """The verification answer, with the report's checks by name under ``checks``."""
    response = client.post("/credentials/verify", json={"verifiableCredential": document})
    assert response.status_code in (200, 422), response.text
    body = response.json()
    return {**body, "checks": {c["name"]: c for c in body["report"]["checks"]}}


@pytest.mark.parametrize("rsa_key", [False, True])
def test_an_award_is_also_sealed_and_verifies(app_client: TestClient, pki: test_pki.Pki,
                                              node: str, rsa_key: bool) -> None:  # noqa: F811
    # No CRL pointer: a B-B seal carries no revocation data (docs/eseal-issuing.md)
    cert = eseal_cert(pki, rsa_key=rsa_key, crl_pointer=False)
    assert upload(app_client, p12(cert)).status_code == 201
    issued = award(app_client, api_key(app_client))
    assert set(issued["credentials"]) == {"ob3", "elm", "elm-sealed"}
    sealed = issued["credentials"]["elm-sealed"]
    header = json.loads(base64.urlsafe_b64decode(sealed["signatures"][0]["protected"] + "=="))
    assert header["alg"] == ("RS256" if rsa_key else "ES256") and header["b64"] is False
    assert header["typ"] == "jose+json" and header["cty"] == "octet-stream"
    assert set(header["crit"]) == {"b64", "sigT"} and "sigTst" not in json.dumps(sealed)
    # the sealed payload: the unsigned EDC credential, naming the seal's organisation
    payload = json.loads(sealed["payload"])
    assert "proof" not in payload and payload["type"] == ["VerifiableCredential",
                                                          "EuropeanDigitalCredential"]
    assert payload["issuer"]["eIDASIdentifier"]["notation"] == ORG_ID
    # the Data Integrity one is kept, with the same legal identifier
    assert issued["credentials"]["elm"]["issuer"]["eIDASIdentifier"]["notation"] == ORG_ID
    assert "proof" in issued["credentials"]["elm"]

    body = verify(app_client, sealed)
    assert body["checks"]["proof"]["status"] == "passed", body
    seal_info = body["report"]["credential"]["seal"]
    assert seal_info["sealer"]["organisationIdentifier"] == ORG_ID
    assert seal_info["sealer"]["organisation"] == "University of Tartu"
    assert seal_info["trustedRoot"] is True, body["checks"]
    assert body["checks"]["certificate"]["status"] == "passed"
    assert seal_info["level"] == "qualified"
    assert jose_verify(node, sealed)["verified"] is True

    tampered = dict(sealed, payload=sealed["payload"].replace("University of Tartu",
                                                              "University of Fraud"))
    assert verify(app_client, tampered)["checks"]["proof"]["status"] == "failed"
    assert jose_verify(node, tampered)["verified"] is False


def test_a_certificate_naming_a_crl_is_not_anchored_without_revocation_data(
        app_client: TestClient, pki: test_pki.Pki) -> None:
    """B-B: no revocation values are carried, so a certificate whose CRL the seal would have
    to carry is not anchored, however trusted its root (the proof still passes)."""
    assert upload(app_client, p12(eseal_cert(pki))).status_code == 201
    sealed = award(app_client, api_key(app_client))["credentials"]["elm-sealed"]
    body = verify(app_client, sealed)
    assert body["checks"]["proof"]["status"] == "passed"
    assert body["report"]["credential"]["seal"]["trustedRoot"] is False
    assert body["checks"]["certificate"]["status"] != "passed"


def _share_page(client: TestClient, issued: dict[str, Any]) -> Any:
    path = urlsplit(issued["shareLink"]["url"]).path
    return path, client.get(path, headers={"Accept": "text/html"})


def test_without_an_eseal_nothing_is_sealed_and_the_page_says_so(app_client: TestClient
                                                                 ) -> None:
    issued = award(app_client, api_key(app_client))
    assert set(issued["credentials"]) == {"ob3", "elm"}
    assert issued["credentials"]["elm"]["issuer"]["eIDASIdentifier"]["schemeName"] == "did"
    path, page = _share_page(app_client, issued)
    assert page.status_code == 200
    assert "not with an electronic seal" in page.text and "sealed (JSON)" not in page.text
    assert app_client.get(f"{path}/elm-sealed.json").status_code == 404


def test_the_share_page_names_the_sealer_and_serves_the_sealed_file(
        app_client: TestClient, pki: test_pki.Pki) -> None:
    assert upload(app_client, p12(eseal_cert(pki, crl_pointer=False))).status_code == 201
    issued = award(app_client, api_key(app_client))
    path, page = _share_page(app_client, issued)
    assert page.status_code == 200
    assert "sealed with the e-seal of University of Tartu" in page.text
    assert "not with an electronic seal" not in page.text
    assert f'href="{issued["shareLink"]["url"]}/elm-sealed.json"' in page.text
    download = app_client.get(f"{path}/elm-sealed.json")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/jose+json")
    assert download.json() == issued["credentials"]["elm-sealed"]
    # /verify?url= of that download reads it locally, as the other downloads
    checked = app_client.get("/verify", params={"url": issued["shareLink"]["url"]
                                                + "/elm-sealed.json"})
    assert checked.status_code == 200, checked.text
    assert {c["name"]: c["status"] for c in checked.json()["report"]["checks"]}[
        "proof"] == "passed"
    assert checked.json()["report"]["credential"]["seal"]["sealer"][
        "organisationIdentifier"] == ORG_ID


def test_removing_the_eseal_stops_new_sealed_renderings(app_client: TestClient,
                                                        pki: test_pki.Pki) -> None:
    assert upload(app_client, p12(eseal_cert(pki))).status_code == 201
    key = api_key(app_client)
    before = award(app_client, key, "first@example.org")
    assert "elm-sealed" in before["credentials"]
    assert app_client.delete("/admin/issuers/uni-tartu/eseal", headers=ADMIN).status_code == 204
    assert app_client.get("/admin/issuers/uni-tartu/eseal", headers=ADMIN).json()["type"] == \
        "urn:mcred:problem:eseal-none"
    assert app_client.delete("/admin/issuers/uni-tartu/eseal", headers=ADMIN).status_code == 404
    after = award(app_client, key, "second@example.org")
    assert set(after["credentials"]) == {"ob3", "elm"}
    # the one sealed before stays as it was
    path, _ = _share_page(app_client, before)
    assert app_client.get(f"{path}/elm-sealed.json").json() == before["credentials"]["elm-sealed"]
    with app_client.svc.db.session() as session:  # type: ignore[attr-defined]
        actions = [a for (a,) in session.execute(text(
            "SELECT action FROM audit_events WHERE action LIKE 'issuer.eseal%' ORDER BY id"))]
        assert session.execute(text("SELECT count(*) FROM issuer_eseals")).scalar() == 0
    assert actions == ["issuer.eseal-upload", "issuer.eseal-remove"]


def test_a_new_upload_replaces_the_old_eseal(app_client: TestClient, pki: test_pki.Pki) -> None:
    assert upload(app_client, p12(eseal_cert(pki))).status_code == 201
    second = eseal_cert(pki, rsa_key=True)
    assert upload(app_client, p12(second)).status_code == 201
    assert app_client.get("/admin/issuers/uni-tartu/eseal", headers=ADMIN).json()[
        "algorithm"] == "RS256"
    sealed = award(app_client, api_key(app_client))["credentials"]["elm-sealed"]
    header = json.loads(base64.urlsafe_b64decode(sealed["signatures"][0]["protected"] + "=="))
    assert header["x5c"][0] == base64.b64encode(second.der).decode()


def test_bulk_awards_are_sealed_too(app_client: TestClient, pki: test_pki.Pki) -> None:
    from app.credentials import batch
    from app.credentials.models import CredentialRecord
    from app.credentials.service import Issuing
    from tests.credentials.test_bulk import cohort_csv
    from tests.credentials.test_bulk import upload as bulk_upload

    assert upload(app_client, p12(eseal_cert(pki, crl_pointer=False))).status_code == 201
    key = api_key(app_client)
    achievement = app_client.post("/achievements", json=samples.FULL_SPEC, headers=key).json()
    job = bulk_upload(app_client, key, achievement["id"], cohort_csv(2))
    svc = app_client.svc  # type: ignore[attr-defined]
    assert batch.run_worker(svc.db, Issuing(svc.keystore, svc.settings.public_base_url),
                            exit_when_idle=True) == 2
    report = app_client.get(f"/credentials/bulk/{job['jobId']}/report", headers=key).json()
    assert [set(r["credentialIds"]) for r in report["rows"]] == [{"ob3", "elm", "elm-sealed"}] * 2
    with svc.db.session() as session:
        stored = session.get(CredentialRecord, report["rows"][0]["credentialIds"]["elm-sealed"])
        assert stored is not None
        sealed = json.loads(stored.document)
    body = verify(app_client, sealed)
    assert body["checks"]["proof"]["status"] == "passed"
    assert body["report"]["credential"]["seal"]["trustedRoot"] is True


def test_the_sealed_payload_conforms_to_edc_generic_full(app_client: TestClient,
                                                         pki: test_pki.Pki) -> None:
    """As EDC's own sealed credentials do, its status too: the xsd:anyURI of the sealed
    credential's own status resource (docs/edc-elm.md)."""
    from app.elements.shacl import shacl_report

    assert upload(app_client, p12(eseal_cert(pki))).status_code == 201
    sealed = award(app_client, api_key(app_client))["credentials"]["elm-sealed"]
    payload = json.loads(sealed["payload"])
    assert payload["credentialStatus"]["@value"].endswith(f"/credentials/{payload['id']}/status")
    result = shacl_report(payload, "EDC-generic-full")
    assert (result.conforms, result.violations) == (True, [])


def test_an_accredited_issuer_s_sealed_payload_passes_edc_accredited_and_verifies(
        app_client: TestClient, pki: test_pki.Pki) -> None:
    """The sealed rendering carries the same accreditation as the Data Integrity one."""
    from app.elements.shacl import shacl_report

    entry = {"dids": ["did:web:mcred.test:issuers:uni-tartu"], "legalName":
             "University of Tartu", "country": "EE", "qualityAssurance": [{
                 "agency": "EKKA", "agencyCountry": "EE", "esgAligned": True,
                 "validFrom": "2020-01-01", "validUntil": "2026-12-31"}]}
    assert app_client.post("/admin/registry", json=entry, headers=ADMIN).status_code == 201
    assert upload(app_client, p12(eseal_cert(pki, crl_pointer=False))).status_code == 201
    issued = award(app_client, api_key(app_client))["credentials"]
    payload = json.loads(issued["elm-sealed"]["payload"])
    assert payload["credentialSchema"][0]["id"] == \
        "http://data.europa.eu/snb/model/ap/edc-accredited"
    assert payload["evidence"][0]["accreditation"]["accreditingAgent"]["legalName"] == \
        {"en": "EKKA"}
    assert payload["evidence"][0]["id"] == f"{payload['id']}#evidence"  # its own, not elm's
    for profile in ("EDC-accredited", "EDC-generic-full"):
        result = shacl_report(payload, profile)
        assert (result.conforms, result.violations) == (True, []), profile
    body = verify(app_client, issued["elm-sealed"])
    assert body["checks"]["proof"]["status"] == "passed", body
    shacl = body["checks"]["completeness"]["details"]["shacl"]
    assert (shacl["status"], shacl["shapes"], shacl["count"]) == ("passed", "EDC-accredited", 0)


def test_an_eseal_whose_certificate_expired_since_the_upload_seals_nothing(
        app_client: TestClient, pki: test_pki.Pki) -> None:
    from app.issuers import eseals
    from app.issuers.service import get_issuer

    cert = eseal_cert(pki, not_after=NOW + timedelta(days=3))
    assert upload(app_client, p12(cert)).status_code == 201
    with app_client.svc.db.session() as session:  # type: ignore[attr-defined]
        issuer = get_issuer(session, "uni-tartu")
        assert eseals.usable(session, issuer) is not None
        assert eseals.usable(session, issuer, NOW + timedelta(days=4)) is None
