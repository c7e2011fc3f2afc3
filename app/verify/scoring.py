"""The e-VALUATE / Micro-Evaluator traffic light: seven criteria at robustness 0-3, combined
into recognisable / context-dependent / not recognisable.

Code computes named facts from the verification; which facts earn which level, the weights,
the gatekeepers and the thresholds come from a rubric file (app/verify/rubrics/*.json or
MCRED_RUBRICS_DIR), so a verifying organisation tunes them without code changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.messages import N_, coded, msg

CRITERIA = ("qualityAssurance", "verification", "level", "learningOutcomes", "workload",
            "assessment", "identification")
BUILTIN_RUBRICS = Path(__file__).resolve().parent / "rubrics"
# The outcome as the check message says it: its code in the API, its name on a page.
OUTCOME_WORDS = {"recognisable": msg("recognisable"),
                 "context-dependent": msg("context-dependent"),
                 "not-recognisable": coded("not-recognisable", N_("not recognisable"))}
OUTCOMES = {
    "green": ("recognisable",
              "recognisable in line with the Lisbon Recognition Convention"),
    "orange": ("context-dependent",
               "recognition depends on the purpose; recognition of prior learning advised"
               " for the criteria that scored low"),
    "red": ("not-recognisable", "not recognisable as it stands; refer to RPL or assessment"),
}


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: int = Field(..., ge=0, le=3)
    when: list[str]
    reason: str


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weight: float = Field(1, ge=0)
    rules: list[Rule] = Field(..., min_length=1)


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str
    description: str = ""
    green_minimum: int = Field(2, alias="greenMinimum", ge=0, le=3)
    red_share: float = Field(0.5, alias="redShare", gt=0, le=1)
    gatekeepers: list[str] = Field(default_factory=list)
    skip_when_onsite_only: list[str] = Field(default_factory=list, alias="skipWhenOnsiteOnly")
    criteria: dict[str, Criterion]

    def model_post_init(self, _context: Any) -> None:
        missing = set(CRITERIA) - set(self.criteria)
        if missing:
            raise ValueError(f"rubric {self.name!r} lacks criteria {sorted(missing)}")


class RubricError(Exception):
    """An unknown or invalid rubric."""


def valid_rubric_name(name: str) -> bool:
    """Letters, digits, ``-`` and ``_`` only: a rubric name becomes a file name."""
    return name.replace("-", "").replace("_", "").isalnum()


def load_rubric(name: str, extra_dir: Path | None = None) -> Rubric:
    """The rubric ``name`` from MCRED_RUBRICS_DIR (first) or the built-in ones."""
    if not valid_rubric_name(name):
        raise RubricError(f"invalid rubric name {name!r}")
    for folder in (extra_dir, BUILTIN_RUBRICS):
        if folder is not None and (folder / f"{name}.json").is_file():
            try:
                return Rubric.model_validate(json.loads((folder / f"{name}.json").read_text()))
            except (ValueError, TypeError) as exc:
                raise RubricError(f"rubric {name!r} is invalid: {exc}") from None
    raise RubricError(f"no rubric named {name!r}")


@dataclass(frozen=True)
class CriterionScore:
    criterion: str
    level: int | None  # None: not applicable
    colour: str
    weight: float
    reason: str
    evidence: list[str]

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _colour(level: int | None) -> str:
    return {None: "grey", 3: "green", 2: "green", 1: "orange", 0: "red"}[level]


def score(facts: dict[str, bool], rubric: Rubric, onsite_only: bool = False) -> dict[str, Any]:
    """Per-criterion levels with reasons, and the overall traffic light."""
    results = []
    for name in CRITERIA:
        criterion = rubric.criteria[name]
        if onsite_only and name in rubric.skip_when_onsite_only:
            results.append(CriterionScore(name, None, "grey", 0,
                                          msg("not applicable to on-site learning"), []))
            continue
        rule = next(r for r in [*criterion.rules, Rule(level=0, when=[], reason=N_("no rule met"))]
                    if all(facts.get(f, False) for f in r.when))
        # The built-in rubrics' reasons are in the catalogues (scripts/babel_json.py).
        results.append(CriterionScore(name, rule.level, _colour(rule.level), criterion.weight,
                                      msg(rule.reason), [f for f in rule.when if facts.get(f)]))
    applicable = [r for r in results if r.level is not None]
    total = sum(r.weight for r in applicable) or 1.0
    low = sum(r.weight for r in applicable if (r.level or 0) <= 1)
    if any(r.criterion in rubric.gatekeepers and r.level == 0 for r in applicable):
        light, why = "red", msg("a gatekeeping criterion (quality assurance or verification)"
                                " scored 0")
    elif all((r.level or 0) >= rubric.green_minimum for r in applicable):
        light, why = "green", msg("every applicable criterion scored %(minimum)s or more",
                                  minimum=rubric.green_minimum)
    elif low / total >= rubric.red_share:
        light, why = "red", msg("%(low)s of %(total)s weighted criteria scored 1 or less",
                                low=format(low, "g"), total=format(total, "g"))
    else:
        light, why = "orange", msg("some criteria scored 1 or less")
    outcome, advice = OUTCOMES[light]
    weighted = sum(r.weight * (r.level or 0) for r in applicable) / (3 * total)
    return {"rubric": rubric.name, "trafficLight": light, "outcome": outcome, "advice": advice,
            "because": why, "weightedScore": round(weighted, 3),
            "criteria": [r.to_json() for r in results]}
