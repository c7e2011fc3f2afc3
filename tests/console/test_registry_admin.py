"""The service admin's registry pages: entries added, edited, searched and removed with the
registry API's own rules; a file imported after a preview; followed registries added,
refreshed (from a local https server only) and removed; nobody else gets in."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.audit import AuditEvent
from app.deps import Services
from tests.console.conftest import csrf_on, open_browser, post_form, sign_in
from tests.registry.test_registry import CSV, ENTRY, UT, entries

BASE = "/console/admin/registry"
FORM = {"dids": "did:web:ut.ee\nhttps://ut.ee/issuer", "legal_name": "University of Tartu",
        "country": "ee", "org_type": "hei", "status": "active",
        "qa-0-agency": "EKKA", "qa-0-deqar_id": "DEQARINST0282", "qa-0-esg_aligned": "yes",
        "qa-0-valid_from": "2020-01-01", "qa-0-valid_until": "2026-12-31",
        "qa-0-report_url": "https://www.eqar.eu/qa-results/report/1"}


@pytest.fixture
def root(browser: TestClient, make_staff: Callable[..., None]) -> TestClient:
    """The browser, signed in as a service admin."""
    make_staff("root@hitsa.ee", service_admin=True)
    assert sign_in(browser, "root@hitsa.ee").status_code == 303
    return browser


def add(root: TestClient, **fields: str) -> Any:
    return post_form(root, f"{BASE}/new", f"{BASE}/new", {**FORM, **fields})


def test_an_added_entry_is_the_registry_apis(root: TestClient, client: TestClient,
                                             admin: dict) -> None:
    added = add(root)
    assert added.status_code == 303
    [entry] = entries(client, admin)
    assert added.headers["location"] == f"{BASE}/{entry['id']}?done=added"
    assert entry["dids"] == ["did:web:ut.ee", "https://ut.ee/issuer"]
    assert (entry["legalName"], entry["country"], entry["status"]) == \
        ("University of Tartu", "EE", "active")
    assert entry["qualityAssurance"] == [{
        "agency": "EKKA", "agencyId": None, "deqarId": "DEQARINST0282", "esgAligned": True,
        "validFrom": "2020-01-01", "validUntil": "2026-12-31",
        "reportUrl": "https://www.eqar.eu/qa-results/report/1"}]
    listing = root.get(BASE)
    assert f'data-testid="entry-{entry["id"]}"' in listing.text and "EKKA" in listing.text


def test_the_agency_country_is_entered_and_kept_through_an_edit(root: TestClient,
                                                                client: TestClient,
                                                                admin: dict) -> None:
    # The country an EDC accreditation needs (app/credentials/accreditation.py): an edit
    # of the entry in the console must not drop it.
    assert add(root, **{"qa-0-agency_country": "ee"}).status_code == 303
    [entry] = entries(client, admin)
    assert entry["qualityAssurance"][0]["agencyCountry"] == "EE"
    page = root.get(f"{BASE}/{entry['id']}")
    assert 'name="qa-0-agency_country" type="text" value="EE"' in page.text
    url = f"{BASE}/{entry['id']}"
    saved = post_form(root, url, url, {**FORM, "qa-0-agency_country": "EE",
                                       "legal_name": "Tartu Ülikool"})
    assert saved.status_code == 303
    [entry] = entries(client, admin)
    assert (entry["legalName"], entry["qualityAssurance"][0]["agencyCountry"]) == \
        ("Tartu Ülikool", "EE")
    assert add(root, **{"qa-0-agency_country": "Estonia", "dids": "did:web:other.ee"}
               ).status_code == 422


@pytest.mark.parametrize(("field", "value", "error"), [
    ("dids", "not-a-did", "dids"), ("dids", "", "dids"), ("country", "XX", "country"),
    ("legal_name", "U", "legal_name"), ("qa-0-valid_from", "", "qa-0-valid_from"),
    ("qa-0-valid_until", "2019-01-01", "qa-0-valid_until"),
    ("qa-0-report_url", "javascript:alert(1)", "qa-0-report_url"),
    ("qa-0-agency", "", "qa-0-agency"), ("status", "trusted", "status")])
def test_each_wrong_field_is_named(root: TestClient, client: TestClient, admin: dict,
                                   field: str, value: str, error: str) -> None:
    refused = add(root, **{field: value})
    assert refused.status_code == 422
    assert f'data-testid="error-{error}"' in refused.text
    assert refused.text.count('class="field-error"') == 1
    assert 'value="EKKA"' in refused.text or field == "qa-0-agency"  # the rest kept
    assert entries(client, admin) == []


def test_a_did_of_another_entry_is_refused(root: TestClient, client: TestClient,
                                           admin: dict) -> None:
    assert add(root).status_code == 303
    clash = add(root, dids="did:web:other.example\ndid:web:ut.ee", legal_name="Other")
    assert clash.status_code == 422 and 'data-testid="error-dids"' in clash.text
    assert "did:web:ut.ee" in clash.text and len(entries(client, admin)) == 1


def test_seal_identifiers_one_per_line(root: TestClient, client: TestClient,
                                       admin: dict) -> None:
    added = add(root, seal_ids="VATES-Q0818001J\n\n NTRES-Q0818001J \n")
    assert added.status_code == 303
    [entry] = entries(client, admin)
    assert entry["sealIds"] == ["NTRES-Q0818001J", "VATES-Q0818001J"]
    assert "NTRES-Q0818001J\nVATES-Q0818001J" in root.get(f"{BASE}/{entry['id']}").text
    assert "<code>VATES-Q0818001J</code>" in root.get(BASE).text
    assert add(root, dids="did:web:tlu.ee", legal_name="Tallinn University").status_code == 303
    found = root.get(BASE, params={"q": "vates-q08"}).text
    assert f'data-testid="entry-{entry["id"]}"' in found and "Tallinn" not in found
    bad = add(root, dids="did:web:other.example", seal_ids="G63287510")
    assert bad.status_code == 422 and 'data-testid="error-seal_ids"' in bad.text
    clash = add(root, dids="did:web:other.example", seal_ids="VATES-Q0818001J")
    assert clash.status_code == 422 and 'data-testid="error-seal_ids"' in clash.text
    assert "VATES-Q0818001J" in clash.text and len(entries(client, admin)) == 2


def test_edit_changes_the_entry_and_its_qa_results(root: TestClient, client: TestClient,
                                                   admin: dict) -> None:
    add(root)
    [entry] = entries(client, admin)
    page = f"{BASE}/{entry['id']}"
    form = root.get(page)
    assert form.status_code == 200 and 'value="DEQARINST0282"' in form.text
    assert 'data-testid="qa-1"' in form.text  # one empty row for one more result
    cleared = {f"qa-0-{f}": "" for f in ("agency", "deqar_id", "esg_aligned", "valid_from",
                                          "valid_until", "report_url")}
    saved = post_form(root, page, page, {
        **FORM, **cleared, "legal_name": "Tartu Ülikool", "status": "suspended",
        "qa-1-agency": "ASIIN", "qa-1-valid_from": "2027-01-01"})
    assert saved.status_code == 303 and saved.headers["location"] == f"{page}?done=saved"
    [changed] = entries(client, admin)
    assert (changed["legalName"], changed["status"]) == ("Tartu Ülikool", "suspended")
    assert [(q["agency"], q["validFrom"], q["esgAligned"])
            for q in changed["qualityAssurance"]] == [("ASIIN", "2027-01-01", False)]


def test_search_by_name_or_did(root: TestClient) -> None:
    add(root)
    add(root, dids="did:web:tlu.ee", legal_name="Tallinn University")
    by_name = root.get(BASE, params={"q": "tallinn"}).text
    assert "Tallinn University" in by_name and "University of Tartu" not in by_name
    by_did = root.get(BASE, params={"q": "ut.ee/issuer"}).text
    assert "University of Tartu" in by_did and "Tallinn University" not in by_did
    assert 'data-testid="no-entries"' in root.get(BASE, params={"q": "100%_"}).text
    assert root.get(BASE, params={"q": "\x00"}).status_code == 200


def test_remove_asks_for_a_reason_and_is_audited(root: TestClient, client: TestClient,
                                                 admin: dict, svc: Services) -> None:
    add(root)
    [entry] = entries(client, admin)
    page = f"{BASE}/{entry['id']}/remove"
    assert "did:web:ut.ee" in root.get(page).text
    assert post_form(root, page, page, {"reason": ""}).status_code == 422
    removed = post_form(root, page, page, {"reason": "merged into another entry"})
    assert removed.status_code == 303 and entries(client, admin) == []
    with svc.db.session(read_only=True) as session:
        event = session.scalars(select(AuditEvent)
                                .where(AuditEvent.action == "registry.remove")).one()
    assert (event.actor, event.detail["reason"]) == ("staff:root@hitsa.ee",
                                                      "merged into another entry")
    assert root.get(page).status_code == 404


def test_bad_entry_ids_are_not_found(root: TestClient) -> None:
    for path in ("/999", "/99999999999999999999", "/abc", "/-1", "/999/remove"):
        assert root.get(BASE + path).status_code == 404, path
    token = csrf_on(root.get(BASE + "/new").text)
    assert root.post(BASE + "/999", data={"csrf": token, **FORM}).status_code == 404


def upload(root: TestClient, name: str, data: bytes, kind: str) -> Any:
    token = csrf_on(root.get(f"{BASE}/import").text)
    return root.post(f"{BASE}/import", data={"csrf": token}, files={"file": (name, data, kind)},
                     follow_redirects=False)


def test_csv_import_is_previewed_then_imported(root: TestClient, client: TestClient,
                                               admin: dict) -> None:
    add(root, dids="did:web:academy.example", legal_name="Academy (old name)", country="DE")
    preview = upload(root, "deqar.csv", CSV, "text/csv")
    assert preview.status_code == 200
    rows = re.findall(r'<tr data-testid="preview-row">(.*?)</tr>', preview.text, re.S)
    assert len(rows) == 2
    assert "Universita di Bologna" in rows[0] and "new entry" in rows[0]
    assert "Example Academy" in rows[1] and "updates entry" in rows[1]
    assert [e["legalName"] for e in entries(client, admin)] == ["Academy (old name)"]
    data = re.search(r'name="data" value="([^"]*)"', preview.text)
    assert data
    token = csrf_on(preview.text)
    done = root.post(f"{BASE}/import/confirm", follow_redirects=False, data={
        "csrf": token, "source": "deqar.csv",
        "data": data.group(1).replace("&#34;", '"').replace("&amp;", "&")})
    assert done.status_code == 303
    assert "Imported: 1 new entries, 1 updated." in root.get(done.headers["location"]).text
    imported = {e["legalName"]: e for e in entries(client, admin)}
    assert set(imported) == {"Universita di Bologna", "Example Academy"}
    assert len(imported["Universita di Bologna"]["qualityAssurance"]) == 2
    assert imported["Universita di Bologna"]["source"] == "import:deqar.csv"


def test_an_invalid_file_imports_nothing_and_says_where(root: TestClient, client: TestClient,
                                                        admin: dict) -> None:
    bad = json.dumps([ENTRY, {**ENTRY, "dids": ["did:web:x.example"], "country": "XX"}])
    refused = upload(root, "list.json", bad.encode(), "application/json")
    assert refused.status_code == 422
    problems = re.findall(r'<tr data-testid="problem">(.*?)</tr>', refused.text, re.S)
    assert len(problems) == 1 and ">2<" in problems[0] and "country" in problems[0]
    for name, data in (("list.json", b"{not json"), ("list.txt", b"x"), ("", b""),
                       ("list.csv", b"name\nx\n"), ("list.csv", b"\xff\xfe")):
        answer = upload(root, name, data, "application/octet-stream")
        assert answer.status_code == 422, name
        assert 'data-testid="error-file"' in answer.text
    tampered = root.post(f"{BASE}/import/confirm", follow_redirects=False, data={
        "csrf": csrf_on(root.get(BASE).text), "data": '[{"dids": ["nope"]}]'})
    assert tampered.status_code == 422
    assert entries(client, admin) == []


@pytest.fixture
def published(client: TestClient, admin: dict, svc: Services,
              https_server: Any) -> Iterator[str]:
    """A signed registry list served at https://localhost (the tests' own server)."""
    port, cert, routes = https_server
    svc.settings = svc.settings.model_copy(update={"outbound_allow_private": True,
                                                   "outbound_ca_file": cert})
    client.post("/admin/registry", json=ENTRY, headers=admin)
    routes["/registry.json"] = json.dumps(client.get("/registry.json").json()).encode()
    for entry in entries(client, admin):
        client.delete(f"/admin/registry/{entry['id']}", headers=admin)
    yield f"https://localhost:{port}/registry.json"


def test_followed_registry_is_added_refreshed_and_removed(root: TestClient, client: TestClient,
                                                          admin: dict, published: str) -> None:
    page = f"{BASE}/subscriptions"
    plain = post_form(root, page, page, {"url": published.replace("https", "http"),
                                         "signer": "did:web:mcred.test"})
    assert plain.status_code == 422 and 'data-testid="error-url"' in plain.text
    no_did = post_form(root, page, page, {"url": published, "signer": "mcred.test"})
    assert no_did.status_code == 422 and 'data-testid="error-signer"' in no_did.text
    added = post_form(root, page, page, {"url": published, "signer": "did:web:mcred.test"})
    assert added.status_code == 303
    assert "never" in root.get(page).text
    refreshed = post_form(root, page, f"{page}/refresh", {})
    assert refreshed.status_code == 303
    outcome = re.search(r'data-testid="outcome">(.*?)</td>', root.get(page).text, re.S)
    assert outcome and "Imported" in outcome.group(1) and "Failed" not in outcome.group(1)
    [entry] = entries(client, admin)
    assert (entry["dids"], entry["source"]) == ([UT], f"subscription:{published}")
    removed = post_form(root, page, f"{page}/remove", {"url": published})
    assert removed.status_code == 303
    assert 'data-testid="no-subscriptions"' in root.get(page).text
    assert post_form(root, page, f"{page}/remove", {"url": published}).status_code == 404


def test_a_failed_refresh_is_shown(root: TestClient, published: str,
                                   https_server: Any) -> None:
    page = f"{BASE}/subscriptions"
    post_form(root, page, page, {"url": published, "signer": "did:web:wrong.example"})
    assert post_form(root, page, f"{page}/refresh", {}).status_code == 303
    outcome = re.search(r'data-testid="outcome">(.*?)</td>', root.get(page).text, re.S)
    assert outcome and "Failed" in outcome.group(1)


ADMIN_PAGES = [f"{BASE}", f"{BASE}/new", f"{BASE}/import", f"{BASE}/subscriptions",
               f"{BASE}/1", f"{BASE}/1/remove", "/console/admin/issuers"]
ADMIN_POSTS = [f"{BASE}/new", f"{BASE}/1", f"{BASE}/1/remove", f"{BASE}/import",
               f"{BASE}/import/confirm", f"{BASE}/subscriptions",
               f"{BASE}/subscriptions/refresh", f"{BASE}/subscriptions/remove"]


def test_issuer_admins_may_not_use_the_admin_pages(registrar: TestClient, client: TestClient,
                                                   admin: dict) -> None:
    client.post("/admin/registry", json=ENTRY, headers=admin)
    for path in ADMIN_PAGES:
        assert registrar.get(path).status_code == 403, path
    token = csrf_on(registrar.get("/console/uni-tartu").text)
    for path in ADMIN_POSTS:
        answer = registrar.post(path, data={"csrf": token, **FORM, "reason": "x",
                                            "url": "https://r.example/x", "signer": "did:x"},
                                follow_redirects=False)
        assert answer.status_code == 403, path
    assert len(entries(client, admin)) == 1


def test_signed_out_visitors_are_sent_to_sign_in(svc: Services) -> None:
    with open_browser(svc) as browser:
        answer = browser.get(BASE, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/console/login?next=/console/admin")


def test_admin_pages_link_to_the_registry(root: TestClient) -> None:
    assert f'href="{BASE}"' in root.get("/console/admin/issuers").text
    assert f'href="{BASE}"' in root.get("/console").text


def test_refresh_and_removal_need_the_forms_token(root: TestClient, published: str) -> None:
    page = f"{BASE}/subscriptions"
    post_form(root, page, page, {"url": published, "signer": "did:web:mcred.test"})
    forged = root.post(f"{page}/refresh", data={"csrf": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert root.post(f"{page}/remove", data={"csrf": "forged", "url": published},
                     follow_redirects=False).status_code == 403
    assert "never" in root.get(page).text  # not refreshed, still followed
    # Console forms drop control characters (app.console.auth.form_data): the NUL goes, the
    # address that is left is the one followed, and it is removed — no database error.
    odd = post_form(root, page, f"{page}/remove", {"url": published + "\x00"})
    assert odd.status_code == 303
    assert published not in root.get(page).text


def test_an_import_that_would_join_two_entries_imports_nothing(root: TestClient,
                                                               client: TestClient,
                                                               admin: dict) -> None:
    assert add(root, dids="did:web:a.example", legal_name="Alpha").status_code == 303
    assert add(root, dids="did:web:b.example", legal_name="Beta").status_code == 303
    both = [{"dids": ["did:web:a.example", "did:web:b.example"], "legalName": "AB",
             "country": "EE"}, {"dids": ["did:web:c.example"], "legalName": "C",
                                "country": "EE"}]
    answer = root.post(f"{BASE}/import/confirm", follow_redirects=False, data={
        "csrf": csrf_on(root.get(BASE).text), "data": json.dumps(both), "source": "x.json"})
    assert answer.status_code == 422 and 'data-testid="error-file"' in answer.text
    assert sorted(e["legalName"] for e in entries(client, admin)) == ["Alpha", "Beta"]
