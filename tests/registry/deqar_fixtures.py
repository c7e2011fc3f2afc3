"""Hand-built DEQAR data in DEQAR's documented formats (EQAR/deqar-docs). Each fixture says
which doc section it follows; the values are invented (institution DEQARINST0282, agency
EKKA), not copied from real records."""

from __future__ import annotations

import json
from typing import Any

DEQAR_ID = "DEQARINST0282"
INSTITUTION = {"id": 282, "deqar_id": DEQAR_ID, "name_primary": "University of Tartu",
               "website_link": "https://ut.ee"}


def report(rid: int, *, level: str = "institutional", valid_from: str = "2020-01-01",
           valid_to: str | None = "2026-12-31", decision: str = "positive",
           status: str = "part of obligatory EQA system") -> dict[str, Any]:
    """A report object as listed by /browse/reports/{level}/by-institution/{id}/ —
    web_api_examples.md, Example #1 (the institutional and the programme results)."""
    programmes = [] if level == "institutional" else [{
        "id": 9000 + rid, "name_primary": "Data Science",
        "programme_names": [{"name": "Data Science", "name_is_primary": True,
                             "qualification": "Master"}],
        "programme_identifiers": [], "nqf_level": "", "qf_ehea_level": "second cycle",
        "countries": []}]
    return {
        "id": rid, "agency_name": "Estonian Quality Agency for Education",
        "agency_acronym": "EKKA", "agency_id": 27,
        "agency_url": "https://backend.deqar.eu/webapi/v1/browse/agencies/27/",
        "agency_esg_activity": "Institutional accreditation" if level == "institutional"
        else "Programme accreditation",
        "agency_esg_activity_type": level, "name": "Accreditation",
        "institutions": [INSTITUTION], "institutions_hierarchical": [],
        "institutions_historical": [], "programmes": programmes, "report_valid": True,
        "valid_from": valid_from, "valid_to": valid_to, "status": status,
        "decision": decision,
        "report_files": [{"file_display_name": "Report", "languages": ["English"],
                          "file": f"https://backend.deqar.eu/reports/EKKA/report-{rid}.pdf"}],
        "report_links": [], "local_identifier": f"EKKA-{rid}", "other_comment": None,
        "flag": "none"}


def page(results: list[dict[str, Any]], count: int | None = None,
         next_url: str | None = None, previous: str | None = None) -> bytes:
    """A paginated answer {count, next, previous, results} — web_api_examples.md, Example #1
    ("browse through the result pages with custom limit and offset parameters")."""
    return json.dumps({"count": len(results) if count is None else count, "next": next_url,
                       "previous": previous, "results": results}).encode()


# The institution record — web_api_examples.md, Example #3 (abridged; identifiers with
# resource tags, countries with ISO codes).
INSTITUTION_RECORD = {
    "id": 282, "deqar_id": DEQAR_ID, "name_primary": "University of Tartu",
    "eter": "EE0001 - University of Tartu",
    "identifiers": [{"agency": None, "identifier": "ut.ee", "resource": "SCHAC",
                     "identifier_valid_from": "1992-01-01", "identifier_valid_to": None}],
    "countries": [{"country": {"iso_3166_alpha2": "EE", "iso_3166_alpha3": "EST",
                               "name_english": "Estonia"}, "city": "Tartu"}]}

# DEQAR's CSV report template — report_data.md (column names; repeatable columns with [n];
# status / decision as id or name; date_format per row) and
# files/SubmissionSample_institutional-programme.csv (column order). ``report_id`` is the
# DEQAR Report ID column; ``activity_type`` is the activity's type (report_data.md
# "Activity") added so the export says which level a report is.
CSV_HEADER = ("report_id,agency,local_identifier,activity,activity_type,status,decision,"
              "valid_from,valid_to,date_format,link[1],file[1].original_location,"
              "file[1].display_name,file[1].report_language[1],institution[1].deqar_id,"
              "programme[1].name_primary,programme[1].qf_ehea_level")
CSV_ROWS = [
    # line 2: institutional, obligatory (id 1), positive (id 1), ISO dates
    "5001,EKKA,EKKA-5001,institutional accreditation,institutional,1,1,2020-01-01,2026-12-31,"
    "%Y-%m-%d,https://ekka.example/decisions/5001,https://ekka.example/5001.pdf,Report,en,"
    "DEQARINST0282,,",
    # line 3: programme, voluntary by name, positive with conditions, day-first dates
    "5002,EKKA,EKKA-5002,programme accreditation,programme,voluntary,"
    "positive with conditions or restrictions,15/03/2019,14/03/2025,%d/%m/%Y,,,,,"
    "DEQARINST0282,Data Science,second cycle",
    # line 4: negative decision (id 3)
    "5003,EKKA,EKKA-5003,programme accreditation,programme,1,3,2021-01-01,2027-01-01,"
    "%Y-%m-%d,,,,,DEQARINST0282,Physics,first cycle",
    # line 5: bad — decision 7 does not exist
    "5004,EKKA,EKKA-5004,institutional accreditation,institutional,1,7,2021-01-01,,"
    "%Y-%m-%d,,,,,DEQARINST0282,,",
    # line 6: bad — date not in the row's format
    "5005,EKKA,EKKA-5005,institutional accreditation,institutional,1,1,2021-13-45,,"
    "%Y-%m-%d,,,,,DEQARINST0282,,",
    # line 7: an institution not in our registry
    "5006,EKKA,EKKA-5006,institutional accreditation,institutional,1,1,2021-01-01,,"
    "%Y-%m-%d,,,,,DEQARINST0999,,",
]
CSV = ("\n".join([CSV_HEADER, *CSV_ROWS]) + "\n").encode()
