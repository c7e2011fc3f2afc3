"""Per-issuer single sign-on: the settings (validated, client secret sealed) and whom an SSO
sign-in admits to which issuer. The console's pages call these; the protocol itself is in
app.console.oidc."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.console import accounts
from app.console.models import SsoSettings, StaffUser
from app.console.oidc import SsoError
from app.issuers.keys import KeyStore, KeyStoreError
from app.issuers.models import Issuer
from app.messages import msg

# Roles a first-time SSO user may get: never admin (an IdP account must not make itself
# the issuer's admin); "" admits only people an admin added first.
NEW_USER_ROLES = ("", "viewer", "staff")
MAX_DOMAINS = 20
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")


def _secret_context(issuer: Issuer) -> str:
    # Bound to the issuer: a sealed secret copied to another issuer's row does not open.
    return f"sso-client-secret|{issuer.id}"


@dataclass(frozen=True)
class SsoConfig:
    """An issuer's SSO settings as plain data, usable after the database session ends."""

    slug: str
    issuer_id: int
    institution: str
    idp_issuer: str
    client_id: str
    client_secret: str = field(repr=False)  # never in a log line or a traceback's repr
    allowed_domains: tuple[str, ...]
    new_user_role: str
    enabled: bool


class SettingsInvalid(ValueError):
    """The settings form's problems, one message per field."""

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def any_enabled(session: Session) -> bool:
    """Whether any issuer offers single sign-on (the sign-in page shows the option then)."""
    return session.scalar(select(SsoSettings.issuer_id).where(SsoSettings.enabled.is_(True))
                          .limit(1)) is not None


def find(session: Session, issuer: Issuer) -> SsoSettings | None:
    return session.scalar(select(SsoSettings).where(SsoSettings.issuer_id == issuer.id))


def form_values(row: SsoSettings | None) -> dict[str, str]:
    """What the settings form shows for saved settings (never the client secret)."""
    if row is None:
        return {"new_user_role": ""}
    return {"idp_issuer": row.idp_issuer, "client_id": row.client_id,
            "allowed_domains": " ".join(row.allowed_domains.split()),
            "new_user_role": row.new_user_role, "enabled": "on" if row.enabled else ""}


def check_issuer_url(text: str) -> str:
    """An OpenID Provider's issuer identifier: an https URL without query or fragment."""
    value = text.strip()
    parts = urlsplit(value)
    if not value:
        raise SettingsInvalid({"idp_issuer": msg("Enter the identity provider's issuer URL.")})
    if len(value) > 500 or parts.scheme != "https" or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise SettingsInvalid({"idp_issuer": msg(
            "Enter an https address without query or fragment, e.g."
            " https://login.example.edu/realms/staff.")})
    return value


def parse_domains(text: str) -> tuple[str, ...]:
    """The allowed e-mail domains typed (separated by spaces, commas or lines)."""
    names = [n.strip().lower().lstrip("@").rstrip(".") for n in re.split(r"[\s,;]+", text)]
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        raise SettingsInvalid({"allowed_domains": msg("Name at least one e-mail domain.")})
    if len(names) > MAX_DOMAINS:
        raise SettingsInvalid({"allowed_domains": msg("Name at most %(count)s domains.",
                                                      count=MAX_DOMAINS)})
    for name in names:
        try:
            ascii_name = name.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_name = ""
        if not _DOMAIN.match(ascii_name):
            raise SettingsInvalid({"allowed_domains": msg(
                "“%(domain)s” is not a domain name.", domain=name[:80])})
    return tuple(n.encode("idna").decode("ascii") for n in names)


def validate(fields: dict[str, str], *, has_secret: bool) -> dict[str, Any]:
    """The settings typed in the form, checked field by field (SettingsInvalid with every
    field's message). An empty client secret keeps the saved one."""
    errors: dict[str, object] = {}
    values: dict[str, Any] = {"enabled": fields.get("enabled") == "on"}
    for name, check in (("idp_issuer", check_issuer_url), ("allowed_domains", parse_domains)):
        try:
            values[name] = check(fields.get(name, ""))
        except SettingsInvalid as exc:
            errors.update(exc.errors)
    client_id = fields.get("client_id", "").strip()
    if not client_id or len(client_id) > 300 or not _PRINTABLE.match(client_id):
        errors["client_id"] = msg("Enter the client id the identity provider gave mcred"
                                  " (at most 300 characters, no spaces).")
    values["client_id"] = client_id
    secret = fields.get("client_secret", "")
    if not secret and not has_secret:
        errors["client_secret"] = msg("Enter the client secret.")
    elif len(secret) > 500 or (secret and not _PRINTABLE.match(secret)):
        errors["client_secret"] = msg("The client secret has at most 500 characters and no"
                                      " spaces.")
    values["client_secret"] = secret or None
    role = fields.get("new_user_role", "")
    if role not in NEW_USER_ROLES:
        errors["new_user_role"] = msg("Choose what a first-time user gets.")
    values["new_user_role"] = role
    if errors:
        raise SettingsInvalid(errors)
    return values


def save(session: Session, keystore: KeyStore, issuer: Issuer, fields: dict[str, str], *,
         actor: str) -> SsoSettings:
    """Create or update the issuer's SSO settings from the form (SettingsInvalid)."""
    row = find(session, issuer)
    values = validate(fields, has_secret=row is not None)
    if row is None:
        row = SsoSettings(issuer_id=issuer.id)
        session.add(row)
    if values["client_secret"] is not None:
        row.client_secret_sealed = keystore.seal(values["client_secret"].encode("utf-8"),
                                                 _secret_context(issuer))
    row.idp_issuer = values["idp_issuer"]
    row.client_id = values["client_id"]
    row.allowed_domains = " ".join(values["allowed_domains"])
    row.new_user_role = values["new_user_role"]
    row.enabled = values["enabled"]
    session.flush()
    # The secret is not audited, not even whether it changed to what.
    audit.record(session, actor, "issuer.sso-settings", f"issuer:{issuer.slug}",
                 idp_issuer=row.idp_issuer, client_id=row.client_id, enabled=row.enabled,
                 allowed_domains=row.allowed_domains, new_user_role=row.new_user_role,
                 secret_changed=values["client_secret"] is not None, issuer_id=issuer.id)
    return row


def config(session: Session, keystore: KeyStore, slug: str) -> SsoConfig | None:
    """The issuer's enabled SSO settings, secret unsealed; None when there are none."""
    found = session.execute(select(SsoSettings, Issuer).join(
        Issuer, Issuer.id == SsoSettings.issuer_id).where(Issuer.slug == slug,
                                                          SsoSettings.enabled)).first()
    if found is None:
        return None
    row, issuer = found
    try:
        secret = keystore.unseal(row.client_secret_sealed, _secret_context(issuer)).decode()
    except KeyStoreError:
        raise SsoError(msg("Single sign-on is misconfigured: ask the issuer's admin to enter"
                           " the client secret again.")) from None
    return SsoConfig(slug=issuer.slug, issuer_id=issuer.id, institution=issuer.legal_name,
                     idp_issuer=row.idp_issuer, client_id=row.client_id, client_secret=secret,
                     allowed_domains=tuple(row.allowed_domains.split()),
                     new_user_role=row.new_user_role, enabled=row.enabled)


def offered_for(session: Session, email: str) -> list[tuple[str, str]]:
    """(slug, institution) of the enabled SSO settings that admit this e-mail's domain."""
    domain = email.strip().rsplit("@", 1)[-1].lower() if "@" in email else ""
    if not domain:
        return []
    rows = session.execute(select(Issuer.slug, Issuer.legal_name, SsoSettings.allowed_domains)
                           .join(SsoSettings, SsoSettings.issuer_id == Issuer.id)
                           .where(SsoSettings.enabled).order_by(Issuer.legal_name))
    return [(slug, name) for slug, name, domains in rows if domain in domains.split()]


def admit(session: Session, sso: SsoConfig, claims: dict[str, Any]) -> StaffUser:
    """The account a validated ID token signs in at ``sso``'s issuer: its e-mail verified
    (when the OP says), of an allowed domain, and a member there, or made one when the
    settings give first-time users a role. SsoError otherwise."""
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise SsoError(msg("The identity provider did not tell mcred your e-mail address."))
    # Only an address the provider says it verified (a missing claim is not a yes).
    verified = claims.get("email_verified")
    if verified is not True and verified != "true":
        raise SsoError(msg("Your identity provider has not verified your e-mail address."))
    try:
        address = accounts.normal_email(email)
    except accounts.AccountError:
        raise SsoError(msg("The identity provider sent an e-mail address mcred cannot"
                           " use.")) from None
    if address.rsplit("@", 1)[1] not in sso.allowed_domains:
        raise SsoError(msg("Sign-in with %(institution)s is not open to %(domain)s"
                           " addresses.", institution=sso.institution,
                           domain=address.rsplit("@", 1)[1]))
    issuer = session.get(Issuer, sso.issuer_id)
    if issuer is None:
        raise SsoError(msg("This institution is no longer in mcred."))
    user = accounts.find_user(session, address)
    if user is not None and user.disabled_at is not None:
        raise SsoError(msg("Your mcred account is disabled."))
    if user is not None and (user.service_admin or any(
            other.id != issuer.id for other, _ in accounts.memberships(session, user))):
        # This provider speaks for this institution only: it must not sign in an account
        # another institution (or the service) relies on — its admin runs the provider and
        # could make it say any address.
        raise SsoError(msg("This account also belongs to another institution or runs the"
                           " service: sign in with its password."))
    if user is not None and accounts.role_at(session, user, issuer) is not None:
        return user
    if not sso.new_user_role:
        raise SsoError(msg("You are not a member of %(institution)s in mcred yet: ask its"
                           " admin to add you.", institution=sso.institution))
    actor = f"sso:{sso.slug}"
    try:
        if user is None:
            name = claims.get("name") if isinstance(claims.get("name"), str) else ""
            user = accounts.create_user(session, address, name=name, actor=actor)
        accounts.set_role(session, issuer, user, sso.new_user_role, actor=actor)
    except accounts.AccountError:
        raise SsoError(msg("Your mcred account could not be set up; ask the issuer's"
                           " admin to add you.")) from None
    return user
