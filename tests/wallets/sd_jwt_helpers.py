"""Helpers of the SD-JWT VC tests: the Node.js driver over the OpenWallet Foundation's
@sd-jwt libraries (tests/interop/sd_jwt_check.mjs), holder keys, an award, and what a
verifier fetches for an SD-JWT VC."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from app.credentials.service import Issuing
from app.deps import Services
from app.wallets.sd_jwt_vc import render_sd_jwt_vc
from tests.samples import award_body

INTEROP = Path(__file__).resolve().parents[1] / "interop"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def p256_jwk() -> tuple[dict[str, str], dict[str, str]]:
    """A holder key pair as (public JWK, private JWK)."""
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.private_numbers()
    public = {"kty": "EC", "crv": "P-256",
              "x": b64url(numbers.public_numbers.x.to_bytes(32, "big")),
              "y": b64url(numbers.public_numbers.y.to_bytes(32, "big"))}
    return public, {**public, "d": b64url(numbers.private_value.to_bytes(32, "big"))}


@pytest.fixture(scope="session")
def node() -> str:
    executable, npm = shutil.which("node"), shutil.which("npm")
    assert executable and npm, "Node.js and npm are needed (.ci/run installs them)"
    if not (INTEROP / "node_modules" / "@sd-jwt" / "sd-jwt-vc").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=INTEROP, check=True,
                       capture_output=True, timeout=600)
    return executable


def check(node: str, request: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run([node, str(INTEROP / "sd_jwt_check.mjs")],
                            input=json.dumps(request), capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def award_id(client: TestClient, api_key: dict, achievement: dict) -> str:
    response = client.post("/credentials/issue", json=award_body(achievement["id"]),
                           headers=api_key)
    assert response.status_code == 201, response.text
    return response.json()["awardId"]


@pytest.fixture
def holder() -> tuple[dict[str, str], dict[str, str]]:
    return p256_jwk()


def render(svc: Services, award_id: str, holder_jwk: dict[str, str]) -> str:
    with svc.db.session() as session:
        return render_sd_jwt_vc(session, Issuing(svc.keystore, svc.settings.public_base_url),
                                award_id, holder_jwk)


def published(client: TestClient, sd_jwt: str) -> dict[str, Any]:
    """What a verifier fetches for ``sd_jwt``: issuer metadata, type metadata, status token."""
    payload = json.loads(base64.urlsafe_b64decode(sd_jwt.split(".")[1] + "=="))
    slug = payload["iss"].rsplit("/", 1)[1]
    metadata = client.get(f"/.well-known/jwt-vc-issuer/issuers/{slug}")
    assert metadata.status_code == 200
    type_metadata = client.get("/vct/micro-credential/v1")
    assert type_metadata.status_code == 200
    status_path = payload["status"]["status_list"]["uri"].removeprefix("https://mcred.test")
    token = client.get(status_path)
    assert token.status_code == 200
    assert token.headers["content-type"] == "application/statuslist+jwt"
    return {"issuerMetadata": metadata.json(), "typeMetadata": type_metadata.text,
            "statusListToken": token.text}
