"""The browser tests drive Debian's Chromium. Without it the run stops before any test starts,
with one line saying how to install it, instead of a Playwright traceback for every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MCRED_CHROMIUM", "/usr/bin/chromium")
HERE = Path(__file__).resolve().parent


def chromium_problem() -> str | None:
    """Why the browser tests cannot run here, or None when the Chromium executable is there."""
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return None
    return (f"Chromium is needed for the browser tests (tests/e2e) but {CHROMIUM} is not an "
            "executable: apt-get install chromium (or set MCRED_CHROMIUM to its path; "
            "--ignore=tests/e2e leaves these tests out)")


@pytest.hookimpl(trylast=True)  # after -k / -m / --deselect have removed what is not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.collectonly:
        return
    if not any(HERE in item.path.parents for item in items):
        return
    problem = chromium_problem()
    if problem:
        pytest.exit(problem, returncode=pytest.ExitCode.USAGE_ERROR)
