"""DEQAR quality assurance reports for the registry: a client for the DEQAR Web API (v2) and
an importer for report data files, both turning DEQAR reports into the registry's
DEQAR-sourced QA records (docs/deqar.md).

Field names and values follow EQAR/deqar-docs: web_api_endpoints.md and web_api_examples.md
(the report objects), report_data.md (the CSV columns, status / decision ids and names, and
"valid for six years" when ``valid_to`` is open)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import ProblemError
from app.limits import loads_json
from app.outbound import OutboundError, OutboundPolicy, fetch
from app.registry import service
from app.registry.schemas import (
    DEQAR_DECISIONS,
    DEQAR_INSTITUTION,
    DEQAR_STATUSES,
    QualityAssuranceEntry,
)

PAGE_SIZE = 100
MAX_PAGES = 50  # 5000 reports of one level for one institution: far beyond any real one
REPORT_LEVELS = ("institutional", "programme")
# report_data.md "Validity": an open end means valid for six years from valid_from.
OPEN_END_YEARS = 6
ACTIVITY_TYPES = ("institutional", "institutional/programme", "programme", "joint programme")
MAX_ROWS = 20_000


class DeqarError(Exception):
    """DEQAR could not be asked, or its answer was unusable; the message is one line."""


# --- reports -> QA records -----------------------------------------------------------------

def _day(value: Any, fmt: str = "%Y-%m-%d") -> date:
    """A DEQAR date: ``2018-09-14``, ``2018-01-01T00:00:00Z`` (list answers) or, in CSV,
    in the row's ``date_format`` (``%-d`` / ``%-m`` read like ``%d`` / ``%m``)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("missing date")
    text = value.strip()
    if fmt == "%Y-%m-%d" and len(text) > 10 and text[10] == "T":
        text = text[:10]
    try:
        return datetime.strptime(text, fmt.replace("%-", "%")).date()
    except ValueError:
        raise ValueError(f"{text[:30]!r} is not a date in the format {fmt[:20]}") from None


def open_end(valid_from: date) -> date:
    try:
        return valid_from.replace(year=valid_from.year + OPEN_END_YEARS)
    except ValueError:  # 29 February
        return valid_from.replace(year=valid_from.year + OPEN_END_YEARS, day=28)


def _named(value: Any, names: tuple[str, ...], what: str) -> str:
    """A status or decision given as its DEQAR name or id (report_data.md, "Details")."""
    text = str(value if value is not None else "").strip()
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    head = text.split(" - ", 1)[-1].strip().lower() if " - " in text else text.lower()
    for name in names:
        if head == name.lower():
            return name
    raise ValueError(f"{what} {text[:60]!r} is none of: {', '.join(names)}")


def _url(candidates: Iterable[Any]) -> str | None:
    for value in candidates:
        if isinstance(value, str) and value.startswith(("https://", "http://")) \
                and len(value) <= 2000:
            return value
    return None


def record(report: dict[str, Any], deqar_id: str) -> QualityAssuranceEntry:
    """One DEQAR report object (Web API shape) as a QA record of institution ``deqar_id``.
    Raises ValueError naming what is wrong."""
    if not isinstance(report, dict):
        raise ValueError("a report is not a JSON object")
    valid_from = _day(report.get("valid_from"))
    valid_to = report.get("valid_to")
    until = _day(valid_to) if valid_to else open_end(valid_from)
    agency = report.get("agency_acronym") or report.get("agency_name")
    if not isinstance(agency, str) or not agency.strip():
        raise ValueError("report without agency_acronym")
    activity_type = report.get("agency_esg_activity_type")
    if activity_type is not None and activity_type not in ACTIVITY_TYPES:
        raise ValueError(f"activity type {str(activity_type)[:40]!r} is none of:"
                         f" {', '.join(ACTIVITY_TYPES)}")
    files = [f.get("file") for f in report.get("report_files") or [] if isinstance(f, dict)]
    links = [k.get("link") for k in report.get("report_links") or [] if isinstance(k, dict)]
    programmes = []
    for p in report.get("programmes") or []:
        if isinstance(p, dict) and isinstance(p.get("name_primary"), str):
            level = p.get("qf_ehea_level")
            programmes.append(p["name_primary"][:250] + (f" ({level})" if isinstance(level, str)
                                                          and level else ""))
    data = {"agency": agency.strip()[:300],
            "agencyId": str(report["agency_id"]) if report.get("agency_id") is not None
            else None,
            "deqarId": deqar_id,
            # DEQAR holds reports of EQAR-registered agencies only: ESG-compliant by definition
            "esgAligned": True, "validFrom": valid_from, "validUntil": until,
            "reportUrl": _url(files + links), "source": "deqar",
            "reportId": str(report["id"])[:20] if report.get("id") is not None else None,
            "activityType": activity_type,
            "decision": _named(report.get("decision"), DEQAR_DECISIONS, "decision"),
            "status": _named(report.get("status"), DEQAR_STATUSES, "status"),
            "programmes": programmes[:50]}
    try:
        return QualityAssuranceEntry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from None


def _institution_ids(report: dict[str, Any]) -> list[str]:
    ids = [i.get("deqar_id") for i in report.get("institutions") or [] if isinstance(i, dict)]
    return [i for i in ids if isinstance(i, str) and DEQAR_INSTITUTION.fullmatch(i)]


# --- the Web API client -------------------------------------------------------------------

def institution_number(deqar_id: str) -> int:
    """DEQARINST0382 -> 382, the id the Web API's paths take."""
    if not DEQAR_INSTITUTION.fullmatch(deqar_id):
        raise DeqarError(f"{deqar_id[:40]!r} is not a DEQAR institution id such as"
                         " DEQARINST0382")
    return int(deqar_id.removeprefix("DEQARINST"))


_STATUS_WORDS = {401: "refused the request: the DEQAR token is missing or wrong (HTTP 401)",
                 403: "refused the request: the DEQAR token may not read this (HTTP 403)",
                 404: "does not know this (HTTP 404)",
                 429: "is rate limiting us; try again later (HTTP 429)"}


class DeqarClient:
    """The DEQAR Web API (v2), over the guarded outbound HTTP: an institution's reports."""

    def __init__(self, base_url: str, token: str | None, policy: OutboundPolicy) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.policy = policy

    def _get(self, url: str) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            body, _ = fetch(url, self.policy, headers=headers)
        except OutboundError as exc:
            words = _STATUS_WORDS.get(exc.status or 0)
            if words:
                raise DeqarError(f"DEQAR {words}: {url}") from None
            raise DeqarError(f"DEQAR could not be asked: {exc}") from None
        try:
            return loads_json(body)
        except ValueError:
            raise DeqarError(f"DEQAR answered {url} with malformed JSON") from None

    def institution(self, deqar_id: str) -> dict[str, Any]:
        """The institution record (deqar_id, name_primary, identifiers, countries, …)."""
        number = institution_number(deqar_id)
        answer = self._get(f"{self.base_url}/browse/institutions/{number}")
        if not isinstance(answer, dict):
            raise DeqarError(f"DEQAR's institution {deqar_id} is not a JSON object")
        return answer

    def _pages(self, first: str) -> Iterable[dict[str, Any]]:
        url: str | None = first
        base = urlsplit(self.base_url)
        for _ in range(MAX_PAGES):
            if url is None:
                return
            page = self._get(url)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise DeqarError(f"DEQAR answered {url} with no 'results' list")
            yield from page["results"]
            url = page.get("next")
            if url is not None:
                nxt = urlsplit(str(url))
                # the token goes only where the base URL points
                if (nxt.scheme, nxt.netloc) != (base.scheme, base.netloc):
                    raise DeqarError(f"DEQAR's next page {str(url)[:200]} leaves"
                                     f" {base.netloc}")
        raise DeqarError(f"DEQAR has more than {MAX_PAGES} pages of reports at {first}")

    def reports(self, deqar_id: str) -> list[dict[str, Any]]:
        """All institutional and programme reports about the institution, every page."""
        number = institution_number(deqar_id)
        query = urlencode({"limit": PAGE_SIZE, "offset": 0})
        out: list[dict[str, Any]] = []
        for level in REPORT_LEVELS:
            out += self._pages(f"{self.base_url}/browse/reports/{level}/by-institution/"
                               f"{number}/?{query}")
        return out

    def records(self, deqar_id: str) -> tuple[list[QualityAssuranceEntry], list[str]]:
        """The institution's reports as QA records, and a line for each unusable one."""
        records, problems = [], []
        for report in self.reports(deqar_id):
            try:
                records.append(record(report, deqar_id))
            except ValueError as exc:
                rid = report.get("id") if isinstance(report, dict) else None
                problems.append(f"report {rid}: {exc}")
        return records, problems

    def reports_valid_on(self, deqar_id: str, day: date) -> list[QualityAssuranceEntry]:
        """The reports that make the institution's QA valid on ``day`` (docs/deqar.md)."""
        return [r for r in self.records(deqar_id)[0] if r.covers(day)]


def sync(db: Database, client: DeqarClient, deqar_ids: list[str],
         actor: str) -> list[dict[str, Any]]:
    """Fetch each institution's reports (no database connection held while fetching), then
    replace its DEQAR-sourced QA records in a short transaction. One result per id."""
    results: list[dict[str, Any]] = []
    for deqar_id in deqar_ids:
        try:
            records, problems = client.records(deqar_id)
        except DeqarError as exc:
            results.append({"deqarId": deqar_id[:40], "error": str(exc)})
            continue
        with db.session() as session:
            try:
                done = service.replace_deqar_records(session, deqar_id, records, actor,
                                                     "deqar:api")
            except ProblemError as exc:
                results.append({"deqarId": deqar_id, "error": exc.detail or exc.title})
                continue
        results.append({**done, "skipped": problems})
    return results


# --- report data files --------------------------------------------------------------------

@dataclass
class Parsed:
    """Reports of a file by institution, and the rows that could not be read."""

    by_institution: dict[str, list[QualityAssuranceEntry]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, report: dict[str, Any], where: dict[str, Any]) -> None:
        ids = _institution_ids(report)
        if not ids:
            self.errors.append({**where, "message": "no institution deqar_id (DEQARINST…)"})
            return
        try:
            for deqar_id in ids:
                self.by_institution.setdefault(deqar_id, []).append(record(report, deqar_id))
        except ValueError as exc:
            self.errors.append({**where, "message": str(exc)})


def parse_json(data: bytes) -> Parsed:
    """A Web API answer saved to a file (``{"count", "results": [...]}``), a list of
    report objects, or one report object."""
    try:
        document = loads_json(data)
    except ValueError as exc:
        raise DeqarError(f"the file is not JSON: {exc}") from None
    if isinstance(document, dict):
        document = document["results"] if isinstance(document.get("results"), list) \
            else [document]
    if not isinstance(document, list):
        raise DeqarError("expected a JSON report, a list of reports or {'results': [...]}")
    parsed = Parsed()
    for number, report in enumerate(document[:MAX_ROWS], 1):
        if not isinstance(report, dict):
            parsed.errors.append({"report": number, "message": "not a JSON object"})
            continue
        parsed.add(report, {"report": number})
    return parsed


def _indexed(cell: dict[str, str], stem: str, suffix: str = "") -> list[str]:
    """Values of repeatable columns ``stem[1]suffix``, ``stem[2]suffix``, … in order."""
    found = []
    for key, value in cell.items():
        if key.startswith(f"{stem}[") and key.endswith(f"]{suffix}") and value:
            index = key[len(stem) + 1:len(key) - len(suffix) - 1]
            if index.isdigit():
                found.append((int(index), value))
    return [v for _, v in sorted(found)]


def _csv_report(cell: dict[str, str]) -> dict[str, Any]:
    """A CSV row (report_data.md columns) as a report object of the Web API's shape."""
    fmt = cell.get("date_format") or "%Y-%m-%d"
    valid_from = _day(cell.get("valid_from"), fmt)
    valid_to = _day(cell["valid_to"], fmt) if cell.get("valid_to") else None
    return {"id": cell.get("report_id") or None, "agency_acronym": cell.get("agency"),
            "agency_esg_activity_type": cell.get("activity_type") or None,
            "status": cell.get("status"), "decision": cell.get("decision"),
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
            "report_files": [{"file": f} for f in _indexed(cell, "file", ".original_location")],
            "report_links": [{"link": u} for u in _indexed(cell, "link")],
            "institutions": [{"deqar_id": i}
                             for i in _indexed(cell, "institution", ".deqar_id")],
            "programmes": [{"name_primary": n, "qf_ehea_level": None}
                           for n in _indexed(cell, "programme", ".name_primary")]}


def parse_csv(data: bytes) -> Parsed:
    """DEQAR's CSV template (report_data.md): one report per row, repeatable columns
    ``institution[n].deqar_id``, ``file[n].original_location``, ``link[n]``, …"""
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        names = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DeqarError(f"the file is not UTF-8 CSV: {exc}") from None
    missing = [c for c in ("agency", "status", "decision", "valid_from") if c not in names]
    if missing or not any(n.startswith("institution[") and n.endswith(".deqar_id")
                          for n in names):
        raise DeqarError(f"the CSV header lacks {', '.join(missing) or 'institution[1].deqar_id'}"
                         " (DEQAR report data columns, report_data.md)")
    parsed = Parsed()
    try:
        for row in reader:
            if reader.line_num > MAX_ROWS + 1:
                raise DeqarError(f"more than {MAX_ROWS} rows")
            cell = {k.strip(): (v or "").strip() for k, v in row.items()
                    if isinstance(k, str) and isinstance(v, str)}
            where = {"line": reader.line_num}
            try:
                report = _csv_report(cell)
            except ValueError as exc:
                parsed.errors.append({**where, "message": str(exc)})
                continue
            parsed.add(report, where)
    except csv.Error as exc:
        raise DeqarError(f"line {reader.line_num}: {exc}") from None
    return parsed


def parse(data: bytes, kind: str) -> Parsed:
    if kind == "csv":
        return parse_csv(data)
    if kind == "json":
        return parse_json(data)
    raise DeqarError("upload DEQAR report data as application/json or text/csv")


def import_file(session: Session, parsed: Parsed, actor: str, source: str) -> dict[str, Any]:
    """Replace, for each institution of the file that has a registry entry, its
    DEQAR-sourced QA records with the file's (good) reports; say which were unknown."""
    imported, unknown = [], []
    for deqar_id, records in sorted(parsed.by_institution.items()):
        if service.by_deqar_id(session, deqar_id) is None:
            unknown.append(deqar_id)
            continue
        imported.append(service.replace_deqar_records(session, deqar_id, records, actor,
                                                      source))
    return {"institutions": imported, "unknown": unknown, "errors": parsed.errors}
