"""What a recognition target is, as data: the request body, validated field by field.

The vocabularies are the achievement spec's (app/elements/model.py): the same assessment
types, supervision / identity-check keys, EQF levels and QF-EHEA cycles, so a later matcher
compares like with like."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, TypeVar

import pycountry
from pydantic import Field, HttpUrl, ValidationError, field_validator, model_validator

from app.elements.model import AssessmentKey, QfEheaCycle, SupervisionKey
from app.elements.model import _Model as _ElementModel
from app.errors import ProblemError

TargetKind = Literal["course", "programme"]
TARGET_KINDS: tuple[str, ...] = ("course", "programme")
TARGET_STATES: tuple[str, ...] = ("active", "retired")
_BCP47 = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,6}$"


def _language_tag(value: str) -> str:
    """A BCP 47 tag whose primary subtag is a known ISO 639 language (lower-cased)."""
    primary = value.split("-")[0].lower()
    known = (pycountry.languages.get(alpha_2=primary) if len(primary) == 2
             else pycountry.languages.get(alpha_3=primary))
    if known is None:
        raise ValueError(f"'{value}' is not a BCP 47 tag of a known language")
    return primary + value[len(primary):]


class _Model(_ElementModel):
    """Same rules as the EU elements: camelCase, no extra fields, no control characters."""


M = TypeVar("M", bound=_Model)


class Outcome(_Model):
    """One learning outcome: its text, its language and optional framework URIs (ESCO…)."""

    text: str = Field(..., min_length=3, max_length=2000)
    language: str | None = Field(None, max_length=35, pattern=_BCP47,
                                 description="BCP 47; default: the target's language")
    uris: list[HttpUrl] = Field(default_factory=list, max_length=20,
                                description="framework concepts, e.g. ESCO skill URIs")

    _lang = field_validator("language")(lambda v: v if v is None else _language_tag(v))


class Entry(_Model):
    """What admission to a programme asks of an applicant's prior learning (the gap a
    micro-credential may fill): the outcomes, at which level, with how many ECTS."""

    learning_outcomes: list[Outcome] = Field(..., min_length=1, max_length=50)
    eqf_level: int | None = Field(None, ge=1, le=8)
    ects: Decimal | None = Field(None, gt=0, le=Decimal("999.99"), decimal_places=2)


class TargetSpec(_Model):
    """A course or programme an admissions or exam office recognises credentials against."""

    kind: TargetKind
    code: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                      description="the institution's own code, unique per institution")
    title: str = Field(..., min_length=3, max_length=300)
    language: str = Field(..., max_length=35, pattern=_BCP47, description="BCP 47 tag")
    description: str | None = Field(None, max_length=5000)
    learning_outcomes: list[Outcome] = Field(..., min_length=1, max_length=200)
    eqf_level: int | None = Field(None, ge=1, le=8)
    qf_ehea_cycle: QfEheaCycle | None = None
    ects: Decimal | None = Field(None, gt=0, le=Decimal("999.99"), decimal_places=2)
    required_assessment: list[AssessmentKey] = Field(default_factory=list, max_length=6)
    required_identification: SupervisionKey | None = None
    entry_requirements: str | None = Field(None, max_length=5000)
    entry: Entry | None = Field(None, description="admission: the prior learning a programme"
                                " asks for, which recognition for admission weighs against")

    _lang = field_validator("language")(_language_tag)

    @field_validator("required_assessment")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _level_given(self) -> TargetSpec:
        if self.eqf_level is None and self.qf_ehea_cycle is None:
            raise ValueError("level: give eqfLevel (1-8) and/or qfEheaCycle")
        return self


def field_errors(exc: ValidationError, **where: int) -> list[dict[str, object]]:
    """Pydantic errors → [{field, message}] (plus e.g. ``line``), camelCase field paths."""
    out: list[dict[str, object]] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        field = ".".join(loc)
        if not field and message.startswith("level:"):
            field = "eqfLevel"
        out.append({**where, "field": field or "body", "message": message})
    return out


_PROBLEMS = {"target": ("invalid-target", "Invalid recognition target"),
             "case": ("invalid-case", "Invalid recognition case"),
             "decision": ("invalid-decision", "Invalid decision")}


def invalid(errors: list[dict[str, object]], detail: str | None = None,
            what: str = "target") -> ProblemError:
    """422 naming every offending field (``what``: target, case or decision)."""
    fields = sorted({str(e["field"]) for e in errors})
    slug, title = _PROBLEMS[what]
    return ProblemError(422, slug, title,
                        detail or f"offending field(s): {', '.join(fields)}", errors=errors)


def _validated(model: type[M], data: object, what: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(field_errors(exc), what=what) from None


def validate_target(data: object) -> TargetSpec:
    return _validated(TargetSpec, data, "target")


def validate_case(data: object) -> CaseSpec:
    return _validated(CaseSpec, data, "case")


def validate_decision(data: object) -> DecisionSpec:
    return _validated(DecisionSpec, data, "decision")


Purpose = Literal["exemption", "credit", "admission"]
Decision = Literal["recognise", "partial", "not-recognise"]
MAX_CASE_CREDENTIALS = 10


class CaseSpec(_Model):
    """A recognition case: credentials (JSON documents or links to them) against a target."""

    target_id: str | None = Field(None, pattern=r"^[0-9a-f]{32}$")
    target_code: str | None = Field(None, min_length=1, max_length=64)
    purpose: Purpose
    applicant: str | None = Field(None, min_length=1, max_length=200,
                                  description="the applicant's name or file reference")
    credentials: list[dict[str, Any] | HttpUrl] = Field(..., min_length=1,
                                                        max_length=MAX_CASE_CREDENTIALS)

    @model_validator(mode="after")
    def _target_named(self) -> CaseSpec:
        if (self.target_id is None) == (self.target_code is None):
            raise ValueError("target: give targetId or targetCode")
        return self


class DecisionSpec(_Model):
    """The officer's decision; departing from the recommendation needs a reason."""

    decision: Decision
    note: str | None = Field(None, max_length=5000)
    officer: str | None = Field(None, min_length=1, max_length=200)
