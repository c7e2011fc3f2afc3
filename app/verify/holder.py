"""Holder checks a verifier can make with what the person in front of them says: does this
e-mail address belong to the credential's subject? OB 3.0 carries it as an IdentityObject, in
clear or as ``sha256$`` + hex SHA-256 of the address followed by a public salt."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

EMAIL_TYPES = {"emailAddress", "email"}  # OB 3.0 identityType; "email" as OB 2.0 wrote it


def _identifiers(document: Any) -> list[dict[str, Any]]:
    subjects = document.get("credentialSubject") if isinstance(document, dict) else None
    found: list[dict[str, Any]] = []
    for subject in subjects if isinstance(subjects, list) else [subjects]:
        if isinstance(subject, dict):
            ids = subject.get("identifier")
            found += [i for i in (ids if isinstance(ids, list) else [ids]) if isinstance(i, dict)]
    return found


def email_match(document: Any, email: str) -> bool | None:
    """True when ``email`` is the subject's address (compared case-insensitively, as issuers
    hash the lower-cased address), False when it is not, None when the credential names no
    e-mail address to compare with."""
    given = email.strip().lower()
    candidates = [i for i in _identifiers(document) if i.get("identityType") in EMAIL_TYPES
                  and isinstance(i.get("identityHash"), str)]
    if not candidates:
        return None
    for identity in candidates:
        stored = identity["identityHash"]
        if identity.get("hashed") is True or stored.startswith("sha256$"):
            algorithm, _, digest = stored.partition("$")
            if algorithm.lower() != "sha256" or not digest:
                continue
            salt = identity.get("salt") if isinstance(identity.get("salt"), str) else ""
            mine = hashlib.sha256((given + salt).encode("utf-8")).hexdigest()
            if hmac.compare_digest(mine, digest.lower()):
                return True
        elif hmac.compare_digest(stored.strip().lower().encode(), given.encode()):
            return True
    return False
