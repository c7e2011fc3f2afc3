"""Staff accounts: creation, argon2id passwords, roles per issuer, and sign-in throttling.

The CLI (``mcred staff``) and the console's pages call these functions; nothing else writes
the tables of app.console.models.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import audit
from app.console.models import LoginFailure, Membership, StaffUser
from app.db import utcnow
from app.errors import ProblemError
from app.issuers.models import Issuer
from app.messages import msg

# What each role may do, lowest first: a role includes every role before it.
ROLES = ("viewer", "staff", "admin")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes any length; this bounds the work a request can ask for
# Throttling: this many failures within the window refuse further attempts for the rest of it.
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30
INVITE_VALID = timedelta(days=7)
MIN_DISTINCT = 5  # "aaaaaaaaaaaa" and twelve spaces are long but not passwords

# argon2-cffi's defaults are RFC 9106's second recommended option (argon2id, 64 MiB, t=3);
# build_services sets the memory from MCRED_PASSWORD_HASH_MEMORY_KIB (tests lower it).
_hasher = PasswordHasher()
# Checked against when the account does not exist, so both answers take as long; made with
# the hasher in use (by use_memory_cost, at start-up, else on the first sign-in).
_dummy_hash: str | None = None


def use_memory_cost(memory_kib: int) -> None:
    """Hash new passwords with argon2id using ``memory_kib`` KiB (existing hashes keep their
    parameters until the next sign-in rehashes them)."""
    global _hasher, _dummy_hash
    if memory_kib != _hasher.memory_cost or _dummy_hash is None:
        _hasher = PasswordHasher(memory_cost=memory_kib)
        _dummy_hash = _hasher.hash("not a password of anyone's")


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a password of anyone's")
    return _dummy_hash


class AccountError(ValueError):
    """Input about an account that cannot be accepted; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message  # a Message where we wrote it; the e-mail library's English


def normal_email(text: str) -> str:
    """The address as stored and compared: validated, domain normalised, lower-cased."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError("email", str(exc)) from None


def check_password(password: str, email: str = "") -> str:
    """ASVS 2.1: long enough, bounded, not one repeated character, not the e-mail address."""
    if len(password) < MIN_PASSWORD:
        raise AccountError("password",
                           msg("Use at least %(count)s characters.", count=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise AccountError("password",
                           msg("Use at most %(count)s characters.", count=MAX_PASSWORD))
    if len(set(password)) < MIN_DISTINCT:
        raise AccountError("password", msg("Use at least %(count)s different characters.",
                                           count=MIN_DISTINCT))
    local = email.split("@")[0].lower()
    if len(local) >= 3 and local in password.lower():
        raise AccountError("password", msg("Do not use your e-mail address in the password."))
    return password


def hash_password(password: str, email: str = "") -> str:
    return _hasher.hash(check_password(password, email))


def throttle_key(email: str) -> str:
    """The account a sign-in is for, as throttling counts it: the normalised address (so
    Unicode variants of one address share one counter), or the typed text when invalid."""
    try:
        return normal_email(email)[:320]
    except AccountError:
        return email.strip().lower()[:320]


def find_user(session: Session, email: str) -> StaffUser | None:
    try:
        address = normal_email(email)
    except AccountError:
        return None
    return session.scalar(select(StaffUser).where(StaffUser.email == address))


def create_user(session: Session, email: str, *, name: str = "", password: str | None = None,
                service_admin: bool = False, actor: str) -> StaffUser:
    """A new account (no password: it signs in by single sign-on only, until one is set)."""
    address = normal_email(email)
    if session.scalar(select(StaffUser.id).where(StaffUser.email == address)) is not None:
        raise AccountError("email", msg("An account with this e-mail address exists already."))
    user = StaffUser(email=address, name=name.strip()[:200], service_admin=service_admin,
                     password_hash=hash_password(password, address)
                     if password is not None else None)
    session.add(user)
    session.flush()
    audit.record(session, actor, "staff.create", f"staff:{address}",
                 service_admin=service_admin)
    return user


def set_password(session: Session, user: StaffUser, password: str, *, actor: str) -> None:
    """A new password; the caller ends the account's sessions (app.console.sessions)."""
    user.password_hash = hash_password(password, user.email)
    user.invite_sha256 = user.invite_expires_at = None
    audit.record(session, actor, "staff.password", f"staff:{user.email}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may_invite(session: Session, user: StaffUser, issuer: Issuer | None) -> bool:
    """Whether an admin of ``issuer`` (None: a service admin) may hand ``user`` a link to
    choose a password: only for an account with no password yet that belongs to no other
    issuer — otherwise one issuer's admin could take over an account another issuer uses."""
    if user.password_hash is not None:
        return False
    if issuer is None:
        return True
    return all(other.id == issuer.id for other, _ in memberships(session, user))


def invite(session: Session, user: StaffUser, *, actor: str) -> str:
    """A one-time link token (valid INVITE_VALID) for the person to choose their password;
    only its digest is kept. A new invitation replaces the previous one."""
    token = secrets.token_urlsafe(32)
    user.invite_sha256 = _digest(token)
    user.invite_expires_at = utcnow() + INVITE_VALID
    audit.record(session, actor, "staff.invite", f"staff:{user.email}")
    session.flush()
    return token


def invited(session: Session, token: str) -> StaffUser | None:
    """The account a live invitation link is for, or None (unknown, used or expired)."""
    if not token or len(token) > 100:
        return None
    user = session.scalar(select(StaffUser).where(StaffUser.invite_sha256 == _digest(token)))
    if user is None or user.disabled_at is not None or user.invite_expires_at is None \
            or user.invite_expires_at < utcnow():
        return None
    return user


@dataclass(frozen=True)
class Throttled(Exception):
    retry_after: int


def _failures(session: Session, key: str) -> tuple[int, int]:
    """(failures of ``key`` in the window, seconds until the oldest of them leaves it)."""
    since = utcnow() - WINDOW
    count, oldest = session.execute(
        select(func.count(LoginFailure.id), func.min(LoginFailure.at))
        .where(LoginFailure.key == key, LoginFailure.at > since)).one()
    wait = int((oldest + WINDOW - utcnow()).total_seconds()) + 1 if oldest else 0
    return count, max(wait, 1)


def check_throttle(session: Session, limits: tuple[tuple[str, int], ...]) -> None:
    """Raise Throttled when a key has ``limit`` attempts counted within the window (the
    console counts failed sign-ins; the learner home counts link requests)."""
    for key, limit in limits:
        count, wait = _failures(session, key)
        if count >= limit:
            raise Throttled(wait)


def count_attempt(session: Session, *keys: str) -> None:
    """One more attempt for each key (and the rows past the window go)."""
    session.add_all([LoginFailure(key=key) for key in keys])
    session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - WINDOW))


def _throttle(session: Session, email: str, address: str) -> None:
    check_throttle(session, ((f"email:{email}", MAX_FAILURES_PER_ACCOUNT),
                             (f"ip:{address}", MAX_FAILURES_PER_ADDRESS)))


def authenticate(session: Session, email: str, password: str, address: str) -> StaffUser | None:
    """The account whose password this is, or None (unknown, disabled, wrong password: one
    answer for all, in about the same time). Raises Throttled after too many failures for
    this account or this client address; a success clears the account's failures."""
    key_email = throttle_key(email)
    user = find_user(session, email)
    if user is not None:
        # Concurrent guesses at one account queue here, so each sees the others' failures.
        session.execute(select(StaffUser.id).where(StaffUser.id == user.id).with_for_update())
    _throttle(session, key_email, address)
    stored = user.password_hash if user is not None and user.disabled_at is None else None
    try:
        _hasher.verify(stored or _dummy(), password[:MAX_PASSWORD])
        ok = stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        count_attempt(session, f"email:{key_email}", f"ip:{address}")
        return None
    if _hasher.check_needs_rehash(stored or ""):
        user.password_hash = _hasher.hash(password)
    session.execute(delete(LoginFailure).where(LoginFailure.key == f"email:{key_email}"))
    return user


def role_at(session: Session, user: StaffUser, issuer: Issuer) -> str | None:
    return session.scalar(select(Membership.role).where(Membership.user_id == user.id,
                                                        Membership.issuer_id == issuer.id))


def allows(role: str | None, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may (admin ⊇ staff ⊇ viewer)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def memberships(session: Session, user: StaffUser) -> list[tuple[Issuer, str]]:
    """The issuers the user belongs to, with their role, by name."""
    rows = session.execute(select(Issuer, Membership.role).join(
        Membership, Membership.issuer_id == Issuer.id).where(Membership.user_id == user.id)
        .order_by(Issuer.legal_name))
    return [(issuer, role) for issuer, role in rows]


def members(session: Session, issuer: Issuer) -> list[tuple[StaffUser, str]]:
    rows = session.execute(select(StaffUser, Membership.role).join(
        Membership, Membership.user_id == StaffUser.id).where(Membership.issuer_id == issuer.id)
        .order_by(StaffUser.email))
    return [(user, role) for user, role in rows]


def set_role(session: Session, issuer: Issuer, user: StaffUser, role: str | None, *,
             actor: str) -> None:
    """Give ``user`` a role at ``issuer`` (None: remove them). The last admin of an issuer
    cannot be demoted or removed, so an issuer is never left without one."""
    if role is not None and role not in ROLES:
        raise AccountError("role", msg("Choose one of the roles: %(roles)s.",
                                       roles=", ".join(ROLES)))
    record = session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                     Membership.issuer_id == issuer.id))
    if record is not None and record.role == "admin" and role != "admin":
        # Lock the issuer row: two admins demoting themselves at once must not both pass.
        session.execute(select(Issuer.id).where(Issuer.id == issuer.id).with_for_update())
        admins = session.scalar(select(func.count(Membership.id)).where(
            Membership.issuer_id == issuer.id, Membership.role == "admin"))
        if admins == 1:
            raise AccountError("role", msg("An issuer keeps at least one admin."))
    if role is None:
        if record is not None:
            session.delete(record)
    elif record is None:
        session.add(Membership(user_id=user.id, issuer_id=issuer.id, role=role))
    else:
        record.role = role
    audit.record(session, actor, "staff.role", f"staff:{user.email}", issuer=issuer.slug,
                 role=role, issuer_id=issuer.id)


def actor_name(user: StaffUser) -> str:
    """How the audit log names a console user."""
    return f"staff:{user.email}"


def throttled_problem(exc: Throttled) -> ProblemError:
    return ProblemError(429, "too-many-sign-ins", "Too many sign-in attempts",
                        f"try again in {max(exc.retry_after // 60, 1)} minutes",
                        headers={"Retry-After": str(exc.retry_after)})
