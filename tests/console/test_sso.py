"""Single sign-on against a real OpenID Provider: panva's oidc-provider (tests/console/
oidc_provider.mjs) on a free 127.0.0.1 port over https. The test's browser follows our
redirect to the OP, fills in its login and consent pages, comes back to our callback and ends
signed in to the console, or is refused with a reason on the sign-in page."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import selectors
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.console import oidc, sso_service
from app.console.models import ConsoleSession, Membership, SsoSettings, StaffUser
from app.deps import Services
from app.issuers.keys import KeyStore, KeyStoreError
from app.issuers.service import get_issuer
from app.outbound import OutboundError, OutboundPolicy, post_form
from tests.conftest import BASE_URL, ISSUER_BODY, _self_signed
from tests.console.conftest import PASSWORD, csrf_on, open_browser, sign_in
from tests.console.conftest import post_form as submit

HERE = Path(__file__).resolve().parent
INTEROP = HERE.parent / "interop"
SETTINGS = "/console/uni-tartu/settings/sso"
CALLBACK = f"{BASE_URL}/console/sso/uni-tartu/callback"
CLIENT_ID = "mcred-console"
# The OP's test users: the login typed on its page -> the claims it asserts.
USERS = {
    "alice": {"email": "alice@ut.ee", "email_verified": True, "name": "Alice Tamm"},
    "newbie": {"email": "newbie@ut.ee", "email_verified": True, "name": "New Person"},
    "mallory": {"email": "mallory@evil.example", "email_verified": True},
    "unverified": {"email": "unverified@ut.ee", "email_verified": False},
}


@dataclass(frozen=True)
class OP:
    issuer: str
    cert: Path
    client_secret: str

    def client(self) -> httpx.Client:
        """A browser at the OP: keeps its cookies, trusts its certificate, no redirects."""
        return httpx.Client(verify=ssl.create_default_context(cafile=str(self.cert)),
                            follow_redirects=False, timeout=10)


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OP]:
    node = shutil.which("node")
    assert node, "Node.js is needed for the SSO tests"
    assert (INTEROP / "node_modules" / "oidc-provider").is_dir(), \
        "run `npm ci` in tests/interop (oidc-provider is a test dependency)"
    folder = tmp_path_factory.mktemp("op")
    cert, key = _self_signed(folder)
    secret = secrets.token_urlsafe(24)
    config = folder / "op.json"
    config.write_text(json.dumps({"port": 0, "cert": str(cert), "key": str(key),
                                  "client_id": CLIENT_ID, "client_secret": secret,
                                  "redirect_uris": [CALLBACK], "users": USERS}))
    with (folder / "stderr.txt").open("wb") as errors:
        process = subprocess.Popen([node, str(HERE / "oidc_provider.mjs"), str(config)],
                                   stdout=subprocess.PIPE, stderr=errors)
        try:
            assert process.stdout is not None
            chooser = selectors.DefaultSelector()
            chooser.register(process.stdout, selectors.EVENT_READ)
            assert chooser.select(timeout=30), "the OP did not start: " + \
                (folder / "stderr.txt").read_text()
            line = process.stdout.readline().decode().split()
            assert line and line[0] == "ready", (folder / "stderr.txt").read_text()
            yield OP(issuer=line[1], cert=cert, client_secret=secret)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def reach_op(svc: Services, op: OP) -> OP:
    """The service may reach the OP: loopback and its certificate, as configured for tests."""
    svc.settings = svc.settings.model_copy(update={"outbound_allow_private": True,
                                                   "outbound_ca_file": op.cert})
    return op


def configure(client: TestClient, op: OP, **changes: str) -> httpx.Response:
    data = {"idp_issuer": op.issuer, "client_id": CLIENT_ID, "client_secret": op.client_secret,
            "allowed_domains": "ut.ee", "new_user_role": "", "enabled": "on", **changes}
    return submit(client, SETTINGS, SETTINGS, data)


@pytest.fixture
def sso_on(registrar: TestClient, reach_op: OP) -> OP:
    """uni-tartu's SSO configured through its settings page by its admin."""
    response = configure(registrar, reach_op)
    assert response.status_code == 303, response.text
    return reach_op


@pytest.fixture
def visitor(svc: Services) -> Iterator[TestClient]:
    """A second browser, signed in to nothing."""
    with open_browser(svc) as client:
        yield client


class _Forms(HTMLParser):
    """The forms of an OP page: action and their inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((values.get("action", ""), {}))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1][1][values["name"]] = values.get("value", "")


def through_op(op: OP, url: str, login: str) -> str:
    """Follow the OP's pages as a person would (sign in as ``login``, then consent) until it
    sends the browser back to us; returns that callback URL."""
    with op.client() as browser:
        response = browser.get(url)
        for _ in range(12):
            if response.is_redirect:
                url = urljoin(str(response.url), response.headers["location"])
                if url.startswith(BASE_URL):
                    return url
                response = browser.get(url)
                continue
            assert response.status_code == 200, response.text
            parser = _Forms()
            parser.feed(response.text)
            assert parser.forms, response.text
            action, fields = parser.forms[0]
            if "login" in fields:
                fields.update(login=login, password="any password")
            response = browser.post(urljoin(str(response.url), action), data=fields)
    raise AssertionError("the OP never sent the browser back")


def start(client: TestClient, next_: str = "/console") -> str:
    """Press "Sign in with University of Tartu": the OP address we are sent to."""
    response = client.get(f"/console/sso/uni-tartu/start?next={next_}",
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("https://127.0.0.1:")
    return response.headers["location"]


def back(client: TestClient, callback_url: str) -> httpx.Response:
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def sign_in_by_sso(client: TestClient, op: OP, login: str) -> httpx.Response:
    return back(client, through_op(op, start(client), login))


@pytest.fixture
def in_db(svc: Services) -> Callable[..., list]:
    def rows(statement: object) -> list:
        with svc.db.session(read_only=True) as session:
            return list(session.scalars(statement))  # type: ignore[call-overload]
    return rows


# --- The flow -------------------------------------------------------------------------------

def test_a_member_signs_in_through_the_institutions_provider(
        sso_on: OP, visitor: TestClient, make_staff: Callable[..., None],
        in_db: Callable[..., list]) -> None:
    make_staff("alice@ut.ee", "uni-tartu", "staff")
    authorize = start(visitor, "/console/uni-tartu")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [CALLBACK] and query["client_id"] == [CLIENT_ID]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    response = back(visitor, through_op(sso_on, authorize, "alice"))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/console/uni-tartu"
    home = visitor.get("/console/uni-tartu")
    assert home.status_code == 200
    assert "alice@ut.ee" in home.text and 'data-testid="role"' in home.text
    methods = in_db(select(ConsoleSession.method).join(
        StaffUser, StaffUser.id == ConsoleSession.user_id).where(StaffUser.email == "alice@ut.ee"))
    assert methods == ["sso:uni-tartu"]


def test_a_first_time_user_gets_the_configured_role_and_no_password(
        registrar: TestClient, reach_op: OP, visitor: TestClient,
        in_db: Callable[..., list]) -> None:
    assert configure(registrar, reach_op, new_user_role="viewer").status_code == 303
    assert sign_in_by_sso(visitor, reach_op, "newbie").status_code == 303
    [user] = in_db(select(StaffUser).where(StaffUser.email == "newbie@ut.ee"))
    assert user.password_hash is None and user.name == "New Person"
    assert in_db(select(Membership.role).where(Membership.user_id == user.id)) == ["viewer"]
    page = visitor.get("/console/uni-tartu")
    assert page.status_code == 200 and 'href="/console/uni-tartu/members' not in page.text
    # The account signs in only through SSO: no password opens it.
    with open_browser_like(visitor) as other:
        for password in (PASSWORD, "", "any password"):
            assert sign_in(other, "newbie@ut.ee", password).status_code == 401


def open_browser_like(client: TestClient) -> TestClient:
    return TestClient(client.app, base_url=BASE_URL, raise_server_exceptions=False,
                      headers={"Accept": "text/html"})


def test_someone_not_added_is_refused_when_first_timers_get_no_role(
        sso_on: OP, visitor: TestClient, in_db: Callable[..., list]) -> None:
    response = sign_in_by_sso(visitor, sso_on, "newbie")
    assert response.status_code == 401
    assert "not a member of University of Tartu" in response.text
    assert 'data-testid="error"' in response.text
    assert in_db(select(StaffUser).where(StaffUser.email == "newbie@ut.ee")) == []
    assert visitor.get("/console", follow_redirects=False).status_code == 303


def test_an_address_of_a_domain_not_allowed_is_refused(
        registrar: TestClient, reach_op: OP, visitor: TestClient,
        in_db: Callable[..., list]) -> None:
    assert configure(registrar, reach_op, new_user_role="staff").status_code == 303
    response = sign_in_by_sso(visitor, reach_op, "mallory")
    assert response.status_code == 401
    assert "not open to evil.example addresses" in response.text
    assert in_db(select(StaffUser).where(StaffUser.email == "mallory@evil.example")) == []


def test_an_unverified_address_is_refused(registrar: TestClient, reach_op: OP,
                                          visitor: TestClient) -> None:
    assert configure(registrar, reach_op, new_user_role="staff").status_code == 303
    response = sign_in_by_sso(visitor, reach_op, "unverified")
    assert response.status_code == 401 and "not verified your e-mail" in response.text


def test_a_callback_with_another_state_is_refused(
        sso_on: OP, visitor: TestClient, make_staff: Callable[..., None]) -> None:
    make_staff("alice@ut.ee", "uni-tartu", "staff")
    callback = through_op(sso_on, start(visitor), "alice")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = secrets.token_urlsafe(32)
    response = visitor.get(f"{parts.path}?{urlencode(query)}", follow_redirects=False)
    assert response.status_code == 400
    assert "not started here" in response.text
    assert visitor.get("/console", follow_redirects=False).status_code == 303


def test_the_answer_to_an_earlier_flow_is_refused_after_a_second_start(
        sso_on: OP, visitor: TestClient, make_staff: Callable[..., None]) -> None:
    """Two flows started in one browser: only the latest may finish (its state and nonce)."""
    make_staff("alice@ut.ee", "uni-tartu", "staff")
    first = start(visitor)
    second = start(visitor)
    assert back(visitor, through_op(sso_on, first, "alice")).status_code == 400
    assert visitor.get("/console", follow_redirects=False).status_code == 303
    assert back(visitor, through_op(sso_on, second, "alice")).status_code == 303


def test_a_callback_is_used_once(sso_on: OP, visitor: TestClient,
                                 make_staff: Callable[..., None]) -> None:
    make_staff("alice@ut.ee", "uni-tartu", "staff")
    callback = through_op(sso_on, start(visitor), "alice")
    assert back(visitor, callback).status_code == 303
    with open_browser_like(visitor) as thief:  # the same URL, without the browser's cookie
        assert back(thief, callback).status_code == 400


def test_the_providers_error_is_shown_on_the_sign_in_page(sso_on: OP,
                                                          visitor: TestClient) -> None:
    state = parse_qs(urlsplit(start(visitor)).query)["state"][0]
    response = visitor.get("/console/sso/uni-tartu/callback", params={
        "error": "access_denied", "error_description": "End-User aborted", "state": state},
        follow_redirects=False)
    assert response.status_code == 401
    assert "did not sign you in (access_denied)" in response.text


def test_a_callback_without_a_started_flow_is_refused(sso_on: OP, visitor: TestClient) -> None:
    response = visitor.get("/console/sso/uni-tartu/callback?code=x&state=y",
                           follow_redirects=False)
    assert response.status_code == 400 and 'data-testid="error"' in response.text


# --- ID token checks, against the OP's real tokens ------------------------------------------

def _real_tokens(op: OP, nonce_holder: list[oidc.Pending]) -> tuple[oidc.Provider, dict, dict]:
    policy = OutboundPolicy(allow_private=True, ca_file=str(op.cert))
    provider = oidc.discover(op.issuer, policy)
    url, pending = oidc.begin(provider, CLIENT_ID, CALLBACK, slug="uni-tartu", next_="",
                              now=0)
    nonce_holder.append(pending)
    code = parse_qs(urlsplit(through_op(op, url, "alice")).query)["code"][0]
    tokens = oidc.exchange_code(provider, CLIENT_ID, op.client_secret, code, CALLBACK,
                                pending.verifier, policy)
    return provider, tokens, oidc.fetch_keys(provider, policy)


def test_an_id_token_with_another_nonce_or_altered_claims_is_refused(op: OP) -> None:
    held: list[oidc.Pending] = []
    provider, tokens, keys = _real_tokens(op, held)
    check = {"issuer": provider.issuer, "client_id": CLIENT_ID}
    claims = oidc.validate_id_token(tokens["id_token"], keys, nonce=held[0].nonce, **check)
    assert claims["email"] == "alice@ut.ee" and claims["aud"] == CLIENT_ID
    with pytest.raises(oidc.SsoError):  # a second flow's nonce: a replayed token
        oidc.validate_id_token(tokens["id_token"], keys, nonce="another-flow", **check)
    header, payload, signature = tokens["id_token"].split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["email"] = "rector@ut.ee"
    altered = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    with pytest.raises(oidc.SsoError):  # same signature, other claims
        oidc.validate_id_token(f"{header}.{altered}.{signature}", keys,
                               nonce=held[0].nonce, **check)
    with pytest.raises(oidc.SsoError):  # another client's token
        oidc.validate_id_token(tokens["id_token"], keys, nonce=held[0].nonce,
                               issuer=provider.issuer, client_id="someone-else")
    with pytest.raises(oidc.SsoError):  # another issuer
        oidc.validate_id_token(tokens["id_token"], keys, nonce=held[0].nonce,
                               issuer="https://idp.example", client_id=CLIENT_ID)


def test_a_code_is_not_exchanged_without_its_pkce_verifier(op: OP) -> None:
    policy = OutboundPolicy(allow_private=True, ca_file=str(op.cert))
    provider = oidc.discover(op.issuer, policy)
    url, _pending = oidc.begin(provider, CLIENT_ID, CALLBACK, slug="uni-tartu", next_="",
                               now=0)
    code = parse_qs(urlsplit(through_op(op, url, "alice")).query)["code"][0]
    with pytest.raises(oidc.SsoError, match="refused the sign-in code"):
        oidc.exchange_code(provider, CLIENT_ID, op.client_secret, code, CALLBACK,
                           "x" * 64, policy)


# --- The sign-in page's e-mail-first step ---------------------------------------------------

def _login_csrf(client: TestClient) -> str:
    return csrf_on(client.get("/console/login").text)


def test_the_sign_in_page_sends_an_institution_address_to_its_provider(
        sso_on: OP, visitor: TestClient) -> None:
    page = visitor.get("/console/login")
    assert 'data-testid="sso"' in page.text and 'action="/console/sso"' in page.text
    response = visitor.post("/console/sso", data={"email": "Alice@UT.ee", "next": "/console",
                                                  "csrf": _login_csrf(visitor)},
                            follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sso/uni-tartu/start?next=/console"
    other = visitor.post("/console/sso", data={"email": "someone@tlu.ee",
                                               "csrf": _login_csrf(visitor)})
    assert other.status_code == 404 and "No institution in mcred offers" in other.text
    forged = visitor.post("/console/sso", data={"email": "alice@ut.ee", "csrf": "forged"})
    assert forged.status_code == 403


def test_institutions_sharing_a_domain_are_offered_one_button_each(
        sso_on: OP, visitor: TestClient, client: TestClient, admin: dict[str, str],
        svc: Services) -> None:
    body = {**ISSUER_BODY, "slug": "ut-pharmacy", "legal_name": "Pharmacy at UT"}
    assert client.post("/admin/issuers", json=body, headers=admin).status_code == 201
    with svc.db.session() as session:
        sso_service.save(session, svc.keystore, get_issuer(session, "ut-pharmacy"), {
            "idp_issuer": sso_on.issuer, "client_id": "other", "client_secret": "s3cret",
            "allowed_domains": "ut.ee", "enabled": "on"}, actor="test")
    response = visitor.post("/console/sso", data={"email": "alice@ut.ee", "next": "/console",
                                                  "csrf": _login_csrf(visitor)})
    assert response.status_code == 200
    assert "Sign in with University of Tartu" in response.text
    assert "Sign in with Pharmacy at UT" in response.text
    assert 'href="/console/sso/ut-pharmacy/start?next=/console"' in response.text


def test_disabled_sso_is_not_offered(registrar: TestClient, reach_op: OP,
                                     visitor: TestClient) -> None:
    assert configure(registrar, reach_op, enabled="").status_code == 303
    assert visitor.get("/console/sso/uni-tartu/start", follow_redirects=False).status_code == 404
    response = visitor.post("/console/sso", data={"email": "alice@ut.ee",
                                                  "csrf": _login_csrf(visitor)})
    assert response.status_code == 404
    assert visitor.get("/console/sso/no-such/start").status_code == 404


# --- The settings page ----------------------------------------------------------------------

def test_the_client_secret_is_sealed_and_never_shown_back(
        sso_on: OP, registrar: TestClient, svc: Services, in_db: Callable[..., list]) -> None:
    page = registrar.get(SETTINGS)
    assert page.status_code == 200
    assert sso_on.client_secret not in page.text
    assert f'value="{sso_on.issuer}"' in page.text and f'value="{CLIENT_ID}"' in page.text
    assert CALLBACK in page.text
    [row] = in_db(select(SsoSettings))
    assert sso_on.client_secret not in row.client_secret_sealed
    assert row.allowed_domains == "ut.ee" and row.enabled
    # Saving again with the secret left empty keeps it (sign-in still works below).
    assert configure(registrar, sso_on, client_secret="").status_code == 303
    [again] = in_db(select(SsoSettings))
    assert again.client_secret_sealed == row.client_secret_sealed
    events = in_db(select(AuditEvent).where(AuditEvent.action == "issuer.sso-settings"))
    assert len(events) == 2 and events[0].detail["client_id"] == CLIENT_ID
    assert events[0].detail["secret_changed"] and not events[1].detail["secret_changed"]
    assert all(sso_on.client_secret not in json.dumps(e.detail) for e in events)


def test_the_client_secret_is_not_logged_during_a_sign_in(
        sso_on: OP, visitor: TestClient, make_staff: Callable[..., None],
        caplog: pytest.LogCaptureFixture) -> None:
    make_staff("alice@ut.ee", "uni-tartu", "staff")
    with caplog.at_level(logging.DEBUG):
        assert sign_in_by_sso(visitor, sso_on, "mallory").status_code == 401
        assert sign_in_by_sso(visitor, sso_on, "alice").status_code == 303
    assert "single sign-on refused" in caplog.text  # the log does say what happened
    assert sso_on.client_secret not in caplog.text


def test_settings_are_checked_field_by_field(registrar: TestClient, reach_op: OP,
                                             in_db: Callable[..., list]) -> None:
    response = configure(registrar, reach_op, idp_issuer="http://idp.example/?x=1",
                         client_id="", client_secret="", allowed_domains="ut.ee not_a_domain",
                         new_user_role="admin")
    assert response.status_code == 422
    for name in ("idp_issuer", "client_id", "client_secret", "allowed_domains",
                 "new_user_role"):
        assert f'data-testid="error-{name}"' in response.text, name
    assert 'value="http://idp.example/?x=1"' in response.text  # what was typed, re-shown
    assert "ut.ee not_a_domain" in response.text
    assert in_db(select(SsoSettings)) == []


def test_test_discovery_shows_the_endpoints_or_the_problem(registrar: TestClient,
                                                           reach_op: OP) -> None:
    ok = submit(registrar, SETTINGS, SETTINGS + "/discovery",
                   {"idp_issuer": reach_op.issuer, "client_id": CLIENT_ID})
    assert ok.status_code == 200, ok.text
    assert 'data-testid="discovered"' in ok.text
    assert f"{reach_op.issuer}/token" in ok.text and f"{reach_op.issuer}/jwks" in ok.text
    assert "client_secret_basic" in ok.text
    wrong = submit(registrar, SETTINGS, SETTINGS + "/discovery",
                      {"idp_issuer": reach_op.issuer + "/nothing-here"})
    assert wrong.status_code == 422 and 'data-testid="error-idp_issuer"' in wrong.text
    assert "Could not fetch the identity provider" in wrong.text
    forged = registrar.post(SETTINGS + "/discovery", data={"idp_issuer": reach_op.issuer,
                                                           "csrf": "forged"})
    assert forged.status_code == 403


def test_discovery_of_a_private_address_is_refused_without_the_test_setting(
        registrar: TestClient, op: OP) -> None:
    response = submit(registrar, SETTINGS, SETTINGS + "/discovery",
                         {"idp_issuer": op.issuer})
    assert response.status_code == 422
    assert "non-public address" in response.text


def test_only_the_issuers_admin_sees_the_settings(
        registrar: TestClient, svc: Services, make_staff: Callable[..., None]) -> None:
    make_staff("viewer@ut.ee", "uni-tartu", "viewer")
    with open_browser(svc) as viewer:
        assert sign_in(viewer, "viewer@ut.ee").status_code == 303
        assert viewer.get(SETTINGS).status_code == 403
        token = csrf_on(viewer.get("/console").text)
        assert viewer.post(SETTINGS + "/discovery",
                           data={"csrf": token, "idp_issuer": "https://x.example"}
                           ).status_code == 403
    assert registrar.get("/console/no-such/settings/sso").status_code == 404


# --- The pieces underneath ------------------------------------------------------------------

def test_a_sealed_secret_opens_only_with_its_context_and_key_secret(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys", "key-secret-of-this-service-0123")
    sealed = store.seal(b"client secret", "sso-client-secret|1")
    assert b"client secret" not in sealed.encode()
    assert store.unseal(sealed, "sso-client-secret|1") == b"client secret"
    with pytest.raises(KeyStoreError):  # moved to another issuer's row
        store.unseal(sealed, "sso-client-secret|2")
    with pytest.raises(KeyStoreError):  # one character changed
        store.unseal(sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1],
                     "sso-client-secret|1")
    # Another process with the same secret opens it; the same folder refuses another secret.
    assert KeyStore(tmp_path / "keys", "key-secret-of-this-service-0123").unseal(
        sealed, "sso-client-secret|1") == b"client secret"
    with pytest.raises(KeyStoreError):
        KeyStore(tmp_path / "keys", "another-secret-entirely-4567").unseal(
            sealed, "sso-client-secret|1")


def test_the_token_request_goes_through_the_outbound_guard(op: OP) -> None:
    with pytest.raises(OutboundError, match="non-public address"):
        post_form(f"{op.issuer}/token", {"grant_type": "authorization_code"},
                  OutboundPolicy(ca_file=str(op.cert)))
    # Allowed (as in tests), the OP's refusal comes back to be read, not raised.
    status, body, _type = post_form(f"{op.issuer}/token", {"grant_type": "authorization_code",
                                                            "code": "x"},
                                    OutboundPolicy(allow_private=True, ca_file=str(op.cert)))
    assert status in (400, 401) and json.loads(body)["error"] in ("invalid_request",
                                                                   "invalid_client")


def _second_issuer(client: TestClient, slug: str = "uni-b") -> None:
    from tests.conftest import ADMIN_TOKEN

    body = {**ISSUER_BODY, "slug": slug, "legal_name": "Uni B", "url": "https://b.org",
            "email": "info@b.org"}
    assert client.post("/admin/issuers", json=body,
                       headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 201


def test_a_provider_cannot_sign_in_an_account_another_institution_uses(
        sso_on: OP, visitor: TestClient, client: TestClient,
        make_staff: Callable[..., None]) -> None:
    """The review's critical finding: an issuer's admin runs its identity provider and can
    make it say any address. alice@ut.ee also works at uni-b (or is a service admin), so
    uni-tartu's provider must not sign her in: her password does."""
    _second_issuer(client)
    make_staff("alice@ut.ee", "uni-tartu", "staff")
    make_staff("alice@ut.ee", "uni-b", "admin")
    refused = sign_in_by_sso(visitor, sso_on, "alice")
    assert refused.status_code == 401 and "belongs to another institution" in refused.text
    assert visitor.get("/console", follow_redirects=False).status_code == 303


def test_a_provider_cannot_sign_in_a_service_admin(sso_on: OP, visitor: TestClient,
                                                   make_staff: Callable[..., None]) -> None:
    make_staff("alice@ut.ee", "uni-tartu", "staff", service_admin=True)
    refused = sign_in_by_sso(visitor, sso_on, "alice")
    assert refused.status_code == 401 and "runs the service" in refused.text


def test_an_sso_session_counts_at_its_issuer_only(
        sso_on: OP, visitor: TestClient, client: TestClient, svc: Services,
        make_staff: Callable[..., None]) -> None:
    """Signed in by uni-tartu's provider, alice is then also made a member of uni-b (and a
    service admin): that session still opens uni-tartu's pages only."""
    make_staff("alice@ut.ee", "uni-tartu", "staff")
    assert sign_in_by_sso(visitor, sso_on, "alice").status_code == 303
    _second_issuer(client)
    make_staff("alice@ut.ee", "uni-b", "admin")
    with svc.db.session() as session:
        alice = session.scalar(select(StaffUser).where(StaffUser.email == "alice@ut.ee"))
        assert alice is not None
        alice.service_admin = True
    assert visitor.get("/console/uni-tartu").status_code == 200
    assert visitor.get("/console/uni-b").status_code == 404
    assert visitor.get("/console/uni-b/api-keys").status_code == 404
    assert visitor.get("/console/admin/issuers").status_code == 403
    home = visitor.get("/console").text
    assert "/console/uni-b" not in home and "/console/admin" not in home


def test_an_address_the_provider_does_not_call_verified_is_refused() -> None:
    config = sso_service.SsoConfig(slug="uni-tartu", issuer_id=1, institution="UT",
                                   idp_issuer="https://op.example", client_id="c",
                                   client_secret="s", allowed_domains=("ut.ee",),
                                   new_user_role="viewer", enabled=True)
    with pytest.raises(oidc.SsoError, match="not verified"):
        sso_service.admit(None, config, {"email": "a@ut.ee"})  # type: ignore[arg-type]
