"""Fixtures the page tests share."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.samples import award_body
from tests.verify.test_pipeline import UT, trust


@pytest.fixture
def issued(client: TestClient, api_key: dict, achievement: dict, admin: dict,
           issuer: dict) -> dict[str, Any]:
    """The issue answer for one award of a trusted issuer (credentials and share links)."""
    trust(client, admin, UT, "University of Tartu", "EE")
    return client.post("/credentials/issue", json=award_body(achievement["id"]),
                       headers=api_key).json()
