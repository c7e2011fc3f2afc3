"""DEQAR: the Web API client against a local HTTPS server serving DEQAR-shaped answers, the
report-data importer, and what the registry (and the verify pipeline) make of the reports."""

from __future__ import annotations

import http.server
import json
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.deps import Services
from app.outbound import OutboundPolicy
from app.registry import deqar, service
from tests.conftest import _self_signed, mcred_env
from tests.registry import deqar_fixtures as fx
from tests.verify.test_pipeline import UT, award, only_failing, outcome, verify

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "deqar-test-token"
BASE_PATH = "/webapi/v2"
INST = f"{BASE_PATH}/browse/reports/institutional/by-institution/282/?limit=100&offset=0"
PROG = f"{BASE_PATH}/browse/reports/programme/by-institution/282/?limit=100&offset=0"


class Deqar:
    """A local DEQAR Web API: path (with query) -> (HTTP status, body, seconds to wait)."""

    def __init__(self, port: int, cert: Path) -> None:
        self.port, self.cert = port, cert
        self.routes: dict[str, tuple[int, bytes, float]] = {}
        self.seen: list[tuple[str, str | None]] = []  # (path, Authorization)

    @property
    def base(self) -> str:
        return f"https://localhost:{self.port}{BASE_PATH}"

    def client(self, token: str | None = TOKEN) -> deqar.DeqarClient:
        return deqar.DeqarClient(self.base, token, OutboundPolicy(
            allow_private=True, ca_file=str(self.cert), timeout=1.0))

    def serve_reports(self, institutional: list[dict[str, Any]],
                      programme: list[dict[str, Any]]) -> None:
        self.routes[INST] = (200, fx.page(institutional), 0)
        self.routes[PROG] = (200, fx.page(programme), 0)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Deqar]:
    holder: list[Deqar] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            api = holder[0]
            api.seen.append((self.path, self.headers.get("Authorization")))
            status, body, wait = api.routes.get(self.path, (404, b'{"detail":"Not found."}', 0))
            time.sleep(wait)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting, as it should
                pass

        def log_message(self, *args: object) -> None:
            pass

    cert, key = _self_signed(tmp_path)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    holder.append(Deqar(httpd.server_address[1], cert))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    httpd.shutdown()
    httpd.server_close()


MANUAL_QA = {"agency": "EKKA", "esgAligned": True, "validFrom": "2010-01-01",
             "validUntil": "2012-12-31"}


def linked_entry(client: TestClient, admin: dict, qa: list[dict[str, Any]] | None = None,
                 did: str = UT) -> int:
    response = client.post("/admin/registry", headers=admin, json={
        "dids": [did], "legalName": "University of Tartu", "country": "EE",
        "deqarId": fx.DEQAR_ID, "qualityAssurance": [MANUAL_QA] if qa is None else qa})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def entry(client: TestClient, admin: dict, entry_id: int) -> dict[str, Any]:
    [found] = [e for e in client.get("/admin/registry", headers=admin).json()
               if e["id"] == entry_id]
    return found


# --- the client -------------------------------------------------------------------------

def test_client_reads_both_levels_and_every_page(server: Deqar) -> None:
    next_url = f"{server.base}/browse/reports/programme/by-institution/282/?limit=100&offset=100"
    server.routes[INST] = (200, fx.page([fx.report(1)]), 0)
    server.routes[PROG] = (200, fx.page([fx.report(2, level="programme")], count=2,
                                        next_url=next_url), 0)
    server.routes[next_url.removeprefix(f"https://localhost:{server.port}")] = (
        200, fx.page([fx.report(3, level="programme", decision="negative")], count=2), 0)
    reports = server.client().reports(fx.DEQAR_ID)
    assert [r["id"] for r in reports] == [1, 2, 3]
    assert [path for path, _ in server.seen] == [
        INST, PROG, f"{BASE_PATH}/browse/reports/programme/by-institution/282/"
                    "?limit=100&offset=100"]
    assert {auth for _, auth in server.seen} == {f"Bearer {TOKEN}"}
    records, skipped = server.client().records(fx.DEQAR_ID)
    assert skipped == []
    assert [(r.report_id, r.activity_type, r.decision) for r in records] == [
        ("1", "institutional", "positive"), ("2", "programme", "positive"),
        ("3", "programme", "negative")]
    assert records[1].programmes == ["Data Science (second cycle)"]
    assert str(records[0].report_url) == "https://backend.deqar.eu/reports/EKKA/report-1.pdf"
    valid = server.client().reports_valid_on(fx.DEQAR_ID, date(2024, 5, 1))
    assert [r.report_id for r in valid] == ["1", "2"]


def test_client_reads_an_institution_record(server: Deqar) -> None:
    server.routes[f"{BASE_PATH}/browse/institutions/282"] = (
        200, json.dumps(fx.INSTITUTION_RECORD).encode(), 0)
    record = server.client(token=None).institution(fx.DEQAR_ID)
    assert (record["deqar_id"], record["identifiers"][0]["resource"]) == (fx.DEQAR_ID, "SCHAC")
    assert server.seen[-1][1] is None  # no token configured, no Authorization sent


@pytest.mark.parametrize(("status", "body", "wait", "words"), [
    (401, b'{"detail":"Invalid token."}', 0, "token is missing or wrong (HTTP 401)"),
    (404, b'{"detail":"Not found."}', 0, "does not know this (HTTP 404)"),
    (429, b'{"detail":"Request was throttled."}', 0, "rate limiting us"),
    (200, b'<html>maintenance</html>', 0, "malformed JSON"),
    (200, b'{"count": 1}', 0, "no 'results' list"),
    (200, fx.page([]), 2.5, "did not answer within 1.0 s"),
])
def test_client_errors_are_named(server: Deqar, status: int, body: bytes, wait: float,
                                 words: str) -> None:
    server.routes[INST] = (status, body, wait)
    with pytest.raises(deqar.DeqarError, match="DEQAR") as caught:
        server.client().reports(fx.DEQAR_ID)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_client_does_not_follow_a_next_page_elsewhere(server: Deqar) -> None:
    server.routes[INST] = (200, fx.page([fx.report(1)], count=2,
                                        next_url="https://elsewhere.example/steal"), 0)
    with pytest.raises(deqar.DeqarError, match="leaves"):
        server.client().reports(fx.DEQAR_ID)
    assert all("elsewhere" not in path for path, _ in server.seen)


def test_client_refuses_a_malformed_institution_id(server: Deqar) -> None:
    with pytest.raises(deqar.DeqarError, match="not a DEQAR institution id"):
        server.client().reports("282; DROP")
    assert server.seen == []


# --- sync through the admin endpoint and the CLI -------------------------------------------

@pytest.fixture
def pointed(svc: Services, server: Deqar) -> Deqar:
    svc.settings = svc.settings.model_copy(update={
        "outbound_allow_private": True, "outbound_ca_file": server.cert,
        "deqar_api_url": server.base, "deqar_token": SecretStr(TOKEN)})
    return server


def test_admin_sync_replaces_only_the_deqar_records(client: TestClient, admin: dict,
                                                    pointed: Deqar) -> None:
    entry_id = linked_entry(client, admin)
    pointed.serve_reports([fx.report(1)], [fx.report(2, level="programme",
                                                     decision="negative")])
    answer = client.post("/admin/registry/deqar/sync", headers=admin,
                         json={"deqarIds": [fx.DEQAR_ID]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"entry": entry_id, "deqarId": fx.DEQAR_ID, "reports": 2,
                              "changed": True, "skipped": []}]
    qa = entry(client, admin, entry_id)["qualityAssurance"]
    assert qa[0] == {**MANUAL_QA, "agencyId": None, "deqarId": None, "reportUrl": None}
    assert [(q.get("source"), q.get("reportId"), q.get("decision")) for q in qa[1:]] == [
        ("deqar", "1", "positive"), ("deqar", "2", "negative")]
    # again, unchanged: nothing changes
    again = client.post("/admin/registry/deqar/sync", headers=admin,
                        json={"deqarIds": [fx.DEQAR_ID]}).json()
    assert again[0]["changed"] is False
    # DEQAR withdrew report 2: it goes, the manual record stays
    pointed.serve_reports([fx.report(1)], [])
    client.post("/admin/registry/deqar/sync", headers=admin, json={"deqarIds": [fx.DEQAR_ID]})
    qa = entry(client, admin, entry_id)["qualityAssurance"]
    assert [q.get("reportId") for q in qa] == [None, "1"]


@pytest.mark.parametrize(("status", "body", "words"), [
    (401, b"{}", "HTTP 401"), (429, b"{}", "HTTP 429"), (200, b"garbage", "malformed JSON")])
def test_admin_sync_errors_are_answers_not_5xx(client: TestClient, admin: dict,
                                               pointed: Deqar, status: int, body: bytes,
                                               words: str) -> None:
    entry_id = linked_entry(client, admin)
    pointed.routes[INST] = (status, body, 0)
    answer = client.post("/admin/registry/deqar/sync", headers=admin,
                         json={"deqarIds": [fx.DEQAR_ID, "DEQARINST0999", "nonsense"]})
    assert answer.status_code == 200, answer.text
    results = answer.json()
    assert words in results[0]["error"]
    assert "error" in results[1] and "not a DEQAR institution id" in results[2]["error"]
    assert entry(client, admin, entry_id)["qualityAssurance"] == [
        {**MANUAL_QA, "agencyId": None, "deqarId": None, "reportUrl": None}]


def test_admin_sync_of_an_institution_without_an_entry(client: TestClient, admin: dict,
                                                       pointed: Deqar) -> None:
    pointed.serve_reports([fx.report(1)], [])
    [result] = client.post("/admin/registry/deqar/sync", headers=admin,
                           json={"deqarIds": [fx.DEQAR_ID]}).json()
    assert result == {"deqarId": fx.DEQAR_ID,
                      "error": f"no registry entry has deqarId {fx.DEQAR_ID}"}
    assert client.post("/admin/registry/deqar/sync", json={"deqarIds": [fx.DEQAR_ID]}
                       ).status_code == 401
    assert client.post("/admin/registry/deqar/sync", headers=admin,
                       json={"deqarIds": []}).status_code == 422


def test_cli_sync(client: TestClient, admin: dict, svc: Services, pointed: Deqar) -> None:
    entry_id = linked_entry(client, admin)
    pointed.serve_reports([fx.report(1)], [])
    env = {**mcred_env(svc.settings), "MCRED_OUTBOUND_ALLOW_PRIVATE": "true",
           "MCRED_OUTBOUND_CA_FILE": str(pointed.cert), "MCRED_DEQAR_API_URL": pointed.base,
           "MCRED_DEQAR_TOKEN": TOKEN}

    def run(*ids: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app.cli", "registry", "deqar-sync", *ids],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    ok = run(fx.DEQAR_ID)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)[0]["reports"] == 1
    assert [q.get("reportId") for q in entry(client, admin, entry_id)["qualityAssurance"]] \
        == [None, "1"]
    pointed.routes[INST] = (401, b"{}", 0)
    refused = run(fx.DEQAR_ID)
    assert refused.returncode != 0 and "HTTP 401" in refused.stderr
    assert "Traceback" not in refused.stderr and TOKEN not in refused.stderr


# --- the report-data importer ---------------------------------------------------------------

def test_csv_import_keeps_good_rows_names_bad_ones_and_is_idempotent(
        client: TestClient, admin: dict) -> None:
    entry_id = linked_entry(client, admin)

    def upload() -> dict[str, Any]:
        response = client.post("/admin/registry/deqar/import", content=fx.CSV,
                               headers={**admin, "Content-Type": "text/csv",
                                        "X-Filename": "ekka.csv"})
        assert response.status_code == 200, response.text
        return response.json()

    first = upload()
    assert first["errors"] == [
        {"line": 5, "message": "decision '7' is none of: positive, positive with conditions"
                               " or restrictions, negative, not applicable"},
        {"line": 6, "message": "'2021-13-45' is not a date in the format %Y-%m-%d"}]
    assert first["unknown"] == ["DEQARINST0999"]
    assert first["institutions"] == [{"entry": entry_id, "deqarId": fx.DEQAR_ID,
                                      "reports": 3, "changed": True}]
    qa = entry(client, admin, entry_id)["qualityAssurance"]
    assert qa[0]["validFrom"] == MANUAL_QA["validFrom"]
    assert [(q["reportId"], q["status"], q["decision"], q["validFrom"], q["validUntil"])
            for q in qa[1:]] == [
        ("5002", "voluntary", "positive with conditions or restrictions", "2019-03-15",
         "2025-03-14"),
        ("5001", "part of obligatory EQA system", "positive", "2020-01-01", "2026-12-31"),
        ("5003", "part of obligatory EQA system", "negative", "2021-01-01", "2027-01-01")]
    assert qa[2]["reportUrl"] == "https://ekka.example/5001.pdf"
    assert qa[1]["programmes"] == ["Data Science"]
    second = upload()
    assert second["institutions"][0]["changed"] is False
    assert entry(client, admin, entry_id)["qualityAssurance"] == qa


def test_bad_files_are_named_problems(client: TestClient, admin: dict) -> None:
    def upload(body: bytes, media: str) -> Any:
        return client.post("/admin/registry/deqar/import", content=body,
                           headers={**admin, "Content-Type": media})

    bad_header = upload(b"did,legal_name\nx,y\n", "text/csv")
    assert bad_header.status_code == 400
    assert bad_header.json()["type"] == "urn:mcred:problem:bad-deqar-file"
    assert "lacks agency" in bad_header.json()["detail"]
    assert upload(b"\xff\xfe", "text/csv").status_code == 400
    assert upload(b"{not json", "application/json").status_code == 400
    assert upload(b"42", "application/json").status_code == 400
    assert upload(b"x", "application/xml").status_code == 415


def test_json_import_through_the_cli(client: TestClient, admin: dict, svc: Services,
                                     tmp_path: Path) -> None:
    entry_id = linked_entry(client, admin)
    export = tmp_path / "deqar.json"
    broken = {**fx.report(3), "valid_from": None}
    export.write_bytes(fx.page([fx.report(1), fx.report(2, level="programme",
                                                        valid_to=None), broken]))
    done = subprocess.run([sys.executable, "-m", "app.cli", "registry", "deqar-import",
                           str(export)], cwd=ROOT, env=mcred_env(svc.settings),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["errors"] == [{"report": 3, "message": "missing date"}]
    qa = entry(client, admin, entry_id)["qualityAssurance"]
    # an open end: six years from valid_from (report_data.md "Validity")
    assert [(q.get("reportId"), q.get("validUntil")) for q in qa] == [
        (None, "2012-12-31"), ("1", "2026-12-31"), ("2", "2026-01-01")]


# --- what the registry and the verify pipeline make of it ---------------------------------

def records(*reports: dict[str, Any]) -> list[Any]:
    return [deqar.record(r, fx.DEQAR_ID) for r in reports]


def test_qa_valid_on_a_date(client: TestClient, admin: dict, svc: Services) -> None:
    linked_entry(client, admin, qa=[])
    with svc.db.session() as session:
        service.replace_deqar_records(session, fx.DEQAR_ID, records(
            fx.report(1, valid_from="2020-01-01", valid_to="2022-12-31"),
            fx.report(2, valid_from="2023-01-01", valid_to="2025-12-31", decision="negative"),
            fx.report(3, valid_from="2024-02-29", valid_to=None,
                      status="voluntary", decision="positive with conditions or restrictions")),
            "test", "test")
    with svc.db.session() as session:
        def lookup(day: date) -> service.Lookup:
            return service.lookup(session, UT, day)

        assert lookup(date(2021, 6, 1)).qa_valid is True
        assert lookup(date(2022, 12, 31)).qa_valid is True
        assert lookup(date(2023, 6, 1)).qa_valid is False  # only the negative report
        assert lookup(date(2019, 12, 31)).qa_valid is False
        assert lookup(date(2030, 2, 28)).qa_valid is True  # open end: six years, voluntary
        assert lookup(date(2030, 3, 1)).qa_valid is False
        assert [q["reportId"] for q in lookup(date(2024, 6, 1)).qa_current] == ["3"]


def test_a_second_entry_cannot_take_the_same_deqar_id(client: TestClient, admin: dict) -> None:
    linked_entry(client, admin)
    clash = client.post("/admin/registry", headers=admin, json={
        "dids": ["did:web:other.example"], "legalName": "Other", "country": "EE",
        "deqarId": fx.DEQAR_ID})
    assert clash.status_code == 409
    assert clash.json()["type"] == "urn:mcred:problem:deqar-id-registered"
    assert client.post("/admin/registry", headers=admin, json={
        "dids": ["did:web:other.example"], "legalName": "Other", "country": "EE",
        "deqarId": "282"}).status_code == 422


@pytest.mark.parametrize(("decision", "valid_to", "passes"), [
    ("positive", "2027-12-31", True),
    ("positive with conditions or restrictions", None, True),
    ("negative", "2027-12-31", False),
    ("positive", "2026-06-29", False),  # ended the day before the award (2026-06-30)
])
def test_verify_pipeline_registry_check_uses_deqar_reports(
        client: TestClient, admin: dict, svc: Services, api_key: dict, achievement: dict,
        decision: str, valid_to: str | None, passes: bool) -> None:
    linked_entry(client, admin, qa=[])
    with svc.db.session() as session:
        service.replace_deqar_records(session, fx.DEQAR_ID, records(fx.report(
            1, valid_from="2021-01-01", valid_to=valid_to, decision=decision)), "test", "test")
    _, body = verify(client, award(client, api_key, achievement["id"]))
    if passes:
        assert outcome(body)["registry"] == "passed"
        [qa] = body["report"]["registry"]["qualityAssuranceOnIssuance"]
        assert (qa["source"], qa["reportId"], qa["decision"]) == ("deqar", "1", decision)
    else:
        assert outcome(body) == only_failing("registry")
        assert "no quality assurance valid on the issuance date 2026-06-30" in next(
            c["message"] for c in body["report"]["checks"] if c["name"] == "registry")


def test_updates_without_deqar_records_keep_them(client: TestClient, admin: dict,
                                                 svc: Services) -> None:
    entry_id = linked_entry(client, admin)
    with svc.db.session() as session:
        service.replace_deqar_records(session, fx.DEQAR_ID, records(
            fx.report(1, decision="negative")), "test", "test")
    # a PUT with only manual QA (what the console's form sends) keeps the DEQAR record and
    # the link; a negative report does not turn into a manual, decision-less one
    answer = client.put(f"/admin/registry/{entry_id}", headers=admin, json={
        "dids": [UT], "legalName": "Tartu Ülikool", "country": "EE",
        "qualityAssurance": [MANUAL_QA]})
    assert answer.status_code == 200, answer.text
    after = entry(client, admin, entry_id)
    assert after["deqarId"] == fx.DEQAR_ID
    assert [(q.get("source"), q.get("decision")) for q in after["qualityAssurance"]] == [
        (None, None), ("deqar", "negative")]
    with svc.db.session() as session:
        assert service.lookup(session, UT, date(2024, 1, 1)).qa_valid is False
