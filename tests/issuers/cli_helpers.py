"""Run `mcred` as a subprocess on a test's database and key store."""

from __future__ import annotations

import subprocess
import sys

from app.deps import Services
from tests.conftest import ROOT, mcred_env


def mcred(svc: Services, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT,
                          env=mcred_env(svc.settings), capture_output=True, text=True,
                          timeout=120, check=False)
