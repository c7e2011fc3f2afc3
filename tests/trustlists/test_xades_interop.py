"""Lists signed by an independent XAdES implementation (PeculiarVentures' xadesjs, driven by
tests/interop/xades_sign.mjs): two references and exclusive c14n, as the EU's lists have
them, read by mcred's signxml check."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from fastapi.testclient import TestClient

from app.deps import Services
from app.trustlists import service
from tests.conftest import ROOT
from tests.trustlists.conftest import GRANTED_FROM
from tests.trustlists.pki import NOW, Identity, Pki, lotl_xml, national_xml

INTEROP = ROOT / "tests" / "interop"


@pytest.fixture(scope="session")
def node() -> str:
    executable, npm = shutil.which("node"), shutil.which("npm")
    assert executable and npm, "Node.js and npm are needed (.ci/run installs them)"
    if not (INTEROP / "node_modules" / "xadesjs").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=INTEROP, check=True,
                       capture_output=True, timeout=600)
    return executable


def xadesjs_sign(node: str, xml: str, signer: Identity) -> bytes:
    key = signer.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    result = subprocess.run(
        [node, str(INTEROP / "xades_sign.mjs")], capture_output=True, text=True, timeout=120,
        check=False, input=json.dumps({"xml": xml.replace(' Id="tsl"', ""),
                                       "key": key.decode(), "cert": signer.pem.decode()}))
    assert result.returncode == 0, result.stderr
    return result.stdout.encode()


def post(client: TestClient, admin: dict, data: bytes) -> dict:
    response = client.post("/admin/trustlists", content=data,
                           headers={**admin, "Content-Type": "application/xml"})
    assert response.status_code in (200, 422), response.text
    return response.json()


def test_lists_signed_by_xadesjs_import_and_answer(node: str, client: TestClient, admin: dict,
                                                   svc: Services, pki: Pki) -> None:
    lotl = xadesjs_sign(node, lotl_xml(pki), pki.lotl_operator)
    national = xadesjs_sign(node, national_xml(pki, GRANTED_FROM), pki.national_operator)
    assert lotl.count(b"<ds:Reference ") == 2 and b'<ds:Reference URI="">' in lotl
    assert post(client, admin, lotl)["results"][0]["scope"] == "LOTL"
    assert post(client, admin, national)["results"][0]["services"] == 1
    with svc.db.session(read_only=True) as session:
        found = service.trust_for_certificate(session, [pki.seal().cert], NOW)
    assert (found.qualified, found.tsp_name) == (True, "Test TSP, S.A.")


def test_a_tampered_xadesjs_list_is_refused(node: str, client: TestClient, admin: dict,
                                            pki: Pki) -> None:
    lotl = xadesjs_sign(node, lotl_xml(pki), pki.lotl_operator)
    tampered = lotl.replace(b"https://tl.example.es/", b"https://tl.example.fr/", 1)
    assert tampered != lotl
    assert post(client, admin, tampered)["reason"] == "signature-invalid"
    stranger = xadesjs_sign(node, lotl_xml(pki), pki.stranger)
    assert post(client, admin, stranger)["reason"] == "signer-not-trusted"
