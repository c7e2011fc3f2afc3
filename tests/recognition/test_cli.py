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
