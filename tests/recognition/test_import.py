"""Importing targets: a JSON list or a CSV file, all or nothing, every bad row named."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi.testclient import TestClient

URL = "/recognition/targets/import"
CSV_HEADER = ("kind,code,title,language,learningOutcomes,eqfLevel,qfEheaCycle,ects,"
              "requiredAssessment,requiredIdentification,entryRequirements\n")


def _post(client: TestClient, key: dict[str, str], data: str | bytes, media: str):  # type: ignore[no-untyped-def]
    return client.post(URL, content=data, headers={**key, "Content-Type": media})


def _codes(client: TestClient, key: dict[str, str]) -> list[str]:
    return [t["code"] for t in client.get("/recognition/targets", headers=key).json()["targets"]]


def test_json_list_imports_both_seed_targets(client: TestClient, api_key: dict[str, str],
                                            hank: dict[str, Any], betty: dict[str, Any]) -> None:
    response = _post(client, api_key, json.dumps([hank, betty]), "application/json")
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2
    assert _codes(client, api_key) == ["BHS-NUT-201", "MSC-SFS"]
    wrapped = _post(client, api_key, json.dumps({"targets": [{**hank, "code": "X1"}]}),
                    "application/json; charset=utf-8")
    assert wrapped.status_code == 201


def test_json_bad_items_are_named_and_nothing_is_stored(
        client: TestClient, api_key: dict[str, str], hank: dict[str, Any],
        betty: dict[str, Any]) -> None:
    bad = {**betty, "ects": -1}
    repeat = {**hank}
    response = _post(client, api_key, json.dumps([hank, bad, repeat]), "application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"item": 2, "field": "ects", "message": "Input should be greater than 0"} in errors
    assert {"item": 3, "field": "code",
            "message": "code 'BHS-NUT-201' repeats item 1"} in errors
    assert response.json()["detail"].endswith("nothing imported")
    assert _codes(client, api_key) == []


def test_csv_imports_with_multiline_outcomes(client: TestClient, api_key: dict[str, str]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER.strip().split(","))
    writer.writerow(["course", "BHS-NUT-201", "Nutrition and health", "en",
                     "Explain the functions of nutrients.\nAssess a person's dietary intake.",
                     "6", "first", "5", "exam;portfolio", "supervised-onsite-id",
                     "Human physiology passed"])
    writer.writerow(["programme", "MSC-SFS", "Master in Sustainable Food Systems", "en",
                     "Analyse a food system.", "7", "", "120", "", "", ""])
    response = _post(client, api_key, out.getvalue().encode(), "text/csv")
    assert response.status_code == 201, response.text
    course = response.json()["targets"][0]
    assert [o["text"] for o in course["learningOutcomes"]] == [
        "Explain the functions of nutrients.", "Assess a person's dietary intake."]
    assert course["requiredAssessment"] == ["exam", "portfolio"]
    programme = response.json()["targets"][1]
    assert programme["qfEheaCycle"] is None and programme["requiredAssessment"] == []


def test_csv_bad_rows_are_named_by_line(client: TestClient, api_key: dict[str, str]) -> None:
    data = (CSV_HEADER
            + 'course,C1,Good course,en,"First outcome\nSecond outcome",6,,5,exam,,\n'
            + "course,C2,Bad level,en,An outcome,9,,5,,,\n"
            + "module,C3,Bad kind,zz,An outcome,6,,5,,,\n"
            + "course,C4,Too many,en,An outcome,6,,5,,,,extra\n")
    response = _post(client, api_key, data, "text/csv")
    assert response.status_code == 422
    errors = response.json()["errors"]
    # line 2 spans two physical lines (a quoted newline), so the next row starts on line 4
    assert {(e["line"], e["field"]) for e in errors} == {
        (4, "eqfLevel"), (5, "kind"), (5, "language"), (6, "row")}
    assert _codes(client, api_key) == []


def test_import_refuses_codes_already_in_use(client: TestClient, api_key: dict[str, str],
                                             hank: dict[str, Any], betty: dict[str, Any]) -> None:
    assert client.post("/recognition/targets", json=hank, headers=api_key).status_code == 201
    response = _post(client, api_key, json.dumps([betty, hank]), "application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"item": 2, "field": "code",
                                          "message": "code 'BHS-NUT-201' is already in use"}]
    assert _codes(client, api_key) == ["BHS-NUT-201"]


def test_malformed_files_are_problems_not_500(client: TestClient, api_key: dict[str, str]) -> None:
    cases = [(b"{not json", "application/json", 400, "malformed-json"),
             (b'{"x": 1}', "application/json", 400, "bad-target-file"),
             (b"[]", "application/json", 400, "bad-target-file"),
             (b"[1, null]", "application/json", 422, "invalid-target"),
             (b"\xff\xfe", "text/csv", 400, "bad-csv"),
             (b"kind,code\ncourse,C1\n", "text/csv", 400, "bad-csv"),
             (b"kind,code,title,language,learningOutcomes,bogus\n", "text/csv", 400, "bad-csv"),
             (b"anything", "text/plain", 415, "unsupported-media-type")]
    for data, media, status, slug in cases:
        response = _post(client, api_key, data, media)
        assert response.status_code == status, (data, response.text)
        assert response.json()["type"] == f"urn:mcred:problem:{slug}"
    many = json.dumps([{"kind": "course"}] * 1001)
    assert _post(client, api_key, many, "application/json").status_code == 413
