"""The one internal record both renderings (OBv3 and ELM) are made from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from app.elements.model import Evidence, Learner, MicroCredentialSpec

if TYPE_CHECKING:
    from app.credentials.accreditation import Accreditation


@dataclass(frozen=True)
class IssuerInfo:
    did: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    url: str
    email: str
    image: str | None = None  # URL of the issuer's logo (app/images)
    # The organizationIdentifier of the issuer's e-seal (app/issuers/eseals.py), its eIDAS
    # legal identifier in the ELM rendering; None without an e-seal (the DID stands in).
    legal_identifier: str | None = None


@dataclass(frozen=True)
class CredentialContent:
    """Everything a micro-credential says, before it is rendered and signed."""

    id: str  # urn:uuid:… of this rendering
    issuer: IssuerInfo
    achievement_id: str  # URL of the achievement definition
    spec: MicroCredentialSpec
    learner: Learner
    awarded_on: date
    issued_at: datetime
    salt: str  # public salt for the learner's hashed identifiers
    grade: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    valid_until: date | None = None
    composed_of: list[str] = field(default_factory=list)  # credential ids it stacks from
    status: list[dict[str, Any]] = field(default_factory=list)  # BitstringStatusListEntry
    # The status resource the ELM rendering names instead of the entries (EDC's anyURI).
    status_url: str | None = None
    achievement_image: str | None = None  # URL of the achievement's own badge image
    # The issuer's external QA on the award date, when known (app/credentials/accreditation):
    # the ELM rendering is then EDC-accredited.
    accreditation: Accreditation | None = None

    @property
    def credential_status(self) -> dict[str, Any] | list[dict[str, Any]]:
        """One entry as an object (what the OBv3 JSON Schema accepts), several as an array."""
        return self.status[0] if len(self.status) == 1 else list(self.status)

    @property
    def country(self) -> str:
        return self.spec.country or self.issuer.country

    def validity_and_status(self) -> dict[str, Any]:
        """``validUntil`` and ``credentialStatus``, present only when set: the same members
        in every rendering."""
        members: dict[str, Any] = {}
        if self.valid_until:
            members["validUntil"] = timestamp(self.valid_until)
        if self.status:
            members["credentialStatus"] = self.credential_status
        return members


def hashed_identity(value: str, salt: str) -> str:
    """OBv3 IdentityObject hash: ``sha256$`` + hex SHA-256 of value ‖ salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def timestamp(moment: datetime | date) -> str:
    """XML Schema dateTime in UTC with a Z, to the second."""
    if not isinstance(moment, datetime):
        return f"{moment.isoformat()}T00:00:00Z"
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
