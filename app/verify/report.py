"""The HTML rendering of a verification report (server-side, no external assets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.verify.pipeline import Report

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())


def render_html(report: Report, document: Any, source: str | None = None) -> str:
    return _env.get_template("verify_report.html").render(
        report=report.to_json(), source=source, verified=report.verified)
