"""Bad input to the verifier: a clear error or a failed check, never a 500."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.proofs.multikey import encode_base58btc

V2 = "https://www.w3.org/ns/credentials/v2"
BASE = {"@context": [V2], "type": ["VerifiableCredential"], "issuer": "did:example:i",
        "credentialSubject": {"id": "did:example:s"}}
VM = ("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
      "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")


def post(client: TestClient, raw: bytes):  # type: ignore[no-untyped-def]
    return client.post("/credentials/verify", content=raw,
                       headers={"Content-Type": "application/json"})


def test_malformed_json(client: TestClient) -> None:
    response = post(client, b'{"verifiableCredential": {')
    assert response.status_code == 400
    assert response.json()["type"] == "urn:mcred:problem:malformed-json"


def test_ten_megabyte_credential(client: TestClient) -> None:
    big = json.dumps({"verifiableCredential": {**BASE, "pad": "x" * 10_000_000}}).encode()
    response = post(client, big)
    assert response.status_code == 413
    assert response.json()["type"] == "urn:mcred:problem:payload-too-large"


def test_deeply_nested_json(client: TestClient) -> None:
    nested = b'{"verifiableCredential": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001
    response = post(client, nested)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:mcred:problem:json-too-deep"


def test_deeply_nested_json_without_content_type(client: TestClient) -> None:
    nested = b'{"verifiableCredential": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001
    response = client.post("/credentials/verify", content=nested)  # FastAPI reads it as JSON
    assert response.status_code == 400
    assert response.json()["type"] == "urn:mcred:problem:json-too-deep"


def test_two_content_types_are_refused(client: TestClient) -> None:
    """The guard and the framework must not read different headers (a depth-check bypass)."""
    nested = b'{"verifiableCredential": ' + b'{"a":' * 500 + b"1" + b"}" * 501
    response = client.post("/credentials/verify", content=nested, headers=[
        ("Content-Type", "application/json"), ("Content-Type", "text/plain")])
    assert response.status_code == 400
    assert response.json()["type"] == "urn:mcred:problem:ambiguous-headers"


def test_brackets_inside_strings_do_not_count(client: TestClient) -> None:
    vc = {**BASE, "name": "[" * 500 + "{" * 500 + '\\"'}
    response = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 422  # parsed fine; it simply has no proof
    assert response.json()["errors"][0]["check"] == "proof"


def test_unknown_context_is_a_failed_check(client: TestClient) -> None:
    vc = {**BASE, "@context": [V2, "https://unknown.example/ctx"],
          "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                    "verificationMethod": VM, "proofPurpose": "assertionMethod",
                    "proofValue": encode_base58btc(b"\x01" * 64)}}
    response = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["check"], error["code"]) == ("proof", "CONTEXT_NOT_ALLOWED")
    assert "https://unknown.example/ctx" in error["message"]


@pytest.mark.parametrize(("proof", "code"), [
    ({"type": "RsaSignature2018", "proofValue": "x", "verificationMethod": "did:x#k",
      "proofPurpose": "assertionMethod"}, "UNSUPPORTED_PROOF_TYPE"),
    ("a string", "MALFORMED_PROOF"),
    ({"type": "DataIntegrityProof", "cryptosuite": "ecdsa-2099"}, "UNKNOWN_CRYPTOSUITE"),
])
def test_wrong_proof_shapes(client: TestClient, proof: object, code: str) -> None:
    response = client.post("/credentials/verify",
                           json={"verifiableCredential": {**BASE, "proof": proof}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == code


@pytest.mark.parametrize("body", [{}, {"verifiableCredential": {}, "options": "x"},
                                  {"verifiableCredential": []}])
def test_bad_request_shapes(client: TestClient, body: dict) -> None:
    response = client.post("/credentials/verify", json=body)
    assert response.status_code in (400, 422)
    assert response.json()["verified"] is False if response.status_code == 422 else True


def test_not_a_credential(client: TestClient) -> None:
    response = client.post("/credentials/verify", json={"verifiableCredential": {"a": 1}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["check"] == "format"


@pytest.mark.parametrize("url", ["https://127.0.0.1/c.json", "http://example.org/c.json",
                                 "https://169.254.169.254/latest", "https://[::1]/x"])
def test_url_to_private_or_plain_http_target_is_refused(client: TestClient, url: str) -> None:
    response = client.get("/verify", params={"url": url})
    assert response.status_code == 422
    assert response.json()["type"] == "urn:mcred:problem:fetch-refused"
