"""The mcred command line, run as a real subprocess in a fresh folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHEAP_COSTS, ScratchDatabases


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MCRED_")}
    full_env.update({**CHEAP_COSTS, **(env or {})})
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def workdir(tmp_path: Path, scratch_dbs: ScratchDatabases) -> tuple[Path, dict[str, str]]:
    return tmp_path, {"MCRED_DATABASE_URL": scratch_dbs.new(),
                      "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def test_init_creates_secrets_schema_and_demo_issuer(workdir) -> None:  # type: ignore[no-untyped-def]
    cwd, env = workdir
    result = run(cwd, "init", env=env)
    assert result.returncode == 0, result.stderr
    assert "created demo issuer did:web:127.0.0.1%3A8000:issuers:demo-university" in result.stdout
    env_file = cwd / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    secret = next(line for line in env_file.read_text().splitlines()
                  if line.startswith("MCRED_KEY_SECRET=")).split("=", 1)[1]
    assert secret not in result.stdout + result.stderr
    listed = json.loads(run(cwd, "issuer", "list", env=env).stdout)
    assert [i["slug"] for i in listed] == ["demo-university"]
    # A second init is idempotent: no second demo issuer, secrets unchanged.
    assert run(cwd, "init", env=env).returncode == 0
    assert len(json.loads(run(cwd, "issuer", "list", env=env).stdout)) == 1
    assert secret in env_file.read_text()


def test_wrong_secret_is_one_line_and_nonzero(workdir) -> None:  # type: ignore[no-untyped-def]
    cwd, env = workdir
    assert run(cwd, "init", env=env).returncode == 0
    before = {p.name: p.read_bytes() for p in (cwd / "keys").iterdir()}
    result = run(cwd, "issuer", "list",
                 env={**env, "MCRED_KEY_SECRET": "a-wrong-secret-of-length"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "does not open the key store" in result.stderr
    assert {p.name: p.read_bytes() for p in (cwd / "keys").iterdir()} == before


def test_invalid_setting_is_one_line(workdir) -> None:  # type: ignore[no-untyped-def]
    cwd, env = workdir
    result = run(cwd, "serve", env={**env, "MCRED_PUBLIC_BASE_URL": "ftp://x",
                                    "MCRED_KEY_SECRET": "k" * 20, "MCRED_ADMIN_TOKEN": "a" * 20})
    assert result.returncode == 2
    assert result.stderr.strip() == ("mcred: error: invalid setting MCRED_PUBLIC_BASE_URL: Value"
                                     " error, must be an absolute http(s) URL such as"
                                     " https://credentials.uni.eu")


def test_issuer_create_rotate_and_api_key(workdir) -> None:  # type: ignore[no-untyped-def]
    cwd, env = workdir
    assert run(cwd, "init", "--no-demo", env=env).returncode == 0
    created = run(cwd, "issuer", "create", "--slug", "uni-bologna", "--name",
                  "Università di Bologna", "--country", "it", "--url", "https://unibo.it",
                  "--email", "info@unibo.it", env=env)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["country"] == "IT"
    rotated = run(cwd, "keys", "rotate", "uni-bologna", env=env)
    assert rotated.stdout.startswith("did:web:127.0.0.1%3A8000:issuers:uni-bologna#key-2 z6Mk")
    token = run(cwd, "issuer", "api-key", "uni-bologna", env=env).stdout.strip()
    assert token.startswith("mcred_")


def test_bad_cli_input_is_one_clear_line(workdir) -> None:  # type: ignore[no-untyped-def]
    cwd, env = workdir
    assert run(cwd, "init", "--no-demo", env=env).returncode == 0
    bad = run(cwd, "issuer", "create", "--slug", "x-uni", "--name", "X", "--country", "QQ",
              "--url", "https://x.eu", "--email", "a@x.eu", env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "mcred: error: invalid --name: String should have at least 2 characters;"
        " invalid --country: Value error, 'QQ' is not an ISO 3166-1 alpha-2 country code")
    missing = run(cwd, "keys", "rotate", "nobody", env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "mcred: error: issuer 'nobody' does not exist"
