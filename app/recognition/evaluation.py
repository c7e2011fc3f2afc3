"""Score outcome matching and decisions against a hand-labelled evaluation set.

The set's format is tests/recognition/data/evaluation.schema.json. Used by the test that keeps
the figures from regressing and by bench/recognition_eval.py, which compares methods."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.recognition.assess import Policy, Presented, TargetView, assess, policies
from app.recognition.matching import Options, Statement, match


@dataclass
class Figures:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    decisions: int = 0
    right: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return self.right / self.decisions if self.decisions else 0.0

    def line(self) -> str:
        return (f"rows {self.tp + self.fp + self.fn + self.tn}: precision {self.precision:.3f}"
                f" recall {self.recall:.3f} F1 {self.f1:.3f}; decisions {self.right}/"
                f"{self.decisions} = {self.accuracy:.3f}")


def load(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text("utf-8"))["cases"]


def _statements(outcomes: list[dict[str, Any]], language: str | None) -> list[Statement]:
    return [Statement(o["text"], o.get("language") or language, tuple(o.get("uris") or ()))
            for o in outcomes]


def case_inputs(case: dict[str, Any]) -> tuple[TargetView, list[Presented]]:
    """A labelled case as the assessment's inputs: items verified, trusted, quality assured
    (the set labels outcomes, levels and workload, not signatures)."""
    t = case["target"]
    target = TargetView("course", t["title"], _statements(t["outcomes"], t.get("language")),
                        t.get("eqfLevel"), t.get("ects"), list(t.get("requiredAssessment") or []),
                        t.get("requiredIdentification"))
    items = [Presented(title=i.get("title"), issuer=None, verified=True, trusted=True,
                       headline="verified",
                       outcomes=_statements(i["outcomes"], i.get("language")),
                       eqf=i.get("eqfLevel"), ects=i.get("ects"), hours=None,
                       assessment=i.get("assessment"), identification=i.get("identification"),
                       identity_checked=False, qa_level=3, failures=[],
                       language=i.get("language"))
             for i in case["credential"]["items"]]
    return target, items


def evaluate(cases: list[dict[str, Any]], options: Options | None = None,
             decide: bool = True) -> Figures:
    """Row-level precision / recall of 'covered' and decision accuracy over ``cases``."""
    figures = Figures()
    table = policies()
    for case in cases:
        target, items = case_inputs(case)
        coverage = match(target.outcomes, [i.outcomes for i in items], options)
        for row, got in zip(case["expected"]["coverage"], coverage, strict=True):
            expected = bool(row["by"])
            if got.covered and expected:
                figures.tp += 1
            elif got.covered:
                figures.fp += 1
                figures.errors.append(f"{case['id']} t{row['target']}: covered, label says not")
            elif expected:
                figures.fn += 1
                figures.errors.append(f"{case['id']} t{row['target']}: missed")
            else:
                figures.tn += 1
        if decide:
            policy: Policy = table[case["purpose"]]
            answer = assess(target, items, case["purpose"], policy, options)
            figures.decisions += 1
            if answer["decision"] == case["expected"]["decision"]:
                figures.right += 1
            else:
                figures.errors.append(f"{case['id']}: decided {answer['decision']},"
                                      f" label says {case['expected']['decision']}")
    return figures
