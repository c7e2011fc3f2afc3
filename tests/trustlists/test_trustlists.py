"""EU trusted lists: import with signature checks (LOTL pinned, national lists by the LOTL's
pointers), refused lists by named reason with the old copy kept, and the lookup of a seal
certificate's CA at a signing time."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services
from app.trustlists import service
from app.trustlists.parse import ListError
from app.trustlists.service import TrustAnswer
from tests.conftest import ROOT, mcred_env
from tests.trustlists.conftest import GRANTED_FROM, WITHDRAWN_AT
from tests.trustlists.pki import (
    NOW,
    QUALIFIER,
    Pki,
    identity,
    lotl_xml,
    national_xml,
    policy_set,
    qualification,
    sign,
)

XML = {"Content-Type": "application/xml"}


def upload(client: TestClient, admin: dict, *documents: bytes) -> dict:
    files = [("file", (f"list-{n}.xml", data, "application/xml"))
             for n, data in enumerate(documents)]
    response = client.post("/admin/trustlists", files=files, headers=admin)
    assert response.status_code in (200, 422), response.text
    return response.json()


def answer(svc: Services, chain: list[x509.Certificate], at: dt.datetime) -> TrustAnswer:
    with svc.db.session(read_only=True) as session:
        return service.trust_for_certificate(session, chain, at)


def stored(client: TestClient, admin: dict) -> dict[str, int]:
    lists = client.get("/admin/trustlists", headers=admin).json()
    return {entry["scope"]: entry["sequenceNumber"] for entry in lists}


def test_admin_token_required(client: TestClient, lotl: bytes) -> None:
    assert client.post("/admin/trustlists", content=lotl, headers=XML).status_code == 401
    assert client.get("/admin/trustlists").status_code == 401


def test_qualified_when_granted(client: TestClient, admin: dict, svc: Services, pki: Pki,
                                lotl: bytes, national: bytes) -> None:
    body = upload(client, admin, lotl, national)
    assert [(r["scope"], r["outcome"], r["services"]) for r in body["results"]] == \
        [("LOTL", "imported", 0), ("ES", "imported", 1)]
    seal = pki.seal()
    for chain in ([seal.cert, pki.ca.cert], [seal.cert]):  # with its CA, or by key identifier
        found = answer(svc, chain, NOW - dt.timedelta(days=1))
        assert found == TrustAnswer(
            qualified=True, service_name="Qualified seal CA", tsp_name="Test TSP, S.A.",
            territory="ES", status_at_time="http://uri.etsi.org/TrstSvc/TrustedList/"
                                           "Svcstatus/granted",
            reason="granted CA/QC service for e-seals at that time")
    before = answer(svc, [seal.cert], GRANTED_FROM - dt.timedelta(days=1))
    assert (before.qualified, before.reason) == (False, "the service was not listed at that"
                                                        " time")


def test_not_qualified_after_withdrawal(client: TestClient, admin: dict, svc: Services,
                                        pki: Pki, lotl: bytes, national: bytes,
                                        national_withdrawn: bytes) -> None:
    upload(client, admin, lotl, national)
    body = upload(client, admin, national_withdrawn)
    assert body["results"][0]["sequenceNumber"] == 2
    seal = pki.seal().cert
    while_granted = answer(svc, [seal], WITHDRAWN_AT - dt.timedelta(days=1))
    after = answer(svc, [seal], WITHDRAWN_AT + dt.timedelta(days=1))
    assert while_granted.qualified is True
    assert (after.qualified, after.status_at_time) == (
        False, "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn")
    assert after.reason == "the service was not granted at that time"


def test_unknown_ca_gives_no_answer(client: TestClient, admin: dict, svc: Services, pki: Pki,
                                    lotl: bytes, national: bytes) -> None:
    upload(client, admin, lotl, national)
    seal = pki.seal(ca=pki.other_ca)
    found = answer(svc, [seal.cert, pki.other_ca.cert], NOW)
    assert found == TrustAnswer(None, reason="the certificate's CA is on no imported trusted"
                                             " list")


def test_a_borrowed_key_identifier_is_not_enough(client: TestClient, admin: dict,
                                                 svc: Services, pki: Pki, lotl: bytes,
                                                 national: bytes) -> None:
    """A certificate naming the listed CA's key identifier but signed by another key."""
    upload(client, admin, lotl, national)
    forged = identity("Forged seal", issuer=pki.other_ca)
    builder = (x509.CertificateBuilder().subject_name(forged.cert.subject)
               .issuer_name(pki.ca.cert.subject).public_key(forged.key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW - dt.timedelta(days=1))
               .not_valid_after(NOW + dt.timedelta(days=1))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   pki.ca.cert.public_key()), critical=False))
    cert = builder.sign(pki.other_ca.key, hashes.SHA256())
    assert answer(svc, [cert], NOW).qualified is None
    assert answer(svc, [cert, pki.ca.cert], NOW).qualified is None


def test_service_not_for_eseals(client: TestClient, admin: dict, svc: Services, pki: Pki,
                                lotl: bytes) -> None:
    plain = sign(national_xml(pki, GRANTED_FROM, for_eseals=False), pki.national_operator)
    upload(client, admin, lotl, plain)
    found = answer(svc, [pki.seal().cert], NOW)
    assert (found.qualified, found.reason) == (False, "the service is not listed for e-seals")


def refusal(client: TestClient, admin: dict, data: bytes) -> dict:
    response = client.post("/admin/trustlists", content=data, headers={**admin, **XML})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "urn:mcred:problem:trust-list-refused"
    return body


def one_changed_character(data: bytes) -> bytes:
    changed = data.replace(b"Test TSP, S.A.", b"Test TSP, S.B.", 1)
    assert changed != data and len(changed) == len(data)
    return changed


def test_tampered_list_refused_old_copy_kept(client: TestClient, admin: dict, svc: Services,
                                             pki: Pki, lotl: bytes, national: bytes,
                                             national_withdrawn: bytes) -> None:
    upload(client, admin, lotl, national)
    body = refusal(client, admin, one_changed_character(national_withdrawn))
    assert body["reason"] == "signature-invalid"
    assert stored(client, admin) == {"LOTL": 1, "ES": 1}
    assert answer(svc, [pki.seal().cert], NOW).qualified is True  # the old copy still answers


def test_lotl_signed_by_an_unpinned_certificate(client: TestClient, admin: dict,
                                                pki: Pki) -> None:
    body = refusal(client, admin, sign(lotl_xml(pki), pki.stranger))
    assert body["reason"] == "signer-not-trusted"
    assert stored(client, admin) == {}


def test_national_list_signed_by_a_certificate_the_lotl_does_not_name(
        client: TestClient, admin: dict, pki: Pki, lotl: bytes) -> None:
    upload(client, admin, lotl)
    body = refusal(client, admin, sign(national_xml(pki, GRANTED_FROM), pki.stranger))
    assert body["reason"] == "signer-not-trusted"
    other_territory = national_xml(pki, GRANTED_FROM).replace(
        "<tsl:SchemeTerritory>ES<", "<tsl:SchemeTerritory>FR<")
    body = refusal(client, admin, sign(other_territory, pki.national_operator))
    assert (body["reason"], body["detail"]) == (
        "not-in-lotl", "the LOTL names no signer for territory FR")
    assert stored(client, admin) == {"LOTL": 1}


def test_national_list_before_the_lotl(client: TestClient, admin: dict,
                                       national: bytes) -> None:
    assert refusal(client, admin, national)["reason"] == "no-lotl"


def test_older_list_refused(client: TestClient, admin: dict, lotl: bytes, national: bytes,
                            national_withdrawn: bytes) -> None:
    upload(client, admin, lotl, national_withdrawn)
    assert refusal(client, admin, national)["reason"] == "older-than-current"
    assert upload(client, admin, national_withdrawn)["results"][0]["outcome"] == "unchanged"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#">&lol3;
</tsl:TrustServiceStatusList>"""


@pytest.mark.parametrize(("data", "reason"), [
    (b"<tsl:TrustServiceStatusList xmlns:tsl='http://uri.etsi.org/02231/v2#'>", "malformed-xml"),
    (b"\xff\xfe<not xml", "malformed-xml"),
    (BILLION_LAUGHS, "dtd-forbidden"),
    (BILLION_LAUGHS.decode().encode("utf-16"), "dtd-forbidden"),  # past a byte search
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not-a-trusted-list"),
    (b"<tsl:TrustServiceStatusList xmlns:tsl='http://uri.etsi.org/02231/v2#'/>",
     "bad-content"),
])
def test_bad_documents_refused_by_name(client: TestClient, admin: dict, lotl: bytes,
                                       data: bytes, reason: str) -> None:
    upload(client, admin, lotl)
    assert refusal(client, admin, data)["reason"] == reason
    assert stored(client, admin) == {"LOTL": 1}


def test_unsigned_list_refused(client: TestClient, admin: dict, pki: Pki) -> None:
    assert refusal(client, admin, lotl_xml(pki).encode())["reason"] == "signature-missing"


def test_one_refused_file_refuses_the_upload(client: TestClient, admin: dict, lotl: bytes,
                                             national: bytes) -> None:
    body = upload(client, admin, lotl, one_changed_character(national))
    assert (body["reason"], body["file"]) == ("signature-invalid", "list-1.xml")
    assert [r["scope"] for r in body["checked"]] == ["LOTL"]
    assert stored(client, admin) == {}


def test_wrong_media_type(client: TestClient, admin: dict, lotl: bytes) -> None:
    response = client.post("/admin/trustlists", content=lotl,
                           headers={**admin, "Content-Type": "application/json"})
    assert response.status_code == 415


def test_refresh_reimports_the_configured_files(client: TestClient, admin: dict,
                                                svc: Services, list_files: list[Path],
                                                national_withdrawn: bytes) -> None:
    first = client.post("/admin/trustlists/refresh", headers=admin).json()["results"]
    assert [(r["scope"], r["outcome"]) for r in first] == [("LOTL", "imported"),
                                                          ("ES", "imported")]
    list_files[1].write_bytes(one_changed_character(national_withdrawn))
    second = client.post("/admin/trustlists/refresh", headers=admin).json()["results"]
    assert [(r["outcome"], r.get("reason")) for r in second] == [
        ("unchanged", None), ("refused", "signature-invalid")]
    assert stored(client, admin) == {"LOTL": 1, "ES": 1}
    with svc.db.session(read_only=True) as session:
        refused = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "trustlist.refused")).all()
    assert [(e.subject, e.detail["reason"]) for e in refused] == [
        (str(list_files[1]), "signature-invalid")]
    list_files[1].write_bytes(national_withdrawn)
    third = client.post("/admin/trustlists/refresh", headers=admin).json()["results"]
    assert third[1]["outcome"] == "imported" and stored(client, admin)["ES"] == 2


def test_cli_import_refresh_list(svc: Services, list_files: list[Path], lotl: bytes,
                                 pki: Pki) -> None:
    env = {**mcred_env(svc.settings),
           "MCRED_TRUST_LOTL_CERTS": str(svc.settings.trust_lotl_certs),
           "MCRED_TRUST_LIST_FILES": json.dumps([str(f) for f in list_files])}

    def mcred(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app.cli", "trustlists", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    done = mcred("import", str(list_files[0]))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["scope"] == "LOTL"
    refreshed = mcred("refresh")
    assert [r["outcome"] for r in json.loads(refreshed.stdout)] == ["unchanged", "imported"]
    listed = json.loads(mcred("list").stdout)
    assert [(entry["scope"], entry["services"]) for entry in listed] == [("ES", 1),
                                                                        ("LOTL", 0)]
    stray = list_files[0].parent / "stray.xml"
    stray.write_bytes(sign(lotl_xml(pki, sequence=9), pki.stranger))
    refused = mcred("import", str(stray))
    assert refused.returncode != 0
    assert "signer-not-trusted" in refused.stderr
    assert answer(svc, [pki.seal().cert], NOW).qualified is True


def test_a_list_over_the_size_limit_is_refused(svc: Services, lotl: bytes) -> None:
    small = svc.settings.model_copy(update={"max_trust_list_bytes": len(lotl) - 1})
    with svc.db.session() as session, pytest.raises(ListError) as refused:
        service.import_list(session, small, lotl, "test", "test")
    assert refused.value.reason == "too-large"


def test_whole_document_reference_and_a_second_pinned_signer(
        client: TestClient, admin: dict, svc: Services, pki: Pki) -> None:
    """The EU signs its lists with Reference URI="" (no Id); MCRED_TRUST_LOTL_CERTS may pin
    several certificates (the Official Journal publishes more than one)."""
    successor = identity("EU LOTL operator 2")
    assert svc.settings.trust_lotl_certs is not None
    svc.settings.trust_lotl_certs.write_bytes(pki.lotl_operator.pem + successor.pem)
    data = sign(lotl_xml(pki).replace(' Id="tsl"', ""), successor)
    assert b'<ds:Reference URI=""' in data
    body = client.post("/admin/trustlists", content=data, headers={**admin, **XML}).json()
    assert body["results"][0]["outcome"] == "imported"


def test_a_zoneless_signing_time_is_utc(client: TestClient, admin: dict, svc: Services,
                                        pki: Pki, lotl: bytes, national: bytes) -> None:
    upload(client, admin, lotl, national)
    naive = (NOW - dt.timedelta(days=1)).replace(tzinfo=None)
    assert answer(svc, [pki.seal().cert], naive).qualified is True


def test_a_list_past_its_next_update_answers_with_a_warning(
        client: TestClient, admin: dict, svc: Services, pki: Pki, lotl: bytes) -> None:
    due = (NOW - dt.timedelta(days=2)).isoformat()
    stale = national_xml(pki, GRANTED_FROM).replace(
        (NOW + dt.timedelta(days=180)).isoformat(), due)
    assert due in stale
    upload(client, admin, lotl, sign(stale, pki.national_operator))
    found = answer(svc, [pki.seal().cert], NOW - dt.timedelta(days=1))
    assert found.qualified is True
    assert found.warnings == (
        f"the ES trusted list was due for an update on {due[:10]}",)
    fresh = answer(svc, [pki.seal().cert], NOW)
    assert fresh.to_json()["warnings"] == list(found.warnings)


QCP_L_QSCD = "0.4.0.194112.1.3"  # ETSI EN 319 411-2 QCP-l-qscd
QCP_L = "0.4.0.194112.1.1"
KEY_USAGE = ('<ecc:KeyUsage><ecc:KeyUsageBit name="nonRepudiation">true</ecc:KeyUsageBit>'
             '</ecc:KeyUsage>')


@pytest.mark.parametrize(("qualifications", "qualified", "qualifiers", "warned"), [
    ((qualification(["QCForESeal", "QCWithQSCD"], policy_set(QCP_L_QSCD)),),
     True, ("QCForESeal", "QCWithQSCD"), False),
    ((qualification(["NotQualified"], policy_set(QCP_L_QSCD)),), False, ("NotQualified",),
     False),
    ((qualification(["NotQualified"], policy_set(QCP_L)),), True, (), False),
    ((qualification(["NotQualified"], policy_set(QCP_L), "none"),), False, ("NotQualified",),
     False),
    ((qualification(["NotQualified"], policy_set(QCP_L_QSCD, QCP_L), "all"),), True, (),
     False),
    ((qualification(["NotQualified"], KEY_USAGE),), True, (), True),
])
def test_qualifications_by_policy_set(client: TestClient, admin: dict, svc: Services,
                                      pki: Pki, lotl: bytes, qualifications: tuple[str, ...],
                                      qualified: bool, qualifiers: tuple[str, ...],
                                      warned: bool) -> None:
    listed = sign(national_xml(pki, GRANTED_FROM, qualifications=qualifications),
                  pki.national_operator)
    upload(client, admin, lotl, listed)
    found = answer(svc, [pki.seal(policies=(QCP_L_QSCD,)).cert], NOW)
    assert found.qualified is qualified
    assert found.qualifiers == tuple(QUALIFIER + q for q in qualifiers)
    assert bool(found.warnings) is warned


def test_lookup_endpoint(client: TestClient, admin: dict, pki: Pki, lotl: bytes,
                         national_withdrawn: bytes) -> None:
    upload(client, admin, lotl, national_withdrawn)
    chain = (pki.seal().pem + pki.ca.pem).decode()

    def lookup(**body: object) -> dict:
        response = client.post("/admin/trustlists/lookup", json=body, headers=admin)
        assert response.status_code in (200, 422), response.text
        return response.json()

    granted = lookup(chain=chain, at=(WITHDRAWN_AT - dt.timedelta(days=1)).isoformat())
    assert (granted["qualified"], granted["territory"]) == (True, "ES")
    assert lookup(chain=chain)["qualified"] is False  # now: withdrawn
    assert lookup(chain="not pem")["type"] == "urn:mcred:problem:bad-certificate"
    assert lookup(chain=chain, at="2026-01-01T00:00:00")["status"] == 422  # no zone
    assert client.post("/admin/trustlists/lookup", json={"chain": chain}).status_code == 401


def test_a_national_list_whose_signer_the_new_lotl_drops_no_longer_answers(
        client: TestClient, admin: dict, svc: Services, pki: Pki, lotl: bytes,
        national: bytes) -> None:
    upload(client, admin, lotl, national)
    successor = identity("ES TL operator 2")
    upload(client, admin, sign(lotl_xml(pki, sequence=2, national_signer=successor),
                               pki.lotl_operator))
    assert stored(client, admin) == {"LOTL": 2, "ES": 1}
    assert answer(svc, [pki.seal().cert], NOW).qualified is None
    upload(client, admin, sign(national_xml(pki, GRANTED_FROM, sequence=2), successor))
    assert answer(svc, [pki.seal().cert], NOW).qualified is True


def test_a_service_named_only_by_its_key_identifier_vouches_for_no_self_made_ca(
        client: TestClient, admin: dict, svc: Services, pki: Pki, lotl: bytes) -> None:
    """A list may name a service by X509SKI alone. Anyone can mint a CA certificate carrying
    that identifier and seal under it: without the listed certificate nothing proves the key."""
    ski = pki.ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    xml = national_xml(pki, GRANTED_FROM).replace(
        f"<tsl:X509Certificate>{pki.ca.b64}</tsl:X509Certificate>",
        f"<tsl:X509SKI>{base64.b64encode(ski).decode()}</tsl:X509SKI>")
    assert "X509SKI" in xml
    upload(client, admin, lotl, sign(xml, pki.national_operator))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Self-made CA")])
    rogue_ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(NOW - dt.timedelta(days=1))
                .not_valid_after(NOW + dt.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.SubjectKeyIdentifier(ski), critical=False)
                .sign(key, hashes.SHA256()))
    seal_key = ec.generate_private_key(ec.SECP256R1())
    forged = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Forged seal")]))
              .issuer_name(name).public_key(seal_key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(NOW - dt.timedelta(days=1))
              .not_valid_after(NOW + dt.timedelta(days=1))
              .add_extension(x509.AuthorityKeyIdentifier(ski, None, None), critical=False)
              .sign(key, hashes.SHA256()))
    assert answer(svc, [forged, rogue_ca], NOW).qualified is None
