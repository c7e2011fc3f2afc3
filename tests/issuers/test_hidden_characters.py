"""No control, invisible or bidirectional formatting characters in what an administrator
gives about issuers (security review, issue 14, item C): a 422 naming the field, nothing
stored. On PostgreSQL a NUL used to be a 500; on SQLite it was signed into credentials."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ISSUER_BODY
from tests.issuers.cli_helpers import mcred

# NUL, other C0 controls, DEL, a line break, RIGHT-TO-LEFT OVERRIDE, ZERO WIDTH SPACE,
# LEFT-TO-RIGHT MARK, FIRST STRONG ISOLATE, the BOM and LINE SEPARATOR.
HIDDEN = ["\x00", "\x07", "\x1b", "\x7f", "\n", "\u202e", "\u200b", "\u200e", "\u2068",
          "\ufeff", "\u2028"]


def refused_field(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "urn:mcred:problem:validation-error"
    [error] = body["errors"]
    assert "must not contain" in error["message"]
    return error["field"]


@pytest.mark.parametrize("char", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_issuer_legal_name_is_refused(client: TestClient, admin: dict, char: str) -> None:
    body = {**ISSUER_BODY, "legal_name": f"University{char} of Tartu"}
    assert refused_field(client.post("/admin/issuers", json=body, headers=admin)) == "legal_name"
    assert client.get("/admin/issuers", headers=admin).json() == []


@pytest.mark.parametrize(("field", "value"), [("url", "https://ut.ee/\u202eexe.fdp"),
                                              ("url", "https://ut.ee/\x00"),
                                              ("email", "registrar\u200b@ut.ee"),
                                              ("slug", "uni\x00tartu")])
def test_other_issuer_fields_are_refused(client: TestClient, admin: dict, field: str,
                                         value: str) -> None:
    response = client.post("/admin/issuers", json={**ISSUER_BODY, field: value}, headers=admin)
    assert refused_field(response) == field
    assert client.get("/admin/issuers", headers=admin).json() == []


@pytest.mark.parametrize("char", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_api_key_label_is_refused(client: TestClient, issuer: dict, admin: dict,
                                  char: str) -> None:
    response = client.post("/admin/issuers/uni-tartu/api-keys", json={"label": f"a{char}b"},
                           headers=admin)
    assert refused_field(response) == "label"
    assert client.get("/admin/issuers/uni-tartu/api-keys", headers=admin).json() == []


def test_reason_of_a_revocation_is_refused(client: TestClient, issuer: dict,
                                           admin: dict) -> None:
    key_id = client.post("/admin/issuers/uni-tartu/api-keys", headers=admin).json()["keyId"]
    response = client.post(f"/admin/issuers/uni-tartu/api-keys/{key_id}/revoke",
                           json={"reason": "left\x00"}, headers=admin)
    assert refused_field(response) == "reason"
    assert client.get("/admin/issuers/uni-tartu/api-keys",
                      headers=admin).json()[0]["revoked"] is None


def test_joiners_that_scripts_need_are_allowed(client: TestClient, admin: dict) -> None:
    # ZERO WIDTH NON-JOINER is part of correct Persian spelling (and ZWJ of Indic scripts).
    name = "\u062f\u0627\u0646\u0634\u06af\u0627\u0647\u200c\u062a\u0647\u0631\u0627\u0646"
    body = {**ISSUER_BODY, "legal_name": name, "country": "IR"}
    response = client.post("/admin/issuers", json=body, headers=admin)
    assert response.status_code == 201, response.text
    assert response.json()["legalName"] == name


def test_command_line_refuses_them_in_one_line(client: TestClient, issuer: dict,
                                               svc) -> None:  # type: ignore[no-untyped-def]
    created = mcred(svc, "issuer", "create", "--slug", "uni-x", "--name", "Uni\u202eX",
                    "--country", "EE", "--url", "https://x.ee", "--email", "a@x.ee")
    assert created.returncode != 0
    assert created.stderr.startswith("mcred: error: invalid --name: ")
    assert created.stderr.count("\n") == 1
    labelled = mcred(svc, "issuer", "api-key", "uni-tartu", "--label", "a\u2066b")
    assert labelled.returncode != 0
    assert labelled.stderr.startswith("mcred: error: invalid --label: ")
    assert "U+2066" in labelled.stderr and labelled.stderr.count("\n") == 1
