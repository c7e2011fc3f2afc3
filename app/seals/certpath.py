"""Certificate path validation at a given moment with pyhanko-certvalidator (RFC 5280), using
only the certificates and revocation data the seal carries: nothing is fetched."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp, pem, x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)

MAX_ROOT_FILES = 200


@dataclass
class PathResult:
    # valid | untrusted (valid up to a certificate whose issuer is no trusted root)
    # | revoked | expired | not-yet-valid | invalid | no-revocation-data
    outcome: str
    reason: str = ""
    path: list[x509.Certificate] = field(default_factory=list)
    top: x509.Certificate | None = None  # untrusted: the last carried certificate
    revocation_checked: bool = True

    @property
    def names(self) -> list[str]:
        return [c.subject.human_friendly for c in self.path]


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run certvalidator's coroutine from sync code, also when called inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def load_roots(location: str | Path | None) -> tuple[x509.Certificate, ...]:
    """PEM (or DER) certificates from a file or the files of a folder; () for none."""
    if not location:
        return ()
    where = Path(location)
    files = sorted(p for p in where.iterdir() if p.is_file())[:MAX_ROOT_FILES] \
        if where.is_dir() else [where]
    roots = []
    for path in files:
        data = path.read_bytes()
        blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] \
            if pem.detect(data) else [data]
        roots += [x509.Certificate.load(der) for der in blobs]
    return tuple(roots)


def validate(end_entity: x509.Certificate, others: Iterable[x509.Certificate],
             crls: Iterable[asn1_crl.CertificateList], ocsps: Iterable[ocsp.OCSPResponse],
             moment: datetime, roots: Iterable[x509.Certificate],
             key_usage: set[str], extended_key_usage: set[str] | None = None) -> PathResult:
    """Validate ``end_entity`` at ``moment``. With no path to a trusted root, the carried
    part of the path (up to the last carried certificate) is still checked — signatures,
    validity, revocation — with that certificate standing in as the anchor, so an expired or
    revoked seal is named as such, and the outcome is ``untrusted`` if nothing else fails."""
    others, crls, ocsps, roots = list(others), list(crls), list(ocsps), list(roots)
    result = _attempt(end_entity, others, crls, ocsps, moment, roots, key_usage,
                      extended_key_usage)
    if result.outcome != "no-path":
        return result
    top = _carried_top(end_entity, others)
    if top is end_entity:
        # Not even the issuer is carried: only the validity period can be checked.
        validity = end_entity["tbs_certificate"]["validity"]
        if moment > validity["not_after"].native:
            return PathResult("expired", "the certificate expired before the signing time")
        if moment < validity["not_before"].native:
            return PathResult("not-yet-valid", "the certificate was not yet valid")
        return PathResult("untrusted", result.reason, [end_entity], top,
                          revocation_checked=False)
    stand_in = _attempt(end_entity, [c for c in others if c is not top], crls, ocsps, moment,
                        [top], key_usage, extended_key_usage)
    if stand_in.outcome == "valid":
        return PathResult("untrusted", f"the path ends at {top.subject.human_friendly}, whose"
                          f" issuer ({top.issuer.human_friendly}) is not a trusted root",
                          stand_in.path, top)
    if stand_in.outcome == "no-path":
        return PathResult("untrusted", result.reason, [], top, revocation_checked=False)
    return stand_in


def _carried_top(end_entity: x509.Certificate,
                 others: list[x509.Certificate]) -> x509.Certificate:
    """Follow issuer names through the carried certificates as far as they go."""
    current, seen = end_entity, {end_entity.sha256}
    while True:
        # a carried self-signed root is the top too: it stands in, untrusted
        parent = next((c for c in others if c.subject == current.issuer
                       and c.sha256 not in seen), None)
        if parent is None:
            return current
        seen.add(parent.sha256)
        current = parent


def _attempt(end_entity: x509.Certificate, others: list[x509.Certificate],
             crls: list[asn1_crl.CertificateList], ocsps: list[ocsp.OCSPResponse],
             moment: datetime, roots: list[x509.Certificate], key_usage: set[str],
             extended_key_usage: set[str] | None) -> PathResult:
    context = ValidationContext(trust_roots=roots, other_certs=others, crls=crls, ocsps=ocsps,
                                moment=moment, allow_fetching=False,
                                # every certificate that names a CRL or OCSP service needs
                                # revocation data in the seal; none is fetched
                                revocation_mode="hard-fail",
                                # data gathered after the signing (LT level) still tells the
                                # status at the signing time
                                retroactive_revinfo=True)
    validator = CertificateValidator(end_entity, validation_context=context)
    try:
        path = _run(validator.async_validate_usage(key_usage, extended_key_usage))
    except PathBuildingError as exc:
        return PathResult("no-path", str(exc))
    except RevokedError as exc:
        return PathResult("revoked", str(exc))
    except ExpiredError as exc:
        return PathResult("expired", str(exc))
    except NotYetValidError as exc:
        return PathResult("not-yet-valid", str(exc))
    except InsufficientRevinfoError as exc:
        return PathResult("no-revocation-data", str(exc))
    except (InvalidCertificateError, PathValidationError, ValidationError) as exc:
        return PathResult("invalid", str(exc))
    except (LookupError, ValueError, TypeError) as exc:
        # certvalidator's own surprises on odd input (a CRL issuer it cannot place, a
        # malformed extension parsed late): the path cannot be validated
        return PathResult("invalid", str(exc) or type(exc).__name__)
    chain = list(path)
    return PathResult("valid", "", chain)
