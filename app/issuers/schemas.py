"""Request and response bodies of the issuers domain."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pycountry
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, field_validator

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
OrgType = Literal["hei", "other"]


class IssuerCreate(BaseModel):
    """An HEI or other provider to register as an issuer."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: str = Field(..., pattern=SLUG_PATTERN, description="URL/DID path name, e.g. 'uni-tartu'.")
    legal_name: str = Field(..., min_length=2, max_length=300)
    country: str = Field(..., description="ISO 3166-1 alpha-2 code of the issuer's country.")
    url: AnyHttpUrl
    email: EmailStr
    org_type: OrgType = Field("hei", description="'hei' (higher education) or 'other' provider.")
    suspension: bool = Field(False, description="also issue suspension status entries")

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str) -> str:
        code = value.upper()
        if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
        return code


class KeyOut(BaseModel):
    id: str
    publicKeyMultibase: str
    didKey: str
    created: datetime
    current: bool


class IssuerOut(BaseModel):
    slug: str
    did: str
    didDocumentUrl: str
    legalName: str
    country: str
    url: str
    email: str
    orgType: str
    suspension: bool
    created: datetime
    keys: list[KeyOut]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=200)


class ApiKeyOut(BaseModel):
    keyId: str
    apiKey: str = Field(..., description="Shown once; only its hash is stored.")
    label: str
    created: datetime
