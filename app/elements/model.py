"""The EU Council Recommendation (2022/C 243/02, Annex I) standard elements as data.

``MicroCredentialSpec`` is what an issuer defines once (the "badge class"); ``AwardRequest``
awards it to one learner. Validation errors name the EU element each field belongs to
(``ELEMENT_OF_FIELD``), so a 422 lists every offending element by name.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pycountry
from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from app.elements.text import CONTROL, text_problem
from app.messages import N_

ParticipationKey = Literal["online", "onsite", "blended", "hybrid", "work-based", "volunteering"]
AssessmentKey = Literal["exam", "skill-application", "portfolio", "prior-learning", "project",
                        "other"]
SupervisionKey = Literal["unsupervised-no-id", "supervised-no-id", "supervised-online-id",
                         "supervised-onsite-id"]
QaKey = Literal["internal", "external-institutional", "external-programme", "alternative"]
QfEheaCycle = Literal["short", "first", "second", "third"]

# The eleven mandatory elements of Annex I, by the names errors and reports use.
MANDATORY_ELEMENTS = (
    "learner", "title", "country", "awardingBody", "dateOfIssuing", "learningOutcomes",
    "workload", "level", "assessmentType", "participationForm", "qualityAssurance",
)
OPTIONAL_ELEMENTS = ("prerequisites", "supervisionAndIdentityVerification", "grade",
                     "integrationStackability", "furtherInformation")
# What pages call each element (and the other things a credential may say), in English; the
# pages translate these msgids (app/web/locales).
ELEMENT_LABELS = {
    "title": N_("Title"), "awardingBody": N_("Awarding body"),
    "country": N_("Country of the issuer"), "learner": N_("Learner"),
    "dateOfIssuing": N_("Date awarded"), "learningOutcomes": N_("Learning outcomes"),
    "workload": N_("Notional workload"), "level": N_("Level"),
    "assessmentType": N_("Type of assessment"), "participationForm": N_("Form of participation"),
    "qualityAssurance": N_("Quality assurance"), "grade": N_("Grade"),
    "prerequisites": N_("Prerequisites"),
    "supervisionAndIdentityVerification": N_("Supervision and identity verification"),
    "integrationStackability": N_("Integration / stackability"),
    "furtherInformation": N_("Further information"), "description": N_("What it is about"),
    "learningOutcomeAlignments": N_("Skills (ESCO)"), "criteria": N_("Criteria for the award"),
    "assessmentDescription": N_("How it was assessed"), "language": N_("Language"),
    "fieldOfStudy": N_("Field of study"), "components": N_("Made up of"),
    "validUntil": N_("Valid until"),
}

# Request field (camelCase) → EU element it carries.
ELEMENT_OF_FIELD = {
    "learner": "learner", "title": "title", "description": "learningOutcomes",
    "country": "country", "awardedOn": "dateOfIssuing", "learningOutcomes": "learningOutcomes",
    "ects": "workload", "workloadHours": "workload", "eqfLevel": "level",
    "qfEheaCycle": "level", "nqfLevel": "level", "level": "level",
    "assessmentType": "assessmentType", "assessmentDescription": "assessmentType",
    "participation": "participationForm", "qualityAssurance": "qualityAssurance",
    "prerequisites": "prerequisites", "supervision": "supervisionAndIdentityVerification",
    "grade": "grade", "gradeScale": "grade", "stackability": "integrationStackability",
    "furtherInformation": "furtherInformation",
}

_CONTROL = CONTROL  # kept for importers; the rule lives in app/elements/text.py


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True,
                              str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        # Control and invisible formatting characters have no place in a credential (see
        # app/elements/text.py); refuse them at the door.
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            problem = text_problem(text) if isinstance(text, str) else None
            if problem:
                raise ValueError(problem)
        return value


class LearningOutcome(_Model):
    """One learning outcome statement, optionally aligned to an ESCO skill."""

    statement: str = Field(..., min_length=3, max_length=2000)
    esco_skill: HttpUrl | None = Field(None, description="ESCO skill URI")


class QualityAssurance(_Model):
    """How the micro-credential is quality assured (the verifier re-checks the registry)."""

    type: QaKey
    agency: str | None = Field(None, max_length=300, description="QA agency (EQAR name/id)")
    deqar_report: HttpUrl | None = Field(None, description="DEQAR report permalink")
    description: str | None = Field(None, max_length=2000)


class Stackability(_Model):
    mode: Literal["standalone", "integrated", "stackable"]
    towards: list[HttpUrl] = Field(default_factory=list,
                                   description="credentials or programmes it stacks towards")


class MicroCredentialSpec(_Model):
    """A micro-credential as an issuer defines it once (Annex I elements but the learner's)."""

    title: str = Field(..., min_length=3, max_length=300)
    description: str = Field(..., min_length=3, max_length=5000)
    learning_outcomes: list[LearningOutcome] = Field(..., min_length=1, max_length=100)
    ects: float = Field(..., gt=0, le=180, description="notional workload in ECTS credits")
    workload_hours: float | None = Field(None, gt=0, le=10_000)
    eqf_level: int | None = Field(None, ge=1, le=8)
    qf_ehea_cycle: QfEheaCycle | None = None
    nqf_level: HttpUrl | None = Field(None, description="NQF level concept URI (QDR)")
    assessment_type: AssessmentKey
    assessment_description: str | None = Field(None, max_length=2000)
    participation: list[ParticipationKey] = Field(..., min_length=1)
    quality_assurance: list[QualityAssurance] = Field(..., min_length=1)
    country: str | None = Field(None, description="ISO 3166-1 alpha-2; default: the issuer's")
    prerequisites: str | None = Field(None, max_length=2000)
    supervision: SupervisionKey | None = None
    stackability: Stackability | None = None
    further_information: str | None = Field(None, max_length=2000)
    field_of_study: str | None = Field(None, description="ISCED-F 2013 code, e.g. 0688")
    language: str | None = Field(None, description="ISO 639-1 code of instruction")
    criteria: str | None = Field(None, max_length=5000)
    grade_scale: list[str] | None = Field(None, min_length=1, max_length=100)
    components: list[str] = Field(default_factory=list,
                                  description="ids of achievements this one is stacked from")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) != 2 or pycountry.countries.get(alpha_2=value.upper()) is None:
            raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
        return value.upper()

    @field_validator("field_of_study")
    @classmethod
    def _isced(cls, value: str | None) -> str | None:
        from app.elements.vocabularies import isced_f

        if value is not None:
            isced_f(value)  # ValueError names the unknown code
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and pycountry.languages.get(alpha_2=value.lower()) is None:
            raise ValueError(f"'{value}' is not an ISO 639-1 language code")
        return value.lower() if value else value

    @model_validator(mode="after")
    def _level_given(self) -> MicroCredentialSpec:
        if self.eqf_level is None and self.qf_ehea_cycle is None:
            raise ValueError("level: give eqfLevel (1-8) and/or qfEheaCycle")
        return self


class Learner(_Model):
    """The learner. Only the name appears in clear; identifiers are salted hashes."""

    name: str = Field(..., min_length=1, max_length=300)
    email: EmailStr | None = None
    student_id: str | None = Field(None, max_length=100)
    national_id: str | None = Field(None, max_length=100)
    did: str | None = Field(None, pattern=r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$", max_length=500)
    include_email: bool = Field(False, description="put the e-mail in clear (hashed otherwise)")
    # Only for e-mail to the learner (never in the credential): a BCP-47 tag; a language the
    # site does not speak falls back to the issuer's default.
    language: str | None = Field(None, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                                 max_length=35)


# Evidence addresses wallets and verifiers will open: web pages (or a URN naming a record),
# never `javascript:`, `data:` or `file:` addresses that a page rendering them would run.
EVIDENCE_SCHEMES = ("http", "https", "urn")


class Evidence(_Model):
    id: AnyUrl | None = None
    name: str | None = Field(None, max_length=300)
    narrative: str | None = Field(None, max_length=5000)

    @field_validator("id")
    @classmethod
    def _openable(cls, value: AnyUrl | None) -> AnyUrl | None:
        if value is not None and value.scheme not in EVIDENCE_SCHEMES:
            raise ValueError(f"evidence must be an {', '.join(EVIDENCE_SCHEMES)} address,"
                             f" not {value.scheme}:")
        return value


class AwardRequest(_Model):
    """Award an achievement to one learner (our own issuing shape)."""

    achievement_id: str = Field(..., min_length=1, max_length=200)
    learner: Learner
    awarded_on: date
    grade: str | None = Field(None, max_length=50)
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)
    valid_until: date | None = None
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)
    notify_learner: bool = Field(False, description="e-mail the learner their share link")

    @model_validator(mode="after")
    def _dates(self) -> AwardRequest:
        if self.valid_until is not None and self.valid_until <= self.awarded_on:
            raise ValueError("validUntil must be after awardedOn")
        return self


def grade_errors(grade: str | None, scale: list[str] | None) -> list[dict[str, str]]:
    """The grade against the achievement's grade scale: [] when it fits (or either is absent),
    else one ``grade`` error naming the allowed values.

    Exact match (both sides are already stripped by the models): folding case would let
    "a" stand for "A", yet the credential must carry the scale's own spelling, and a scale
    may tell cases apart; a near miss is refused with the allowed values, easy to fix."""
    if grade is None or not scale or grade in scale:
        return []
    return [{"element": "grade", "field": "grade",
             "message": f"'{grade}' is not on this achievement's grade scale; allowed: "
                        f"{', '.join(scale)}"}]


def element_errors(errors: list[dict]) -> list[dict[str, str]]:
    """Pydantic errors → [{element, field, message}] with the EU element each concerns."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        field = ".".join(loc)
        top = loc[0] if loc else ""
        element = ELEMENT_OF_FIELD.get(top)
        if element is None and message.startswith("level:"):
            element = "level"
        if element is None and top == "learner":
            element = "learner"
        out.append({"element": element or top or "request", "field": field or "body",
                    "message": message})
    return out
