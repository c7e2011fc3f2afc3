"""Share links and pages over HTTP (no browser): negotiation, downloads, QR, on/off, languages."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.web import baking


def test_json_ld_clients_get_the_signed_bytes(client: TestClient, shared: dict) -> None:
    for accept in ("application/ld+json", "application/vc+ld+json"):
        response = client.get(shared["path"], headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/vc+ld+json"
        assert response.content == client.get(f"/credentials/{shared['credential']['id']}").content


def test_browser_gets_the_page(client: TestClient, shared: dict) -> None:
    response = client.get(shared["path"], headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    html = response.text
    for text in ("Data Literacy for Public Administration", "Mari Maasikas",
                 "University of Tartu", "3 ECTS credits (75 hours)", "EQF level 6",
                 "Evaluate the quality of a public dataset", "Basic spreadsheet skills",
                 '<span class="pill passed">Verified</span>', "Recognisable",
                 "national framework level (c_c392e7a2)",  # not a bare QDR URI
                 # where each element was read, by meaning (IRIs, not JSON keys)
                 "<code>cred:credentialSubject /<wbr> ob:achievement /<wbr> schema:name</code>"):
        assert text in html, text
    assert 'href="https://' not in html.split("linkedin.com")[0].split("<body>")[0]  # no CDN
    assert "/static/mcred.css" in html


def test_downloads_and_qr(client: TestClient, shared: dict) -> None:
    credential = json.loads(client.get(f"{shared['path']}/credential.json").content)
    assert credential == shared["credential"]
    png = client.get(f"{shared['path']}/badge.png")
    assert png.headers["content-type"] == "image/png"
    assert json.loads(baking.extract(png.content)) == shared["credential"]
    svg = client.get(f"{shared['path']}/badge.svg")
    assert json.loads(baking.extract(svg.content)) == shared["credential"]
    qr = client.get(f"{shared['path']}/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml" and b"<svg" in qr.content


def test_linkedin_link_is_filled(client: TestClient, shared: dict) -> None:
    html = client.get(shared["path"], headers={"Accept": "text/html"}).text
    href = html.split('data-testid="linkedin"')[0].rsplit('href="', 1)[1].split('"')[0]
    query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
    assert query["name"] == ["Data Literacy for Public Administration"]
    assert query["organizationName"] == ["University of Tartu"]
    assert query["issueYear"] == ["2026"] and query["issueMonth"] == ["6"]
    assert query["certUrl"][0].endswith(shared["path"])


def test_learner_turns_the_link_off_and_on(client: TestClient, shared: dict,
                                           api_key: dict, admin: dict) -> None:
    path = shared["path"]
    by_id = f"/credentials/{shared['credential']['id']}"
    for wrong_key in ("0" * 32, "ключ-не-тот"):  # non-ASCII too: a 403, never a 500
        wrong = client.post(f"{path}/sharing", json={"enabled": False, "manageKey": wrong_key})
        assert wrong.status_code == 403
    off = client.post(f"{path}/sharing", json={"enabled": False,
                                               "manageKey": shared["manageKey"]})
    assert off.json()["enabled"] is False
    assert client.get(path).status_code == 404
    assert client.get(f"{path}/credential.json").status_code == 404
    # off means off by id too, except for the institution that issued it
    assert client.get(by_id).status_code == 404
    assert client.get(by_id, headers=api_key).json() == shared["credential"]
    other = {"slug": "uni-x", "legal_name": "Uni X", "country": "FR", "url": "https://x.fr",
             "email": "a@x.fr"}
    client.post("/admin/issuers", json=other, headers=admin)
    token = client.post("/admin/issuers/uni-x/api-keys", headers=admin).json()["apiKey"]
    assert client.get(by_id, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    client.post(f"{path}/sharing", json={"enabled": True, "manageKey": shared["manageKey"]})
    assert client.get(path, headers={"Accept": "application/ld+json"}).status_code == 200
    assert client.get(by_id).status_code == 200


def test_unknown_token_is_404(client: TestClient) -> None:
    assert client.get("/c/not-a-token").status_code == 404


def test_german_by_accept_language(client: TestClient, shared: dict) -> None:
    response = client.get(shared["path"], headers={"Accept": "text/html",
                                                   "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert response.headers["content-language"] == "de"
    assert '<html lang="de">' in response.text
    assert "Verifiziert" in response.text and "Lernergebnisse" in response.text
    french = client.get(shared["path"], headers={"Accept": "text/html",
                                                 "Accept-Language": "fr, en;q=0.8"})
    assert '<html lang="fr">' in french.text and "Vérifiée" in french.text
    english = client.get(shared["path"], headers={"Accept": "text/html",
                                                  "Accept-Language": "es, en;q=0.8"})
    assert '<html lang="en">' in english.text


def test_verify_page_form_and_upload(client: TestClient, shared: dict) -> None:
    form = client.get("/verify", headers={"Accept": "text/html"})
    assert form.status_code == 200 and 'name="credential"' in form.text
    pasted = client.post("/verify", data={"credential": json.dumps(shared["credential"])},
                         headers={"Accept": "text/html"})
    assert pasted.status_code == 200 and "pill passed" in pasted.text
    tampered = {**shared["credential"], "name": "Forged"}
    bad = client.post("/verify", data={"credential": json.dumps(tampered)},
                      headers={"Accept": "text/html"})
    assert bad.status_code == 422
    assert 'data-check="proof" data-status="failed"' in bad.text
    png = client.get(f"{shared['path']}/badge.png").content
    uploaded = client.post("/verify", files={"file": ("badge.png", png, "image/png")},
                           headers={"Accept": "text/html"})
    assert uploaded.status_code == 200 and "Data Literacy" in uploaded.text
    junk = client.post("/verify", files={"file": ("x.png", b"not an image", "image/png")},
                       headers={"Accept": "text/html"})
    assert junk.status_code == 400 and 'role="alert"' in junk.text


@pytest.mark.parametrize("depth", [100, 5000])
def test_verify_page_refuses_deeply_nested_json(client: TestClient, depth: int) -> None:
    nested = '{"a":' * depth + "1" + "}" * depth
    pasted = client.post("/verify", data={"credential": nested}, headers={"Accept": "text/html"})
    assert pasted.status_code == 400 and "nests deeper than 64 levels" in pasted.text
    uploaded = client.post("/verify", files={"file": ("vc.json", nested.encode(), "text/json")},
                           headers={"Accept": "text/html"})
    assert uploaded.status_code == 400 and "nests deeper than 64 levels" in uploaded.text
