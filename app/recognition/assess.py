"""A recognition case's answer: do these verified credentials earn this target, for this purpose?

Per criterion (learning outcomes, level, workload, assessment, identification, quality
assurance, authenticity) a result — met, partly, not met — with its reason and evidence; then a
recommendation on one of the seeds' two tracks: recognition in line with the Lisbon
Recognition Convention when nothing substantial differs, otherwise the substantial differences
named and recognition of prior learning (RPL) advised for what is missing.

Pure: it reads what the verification found (app.verify.pipeline.Report) and the target; the
case store (app.recognition.cases) keeps the answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.elements import vocabularies as vocab
from app.messages import Message, join, msg, restored, stored
from app.recognition.matching import Coverage, Options, Statement, match

PURPOSES_FILE = Path(__file__).resolve().parent / "purposes.json"
PURPOSES = ("exemption", "credit", "admission")
# How strongly the learner's identity was checked at assessment, weakest first.
IDENTIFICATION_RANK = {"unsupervised-no-id": 0, "supervised-no-id": 1,
                       "supervised-online-id": 2, "supervised-onsite-id": 3}
CRITERIA = ("learningOutcomes", "level", "workload", "assessment", "identification",
            "qualityAssurance", "authenticity")
# ECTS users' guide: 25-30 hours of work per credit; the lower bound gives the learner the
# benefit of the doubt when a credential states hours only.
HOURS_PER_ECTS = 25


@dataclass(frozen=True)
class Policy:
    coverage: float
    partial_coverage: float
    workload_share: float | None
    level_tolerance: int
    rubric: str


class PurposesError(ValueError):
    """A purposes file that cannot be used."""


POLICY_NAMES = (*PURPOSES, "admission-programme")


def _share(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise PurposesError(f"{name} must be a number from 0 to 1")
    return float(value)


@lru_cache(maxsize=4)
def policies(path: Path | None = None, rubrics_dir: Path | None = None) -> dict[str, Policy]:
    """Each purpose's policy, from ``path`` (MCRED_RECOGNITION_PURPOSES) or the built-in file;
    each names a rubric, built in or in ``rubrics_dir`` (MCRED_RUBRICS_DIR)."""
    from app.verify.scoring import RubricError, load_rubric

    path = path or PURPOSES_FILE
    try:
        data = json.loads(path.read_text("utf-8"))["purposes"]
        out: dict[str, Policy] = {}
        for name in POLICY_NAMES:
            p = data[name]
            share = p["workloadShare"]
            out[name] = Policy(_share(p["coverage"], f"{name}.coverage"),
                               _share(p["partialCoverage"], f"{name}.partialCoverage"),
                               None if share is None else _share(share, f"{name}.workloadShare"),
                               int(p["levelTolerance"]), str(p["rubric"]))
            load_rubric(out[name].rubric, rubrics_dir)
    except (OSError, ValueError, KeyError, TypeError, RubricError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise PurposesError(f"recognition purposes file {path}: {what}") from None
    return out


@dataclass
class Presented:
    """One presented credential as the verification read it."""

    title: str | None
    issuer: str | None
    verified: bool
    trusted: bool
    headline: str
    outcomes: list[Statement]
    eqf: int | None
    ects: float | None
    hours: float | None
    assessment: str | None  # AssessmentKey
    identification: str | None  # SupervisionKey
    identity_checked: bool
    qa_level: int | None  # the e-VALUATE robustness 0-3 of the verification's score
    failures: list[str]  # messages of the deciding checks that failed
    language: str | None = None

    @property
    def workload_ects(self) -> float | None:
        if self.ects is not None:
            return self.ects
        return round(self.hours / HOURS_PER_ECTS, 2) if self.hours else None

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "issuer": self.issuer, "verified": self.verified,
                "trusted": self.trusted, "headline": self.headline,
                "outcomes": [{"text": s.text, "language": s.language, "uris": list(s.uris)}
                             for s in self.outcomes],
                "eqfLevel": self.eqf, "ects": self.ects, "hours": self.hours,
                "assessment": self.assessment, "identification": self.identification,
                "identityChecked": self.identity_checked, "qualityAssuranceLevel": self.qa_level,
                "failures": self.failures}


def _key(uri: Any, table: dict[str, vocab.Concept]) -> str | None:
    concept = vocab.concept_by_uri(str(uri or ""))
    return concept.key if concept is not None and concept in table.values() else None


def presented_from_report(report: Any) -> Presented:
    """A verification report (app.verify.pipeline.Report) as the case needs it."""
    found = report.elements or {}

    def value(name: str) -> Any:
        item = found.get(name)
        return item.value if item is not None and item.problem is None else None

    language = value("language")
    links = value("learningOutcomeLinks") or [{"statement": s, "frameworks": []}
                                              for s in value("learningOutcomes") or []]
    outcomes = [Statement(str(link["statement"]), getattr(link["statement"], "lang", None)
                          or language, tuple(link.get("frameworks") or ())) for link in links]
    level, work = value("level") or {}, value("workload") or {}
    body = value("awardingBody") or {}
    score = report.score or {}
    qa = next((c for c in score.get("criteria", []) if c["criterion"] == "qualityAssurance"),
              None)
    deciding = [c for c in report.checks if c.name in report.DECIDING and c.status == "failed"]
    return Presented(
        title=report.summary.get("title") or value("title"),
        issuer=body.get("name") or report.summary.get("issuer"),
        verified=report.verified, trusted=report.trusted, headline=report.headline,
        outcomes=outcomes, eqf=level.get("eqf"), ects=work.get("ects"), hours=work.get("hours"),
        assessment=_key(value("assessmentType"), vocab.ASSESSMENT_TYPES),
        identification=_key(value("supervisionAndIdentityVerification"), vocab.SUPERVISION),
        identity_checked=value("identityChecked") is True,
        qa_level=qa["level"] if qa else None,
        failures=[f"{c.name}: {c.message}" for c in deciding], language=language)


@dataclass
class TargetView:
    """What the assessment needs of a recognition target (app.recognition.models)."""

    kind: str
    title: str
    outcomes: list[Statement]
    eqf: int | None
    ects: float | None
    assessment: list[str]
    identification: str | None

    @classmethod
    def of(cls, target: Any) -> TargetView:
        return cls(target.kind, target.title,
                   [Statement(o["text"], o.get("language") or target.language,
                              tuple(o.get("uris") or ())) for o in target.outcomes],
                   target.eqf_level, float(target.ects) if target.ects is not None else None,
                   list(target.assessment or []), target.identification)


def _result(criterion: str, result: str, reason: Message, **evidence: Any) -> dict[str, Any]:
    # The English reason for the API, and how to say it again in another language (pages).
    return {"criterion": criterion, "result": result, "reason": str(reason),
            "said": stored(reason),
            "evidence": evidence}


def _outcomes(coverage: list[Coverage], policy: Policy) -> dict[str, Any]:
    covered = sum(c.covered for c in coverage)
    share = covered / len(coverage) if coverage else 0.0
    result = "met" if share >= policy.coverage else \
        "partly" if share >= policy.partial_coverage and covered else "not-met"
    return _result("learningOutcomes", result,
                   msg("%(covered)s of %(total)s target learning outcomes covered",
                       covered=covered, total=len(coverage)),
                   covered=covered, total=len(coverage), share=round(share, 3))


def _level(target: TargetView, used: list[Presented], policy: Policy) -> dict[str, Any]:
    if target.eqf is None:
        return _result("level", "met", msg("the target names no EQF level"))
    levels = [p.eqf for p in used]
    if not used or any(lv is None for lv in levels):
        return _result("level", "not-met", msg("a credential states no EQF level"),
                       levels=levels)
    lowest = min(lv for lv in levels if lv is not None)
    floor = target.eqf - policy.level_tolerance
    if lowest >= floor:
        return _result("level", "met", msg("EQF %(level)s for a target at EQF %(target)s",
                                                 level=lowest, target=target.eqf),
                       levels=levels)
    return _result("level", "not-met", msg("EQF %(level)s is below the target's EQF %(target)s",
                                             level=lowest, target=target.eqf),
                   levels=levels)


def _workload(target: TargetView, used: list[Presented], policy: Policy) -> dict[str, Any]:
    if policy.workload_share is None:
        return _result("workload", "met", msg("workload is not weighed for this purpose"))
    amounts = [p.workload_ects for p in used]
    if not used or any(a is None for a in amounts):
        return _result("workload", "not-met", msg("a credential states no workload"),
                       ects=amounts)
    total = round(sum(a for a in amounts if a is not None), 2)
    if target.ects is None:
        return _result("workload", "met", msg("%(total)s ECTS; the target names no workload",
                                                    total=f"{total:g}"),
                       ects=amounts, total=total)
    needed = round(target.ects * policy.workload_share, 2)
    numbers = {"total": f"{total:g}", "target": f"{target.ects:g}", "needed": f"{needed:g}"}
    if total >= needed:
        return _result("workload", "met", msg("%(total)s ECTS presented for a target of"
                                              " %(target)s ECTS", **numbers),
                       ects=amounts, total=total, needed=needed)
    return _result("workload", "partly" if total >= needed / 2 else "not-met",
                   msg("%(total)s ECTS presented for a target of %(target)s ECTS (at least"
                       " %(needed)s needed)", **numbers), ects=amounts, total=total,
                   needed=needed)


def _assessment(target: TargetView, used: list[Presented]) -> dict[str, Any]:
    kinds = [p.assessment for p in used]
    if not target.assessment:
        return _result("assessment", "met", msg("the target requires no assessment type"),
                       presented=kinds)
    if used and all(k in target.assessment for k in kinds):
        return _result("assessment", "met", msg("assessed as the target requires"),
                       presented=kinds, accepted=target.assessment)
    return _result("assessment", "not-met",
                   msg("not assessed the way the target requires (%(accepted)s)",
                       accepted=join(", ", (vocab.ASSESSMENT_TYPES[k].label
                                            for k in target.assessment))),
                   presented=kinds, accepted=target.assessment)


def _identification(target: TargetView, used: list[Presented]) -> dict[str, Any]:
    presented = [p.identification for p in used]
    if target.identification is None:
        return _result("identification", "met", msg("the target requires no identity check"),
                       presented=presented)
    need = IDENTIFICATION_RANK[target.identification]
    ranks = [IDENTIFICATION_RANK.get(p.identification or "", -1)
             + (1 if p.identity_checked and p.identification == "supervised-no-id" else 0)
             for p in used]
    if used and min(ranks) >= need:
        return _result("identification", "met", msg("identity checked as the target requires"),
                       presented=presented, required=target.identification)
    return _result("identification", "not-met",
                   msg("the target requires: %(required)s",
                       required=vocab.SUPERVISION[target.identification].label),
                   presented=presented,
                   required=target.identification)


def _quality(used: list[Presented]) -> dict[str, Any]:
    levels = [p.qa_level for p in used]
    if used and all((lv or 0) >= 2 for lv in levels):
        return _result("qualityAssurance", "met",
                       msg("quality assured (e-VALUATE robustness 2-3)"),
                       levels=levels)
    if used and all((lv or 0) >= 1 for lv in levels):
        return _result("qualityAssurance", "partly", msg("quality assurance declared but not"
                       " confirmed by the registry"), levels=levels)
    return _result("qualityAssurance", "not-met", msg("no quality assurance shown"),
                   levels=levels)


def _authenticity(presented: list[Presented]) -> dict[str, Any]:
    failed = [i for i, p in enumerate(presented) if not p.verified]
    untrusted = [i for i, p in enumerate(presented) if p.verified and not p.trusted]
    if not presented or len(failed) == len(presented):
        return _result("authenticity", "not-met", msg("no presented credential verifies"),
                       failed=failed)
    if failed:
        return _result("authenticity", "partly", msg("some credentials do not verify and are"
                       " not counted"), failed=failed, untrusted=untrusted)
    if untrusted:
        return _result("authenticity", "partly", msg("genuine, but the awarding body is not in"
                       " the trusted registry"), untrusted=untrusted)
    return _result("authenticity", "met", msg("every credential verifies and its awarding body"
                   " is trusted"))


def assess(target: TargetView, presented: list[Presented], purpose: str,
           policy: Policy | None = None, options: Options | None = None) -> dict[str, Any]:
    """The case's answer: coverage outcome by outcome, criteria, recommendation, advice."""
    policy = policy or policies()[purpose]
    counted = [i for i, p in enumerate(presented) if p.verified]
    coverage = match(target.outcomes, [presented[i].outcomes if i in counted else []
                                       for i in range(len(presented))], options)
    # The credentials that cover something are the ones the other criteria weigh.
    used_ids = sorted({e.credential for c in coverage for e in c.by}) or counted
    used = [presented[i] for i in used_ids]
    # The labelling rule: all genuine credentials' workload counts, not only the covering ones.
    genuine = [presented[i] for i in counted]
    criteria = [_outcomes(coverage, policy), _level(target, used, policy),
                _workload(target, genuine, policy), _assessment(target, used),
                _identification(target, used), _quality(used), _authenticity(presented)]
    return {"purpose": purpose, "policy": policy.__dict__, "coverage":
            [c.to_json() for c in coverage], "credentialsWeighed": used_ids,
            "criteria": criteria, **_recommend(criteria, coverage, target)}


def _recommend(criteria: list[dict[str, Any]], coverage: list[Coverage],
               target: TargetView) -> dict[str, Any]:
    by = {c["criterion"]: c for c in criteria}
    missing = [c.text for c in coverage if not c.covered]
    differences = [c for c in criteria if c["result"] != "met"]
    rpl: list[Message] = [msg("learning outcome not shown: %(outcome)s", outcome=text)
                          for text in missing]
    for c in differences:
        if c["criterion"] == "assessment":
            rpl.append(msg("an assessment of the covered outcomes as the target requires"))
        elif c["criterion"] == "identification":
            rpl.append(msg("an assessment of the covered outcomes with the identity check the"
                           " target requires"))
        elif c["criterion"] == "workload":
            rpl.append(msg("evidence of the missing workload, or an assessment of its"
                           " outcomes"))
    rpl = list({str(m): m for m in rpl}.values())
    def reasons(chosen: list[dict[str, Any]]) -> Message:
        return join("; ", (restored(c["said"], c["reason"]) for c in chosen))

    summary: Message
    if by["authenticity"]["result"] == "not-met" or by["learningOutcomes"]["result"] == \
            "not-met":
        decision, track = "not-recognise", "rpl"
        summary = msg("Not recognisable as it stands: %(reasons)s. The learner may ask for"
                      " recognition of prior learning for '%(target)s'.",
                      reasons=reasons([c for c in criteria if c["result"] == "not-met"]),
                      target=target.title)
    elif not differences:
        decision, track = "recognise", "lisbon"
        summary = msg("Recognise: no substantial differences were found, so recognition is"
                      " due in line with the Lisbon Recognition Convention.")
    else:
        decision, track = "partial", "substantial-differences"
        summary = msg("Substantial differences: %(differences)s. Recognise what is covered and"
                      " assess the rest through recognition of prior learning (RPL).",
                      differences=reasons(differences))
    return {"decision": decision, "track": track, "summary": str(summary),
            "summarySaid": stored(summary),
            "substantialDifferences": [c["criterion"] for c in differences],
            "rplAdvice": [str(m) for m in rpl], "rplAdviceSaid": [stored(m) for m in rpl]}
