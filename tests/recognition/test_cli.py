"""`mcred targets import|list`, run as a real subprocess against the test's database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.config import Settings
from tests.conftest import ROOT, mcred_env
from tests.recognition.conftest import DATA


def mcred(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT,
                          env=mcred_env(settings), capture_output=True, text=True, timeout=120,
                          check=False)


def test_import_then_list(settings: Settings, issuer: dict[str, Any], tmp_path: Path) -> None:
    both = [json.loads((DATA / name).read_text("utf-8")) for name in
            ("hank_nutrition_and_health.json", "betty_sustainable_food_systems.json")]
    file = tmp_path / "targets.json"
    file.write_text(json.dumps(both), "utf-8")
    result = mcred(settings, "targets", "import", str(file), "--issuer", "uni-tartu")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["imported"] == 2
    listed = mcred(settings, "targets", "list", "--issuer", "uni-tartu")
    assert listed.returncode == 0, listed.stderr
    assert [t["code"] for t in json.loads(listed.stdout)] == ["BHS-NUT-201", "MSC-SFS"]
    assert json.loads(listed.stdout)[1]["learningOutcomes"][5]["language"] == "nl"


def test_csv_errors_are_one_line_and_nonzero(settings: Settings, issuer: dict[str, Any],
                                            tmp_path: Path) -> None:
    file = tmp_path / "targets.csv"
    file.write_text("kind,code,title,language,learningOutcomes,eqfLevel,ects\n"
                    "course,C1,Good course,en,An outcome,6,5\n"
                    "course,C2,Bad course,en,An outcome,6,-1\n", "utf-8")
    result = mcred(settings, "targets", "import", str(file), "--issuer", "uni-tartu")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("mcred: error: 1 error(s); nothing imported: line 3 ects:")
    listed = mcred(settings, "targets", "list", "--issuer", "uni-tartu")
    assert json.loads(listed.stdout) == []


def test_missing_file_and_unknown_issuer(settings: Settings, issuer: dict[str, Any],
                                         tmp_path: Path) -> None:
    missing = mcred(settings, "targets", "import", str(tmp_path / "nope.json"),
                    "--issuer", "uni-tartu")
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert missing.stderr.count("\n") == 1
    for command in (("list",), ("import", str(DATA / "hank_nutrition_and_health.json"))):
        unknown = mcred(settings, "targets", *command, "--issuer", "nobody")
        assert unknown.returncode == 1
        assert unknown.stderr == "mcred: error: issuer 'nobody' does not exist\n"


def test_cases_open_weighs_a_credential_file_and_says_the_recommendation(
        settings: Settings, client: Any, api_key: dict[str, str], admin: dict[str, str],
        other_key: dict[str, str], tmp_path: Path) -> None:
    from tests.recognition.test_cases import GENT, _issue, _target
    from tests.verify.test_pipeline import trust

    trust(client, admin, GENT, "Ghent University", "BE")
    _target(client, api_key, json.loads((DATA / "betty_sustainable_food_systems.json")
                                        .read_text("utf-8")))
    issued = _issue(client, other_key, json.loads((DATA / "betty_credential.json")
                                                  .read_text("utf-8")), "Betty")
    file = tmp_path / "betty.json"
    file.write_text(json.dumps(issued["credentials"]["ob3"]), "utf-8")
    result = mcred(settings, "cases", "open", str(file), "--issuer", "uni-tartu",
                   "--target", "MSC-SFS", "--purpose", "admission", "--applicant", "Betty")
    assert result.returncode == 0, result.stderr
    case = json.loads(result.stdout)
    assert case["recommendation"]["decision"] == "recognise" and case["applicant"] == "Betty"
    assert result.stderr.startswith("recognise: Recognise: no substantial differences")
    # A missing file and an unknown target: one line each, non-zero.
    missing = mcred(settings, "cases", "open", str(tmp_path / "nope.json"), "--issuer",
                    "uni-tartu", "--target", "MSC-SFS", "--purpose", "admission")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    unknown = mcred(settings, "cases", "open", str(file), "--issuer", "uni-tartu",
                    "--target", "NOPE", "--purpose", "credit")
    assert unknown.returncode == 2
    assert unknown.stderr == ("mcred: error: offending field(s): targetCode: targetCode: no such"
                              " target of this institution\n")
