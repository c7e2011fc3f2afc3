"""Issuer administration over HTTP: DID documents, rotation, API keys, audit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services
from app.issuers.models import ApiKey, Issuer
from app.issuers.service import authenticate_api_key
from tests.conftest import BASE_URL, ISSUER_BODY

DID = "did:web:mcred.test:issuers:uni-tartu"


def test_created_issuer_has_did_web_and_current_key(issuer: dict) -> None:
    assert issuer["did"] == DID
    assert issuer["didDocumentUrl"] == f"{BASE_URL}/issuers/uni-tartu/did.json"
    assert [k["id"] for k in issuer["keys"]] == [f"{DID}#key-1"]
    key = issuer["keys"][0]
    assert key["current"] is True
    assert key["publicKeyMultibase"].startswith("z6Mk")
    assert key["didKey"] == f"did:key:{key['publicKeyMultibase']}"


def test_did_document_served_at_did_web_path(client: TestClient, issuer: dict) -> None:
    response = client.get("/issuers/uni-tartu/did.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did+json"
    doc = response.json()
    assert doc["id"] == DID
    assert doc["@context"] == ["https://www.w3.org/ns/did/v1",
                               "https://w3id.org/security/multikey/v1"]
    assert doc["verificationMethod"] == [{
        "id": f"{DID}#key-1", "type": "Multikey", "controller": DID,
        "publicKeyMultibase": issuer["keys"][0]["publicKeyMultibase"]}]
    assert doc["assertionMethod"] == [f"{DID}#key-1"]


def test_rotation_adds_key_and_keeps_old_one_resolvable(client: TestClient, issuer: dict,
                                                        admin: dict) -> None:
    old = issuer["keys"][0]["publicKeyMultibase"]
    rotated = client.post("/admin/issuers/uni-tartu/keys/rotate", headers=admin)
    assert rotated.status_code == 200
    keys = rotated.json()["keys"]
    assert [(k["id"], k["current"]) for k in keys] == [(f"{DID}#key-1", False),
                                                       (f"{DID}#key-2", True)]
    assert keys[1]["publicKeyMultibase"] != old
    doc = client.get("/issuers/uni-tartu/did.json").json()
    assert [m["publicKeyMultibase"] for m in doc["verificationMethod"]] == [
        old, keys[1]["publicKeyMultibase"]]
    assert doc["assertionMethod"] == [f"{DID}#key-1", f"{DID}#key-2"]


def test_service_did_document(client: TestClient) -> None:
    from app.issuers.service import ensure_service_key

    svc: Services = client.app.state.services  # type: ignore[attr-defined]
    with svc.db.session() as session:
        key = ensure_service_key(session, svc.keystore)
    doc = client.get("/.well-known/did.json").json()
    assert doc["id"] == "did:web:mcred.test"
    assert doc["verificationMethod"][0]["publicKeyMultibase"] == key.public_key_multibase


def test_duplicate_slug_is_409(client: TestClient, issuer: dict, admin: dict) -> None:
    response = client.post("/admin/issuers", json=ISSUER_BODY, headers=admin)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:mcred:problem:issuer-exists"


def test_unknown_issuer_did_document_is_404_problem(client: TestClient) -> None:
    response = client.get("/issuers/nobody/did.json")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:mcred:problem:not-found"


def test_api_key_is_returned_once_and_stored_hashed(client: TestClient, issuer: dict,
                                                    admin: dict, svc: Services) -> None:
    response = client.post("/admin/issuers/uni-tartu/api-keys", json={"label": "registrar"},
                           headers=admin)
    assert response.status_code == 201
    token = response.json()["apiKey"]
    with svc.db.session() as session:
        stored = session.scalars(select(ApiKey)).one()
        assert token.split("_", 2)[2] not in (stored.secret_sha256, stored.key_id)
        assert authenticate_api_key(session, token).slug == "uni-tartu"
        altered = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert authenticate_api_key(session, altered) is None
        assert authenticate_api_key(session, "mcred_nope_nope") is None


def test_actions_land_in_the_audit_log(client: TestClient, issuer: dict, admin: dict,
                                       svc: Services) -> None:
    client.post("/admin/issuers/uni-tartu/keys/rotate", headers=admin)
    with svc.db.session() as session:
        actions = [(e.actor, e.action, e.subject) for e in
                   session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert session.scalars(select(Issuer)).one().slug == "uni-tartu"
    assert actions == [("admin", "issuer.create", "uni-tartu"),
                       ("admin", "key.create", "uni-tartu"),
                       ("admin", "key.rotate", "uni-tartu")]
