"""GET /achievements: the key's issuer's definitions (current versions), searchable, paged —
it used to answer 405."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_TOKEN, ISSUER_BODY
from tests.samples import FULL_SPEC


def test_the_issuer_lists_its_achievements(client: TestClient, api_key: dict[str, str],
                                           achievement: dict[str, Any]) -> None:
    other = client.post("/achievements", headers=api_key,
                        json={**FULL_SPEC, "title": "Statistics for Officials"}).json()
    listed = client.get("/achievements", headers=api_key)
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 2 and body["pages"] == 1
    assert {row["id"] for row in body["achievements"]} == {achievement["id"], other["id"]}
    first = next(row for row in body["achievements"] if row["id"] == other["id"])
    assert first == {"id": other["id"], "url": other["url"], "title": "Statistics for Officials",
                     "version": 1, "status": "active", "awards": 0}
    found = client.get("/achievements", params={"q": "statistics"}, headers=api_key).json()
    assert [row["id"] for row in found["achievements"]] == [other["id"]]
    assert client.get("/achievements", params={"state": "retired"},
                      headers=api_key).json()["total"] == 0


def test_another_issuer_sees_only_its_own(client: TestClient, api_key: dict[str, str],
                                          achievement: dict[str, Any]) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    client.post("/admin/issuers", headers=admin, json={**ISSUER_BODY, "slug": "uni-b"})
    key = client.post("/admin/issuers/uni-b/api-keys", headers=admin).json()["apiKey"]
    theirs = client.get("/achievements", headers={"Authorization": f"Bearer {key}"}).json()
    assert theirs["total"] == 0 and theirs["achievements"] == []


def test_the_list_needs_a_key_and_sane_parameters(client: TestClient,
                                                  api_key: dict[str, str]) -> None:
    assert client.get("/achievements").status_code == 401
    assert client.get("/achievements", params={"state": "gone"},
                      headers=api_key).status_code == 422
    assert client.get("/achievements", params={"page": "0"}, headers=api_key).status_code == 422
