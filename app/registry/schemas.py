"""Registry entries as exchanged over the API and in import/export files."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

import pycountry
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from app.issuers.schemas import refuse_hidden_characters


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True,
                              str_strip_whitespace=True)

    # No control, invisible or bidirectional formatting characters in any field: names and
    # DIDs are shown to people and compared byte for byte (app/elements/text.py).
    _plain = field_validator("*", mode="before")(refuse_hidden_characters)


def country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper case; ValueError otherwise."""
    if len(value) != 2 or pycountry.countries.get(alpha_2=value.upper()) is None:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return value.upper()


# DEQAR's decision and status names (deqar-docs report_data.md, "Details").
DEQAR_DECISIONS = ("positive", "positive with conditions or restrictions", "negative",
                   "not applicable")
DEQAR_STATUSES = ("part of obligatory EQA system", "voluntary")
# Decisions under which a report counts as QA valid (docs/deqar.md): both statuses count.
COUNTING_DECISIONS = frozenset(DEQAR_DECISIONS[:2])
DEQAR_INSTITUTION = re.compile(r"DEQARINST[0-9]{4,8}")
# Optional members left out when empty: records read exactly as before these fields existed.
_OMITTED_EMPTY = ("source", "report_id", "reportId", "activity_type", "activityType",
                  "decision", "status", "programmes", "agency_country", "agencyCountry")


class QualityAssuranceEntry(_Model):
    """One QA result (DEQAR-style): who assured the issuer, and for when. Entered by hand
    (``source`` absent or "manual") or brought from DEQAR (``source`` "deqar", with the
    report's id, activity type, decision and status)."""

    agency: str = Field(..., min_length=1, max_length=300)
    agency_id: str | None = Field(None, max_length=100, description="EQAR agency id")
    # Where the agency is based (EQAR's register says; DEQAR's reports do not): the ELM
    # rendering's accrediting agent needs a country to be an EDC Accreditation.
    agency_country: str | None = Field(None, description="ISO 3166-1 alpha-2 country of the"
                                                         " agency, e.g. EE for EKKA")
    deqar_id: str | None = Field(None, max_length=100, description="e.g. DEQARINST0282")
    esg_aligned: bool = Field(..., description="QA in line with the ESG")
    valid_from: date
    valid_until: date | None = None
    report_url: HttpUrl | None = None
    source: Literal["manual", "deqar"] | None = None
    report_id: str | None = Field(None, max_length=20, description="DEQAR report id")
    activity_type: Literal["institutional", "institutional/programme", "programme",
                           "joint programme"] | None = None
    decision: Literal[DEQAR_DECISIONS] | None = None  # type: ignore[valid-type]
    status: Literal[DEQAR_STATUSES] | None = None  # type: ignore[valid-type]
    programmes: list[str] = Field(default_factory=list, max_length=50,
                                  description="Programmes a programme-level report covers")

    @field_validator("agency_country")
    @classmethod
    def _agency_country(cls, value: str | None) -> str | None:
        return None if value is None else country_code(value)

    @field_validator("programmes")
    @classmethod
    def _programme_names(cls, values: list[str]) -> list[str]:
        if any(len(v) > 300 for v in values):
            raise ValueError("a programme name is longer than 300 characters")
        return values

    @model_validator(mode="after")
    def _dates(self) -> QualityAssuranceEntry:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("validUntil is before validFrom")
        return self

    @model_serializer(mode="wrap")
    def _without_empty_optional_fields(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        for key in _OMITTED_EMPTY:
            if key in data and data[key] in (None, []):
                del data[key]
        return data

    def covers(self, day: date) -> bool:
        """QA valid on ``day``: inside the validity, and (when a decision is recorded, as
        DEQAR reports have) a positive decision, with or without conditions."""
        if self.decision is not None and self.decision not in COUNTING_DECISIONS:
            return False
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


# ETSI EN 319 412-1 §5.1.4: a 3-letter scheme (VAT, NTR, PSD, LEI) or 2 letters and ':'
# (national schemes), the 2-letter country, '-', the identifier (e.g. VATES-G63287510).
ORG_IDENTIFIER = re.compile(r"(?:[A-Z]{3}|[A-Z]{2}:)[A-Z]{2}-[0-9A-Za-z./:+_-]{1,90}")


class RegistryEntryIn(_Model):
    dids: list[str] = Field(..., min_length=1, max_length=20)
    seal_ids: list[str] = Field(
        default_factory=list, max_length=20,
        description="Organisation identifiers (X.520 organizationIdentifier, 2.5.4.97) of the"
                    " issuer's e-seal certificates, e.g. VATES-G63287510")
    legal_name: str = Field(..., min_length=2, max_length=300)
    country: str
    org_type: Literal["hei", "other"] = "hei"
    quality_assurance: list[QualityAssuranceEntry] = Field(default_factory=list, max_length=500)
    status: Literal["active", "suspended"] = "active"
    deqar_id: str | None = Field(None, description="DEQAR institution id, e.g. DEQARINST0382;"
                                                   " links the entry to its DEQAR reports")

    @field_validator("deqar_id")
    @classmethod
    def _deqar_id(cls, value: str | None) -> str | None:
        if value is not None and not DEQAR_INSTITUTION.fullmatch(value):
            raise ValueError(f"{value[:40]!r} is not a DEQAR institution id such as"
                             " DEQARINST0382")
        return value

    @field_validator("dids")
    @classmethod
    def _dids(cls, values: list[str]) -> list[str]:
        for value in values:
            if not (value.startswith("did:") or value.startswith("https://")) or " " in value:
                raise ValueError(f"{value!r} is neither a DID nor an https issuer URL")
        return sorted(set(values))

    @field_validator("seal_ids")
    @classmethod
    def _seal_ids(cls, values: list[str]) -> list[str]:
        for value in values:
            if not ORG_IDENTIFIER.fullmatch(value):
                raise ValueError(f"{value[:100]!r} is not an organisation identifier such as"
                                 " VATES-G63287510 (ETSI EN 319 412-1)")
        return sorted(set(values))

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return country_code(value)


class RegistryEntryOut(RegistryEntryIn):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)
    id: int
    source: str
