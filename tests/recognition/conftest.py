"""Fixtures: the seeds' two targets (Hank's course, Betty's programme) and a second issuer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

# the console's fixtures (a signed-in browser, staff accounts), for the page tests
from tests.console.conftest import browser, make_staff, registrar  # noqa: F401

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text("utf-8"))


@pytest.fixture
def hank() -> dict[str, Any]:
    """Hank asks exemption from the course 'Nutrition and health' (bachelor in health sciences)."""
    return load("hank_nutrition_and_health.json")


@pytest.fixture
def betty() -> dict[str, Any]:
    """Betty applies for the master in sustainable food systems."""
    return load("betty_sustainable_food_systems.json")


@pytest.fixture
def other_key(client: TestClient, admin: dict[str, str], api_key: dict[str, str],
              ) -> dict[str, str]:
    body = {"slug": "uni-gent", "legal_name": "Ghent University", "country": "BE",
            "url": "https://ugent.be", "email": "registrar@ugent.be", "org_type": "hei"}
    assert client.post("/admin/issuers", json=body, headers=admin).status_code == 201
    token = client.post("/admin/issuers/uni-gent/api-keys", headers=admin).json()["apiKey"]
    return {"Authorization": f"Bearer {token}"}
