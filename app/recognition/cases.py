"""Recognition cases: open one (verify the presented credentials, weigh them against the
target), read, list, and record the officer's decision.

Opening a case holds no database connection while credentials are fetched or verified (a
remote did:web or status list may take seconds): the target is read in a short session, the
verification runs with its own short lookups, and the case is written in a last one."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.deps import Services
from app.errors import ProblemError, not_found
from app.issuers.models import Issuer
from app.messages import restored
from app.outbound import OutboundError
from app.recognition.assess import Presented, TargetView, assess, policies, presented_from_report
from app.recognition.matching import Statement
from app.recognition.models import RecognitionCase, RecognitionTarget
from app.recognition.schemas import CaseSpec, DecisionSpec, invalid
from app.verify.context import build_context
from app.verify.pipeline import Report, verify_credential
from app.verify.sources import credential_at

DECISION_WORDS = {"recognise": "recognised", "partial": "partly recognised",
                  "not-recognise": "not recognised"}


def invalid_case(errors: list[dict[str, object]]) -> ProblemError:
    return invalid(errors, what="case")


def _find_target(session: Session, issuer_id: int, spec: CaseSpec) -> RecognitionTarget:
    query = select(RecognitionTarget).where(RecognitionTarget.issuer_id == issuer_id)
    query = query.where(RecognitionTarget.id == spec.target_id) if spec.target_id else \
        query.where(RecognitionTarget.code == spec.target_code)
    target = session.scalar(query)
    if target is None:
        raise invalid_case([{"field": "targetId" if spec.target_id else "targetCode",
                             "message": "no such target of this institution"}])
    if target.status != "active":
        raise invalid_case([{"field": "targetId" if spec.target_id else "targetCode",
                             "message": "the target is retired"}])
    return target


def target_view(target: RecognitionTarget, purpose: str) -> tuple[TargetView, str]:
    """What the credentials are weighed against, and the policy's name. Admission weighs a
    programme's entry requirement when it names one, else the programme's own outcomes."""
    view = TargetView.of(target)
    entry = target.entry if purpose == "admission" else None
    if entry:
        outcomes = [Statement(o["text"], o.get("language") or target.language,
                              tuple(o.get("uris") or ())) for o in entry["learningOutcomes"]]
        ects = entry.get("ects")
        return TargetView(view.kind, f"{target.title} (entry requirement)", outcomes,
                          entry.get("eqfLevel"), float(ects) if ects is not None else None,
                          view.assessment, view.identification), "admission"
    return view, "admission-programme" if purpose == "admission" else purpose


def _documents(svc: Services, spec: CaseSpec) -> list[Any]:
    documents: list[Any] = []
    for index, item in enumerate(spec.credentials):
        if isinstance(item, dict):
            documents.append(item)
            continue
        try:
            documents.append(credential_at(svc, str(item)))
        except (OutboundError, ValueError) as exc:
            raise invalid_case([{"field": f"credentials.{index}",
                                 "message": f"{item} could not be read: {exc}"}]) from None
        except ProblemError as exc:
            if exc.status != 404:
                raise
            raise invalid_case([{"field": f"credentials.{index}",
                                 "message": f"{item}: no credential is shared there"}]) from None
    return documents


def _verification(report: Report) -> dict[str, Any]:
    score = report.score or {}
    return {"headline": report.headline, "verified": report.verified,
            "trusted": report.trusted, "profile": report.profile,
            "trafficLight": score.get("trafficLight"), "outcome": score.get("outcome"),
            "checks": [{"name": c.name, "status": c.status, "message": str(c.message)}
                       for c in report.checks]}


def open_case(svc: Services, issuer_id: int, spec: CaseSpec, actor: str) -> RecognitionCase:
    """Verify, weigh, store. Raises ProblemError 422 for a bad target or unreadable link."""
    with svc.db.session(read_only=True) as session:
        target = _find_target(session, issuer_id, spec)
        view, policy_name = target_view(target, spec.purpose)
        target_id, version = target.id, target.version
        snapshot = {"id": target.id, "code": target.code, "title": target.title,
                    "kind": target.kind, "version": target.version,
                    "weighedAgainst": view.title, "eqfLevel": view.eqf, "ects": view.ects,
                    "requiredAssessment": view.assessment,
                    "requiredIdentification": view.identification,
                    "learningOutcomes": [s.text for s in view.outcomes]}
    policy = policies(svc.settings.recognition_purposes,
                      svc.settings.rubrics_dir)[policy_name]
    documents = _documents(svc, spec)
    context = build_context(svc, policy.rubric)
    reports = [verify_credential(doc, context) for doc in documents]
    presented: list[Presented] = [presented_from_report(r) for r in reports]
    answer = assess(view, presented, spec.purpose, policy)
    answer["target"] = snapshot
    answer["credentials"] = [{**p.to_json(), "verification": _verification(r)}
                             for p, r in zip(presented, reports, strict=True)]
    now = datetime.now(UTC)
    case = RecognitionCase(id=uuid.uuid4().hex, issuer_id=issuer_id, target_id=target_id,
                           target_version=version, purpose=spec.purpose,
                           applicant=spec.applicant, credentials=documents, assessment=answer,
                           recommendation=answer["decision"], created_by=actor,
                           created_at=now)
    with svc.db.session() as session:
        session.add(case)
        audit.record(session, actor, "case.open", case.id, issuer_id=issuer_id,
                     target=snapshot["code"], purpose=spec.purpose,
                     recommendation=answer["decision"])
        session.flush()
        session.expunge(case)
    return case


def get_case(session: Session, issuer: Issuer, case_id: str) -> RecognitionCase:
    """The issuer's case; another issuer's is 'not found' (its existence is not told)."""
    case = session.get(RecognitionCase, case_id) if len(case_id) == 32 and case_id.isalnum() \
        else None
    if case is None or case.issuer_id != issuer.id:
        raise not_found("recognition case")
    return case


def list_cases(session: Session, issuer: Issuer, *, target_id: str | None = None,
               undecided: bool = False, limit: int = 200) -> list[RecognitionCase]:
    query = select(RecognitionCase).where(RecognitionCase.issuer_id == issuer.id)
    if target_id:
        query = query.where(RecognitionCase.target_id == target_id)
    if undecided:
        query = query.where(RecognitionCase.decision.is_(None))
    return list(session.scalars(query.order_by(RecognitionCase.created_at.desc()).limit(limit)))


def record_decision(session: Session, issuer: Issuer, case_id: str, spec: DecisionSpec,
                    actor: str) -> RecognitionCase:
    """The officer's decision, kept with the case (and in the audit log, each time)."""
    case = get_case(session, issuer, case_id)
    if spec.decision != case.recommendation and not (spec.note or "").strip():
        raise ProblemError(422, "decision-needs-reason", "A reason is needed",
                           f"the recommendation was '{case.recommendation}': a decision that"
                           " departs from it needs a note saying why",
                           errors=[{"field": "note", "message": "required when the decision"
                                    " departs from the recommendation"}])
    previous = case.decision
    case.decision, case.decision_note = spec.decision, (spec.note or "").strip() or None
    case.decided_by = spec.officer or actor
    case.decided_at = datetime.now(UTC)
    audit.record(session, actor, "case.decide", case.id, issuer_id=issuer.id,
                 decision=spec.decision, previous=previous, officer=case.decided_by)
    session.flush()
    return case


def to_json(case: RecognitionCase) -> dict[str, Any]:
    answer = case.assessment
    return {
        "id": case.id, "purpose": case.purpose, "applicant": case.applicant,
        "target": answer.get("target"),
        "recommendation": {k: answer.get(k) for k in
                           ("decision", "track", "summary", "summarySaid",
                            "substantialDifferences", "rplAdvice", "rplAdviceSaid")},
        "criteria": answer.get("criteria"), "coverage": answer.get("coverage"),
        "credentials": answer.get("credentials"), "policy": answer.get("policy"),
        "decision": None if case.decision is None else {
            "decision": case.decision, "note": case.decision_note, "by": case.decided_by,
            "at": case.decided_at.isoformat() if case.decided_at else None},
        "created": case.created_at.isoformat(), "createdBy": case.created_by,
    }



def said(answer: dict[str, Any]) -> dict[str, Any]:
    """A case's JSON with its reasons, advice and notes as messages again, for a page to say
    in the reader's language (cases opened before they were kept fall back to English)."""
    out = copy.deepcopy(answer)
    rec = out["recommendation"]
    rec["summary"] = restored(rec.get("summarySaid"), rec.get("summary") or "")
    rec["rplAdvice"] = [restored(s, e) for s, e in zip(
        rec.get("rplAdviceSaid") or [None] * len(rec.get("rplAdvice") or []),
        rec.get("rplAdvice") or [], strict=False)]
    for criterion in out.get("criteria") or []:
        criterion["reason"] = restored(criterion.get("said"), criterion["reason"])
    for row in out.get("coverage") or []:
        if row.get("note"):
            row["note"] = restored(row.get("noteSaid"), row["note"])
    return out
