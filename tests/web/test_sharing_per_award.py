"""The learner's sharing switch is about the award: every rendering follows it."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.samples import award_body


def test_turning_off_one_link_turns_off_every_rendering(client: TestClient, api_key: dict,
                                                        achievement: dict) -> None:
    body = client.post("/credentials/issue", json=award_body(achievement["id"]),
                       headers=api_key).json()
    links = body["shareLinks"]
    paths = {p: urlsplit(links[p]["url"]).path for p in ("ob3", "elm")}
    ids = {p: body["credentials"][p]["id"] for p in ("ob3", "elm")}
    off = client.post(f"{paths['ob3']}/sharing",
                      json={"enabled": False, "manageKey": links["ob3"]["manageKey"]})
    assert off.status_code == 200
    for profile in ("ob3", "elm"):
        assert client.get(paths[profile]).status_code == 404, profile
        assert client.get(f"/credentials/{ids[profile]}").status_code == 404, profile
    # and back on, from the other rendering's link
    on = client.post(f"{paths['elm']}/sharing",
                     json={"enabled": True, "manageKey": links["elm"]["manageKey"]})
    assert on.status_code == 200
    for profile in ("ob3", "elm"):
        assert client.get(f"/credentials/{ids[profile]}").status_code == 200, profile
