"""The browser tests drive Debian's Chromium. Without it the run stops before any test starts,
with one line saying how to install it, instead of a Playwright traceback for every test.
One Chromium, and one server with an issued award, serve every module here that asks for them:
starting either takes seconds, and each test opens a browser context of its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.servers import served_award

CHROMIUM = os.environ.get("MCRED_CHROMIUM", "/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
# Flags for a sandboxed, offline machine (see the machine notes): no background networking.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


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


@pytest.fixture(scope="package")  # ended with tests/e2e: no Playwright loop after it
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Shared by the modules that only read its pages or add awards of their own."""
    with served_award(tmp_path_factory.mktemp("e2e")) as served:
        yield served
