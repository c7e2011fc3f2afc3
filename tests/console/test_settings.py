"""The issuer settings page: the public details, validated field by field as the API
validates them; the fixed identifier, explained; the logo upload; admins only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services
from tests.console.conftest import csrf_on, open_browser, sign_in
from tests.images.pictures import png, png_bomb

SETTINGS = "/console/uni-tartu/settings"
GOOD = {"legal_name": "Tartu Ülikool", "country": "ee", "url": "https://www.ut.ee",
        "email": "info@ut.ee", "org_type": "hei"}


def save(browser: TestClient, **fields: str) -> object:
    token = csrf_on(browser.get(SETTINGS).text)
    return browser.post(SETTINGS, data={"csrf": token, **GOOD, **fields},
                        follow_redirects=False)


def test_page_shows_the_details_and_why_the_identifier_is_fixed(registrar: TestClient) -> None:
    page = registrar.get(SETTINGS)
    assert page.status_code == 200
    assert 'value="University of Tartu"' in page.text and 'value="EE"' in page.text
    assert 'data-testid="did">did:web:mcred.test:issuers:uni-tartu<' in page.text
    assert "cannot be changed" in page.text
    assert 'name="slug"' not in page.text
    assert 'maxlength="2" autocomplete="off"' in page.text  # the form's own attributes
    assert 'href="/console/uni-tartu/settings/email"' in page.text
    assert 'href="/console/uni-tartu/settings/sso"' in page.text


def test_saved_details_are_the_issuers_and_audited(registrar: TestClient, client: TestClient,
                                                   admin: dict, svc: Services) -> None:
    saved = save(registrar)
    assert saved.status_code == 303 and saved.headers["location"] == SETTINGS + "?done=details"
    out = client.get("/admin/issuers/uni-tartu", headers=admin).json()
    assert (out["legalName"], out["country"], out["url"], out["email"]) == \
        ("Tartu Ülikool", "EE", "https://www.ut.ee/", "info@ut.ee")
    assert 'data-testid="done"' in registrar.get(saved.headers["location"]).text
    with svc.db.session(read_only=True) as session:
        event = session.scalars(select(AuditEvent)
                                .where(AuditEvent.action == "issuer.update")).one()
    assert event.actor == "staff:registrar@ut.ee" and event.issuer_id is not None
    assert event.detail["changed"]["legal_name"] == ["University of Tartu", "Tartu Ülikool"]
    assert "email" in event.detail["changed"]  # registrar@ut.ee -> info@ut.ee


@pytest.mark.parametrize(("field", "value"), [
    ("legal_name", "U"), ("legal_name", "Uni\u202eversity"), ("country", "XX"),
    ("url", "ftp://ut.ee"), ("email", "not an address"), ("org_type", "school")])
def test_each_field_says_what_is_wrong_with_it(registrar: TestClient, client: TestClient,
                                               admin: dict, field: str, value: str) -> None:
    refused = save(registrar, **{field: value})
    assert refused.status_code == 422
    assert refused.text.count('class="field-error"') == 1
    assert f'data-testid="error-{field}"' in refused.text
    if field != "org_type":
        assert f'value="{value}"' in refused.text  # what was typed, shown again
    assert 'value="Tartu Ülikool"' in refused.text or field == "legal_name"
    assert client.get("/admin/issuers/uni-tartu", headers=admin).json()["legalName"] == \
        "University of Tartu"  # nothing saved


def test_several_wrong_fields_get_one_message_each(registrar: TestClient) -> None:
    refused = save(registrar, country="", email="", url="")
    assert refused.status_code == 422
    for field in ("country", "email", "url"):
        assert refused.text.count(f'data-testid="error-{field}"') == 1


def test_logo_upload_is_used_for_new_credentials(registrar: TestClient, client: TestClient,
                                                 admin: dict) -> None:
    token = csrf_on(registrar.get(SETTINGS).text)
    uploaded = registrar.post(SETTINGS + "/logo", data={"csrf": token},
                              files={"logo": ("logo.png", png(), "image/png")},
                              follow_redirects=False)
    assert uploaded.status_code == 303
    logo = client.get("/admin/issuers/uni-tartu", headers=admin).json()["logo"]
    assert logo and logo.endswith(".png")
    page = registrar.get(SETTINGS).text
    assert f'src="{logo}"' in page
    token = csrf_on(page)
    removed = registrar.post(SETTINGS + "/logo/remove", data={"csrf": token},
                             follow_redirects=False)
    assert removed.status_code == 303
    assert client.get("/admin/issuers/uni-tartu", headers=admin).json()["logo"] is None


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("logo.png", b"just text", "image/png"), ("logo.png", png_bomb(), "image/png"),
    ("logo.svg", png(), "image/svg+xml"), ("", b"", "application/octet-stream")])
def test_a_bad_logo_is_refused_on_the_page(registrar: TestClient, client: TestClient,
                                           admin: dict, name: str, data: bytes,
                                           kind: str) -> None:
    token = csrf_on(registrar.get(SETTINGS).text)
    refused = registrar.post(SETTINGS + "/logo", data={"csrf": token},
                             files={"logo": (name, data, kind)}, follow_redirects=False)
    assert refused.status_code == 422
    assert 'data-testid="error-logo"' in refused.text
    assert client.get("/admin/issuers/uni-tartu", headers=admin).json()["logo"] is None


def test_logo_upload_needs_the_forms_token(registrar: TestClient) -> None:
    refused = registrar.post(SETTINGS + "/logo", data={"csrf": "forged"},
                             files={"logo": ("logo.png", png(), "image/png")},
                             follow_redirects=False)
    assert refused.status_code == 403


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_settings_are_for_admins_only(svc: Services, issuer: dict, role: str,
                                      make_staff: Callable[..., None]) -> None:
    make_staff(f"{role}@ut.ee", "uni-tartu", role)
    with open_browser(svc) as browser:
        assert sign_in(browser, f"{role}@ut.ee").status_code == 303
        assert browser.get(SETTINGS).status_code == 403
        token = csrf_on(browser.get("/console/uni-tartu").text)
        assert browser.post(SETTINGS, data={"csrf": token, **GOOD},
                            follow_redirects=False).status_code == 403
