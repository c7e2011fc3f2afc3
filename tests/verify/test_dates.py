"""Validity dates: a date-time without a time zone (seen in VC 1.1 credentials) is read as UTC
and reported as a warning, not refused; anything that is not a date-time still fails."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey

from app.dids.didkey import did_key_for, did_key_verification_method
from app.proofs.dataintegrity import add_proof
from app.proofs.multikey import encode_public_key
from app.verify.pipeline import Report, verify_credential
from tests import realworld

V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v2"
KEY = SigningKey(b"\x11" * 32)
PUBLIC = encode_public_key(bytes(KEY.verify_key))
NOTE = "issuanceDate 2010-01-01T19:23:24 has no time zone; it was read as UTC"


def vc11(**dates: str) -> dict[str, Any]:
    """A signed VC 1.1 credential carrying ``dates`` (issuanceDate, expirationDate)."""
    unsigned = {"@context": [V1, DATA_INTEGRITY], "type": ["VerifiableCredential"],
                "issuer": did_key_for(PUBLIC), "credentialSubject": {"id": "did:example:s"},
                **dates}
    return add_proof(unsigned, KEY, did_key_verification_method(PUBLIC))


def verify(doc: dict[str, Any], now: datetime | None = None) -> Report:
    return verify_credential(doc, realworld.context(), now=now)


def test_zoneless_issuance_date_is_read_as_utc_and_warned_about() -> None:
    report = verify(vc11(issuanceDate="2010-01-01T19:23:24"),
                    now=datetime(2025, 1, 1, tzinfo=UTC))
    validity = report.check("validity")
    assert validity is not None
    assert validity.to_json() == {
        "name": "validity", "status": "passed",
        "message": f"valid at 2025-01-01T00:00:00Z ({NOTE})", "details": {"warnings": [NOTE]}}
    assert report.check("proof").status == "passed"  # type: ignore[union-attr]
    assert report.verified is True
    body = report.to_json()
    assert body["verified"] is True
    assert "validity" in body["checks"]
    assert {"check": "validity", "message": NOTE} in body["warnings"]
    assert not body["errors"]


def test_zoneless_date_time_is_utc_to_the_second() -> None:
    doc = vc11(issuanceDate="2010-01-01T19:23:24")
    early = verify(doc, now=datetime(2010, 1, 1, 19, 23, 23, tzinfo=UTC)).check("validity")
    assert early is not None and early.status == "failed"
    assert early.message == ("not yet valid: valid from 2010-01-01T19:23:24 (checked at"
                             f" 2010-01-01T19:23:23Z) ({NOTE})")
    on_time = verify(doc, now=datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)).check("validity")
    assert on_time is not None and on_time.status == "passed"


def test_zoneless_expiration_in_the_past_still_expires() -> None:
    report = verify(vc11(issuanceDate="2010-01-01T00:00:00Z",
                         expirationDate="2011-06-30T12:00:00.5"),
                    now=datetime(2025, 1, 1, tzinfo=UTC))
    validity = report.check("validity")
    assert validity is not None and validity.status == "failed"
    assert validity.message == (
        "expired at 2011-06-30T12:00:00.5 (checked at 2025-01-01T00:00:00Z) (expirationDate"
        " 2011-06-30T12:00:00.5 has no time zone; it was read as UTC)")
    assert report.verified is False


def test_dates_with_a_zone_carry_no_warning() -> None:
    report = verify(vc11(issuanceDate="2010-01-01T19:23:24+02:00"))
    validity = report.check("validity")
    assert validity is not None and validity.status == "passed" and not validity.details
    assert all(w["check"] != "validity" for w in report.to_json()["warnings"])


@pytest.mark.parametrize("value", ["2010-01-01", "yesterday", "2010-01-01 19:23:24",
                                   "2010-13-01T00:00:00Z", "2010-01-01T25:00:00",
                                   "2010-02-30T00:00:00", "2010-01-01T19:23:24+2"])
def test_garbage_is_still_a_failure_and_never_an_exception(value: str) -> None:
    report = verify(vc11(issuanceDate=value))
    validity = report.check("validity")
    assert validity is not None
    assert (validity.status, validity.message) == ("failed",
                                                   "issuanceDate is not a valid date-time")
    assert report.verified is False


def test_zoneless_date_over_the_api(client: TestClient) -> None:
    response = client.post("/credentials/verify",
                           json={"verifiableCredential": vc11(issuanceDate="2010-01-01T19:23:24")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True
    assert {"check": "validity", "message": NOTE} in body["warnings"]
