"""Migration 0010 (one share link per award) on a database with links handed out before it:
both of an award's old links keep working, and so do their manage keys; a link the learner
turned off stays off; a credential without an award keeps its link. SQLite, or PostgreSQL
when MCRED_DATABASE_URL points at a server."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app import migrate
from app.credentials.sharing import manage_key
from app.main import build_services, create_app
from tests.conftest import ADMIN_TOKEN, ISSUER_BODY, KEY_SECRET, make_settings
from tests.credentials.test_vcapi import MINIMAL
from tests.samples import FULL_SPEC, award_body

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
HTML = {"Accept": "text/html"}
# Tokens as the code before 0010 wrote them, one per credential (secrets.token_urlsafe(24)).
OLD = {"ob3": "oldOb3TokenAAAAAAAAAAAAAAAAAAAAA", "elm": "oldElmTokenAAAAAAAAAAAAAAAAAAAAA",
       "off-ob3": "offOb3TokenAAAAAAAAAAAAAAAAAAAAA", "off-elm": "offElmTokenAAAAAAAAAAAAAAAAAAAA",
       "vc": "oldVcTokenAAAAAAAAAAAAAAAAAAAAAA"}


@pytest.fixture
def fresh_url(scratch_dbs) -> str:  # type: ignore[no-untyped-def]
    return scratch_dbs.new()


@contextmanager
def _client(url: str, keys: Path) -> Iterator[TestClient]:
    svc = build_services(make_settings(url, keys))
    try:
        with TestClient(create_app(svc=svc), raise_server_exceptions=False) as client:
            yield client
    finally:
        svc.db.dispose()


def _issue(client: TestClient) -> dict[str, Any]:
    """Two awards and a VC-API credential, signed for real, at the current schema."""
    assert client.post("/admin/issuers", json=ISSUER_BODY, headers=ADMIN).status_code == 201
    key = {"Authorization": "Bearer " + client.post("/admin/issuers/uni-tartu/api-keys",
                                                    headers=ADMIN).json()["apiKey"]}
    achievement = client.post("/achievements", json=FULL_SPEC, headers=key).json()["id"]
    shared = client.post("/credentials/issue", json=award_body(achievement), headers=key)
    other = client.post("/credentials/issue", headers=key, json=award_body(
        achievement, learner={"name": "Jaan Tamm", "email": "jaan.tamm@example.ee"}))
    vc = client.post("/credentials/issue", json={"credential": copy.deepcopy(MINIMAL)},
                     headers=key)
    assert {shared.status_code, other.status_code, vc.status_code} == {201}, vc.text
    return {"key": key, "achievement": achievement,
            "shared": shared.json()["credentials"], "off": other.json()["credentials"],
            "vc": vc.json()["verifiableCredential"]}


def _as_before_0010(url: str, issued: dict[str, Any]) -> None:
    """Downgrade to 0009 and give every credential the token it had then; the second
    award's learner had turned sharing off (both renderings, as that code did)."""
    migrate.downgrade(url, "0009")
    engine = create_engine(url)
    tokens = [(issued["shared"]["ob3"]["id"], OLD["ob3"], True),
              (issued["shared"]["elm"]["id"], OLD["elm"], True),
              (issued["off"]["ob3"]["id"], OLD["off-ob3"], False),
              (issued["off"]["elm"]["id"], OLD["off-elm"], False),
              (issued["vc"]["id"], OLD["vc"], True)]
    try:
        with engine.begin() as conn:
            for credential_id, token, enabled in tokens:
                done = conn.execute(text("UPDATE credentials SET share_token = :t, "
                                         "share_enabled = :e WHERE id = :id"),
                                    {"t": token, "e": enabled, "id": credential_id})
                assert done.rowcount == 1
    finally:
        engine.dispose()


def test_links_handed_out_before_0010_keep_working(fresh_url: str, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    migrate.upgrade(fresh_url)
    with _client(fresh_url, keys) as client:
        issued = _issue(client)
    _as_before_0010(fresh_url, issued)
    migrate.upgrade(fresh_url)
    assert migrate.schema_is_current(fresh_url)
    ob3, elm = issued["shared"]["ob3"], issued["shared"]["elm"]

    with _client(fresh_url, keys) as client:
        # the OBv3 link is now the award's link: its page offers both renderings
        page = client.get(f"/c/{OLD['ob3']}", headers=HTML)
        assert page.status_code == 200 and "pill passed" in page.text
        assert f'href="https://mcred.test/c/{OLD["ob3"]}/elm.json"' in page.text
        assert json.loads(client.get(f"/c/{OLD['ob3']}/elm.json").content) == elm
        assert json.loads(client.get(f"/c/{OLD['ob3']}/credential.json").content) == ob3
        # the ELM link leads there, to the ELM rendering where it served a document
        for path, accept, target in (
                ("", "text/html", ""), ("", "application/ld+json", "/elm.json"),
                ("/credential.json", "*/*", "/elm.json"), ("/badge.png", "*/*", "/badge.png"),
                ("?lang=de", "text/html", "?lang=de")):
            moved = client.get(f"/c/{OLD['elm']}{path}", headers={"Accept": accept},
                               follow_redirects=False)
            assert moved.status_code == 308, path
            assert moved.headers["location"] == f"/c/{OLD['ob3']}{target}", path
        followed = client.get(f"/c/{OLD['elm']}", headers={"Accept": "application/ld+json"})
        assert json.loads(followed.content) == elm
        verified = client.get("/verify", params={"url": f"https://mcred.test/c/{OLD['elm']}"})
        assert verified.json()["report"]["credential"]["id"] == elm["id"]
        # the repeated award answers with the award's (old OBv3) link and its manage key
        again = client.post("/credentials/issue", json=award_body(issued["achievement"]),
                            headers=issued["key"]).json()
        assert again["shareLink"] == {"url": f"https://mcred.test/c/{OLD['ob3']}",
                                      "manageKey": manage_key(KEY_SECRET, OLD["ob3"])}
        # both old manage keys still work, each through its own old link
        for token in (OLD["elm"], OLD["ob3"]):
            change = client.post(f"/c/{token}/sharing", json={
                "searchEngines": True, "manageKey": manage_key(KEY_SECRET, token)})
            assert change.status_code == 200, token
            assert change.json()["shareLink"] == f"https://mcred.test/c/{OLD['ob3']}"
        assert "x-robots-tag" not in client.get(f"/c/{OLD['ob3']}", headers=HTML).headers
        off = client.post(f"/c/{OLD['elm']}/sharing", json={
            "enabled": False, "manageKey": manage_key(KEY_SECRET, OLD["elm"])})
        assert off.json()["enabled"] is False
        assert client.get(f"/c/{OLD['ob3']}", headers=HTML).status_code == 404
        assert client.get(f"/credentials/{elm['id']}").status_code == 404

        # the award whose learner had turned sharing off: still off, by link and by id
        for token in (OLD["off-ob3"], OLD["off-elm"]):
            assert client.get(f"/c/{token}", headers=HTML).status_code == 404, token
        assert client.get(f"/credentials/{issued['off']['ob3']['id']}").status_code == 404
        on = client.post(f"/c/{OLD['off-ob3']}/sharing", json={
            "enabled": True, "manageKey": manage_key(KEY_SECRET, OLD["off-ob3"])})
        assert on.status_code == 200
        assert client.get(f"/credentials/{issued['off']['elm']['id']}").status_code == 200

        # a credential issued without an award keeps its own link
        vc = client.get(f"/c/{OLD['vc']}", headers={"Accept": "application/ld+json"})
        assert json.loads(vc.content) == issued["vc"]


def test_downgrade_gives_each_credential_its_token_back(fresh_url: str,
                                                        tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    migrate.upgrade(fresh_url)
    with _client(fresh_url, keys) as client:
        issued = _issue(client)
    _as_before_0010(fresh_url, issued)
    migrate.upgrade(fresh_url)
    migrate.downgrade(fresh_url, "0009")
    engine = create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, share_token FROM credentials")).all())
    finally:
        engine.dispose()
    assert rows == {issued["shared"]["ob3"]["id"]: OLD["ob3"],
                    issued["shared"]["elm"]["id"]: OLD["elm"],
                    issued["off"]["ob3"]["id"]: OLD["off-ob3"],
                    issued["off"]["elm"]["id"]: OLD["off-elm"],
                    issued["vc"]["id"]: OLD["vc"]}
