"""The upload API: an achievement's badge image (issuer API key) and an issuer's logo (admin),
refusals as problem+json with stable types, and the public image addresses."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from PIL import Image

from app.images.router import IMAGE_POLICY
from tests import samples
from tests.images import pictures

PROBLEM = "urn:mcred:problem:"


def _put(client: TestClient, path: str, data: bytes, media_type: str,
         headers: dict[str, str]) -> object:
    return client.put(path, content=data, headers={**headers, "Content-Type": media_type})


def test_a_png_badge_image_is_stored_and_served_with_strict_headers(
        client: TestClient, api_key: dict, achievement: dict) -> None:
    upload = pictures.png(text={"Comment": "hidden payload"})
    response = _put(client, f"/achievements/{achievement['id']}/image", upload, "image/png",
                    api_key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mediaType"] == "image/png" and (body["width"], body["height"]) == (96, 64)
    assert body["url"] == f"https://mcred.test/images/{body['id']}.png"
    served = client.get(urlsplit(body["url"]).path)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-security-policy"] == IMAGE_POLICY
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in served.headers["cache-control"]
    assert len(served.content) == body["bytes"] and b"hidden payload" not in served.content
    assert Image.open(io.BytesIO(served.content)).tobytes() == pictures.drawing().tobytes()
    assert client.get(f"/achievements/{achievement['id']}").json()["image"] == body["url"]


def test_an_svg_badge_image_is_served_sanitised_as_svg_in_a_sandbox(
        client: TestClient, api_key: dict, achievement: dict) -> None:
    response = _put(client, f"/achievements/{achievement['id']}/image",
                    pictures.HOSTILE_SVG.encode(), "image/svg+xml", api_key)
    assert response.status_code == 200, response.text
    assert "<script>" in response.json()["removed"]
    served = client.get(urlsplit(response.json()["url"]).path)
    assert served.headers["content-type"] == "image/svg+xml"
    assert "sandbox" in served.headers["content-security-policy"]
    assert "script-src" not in served.headers["content-security-policy"]  # default-src 'none'
    assert b'id="art"' in served.content
    for banned in (b"<script", b"onload", b"foreignObject", b"evil.example"):
        assert banned not in served.content


def _problem(response: object, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["type"] == PROBLEM + slug
    return body


def test_refusals_are_problems_with_stable_types(client: TestClient, api_key: dict,
                                                 achievement: dict) -> None:
    path = f"/achievements/{achievement['id']}/image"
    assert _problem(_put(client, path, pictures.png(), "image/gif", api_key), 415,
                    "unsupported-image-type")["code"] == "content-type"
    assert _problem(_put(client, path, b"<html><script>x</script></html>", "image/svg+xml",
                         api_key), 415, "unsupported-image-type")["code"] == "not-png-or-svg"
    assert _problem(_put(client, path, b"\xff\xd8\xff\xe0JFIF", "image/png", api_key), 415,
                    "unsupported-image-type")["code"] == "not-png-or-svg"
    assert _problem(_put(client, path, pictures.png_bomb(), "image/png", api_key), 422,
                    "invalid-image")["code"] == "too-many-pixels"
    assert _problem(_put(client, path, pictures.animated_png(), "image/png", api_key), 422,
                    "invalid-image")["code"] == "animated"
    assert _problem(_put(client, path, pictures.BILLION_LAUGHS.encode(), "image/svg+xml",
                         api_key), 422, "invalid-image")["code"] == "svg-dtd"
    oversize = b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * (512 * 1024) + b"</svg>"
    assert _problem(_put(client, path, oversize, "image/svg+xml", api_key), 413,
                    "image-too-large")["limit"] == 512 * 1024
    assert client.get(f"/achievements/{achievement['id']}").json()["image"] is None


def test_the_size_limit_is_a_setting(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from app.main import build_services, create_app
    from tests.conftest import ADMIN_TOKEN, ISSUER_BODY, make_settings

    svc = build_services(make_settings(database_url, tmp_path / "keys", max_image_bytes=1000))
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with TestClient(create_app(svc=svc), raise_server_exceptions=False) as client:
        client.post("/admin/issuers", json=ISSUER_BODY, headers=admin)
        small = pictures.png(pictures.drawing((8, 8)))
        assert len(small) < 1000
        assert _put(client, "/admin/issuers/uni-tartu/logo", small, "image/png",
                    admin).status_code == 200
        big = pictures.png(pictures.drawing((300, 300)))
        _problem(_put(client, "/admin/issuers/uni-tartu/logo", big, "image/png", admin), 413,
                 "image-too-large")
    svc.db.dispose()


def test_only_the_achievements_issuer_may_set_its_image(client: TestClient, admin: dict,
                                                        api_key: dict, achievement: dict) -> None:
    path = f"/achievements/{achievement['id']}/image"
    _problem(_put(client, path, pictures.png(), "image/png", {}), 401, "unauthenticated")
    other = client.post("/admin/issuers", headers=admin, json={
        "slug": "other-uni", "legal_name": "Other University", "country": "LV",
        "url": "https://other.example", "email": "r@other.example", "org_type": "hei"})
    assert other.status_code == 201
    key = client.post("/admin/issuers/other-uni/api-keys", headers=admin).json()["apiKey"]
    _problem(_put(client, path, pictures.png(), "image/png", {"Authorization": f"Bearer {key}"}),
             404, "not-found")
    _problem(_put(client, "/achievements/nope/image", pictures.png(), "image/png", api_key),
             404, "not-found")


def test_the_logo_is_set_by_the_admin_and_shown_on_the_issuer(client: TestClient, admin: dict,
                                                              api_key: dict, issuer: dict) -> None:
    _problem(_put(client, "/admin/issuers/uni-tartu/logo", pictures.png(), "image/png",
                  api_key), 403, "forbidden")
    response = _put(client, "/admin/issuers/uni-tartu/logo", pictures.SIMPLE_SVG.encode(),
                    "image/svg+xml", admin)
    assert response.status_code == 200, response.text
    assert client.get("/admin/issuers/uni-tartu", headers=admin).json()["logo"] == \
        response.json()["url"]
    assert client.delete("/admin/issuers/uni-tartu/logo", headers=admin).status_code == 204
    assert client.get("/admin/issuers/uni-tartu", headers=admin).json()["logo"] is None
    _problem(client.delete("/admin/issuers/uni-tartu/logo", headers=admin), 404, "not-found")


def test_a_replaced_image_stays_served_for_the_credentials_that_name_it(
        client: TestClient, api_key: dict, achievement: dict) -> None:
    path = f"/achievements/{achievement['id']}/image"
    first = _put(client, path, pictures.png(), "image/png", api_key).json()
    issued = client.post("/credentials/issue", json=samples.award_body(achievement["id"]),
                         headers=api_key).json()
    image = issued["credentials"]["ob3"]["credentialSubject"]["achievement"]["image"]
    assert image["id"] == first["url"]
    second = _put(client, path, pictures.SIMPLE_SVG.encode(), "image/svg+xml", api_key).json()
    assert second["url"] != first["url"]
    assert client.get(urlsplit(first["url"]).path).status_code == 200
    assert client.get(f"/achievements/{achievement['id']}").json()["image"] == second["url"]
    assert client.delete(path, headers=api_key).status_code == 204
    later = client.post("/credentials/issue", json=samples.award_body(
        achievement["id"], learner={"name": "Jaan Tamm", "email": "jaan@example.ee"}),
        headers=api_key).json()
    assert "image" not in later["credentials"]["ob3"]["credentialSubject"]["achievement"]
    assert client.get(urlsplit(second["url"]).path).status_code == 200


def test_unknown_image_names_are_404(client: TestClient) -> None:
    for name in ("0" * 32 + ".png", "x.png", "../etc/passwd", "0" * 32 + ".gif"):
        assert client.get(f"/images/{name}").status_code == 404


def test_only_our_own_stored_images_are_resolved_from_a_credential(
        client: TestClient, svc, api_key: dict, achievement: dict) -> None:  # type: ignore[no-untyped-def]
    from app.images import service

    url = _put(client, f"/achievements/{achievement['id']}/image", pictures.png(), "image/png",
               api_key).json()["url"]
    with svc.db.session(read_only=True) as session:
        base = svc.settings.public_base_url
        assert service.from_url(session, base, url).media_type == "image/png"
        assert service.from_url(session, base, {"id": url, "type": "Image"}) is not None
        for other in (url.replace("https://mcred.test", "https://evil.example"),
                      url.replace(".png", ".svg"), url.replace("/images/", "/c/"),
                      f"{base}/images/{'0' * 32}.png", None, 42, ["x"], {"id": None}):
            assert service.from_url(session, base, other) is None, other
