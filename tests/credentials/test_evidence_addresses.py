"""Evidence addresses go into signed credentials that wallets and verifiers render as links:
only web (or URN) addresses are accepted, never ones a page would run."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.samples import award_body


@pytest.mark.parametrize("address", ["javascript:alert(1)", "data:text/html,<b>x</b>",
                                     "file:///etc/passwd"])
def test_an_address_that_runs_is_refused(client: TestClient, api_key: dict[str, str],
                                         achievement: dict[str, Any], address: str) -> None:
    response = client.post("/credentials/issue", headers=api_key, json=award_body(
        achievement["id"], evidence=[{"id": address, "name": "Project"}]))
    assert response.status_code == 422
    assert "evidence must be an http, https, urn address" in response.text


def test_a_web_address_is_carried(client: TestClient, api_key: dict[str, str],
                                  achievement: dict[str, Any]) -> None:
    response = client.post("/credentials/issue", headers=api_key, json=award_body(
        achievement["id"], evidence=[{"id": "https://portfolio.example/mari", "name": "P"}]))
    assert response.status_code == 201
    evidence = response.json()["credentials"]["ob3"]["evidence"]
    assert evidence[0]["id"] == "https://portfolio.example/mari"
