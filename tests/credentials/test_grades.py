"""A grade must be on the achievement's grade scale, whichever way the award comes in."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.credentials import batch
from app.credentials.service import Issuing
from app.deps import Services
from app.elements.model import grade_errors
from tests import samples


def test_grade_errors_match_exactly() -> None:
    scale = ["A", "B", "pass"]
    assert grade_errors("A", scale) == [] and grade_errors(None, scale) == []
    assert grade_errors("G", None) == []  # no scale: any grade (up to 50 characters)
    for wrong in ("G", "a", "Pass", "A+"):
        (error,) = grade_errors(wrong, scale)
        assert error["element"] == "grade" and "allowed: A, B, pass" in error["message"]


def test_the_api_refuses_a_grade_off_the_scale(client: TestClient, api_key: dict,
                                               achievement: dict) -> None:
    body = samples.award_body(achievement["id"], grade="G")
    response = client.post("/credentials/issue", json=body, headers=api_key)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:mcred:problem:incomplete-credential"
    assert problem["elements"] == ["grade"]
    assert "A, B, C, D, E, F" in problem["errors"][0]["message"]
    ok = client.post("/credentials/issue", json=samples.award_body(achievement["id"], grade=" C "),
                     headers=api_key)
    assert ok.status_code == 201  # surrounding spaces are stripped before the check


def test_bulk_rows_with_a_grade_off_the_scale_are_rejected(client: TestClient, api_key: dict,
                                                           achievement: dict,
                                                           svc: Services) -> None:
    data = b"name,awarded_on,grade\nA One,2026-06-30,A\nG One,2026-06-30,G\n"
    job = client.post(f"/credentials/bulk?achievementId={achievement['id']}", content=data,
                      headers={**api_key, "Content-Type": "text/csv"}).json()
    batch.run_worker(svc.db, Issuing(svc.keystore, svc.settings.public_base_url),
                     exit_when_idle=True, processes=1)
    report = client.get(f"/credentials/bulk/{job['jobId']}/report", headers=api_key).json()
    assert [row["state"] for row in report["rows"]] == ["issued", "rejected"]
    assert report["rows"][1]["errors"][0]["element"] == "grade"
