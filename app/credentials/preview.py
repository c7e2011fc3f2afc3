"""What a definition would issue, before anything is issued: the unsigned OBv3 credential of a
sample learner, and the EU completeness of a definition being written, checked by the same
reader and rules a verifier applies to a real credential (elements.extract, completeness)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.credentials.content import CredentialContent, IssuerInfo
from app.credentials.ob3 import render_ob3
from app.credentials.service import achievement_url, validate_spec
from app.db import utcnow
from app.elements import completeness
from app.elements.extract import read_elements
from app.elements.model import MANDATORY_ELEMENTS, Learner, MicroCredentialSpec
from app.errors import ProblemError
from app.issuers.models import Issuer
from app.issuers.service import issuer_did
from app.messages import Message

SAMPLE_LEARNER = Learner(name="Alex Example", email="alex.example@example.org")
# Given when issuing, not in a definition: never "missing" while one is written.
AT_ISSUE = ("learner", "dateOfIssuing")


def sample_document(base_url: str, issuer: Issuer, spec: MicroCredentialSpec,
                    achievement_id: str, *, badge_url: str | None = None,
                    logo_url: str | None = None) -> dict[str, Any]:
    """The OBv3 credential ``spec`` would give the sample learner today: unsigned, without a
    status entry, stored nowhere."""
    info = IssuerInfo(did=issuer_did(base_url, issuer.slug), name=issuer.legal_name,
                      country=issuer.country, url=issuer.url, email=issuer.email,
                      image=logo_url)
    content = CredentialContent(
        id=f"urn:uuid:{uuid.uuid4()}", issuer=info,
        achievement_id=achievement_url(base_url, achievement_id), spec=spec,
        learner=SAMPLE_LEARNER, awarded_on=date.today(), issued_at=utcnow(),
        salt=uuid.uuid4().hex[:16], achievement_image=badge_url)
    return render_ob3(content)


@dataclass(frozen=True)
class ElementState:
    """One mandatory EU element of a definition being written."""

    element: str
    status: str  # "present" | "missing" | "malformed" | "at-issue"
    reason: Message | str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("present", "at-issue")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"element": self.element, "status": self.status,
                               "done": self.done}
        if self.reason:
            out["reason"] = str(self.reason)
        return out


@dataclass(frozen=True)
class Checked:
    """A definition checked: the spec when valid, the API's element errors otherwise, and
    the eleven mandatory elements' states either way."""

    spec: MicroCredentialSpec | None
    errors: list[dict[str, str]]
    elements: list[ElementState]

    @property
    def complete(self) -> bool:
        return self.spec is not None and all(e.done for e in self.elements)


def check_definition(base_url: str, issuer: Issuer, data: dict[str, Any]) -> Checked:
    """Validate ``data`` as the API does (``validate_spec``); when it is valid, read the
    sample credential it makes back with the verifier's reader and completeness rules."""
    try:
        spec = validate_spec(data)
    except ProblemError as exc:
        errors = list(exc.extra.get("errors", []))
        wrong = {e["element"]: e["message"] for e in errors}
        states = []
        for element in MANDATORY_ELEMENTS:
            if element in AT_ISSUE:
                states.append(ElementState(element, "at-issue"))
            elif element == "awardingBody":
                states.append(ElementState(element, "present"))  # the issuer itself
            elif element != "country" and _absent(element, data):
                states.append(ElementState(element, "missing", wrong.get(element)))
            elif element in wrong:
                states.append(ElementState(element, "malformed", wrong[element]))
            else:
                states.append(ElementState(element, "present"))
        return Checked(None, errors, states)
    document = sample_document(base_url, issuer, spec, "preview")
    _profile, found = read_elements(document)
    checks = {c.element: c for c in completeness.check(found) if c.mandatory}
    states = [ElementState(e, "at-issue") if e in AT_ISSUE
              else ElementState(e, checks[e].status, checks[e].reason)
              for e in MANDATORY_ELEMENTS]
    return Checked(spec, [], states)


_FIELDS_OF = {"title": ("title",), "learningOutcomes": ("learningOutcomes", "description"),
              "workload": ("ects",), "level": ("eqfLevel", "qfEheaCycle"),
              "assessmentType": ("assessmentType",), "participationForm": ("participation",),
              "qualityAssurance": ("qualityAssurance",), "country": ("country",)}


def _absent(element: str, data: dict[str, Any]) -> bool:
    return all(data.get(name) in (None, "", []) for name in _FIELDS_OF.get(element, ()))
