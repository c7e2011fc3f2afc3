"""An issuer's audit log in the console (viewers and up): its events newest first, filtered
by action and by day, a page at a time, each event's detail written out."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import audit
from app.console.auth import Desk, at_issuer
from app.deps import DB_READ_SESSION
from app.messages import msg
from app.web import labels
from app.web.render import page

router = APIRouter(prefix="/console", include_in_schema=False)

PER_PAGE = 50
ACTIONS = labels.AUDIT_ACTIONS


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def detail_lines(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's detail as (name, value) lines: text as is, anything else as compact JSON
    (a changed field's [before, after], a list of DIDs)."""
    lines = []
    for name, value in (detail or {}).items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                 separators=(", ", ": "))
        lines.append((str(name), "—" if value is None else str(shown)))
    return lines


@router.get("/{slug}/audit")
def audit_log(request: Request, desk: Desk = Depends(at_issuer("viewer", write=False)),
              session: Session = DB_READ_SESSION,
              action: str = Query("", max_length=100), since: str = Query("", max_length=10),
              until: str = Query("", max_length=10),
              page_number: int = Query(1, alias="page", ge=1, le=1_000_000)) -> Response:
    typed = {"action": action, "since": since, "until": until}
    errors: dict[str, object] = {}
    days: dict[str, date | None] = {}
    for name in ("since", "until"):
        try:
            days[name] = _day(typed[name])
        except ValueError:
            errors[name] = msg("Give a date as YYYY-MM-DD.")
            days[name] = None
    if not errors and days["since"] and days["until"] and days["until"] < days["since"]:
        errors["until"] = msg("The end date is before the start date.")
    actions = audit.issuer_actions(session, desk.issuer.id)
    found = None
    if action and action not in actions:  # nothing to look for (and no odd text sent on)
        found = audit.EventPage([], 1, 1, 0)
    elif not errors:
        found = audit.issuer_events(session, desk.issuer.id, action=action or None,
                                    since=days["since"], until=days["until"],
                                    page=page_number, per_page=PER_PAGE)
    return page(request, "console/audit.html", 422 if errors else 200, desk=desk,
                found=found, actions=actions, names=ACTIONS, typed=typed, errors=errors,
                details=detail_lines, pages=_pager(request, found))


def _pager(request: Request, found: audit.EventPage | None) -> dict[str, str]:
    """The previous and next pages' addresses, with the filters (and language) kept."""
    if found is None:
        return {}
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page" and v]
    links = {}
    if found.page > 1:
        links["previous"] = "?" + urlencode([*kept, ("page", str(found.page - 1))])
    if found.page < found.pages:
        links["next"] = "?" + urlencode([*kept, ("page", str(found.page + 1))])
    return links
