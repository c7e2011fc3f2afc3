"""Sample data: a full micro-credential definition and a learner."""

from __future__ import annotations

from typing import Any

FULL_SPEC: dict[str, Any] = {
    "title": "Data Literacy for Public Administration",
    "description": "Learners analyse public-sector datasets and communicate findings.",
    "learningOutcomes": [
        {"statement": "Evaluate the quality of a public dataset and document its limitations.",
         "escoSkill": "http://data.europa.eu/esco/skill/4dcb6d5f-4b3b-4a5e-9b64-4a7b4b1e2f11"},
        {"statement": "Communicate data-based findings to non-specialist decision makers."},
    ],
    "ects": 3,
    "workloadHours": 75,
    "eqfLevel": 6,
    "qfEheaCycle": "first",
    "nqfLevel": "http://data.europa.eu/snb/qdr/c_c392e7a2",
    "assessmentType": "project",
    "assessmentDescription": "Final data analysis report and two online quizzes",
    "participation": ["online", "blended"],
    "qualityAssurance": [{"type": "external-institutional", "agency": "EKKA",
                          "deqarReport": "https://www.eqar.eu/qa-results/report/12345",
                          "description": "Institutional accreditation, valid until 2029"}],
    "prerequisites": "Basic spreadsheet skills",
    "supervision": "supervised-online-id",
    "stackability": {"mode": "stackable",
                     "towards": ["https://ut.ee/programmes/msc-public-data"]},
    "furtherInformation": "https://ut.ee/micro/data-literacy",
    "fieldOfStudy": "0688",
    "language": "en",
    "criteria": "Pass the final project with at least grade E.",
    "gradeScale": ["A", "B", "C", "D", "E", "F"],
}

LEARNER = {"name": "Mari Maasikas", "email": "Mari.Maasikas@example.ee", "studentId": "B123456"}


def award_body(achievement_id: str, **extra: Any) -> dict[str, Any]:
    return {"achievementId": achievement_id, "learner": dict(LEARNER),
            "awardedOn": "2026-06-30", "grade": "B", **extra}
