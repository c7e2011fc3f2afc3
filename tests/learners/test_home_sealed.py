"""The learner home offers the sealed Europass file where the issuer had an e-seal
(tests/seals/test_sealing.py covers the seal itself)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.learners.conftest import LEARNER, issue
from tests.seals import pki as test_pki
from tests.seals.test_sealing import eseal_cert, p12, upload

SignIn = Callable[[TestClient, str], None]


def test_the_sealed_europass_file_is_offered_and_downloads(
        browser: TestClient, client: TestClient, api_key: dict, achievement: dict,
        sign_in: SignIn) -> None:
    unsealed = issue(client, api_key, achievement)
    assert upload(client, p12(eseal_cert(test_pki.Pki.make()))).status_code == 201
    sealed = issue(client, api_key, achievement, awardedOn="2026-07-01")
    sign_in(browser, LEARNER)
    home = browser.get("/me").text
    assert f'/me/awards/{sealed["awardId"]}/elm-sealed.json' in home
    assert f'/me/awards/{unsealed["awardId"]}/elm-sealed.json' not in home
    download = browser.get(f'/me/awards/{sealed["awardId"]}/elm-sealed.json')
    assert download.status_code == 200
    assert download.headers["content-disposition"] == \
        'attachment; filename="credential-elm-sealed.json"'
    assert download.json() == sealed["credentials"]["elm-sealed"]
    assert browser.get(f'/me/awards/{unsealed["awardId"]}/elm-sealed.json').status_code == 404
