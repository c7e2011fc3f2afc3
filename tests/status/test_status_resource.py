"""The ELM rendering's credentialStatus is the xsd:anyURI of the credential's status resource
(GET /credentials/{id}/status), as EDC's shapes want: the ELM file conforms to
EDC-generic-full with its status, the resource answers with the standing and the Bitstring
entries behind it, and the verifier reads it (ours from the database, others' through the
guarded client) into the status check: revoked, suspended, active, or could not be checked."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import Services
from app.elements.shacl import shacl_report
from tests.credentials.test_award import issue, verify
from tests.samples import FULL_SPEC, award_body
from tests.status.test_status import issue_vc, status_check, suspending_issuer, verify_http

__all__ = ["suspending_issuer"]  # a fixture of test_status, used here too
XSD_ANY_URI = "http://www.w3.org/2001/XMLSchema#anyURI"
BASE = "https://mcred.test"


def award(client: TestClient, key: dict, achievement_id: str) -> dict[str, Any]:
    response = issue(client, key, award_body(achievement_id))
    assert response.status_code == 201, response.text[:2000]
    return response.json()["credentials"]


def resource_path(elm: dict) -> str:
    return elm["credentialStatus"]["@value"].removeprefix(BASE)


def test_elm_names_its_status_resource_and_conforms(client: TestClient, api_key: dict,
                                                    achievement: dict, svc: Services) -> None:
    credentials = award(client, api_key, achievement["id"])
    elm = credentials["elm"]
    assert elm["credentialStatus"] == {"@value": f"{BASE}/credentials/{elm['id']}/status",
                                       "@type": XSD_ANY_URI}
    result = shacl_report(elm, "EDC-generic-full")
    assert (result.conforms, result.violations) == (True, [])
    assert verify(svc, elm).verified  # the value object is signed like any other member
    assert "@value" not in json.dumps(credentials["ob3"]["credentialStatus"])


def test_resource_answers_with_standing_and_entries(client: TestClient, api_key: dict,
                                                    achievement: dict, admin: dict) -> None:
    credentials = award(client, api_key, achievement["id"])
    elm, ob3 = credentials["elm"], credentials["ob3"]
    response = client.get(resource_path(elm))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "public, max-age=60"
    body = response.json()
    assert (body["id"], body["credential"], body["status"]) == (
        elm["credentialStatus"]["@value"], elm["id"], "active")
    assert "since" not in body and body["checked"].endswith("Z")
    # The same entry the award's OBv3 credential carries: both renderings share it.
    assert body["credentialStatus"] == [ob3["credentialStatus"]]
    client.post(f"/admin/credentials/{elm['id']}/status", headers=admin,
                json={"action": "revoke", "reason": "issued in error"})
    revoked = client.get(resource_path(elm)).json()
    assert revoked["status"] == "revoked" and revoked["since"].endswith("Z")
    assert "reason" not in revoked  # the issuer's words stay on the share page


def test_resource_only_for_awards(client: TestClient, api_key: dict) -> None:
    vc = issue_vc(client, api_key)  # a VC-API credential: its id may be guessable
    for credential_id in (vc["id"], "urn:uuid:00000000-0000-4000-8000-000000000000"):
        response = client.get(f"/credentials/{credential_id}/status")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


def test_revoked_award_s_elm_fails_its_status_check(client: TestClient, api_key: dict,
                                                    achievement: dict, admin: dict) -> None:
    elm = award(client, api_key, achievement["id"])["elm"]
    before = verify_http(client, elm)
    assert before.json()["verified"] is True
    check = status_check(before)
    assert (check["status"], check["message"]) == ("passed", "not revoked or suspended")
    assert (check["details"]["resource"], check["details"]["state"]) == (
        elm["credentialStatus"]["@value"], "active")
    # The resource, then the entry it names, read in its signed list.
    resource, entry = check["details"]["entries"]
    assert (resource["purpose"], resource["set"]) == ("status", False)
    assert (entry["purpose"], entry["set"]) == ("revocation", False)
    client.post(f"/admin/credentials/{elm['id']}/status", headers=admin,
                json={"action": "revoke", "reason": "issued in error"})
    after = verify_http(client, elm)
    assert after.status_code == 422 and after.json()["verified"] is False
    check = status_check(after)
    assert (check["status"], check["message"], check["details"]["state"]) == (
        "failed", "revoked", "revoked")
    assert [e["set"] for e in check["details"]["entries"]] == [True, True]


def test_suspended_then_active_again(client: TestClient, suspending_issuer: dict,
                                     admin: dict) -> None:
    achievement = client.post("/achievements", json=FULL_SPEC, headers=suspending_issuer).json()
    elm = award(client, suspending_issuer, achievement["id"])["elm"]
    assert [e["statusPurpose"] for e in client.get(resource_path(elm)).json()[
        "credentialStatus"]] == ["revocation", "suspension"]
    client.post(f"/admin/credentials/{elm['id']}/status", headers=admin,
                json={"action": "suspend", "reason": "under review"})
    check = status_check(verify_http(client, elm))
    assert (check["status"], check["message"], check["details"]["state"]) == (
        "failed", "suspended", "suspended")
    client.post(f"/admin/credentials/{elm['id']}/status", headers=admin,
                json={"action": "unsuspend", "reason": "cleared"})
    check = status_check(verify_http(client, elm))
    assert (check["status"], check["details"]["state"]) == ("passed", "active")


@pytest.fixture
def remote(svc: Services, https_server: Any) -> tuple[int, dict[str, bytes]]:
    port, cert, routes = https_server
    svc.settings = svc.settings.model_copy(update={"outbound_allow_private": True,
                                                   "outbound_ca_file": Path(cert)})
    return port, routes


def pointed_at(elm: dict, url: str) -> dict[str, Any]:
    """``elm`` naming another status resource (its proof then fails; the status is still
    checked, and said, on its own)."""
    moved = copy.deepcopy(elm)
    moved["credentialStatus"] = {"@value": url, "@type": XSD_ANY_URI}
    return moved


def test_remote_resource_is_read_through_the_guarded_client(
        client: TestClient, api_key: dict, achievement: dict, admin: dict,
        remote: tuple[int, dict[str, bytes]]) -> None:
    port, routes = remote
    elm = award(client, api_key, achievement["id"])["elm"]
    url = f"https://localhost:{port}/status/active"
    routes["/status/active"] = client.get(resource_path(elm)).content
    check = status_check(verify_http(client, pointed_at(elm, url)))
    assert (check["status"], check["details"]["state"], check["details"]["resource"]) == (
        "passed", "active", url)
    # A host that says "active" cannot hide a revocation: the entry it names is read too.
    client.post(f"/admin/credentials/{elm['id']}/status", headers=admin,
                json={"action": "revoke", "reason": "issued in error"})
    url = f"https://localhost:{port}/status/stale"
    routes["/status/stale"] = routes["/status/active"]
    check = status_check(verify_http(client, pointed_at(elm, url)))
    assert (check["status"], check["message"], check["details"]["state"]) == (
        "failed", "revoked", "revoked")
    assert [e["set"] for e in check["details"]["entries"]] == [False, True]


@pytest.mark.parametrize(("path", "body", "said"), [
    ("/status/not-json", b"<html>gone</html>", "is not a JSON object"),
    ("/status/array", b"[]", "is not a JSON object"),
    ("/status/no-status", None, "names no status (active, suspended or revoked)"),
    ("/status/other", None, "is about another credential"),
    ("/status/missing", None, "could not be fetched"),
])
def test_unusable_remote_resource_is_a_failed_status_check(
        client: TestClient, api_key: dict, achievement: dict,
        remote: tuple[int, dict[str, bytes]], path: str, body: bytes | None, said: str) -> None:
    port, routes = remote
    elm = award(client, api_key, achievement["id"])["elm"]
    if path == "/status/no-status":
        body = json.dumps({"credential": elm["id"], "status": "fine"}).encode()
    if path == "/status/other":
        body = json.dumps({"credential": "urn:uuid:someone-else", "status": "active"}).encode()
    if body is not None:
        routes[path] = body
    url = f"https://localhost:{port}{path}"
    response = verify_http(client, pointed_at(elm, url))
    assert response.status_code == 422  # not verified (its proof fails too), never a 5xx
    check = status_check(response)
    assert (check["status"], check["details"]["state"]) == ("failed", "unknown")
    assert check["message"].startswith(f"status could not be checked: status resource {url} ")
    assert said in check["message"]


def test_unreachable_and_unknown_resources_are_failed_status_checks(
        client: TestClient, api_key: dict, achievement: dict,
        remote: tuple[int, dict[str, bytes]]) -> None:
    elm = award(client, api_key, achievement["id"])["elm"]
    for url, said in (("https://127.0.0.1:1/status", "could not be fetched"),
                      (f"{BASE}/credentials/urn:uuid:nobody/status", "does not exist")):
        response = verify_http(client, pointed_at(elm, url))
        assert response.status_code == 422
        check = status_check(response)
        assert (check["status"], check["details"]["state"]) == ("failed", "unknown")
        assert f"status resource {url} {said}" in check["message"]
