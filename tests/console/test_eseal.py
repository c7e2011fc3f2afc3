"""The e-seal on the API keys page: an issuer admin uploads the institution's PKCS#12 e-seal
(file + password), sees its certificate, is told in words why a file is refused, removes it;
staff and viewers may not upload one."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services
from app.issuers.models import IssuerESeal
from tests.console.conftest import csrf_on, open_browser, sign_in
from tests.seals import pki as test_pki
from tests.seals.test_sealing import PASSWORD, eseal_cert, p12

KEYS = "/console/uni-tartu/api-keys"


@pytest.fixture(scope="module")
def pki() -> test_pki.Pki:
    return test_pki.Pki.make()


def send(browser: TestClient, data: bytes, password: str = PASSWORD) -> object:
    token = csrf_on(browser.get(KEYS).text)
    return browser.post(f"{KEYS}/eseal", data={"csrf": token, "password": password},
                        files={"eseal": ("seal.p12", data, "application/x-pkcs12")},
                        follow_redirects=False)


def test_an_admin_uploads_sees_and_removes_the_eseal(registrar: TestClient, svc: Services,
                                                     pki: test_pki.Pki) -> None:
    assert 'data-testid="no-eseal"' in registrar.get(KEYS).text
    sent = send(registrar, p12(eseal_cert(pki)))
    assert sent.status_code == 303 and sent.headers["location"].endswith("?done=eseal#eseal")
    shown = registrar.get(KEYS).text
    certificate = re.search(r'data-testid="eseal-certificate">(.*?)</dl>', shown, re.S)
    assert certificate, shown
    assert "NTREE-74001073" in certificate.group(1)
    assert "University of Tartu" in certificate.group(1)
    assert "mcred Test Root CA" in certificate.group(1) and "ES256" in certificate.group(1)
    assert PASSWORD not in shown
    token = csrf_on(shown)
    removed = registrar.post(f"{KEYS}/eseal/remove", data={"csrf": token},
                             follow_redirects=False)
    assert removed.status_code == 303
    assert 'data-testid="no-eseal"' in registrar.get(KEYS).text
    with svc.db.session(read_only=True) as session:
        assert session.scalars(select(IssuerESeal)).first() is None
        actions = [e.action for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("issuer.eseal%")).order_by(AuditEvent.id))]
        actors = {e.actor for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("issuer.eseal%")))}
    assert actions == ["issuer.eseal-upload", "issuer.eseal-remove"]
    assert actors == {"staff:registrar@ut.ee"}


def test_a_refused_file_is_explained_on_the_form(registrar: TestClient, svc: Services,
                                                 pki: test_pki.Pki) -> None:
    wrong = send(registrar, p12(eseal_cert(pki)), "not the password")
    assert wrong.status_code == 422
    error = re.search(r'data-testid="error-eseal">([^<]*)<', wrong.text)
    assert error and "password does not open this file" in error.group(1)
    assert 'aria-invalid="true"' in wrong.text
    no_file = send(registrar, b"")  # an empty file
    assert no_file.status_code == 422 and "This is not a PKCS#12 file" in no_file.text
    foreign = send(registrar, p12(eseal_cert(pki, org_id="VATBE-0123456789")))
    assert foreign.status_code == 422 and "another country" in foreign.text
    with svc.db.session(read_only=True) as session:
        assert session.scalars(select(IssuerESeal)).first() is None


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_issuer_admins_upload(svc: Services, issuer: dict, role: str,
                                   make_staff: Callable[..., None], pki: test_pki.Pki) -> None:
    make_staff(f"{role}@ut.ee", "uni-tartu", role)
    with open_browser(svc) as browser:
        assert sign_in(browser, f"{role}@ut.ee").status_code == 303
        token = csrf_on(browser.get("/console/uni-tartu").text)
        refused = browser.post(f"{KEYS}/eseal", data={"csrf": token, "password": PASSWORD},
                               files={"eseal": ("s.p12", p12(eseal_cert(pki)),
                                                "application/x-pkcs12")},
                               follow_redirects=False)
        assert refused.status_code == 403
        assert browser.post(f"{KEYS}/eseal/remove", data={"csrf": token},
                            follow_redirects=False).status_code == 403
    with svc.db.session(read_only=True) as session:
        assert session.scalars(select(IssuerESeal)).first() is None
