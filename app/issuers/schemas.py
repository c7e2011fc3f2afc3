"""Request and response bodies of the issuers domain."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import pycountry
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
)

from app.elements.text import text_problem

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
OrgType = Literal["hei", "other"]
_LINE_BREAKS = ("\t", "\n", "\r")
# Validation context of values read back from the database: what was stored before these
# rules existed must still be shown, not turned into a 500.
STORED = {"stored": True}


def one_line_problem(text: str) -> str | None:
    """Why ``text`` may not be a name, label, URL or identifier given by an administrator, or
    None: the rule for any text that may go into a credential (app/elements/text.py), and,
    since these are single-line values, no tab or line break (control characters too)."""
    problem = text_problem(text)
    if problem is None and any(c in text for c in _LINE_BREAKS):
        problem = "must not contain control characters (tab or line break)"
    return problem


def refuse_hidden_characters(value: object, info: ValidationInfo) -> object:
    """A ``mode="before"`` field validator body: refuse a string (or list of strings) that
    ``one_line_problem`` finds fault with; the 422 then names the field. Values validated
    with ``context=STORED`` pass."""
    if info.context and info.context.get("stored"):
        return value
    for text in value if isinstance(value, list) else [value]:
        problem = one_line_problem(text) if isinstance(text, str) else None
        if problem:
            raise ValueError(problem)
    return value


# Path names of the console's own pages (/console/<name>/…): an issuer by one of these names
# would be hidden behind them.
RESERVED_SLUGS = frozenset({"admin", "account", "login", "logout", "logout-everywhere",
                            "welcome", "sso", "static"})


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

    _plain = field_validator("*", mode="before")(refuse_hidden_characters)

    @field_validator("slug")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise ValueError(f"'{value}' is reserved for mcred's own pages; choose another name")
        return value

    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str) -> str:
        code = value.upper()
        if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
        return code


class IssuerDetails(BaseModel):
    """An issuer's public details that its admins may change. Not the slug: it is the path
    of the issuer's did:web, which every credential it signed names."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    legal_name: str = Field(..., min_length=2, max_length=300)
    country: str = Field(..., description="ISO 3166-1 alpha-2 code of the issuer's country.")
    url: AnyHttpUrl
    email: EmailStr
    org_type: OrgType = "hei"

    _plain = field_validator("*", mode="before")(refuse_hidden_characters)
    _iso_country = field_validator("country")(IssuerCreate._iso_country.__func__)  # type: ignore[attr-defined]


class KeyOut(BaseModel):
    id: str
    publicKeyMultibase: str
    didKey: str
    created: datetime
    current: bool
    retired: datetime | None = Field(None, description="when a newer key replaced it")
    compromised: datetime | None = Field(None, description="when it was compromised (no proof"
                                         " by it verifies any more)")


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
    logo: str | None = Field(None, description="URL of the logo new credentials carry")


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("", max_length=200)

    _plain = field_validator("*", mode="before")(refuse_hidden_characters)


class ApiKeyOut(BaseModel):
    keyId: str
    apiKey: str = Field(..., description="Shown once; only its hash is stored.")
    label: str
    created: datetime


class ApiKeyInfo(BaseModel):
    """An API key as listed: never its secret, only its id and the token's public prefix."""

    keyId: str
    prefix: str = Field(..., description="the token's first part, e.g. mcred_<keyId>_")
    label: str
    created: datetime
    lastUsed: datetime | None = Field(None, description="last authentication (to the minute)")
    revoked: datetime | None = None


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(..., min_length=1, max_length=1000)

    _plain = field_validator("*", mode="before")(refuse_hidden_characters)


class CompromiseIn(Reason):
    """When the key stopped being the issuer's alone, and why it is known."""

    at: datetime = Field(..., description="time of compromise (date-time with a zone)")
