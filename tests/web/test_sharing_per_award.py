"""One share link per award: its page offers both renderings, the learner's switches (on/off,
search engines) are about the award; a credential issued without an award has its own link."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from app.web import baking
from tests.credentials.test_vcapi import MINIMAL, issue
from tests.samples import award_body

HTML = {"Accept": "text/html"}
NOINDEX_META = '<meta name="robots" content="noindex, nofollow">'


def _path(link: dict[str, str]) -> str:
    return urlsplit(link["url"]).path


def _page(client: TestClient, path: str, **headers: str) -> Any:
    response = client.get(path, headers={**HTML, **headers})
    assert response.status_code == 200, response.text
    return response


def test_an_award_has_one_link(client: TestClient, issued: dict) -> None:
    link = issued["shareLink"]
    assert set(link) == {"url", "manageKey"}
    assert link["url"].startswith("https://mcred.test/c/")
    # `shareLinks` (deprecated) names that same link for both renderings
    assert issued["shareLinks"] == {"ob3": link, "elm": link}


def test_repeating_the_award_gives_the_same_link(client: TestClient, api_key: dict,
                                                 achievement: dict, issued: dict) -> None:
    again = client.post("/credentials/issue", json=award_body(achievement["id"]),
                        headers=api_key)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["shareLink"] == issued["shareLink"]


def test_page_offers_both_renderings(client: TestClient, issued: dict) -> None:
    path = _path(issued["shareLink"])
    html = _page(client, path).text
    for testid, href, label in (
            ("download-json", f"{path}/credential.json",
             "Open Badges 3.0 (for badge wallets and LinkedIn), JSON"),
            ("download-elm", f"{path}/elm.json", "Europass / European Learning Model, JSON"),
            ("download-png", f"{path}/badge.png", "Badge image with the credential inside (PNG)"),
            ("download-svg", f"{path}/badge.svg", "Badge with the credential inside (SVG)")):
        anchor = html.split(f'data-testid="{testid}"')[0].rsplit("<a ", 1)[1]
        assert f'href="https://mcred.test{href}"' in anchor, testid
        assert f'data-testid="{testid}">{label}</a>' in html, testid
    # the page shows (and verifies) the OBv3 rendering
    assert 'data-testid="title" lang="en">Data Literacy for Public Administration<' in html
    assert '<span class="pill passed">Verified</span>' in html


def test_downloads_are_the_signed_renderings(client: TestClient, issued: dict) -> None:
    path = _path(issued["shareLink"])
    ob3, elm = issued["credentials"]["ob3"], issued["credentials"]["elm"]
    assert "OpenBadgeCredential" in ob3["type"] and "OpenBadgeCredential" not in elm["type"]
    assert json.loads(client.get(f"{path}/credential.json").content) == ob3
    download = client.get(f"{path}/elm.json")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/ld+json"
    assert download.headers["content-disposition"] == 'attachment; filename="credential-elm.json"'
    assert json.loads(download.content) == elm
    assert download.content == client.get(f"/credentials/{elm['id']}").content  # exact bytes
    # baked badges carry the Open Badges rendering; JSON-LD clients get it too
    assert json.loads(baking.extract(client.get(f"{path}/badge.png").content)) == ob3
    assert json.loads(baking.extract(client.get(f"{path}/badge.svg").content)) == ob3
    negotiated = client.get(path, headers={"Accept": "application/ld+json"})
    assert negotiated.content == client.get(f"/credentials/{ob3['id']}").content


def test_download_labels_in_german(client: TestClient, issued: dict) -> None:
    html = _page(client, _path(issued["shareLink"]), **{"Accept-Language": "de"}).text
    assert ">Open Badges 3.0 (für Badge-Wallets und LinkedIn), JSON</a>" in html
    assert ">Europass / Europäisches Lernmodell (ELM), JSON</a>" in html
    assert ">Badge-Bild mit dem Nachweis darin (PNG)</a>" in html


def test_turning_the_link_off_turns_off_every_rendering(client: TestClient,
                                                        issued: dict) -> None:
    link = issued["shareLink"]
    path = _path(link)
    ids = [issued["credentials"][p]["id"] for p in ("ob3", "elm")]
    off = client.post(f"{path}/sharing", json={"enabled": False, "manageKey": link["manageKey"]})
    assert off.status_code == 200
    assert off.json() == {"shareLink": link["url"], "enabled": False, "searchEngines": False}
    for suffix in ("", "/credential.json", "/elm.json", "/badge.png"):
        assert client.get(f"{path}{suffix}").status_code == 404, suffix
    for credential_id in ids:
        assert client.get(f"/credentials/{credential_id}").status_code == 404
    on = client.post(f"{path}/sharing", json={"enabled": True, "manageKey": link["manageKey"]})
    assert on.json()["enabled"] is True
    for credential_id in ids:
        assert client.get(f"/credentials/{credential_id}").status_code == 200
    assert client.get(f"{path}/elm.json").status_code == 200


def test_search_engines_stay_out_by_default(client: TestClient, issued: dict) -> None:
    page = _page(client, _path(issued["shareLink"]))
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert NOINDEX_META in page.text
    assert "Search engines are asked not to list this page." in page.text


def test_learner_lets_search_engines_in_by_api(client: TestClient, issued: dict) -> None:
    link = issued["shareLink"]
    path = _path(link)
    opened = client.post(f"{path}/sharing", json={"searchEngines": True,
                                                  "manageKey": link["manageKey"]})
    assert opened.status_code == 200
    assert opened.json() == {"shareLink": link["url"], "enabled": True, "searchEngines": True}
    page = _page(client, path)
    assert "x-robots-tag" not in page.headers
    assert 'name="robots"' not in page.text
    assert "Search engines may list this page: the learner allowed it." in page.text
    closed = client.post(f"{path}/sharing", json={"searchEngines": False,
                                                  "manageKey": link["manageKey"]})
    assert closed.json()["searchEngines"] is False
    page = _page(client, path)
    assert page.headers["x-robots-tag"] == "noindex, nofollow" and NOINDEX_META in page.text


def test_sharing_change_needs_the_key_and_something_to_change(client: TestClient,
                                                              issued: dict) -> None:
    link = issued["shareLink"]
    path = _path(link)
    wrong = client.post(f"{path}/sharing", json={"searchEngines": True, "manageKey": "0" * 32})
    assert wrong.status_code == 403
    assert wrong.json()["type"] == "urn:mcred:problem:forbidden"
    empty = client.post(f"{path}/sharing", json={"manageKey": link["manageKey"]})
    assert empty.status_code == 422
    assert "give enabled and/or searchEngines" in empty.text
    assert _page(client, path).headers["x-robots-tag"] == "noindex, nofollow"


def test_learner_lets_search_engines_in_with_the_page_form(client: TestClient,
                                                           issued: dict) -> None:
    link = issued["shareLink"]
    path = _path(link)
    html = _page(client, path).text
    form = html.split('data-testid="search-engines"', 1)[1].split("</details>", 1)[0]
    assert f'action="{link["url"]}/search-engines"' in form
    assert '<input type="hidden" name="allow" value="true">' in form
    assert ">Let search engines list this page</button>" in form
    wrong = client.post(f"{path}/search-engines", headers=HTML,
                        data={"manageKey": "0" * 32, "allow": "true"}, follow_redirects=False)
    assert wrong.status_code == 403 and "<html" in wrong.text  # the site's error page
    saved = client.post(f"{path}/search-engines", data={"manageKey": link["manageKey"],
                                                        "allow": "true"},
                        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == path
    page = _page(client, path)
    assert "x-robots-tag" not in page.headers and 'name="robots"' not in page.text
    assert '<input type="hidden" name="allow" value="false">' in page.text
    assert ">Keep this page out of search engines</button>" in page.text
    client.post(f"{path}/search-engines", data={"manageKey": link["manageKey"],
                                                "allow": "false"})
    assert NOINDEX_META in _page(client, path).text


def test_a_revoked_credential_stays_out_of_search_engines(client: TestClient, issued: dict,
                                                          admin: dict) -> None:
    link = issued["shareLink"]
    path = _path(link)
    client.post(f"{path}/sharing", json={"searchEngines": True, "manageKey": link["manageKey"]})
    revoked = client.post(f"/admin/credentials/{issued['credentials']['ob3']['id']}/status",
                          headers=admin, json={"action": "revoke", "reason": "issued in error"})
    assert revoked.status_code == 200, revoked.text
    page = _page(client, path)
    assert "Revoked on" in page.text
    assert page.headers["x-robots-tag"] == "noindex, nofollow" and NOINDEX_META in page.text
    assert 'data-testid="search-engines"' not in page.text  # nothing to share, no opt-in


def test_verify_by_url_reads_either_rendering_of_our_link(client: TestClient,
                                                          issued: dict) -> None:
    url = issued["shareLink"]["url"]
    for download, credential in (("", issued["credentials"]["ob3"]),
                                 ("/credential.json", issued["credentials"]["ob3"]),
                                 ("/elm.json", issued["credentials"]["elm"])):
        report = client.get("/verify", params={"url": url + download}).json()
        assert report["verified"] is True, download
        assert report["report"]["credential"]["id"] == credential["id"], download


def test_a_credential_without_an_award_keeps_its_own_link(client: TestClient,
                                                          api_key: dict) -> None:
    body = issue(client, api_key, copy.deepcopy(MINIMAL)).json()
    link = body["shareLink"]
    path = _path(link)
    html = _page(client, path).text
    assert 'data-testid="download-json"' in html and 'data-testid="download-elm"' not in html
    assert client.get(f"{path}/elm.json").status_code == 404
    assert json.loads(client.get(f"{path}/credential.json").content) == \
        body["verifiableCredential"]
    opened = client.post(f"{path}/sharing", json={"searchEngines": True,
                                                  "manageKey": link["manageKey"]})
    assert opened.json()["searchEngines"] is True


def test_bulk_report_gives_one_link_per_award(client: TestClient, api_key: dict,
                                              achievement: dict, svc: Any) -> None:
    from tests.credentials.test_bulk import cohort_csv, drain, upload

    job = upload(client, api_key, achievement["id"], cohort_csv(2))
    drain(svc)
    rows = client.get(f"/credentials/bulk/{job['jobId']}/report", headers=api_key).json()["rows"]
    assert [r["state"] for r in rows] == ["issued", "issued"]
    links = [r["shareLink"] for r in rows]
    assert links[0]["url"] != links[1]["url"]
    for row in rows:
        path = _path(row["shareLink"])
        assert json.loads(client.get(f"{path}/elm.json").content)["id"] == \
            row["credentialIds"]["elm"]
        off = client.post(f"{path}/sharing", json={"enabled": False,
                                                   "manageKey": row["shareLink"]["manageKey"]})
        assert off.status_code == 200
        assert client.get(f"/credentials/{row['credentialIds']['ob3']}").status_code == 404


def test_odd_tokens_are_no_link(client: TestClient) -> None:
    """A NUL (which PostgreSQL refuses in a text parameter), a token too long for the column,
    non-ASCII: 404 like any unknown link, never a 500."""
    for token in ("%00", "a" * 65, "%C3%A9", "a%20b"):
        assert client.get(f"/c/{token}", headers=HTML).status_code == 404, token
        assert client.get(f"/c/{token}/elm.json").status_code == 404, token
        assert client.post(f"/c/{token}/sharing", json={
            "enabled": False, "manageKey": "0" * 32}).status_code == 404, token
