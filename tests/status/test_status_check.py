"""The verifier's status check never fails open: a short list is still read (with a warning);
an entry of another type, an expired list, or anything else that cannot be read is "could
not be checked", never "not revoked". Offline: the lists come from
tests/data/realworld/support or are signed here."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from nacl.signing import SigningKey

from app.dids.didkey import did_key_for, did_key_verification_method
from app.dids.resolver import DidResolver
from app.proofs.dataintegrity import add_proof
from app.proofs.multikey import encode_public_key
from app.status import bitstring
from app.status.check import StatusCheckError, check_status
from app.verify.pipeline import Check, verify_credential
from tests import realworld

SHORT = ("the status list has 100000 entries, fewer than the 131072 the specification"
         " requires")
DCC_LIST_ISSUER = "did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q"


def dcc_list_warnings(credential_issuer: str) -> str:
    """What the DCC fixtures' list gets beside SHORT: the DCC signs it as a third did:key and
    gives it the id of its testing host, not the URLs the fixtures fetch it from."""
    return (f"{SHORT}; the status list is issued by {DCC_LIST_ISSUER!r}, not by the"
            f" credential's issuer {credential_issuer!r} (the specification allows this: rely"
            " on the list only if you trust its issuer); the status list's id"
            " 'https://testing.dcconsortium.org/status/e5WK8CbZ1GjycuPombrj' is not the URL"
            " it was fetched from")
V2 = "https://www.w3.org/ns/credentials/v2"
LIST_KEY = SigningKey(b"\x21" * 32)
LIST_PUBLIC = encode_public_key(bytes(LIST_KEY.verify_key))
LIST_URL = "https://status.example/lists/1"
NOW = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def status_of(doc: dict[str, Any], now: datetime | None = None) -> Check:
    check = verify_credential(doc, realworld.context(), now=now).check("status")
    assert check is not None
    return check


def test_revoked_dcc_credential_on_a_short_list_reads_revoked() -> None:
    doc = realworld.load("dcc/v2__ed25519__didWeb__legacy-revokedStatus-noExpiry.json")
    warnings = dcc_list_warnings(doc["issuer"]["id"])
    report = verify_credential(doc, realworld.context())
    status = report.check("status")
    assert status is not None
    assert (status.status, status.message) == ("failed", f"revoked ({warnings})")
    assert status.details["entries"] == [{
        "purpose": "revocation", "index": 8, "set": True, "warning": warnings,
        "list_url": "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/"
                    "heads/main/src/test-fixtures/status/e5WK8CbZ1GjycuPombrj"}]
    assert report.check("proof").status == "passed"  # type: ignore[union-attr]
    assert report.verified is False
    assert report.to_json()["errors"][0]["message"] == f"revoked ({warnings})"


def test_clear_bit_on_the_same_short_list_reads_not_revoked() -> None:
    doc = realworld.load("dcc/v2__dataIntegrityProof__didKey__twoOIDF-validStatus-expired.json")
    assert doc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    warnings = dcc_list_warnings("did:key:z6MkjoriXdbyWD25YXTed114F8hdJrLXQ567xxPHAUKxpKkS")
    report = verify_credential(doc, realworld.context())
    status = report.check("status")
    assert status is not None
    assert (status.status, status.message) == ("passed", f"not revoked or suspended ({warnings})")
    assert [(e["index"], e["set"]) for e in status.details["entries"]] == [(7, False)]
    assert status.details["warnings"] == [warnings]
    assert {"check": "status", "message": warnings} in report.to_json()["warnings"]
    # the fixture is expired on purpose: that is the validity check's business, not status's
    assert report.check("validity").message.startswith("expired at 2010-01-02T00:00:00Z")  # type: ignore[union-attr]


def test_short_list_bits_are_read_where_the_dcc_set_them() -> None:
    listed = realworld.load("support/status/e5WK8CbZ1GjycuPombrj.json")
    bits = bitstring.decode(listed["credentialSubject"]["encodedList"], min_bits=0)
    assert len(bits) * 8 == 100_000
    assert [i for i in range(16) if bitstring.get_bit(bits, i)] == [2, 6, 8]
    with pytest.raises(bitstring.BitstringError, match="at least 131072"):
        bitstring.decode(listed["credentialSubject"]["encodedList"])  # our own lists: strict


def entry(kind: Any, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "statusPurpose": "revocation", "statusListIndex": "8",
            "statusListCredential": LIST_URL, **extra}


def credential(status: Any) -> dict[str, Any]:
    # issued by the DID that signs the lists below, so their status reads without warnings
    return {"@context": [V2], "type": ["VerifiableCredential"],
            "issuer": did_key_for(LIST_PUBLIC),
            "credentialSubject": {"id": "did:example:s"}, "credentialStatus": status}


def never_fetched(url: str) -> dict[str, Any]:
    raise AssertionError(f"{url} should not be fetched")


@pytest.mark.parametrize("kind", ["1EdTechRevocationList", "StatusList2021Entry",
                                  "RevocationList2020Status", "CredentialStatusList2017"])
def test_other_status_types_could_not_be_checked(kind: str) -> None:
    [result] = check_status(credential(entry(kind)), never_fetched,
                            DidResolver().resolve_key, NOW)
    assert (result.set, result.error) == (None, f"status method {kind!r} is not supported")
    status = status_of(credential(entry(kind)))
    assert (status.status, status.message) == (
        "failed", f"status could not be checked: status method {kind!r} is not supported")


def test_the_1edtech_endorsement_revocation_list_could_not_be_checked() -> None:
    doc = realworld.load("1edtech/endorsement.json")
    assert doc["credentialStatus"]["type"] == "1EdTechRevocationList"
    status = status_of(doc)
    assert (status.status, status.message) == (
        "failed", "status could not be checked: status method '1EdTechRevocationList' is not"
                  " supported")


@pytest.mark.parametrize(("status", "message"), [
    ({"statusPurpose": "revocation"}, "status method None is not supported"),
    # (an http(s) URL is a status resource: tests/status/test_status_resource.py)
    ("urn:example:status:8", "a status entry must be a JSON object"),
    ([entry("BitstringStatusListEntry", statusSize=2)], "statusSize 2 is not supported"),
    ([entry("BitstringStatusListEntry", statusListIndex=8)], "malformed status entry"),
])
def test_unreadable_entries_could_not_be_checked(status: Any, message: str) -> None:
    check = status_of(credential(status))
    assert (check.status, check.message) == ("failed", f"status could not be checked: {message}")


def test_an_empty_status_list_is_no_status_not_a_pass() -> None:
    check = status_of(credential([]))
    assert (check.status, check.message) == ("skipped", "the credential has no status entry")


def signed_list(bits: bytearray, **dates: str) -> dict[str, Any]:
    issuer = did_key_for(LIST_PUBLIC)
    return add_proof({
        "@context": [V2], "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": issuer,
        **dates,
        "credentialSubject": {"id": f"{LIST_URL}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation",
                              "encodedList": bitstring.encode(bits)}},
        LIST_KEY, did_key_verification_method(LIST_PUBLIC))


def lists(*documents: dict[str, Any]):  # type: ignore[no-untyped-def]
    served = {d["id"]: d for d in documents}

    def fetch(url: str) -> dict[str, Any]:
        if url not in served:
            raise StatusCheckError(f"status list {url} could not be fetched: not served")
        return served[url]
    return fetch


def read(list_document: dict[str, Any], now: datetime = NOW, index: str = "8"):  # type: ignore[no-untyped-def]
    doc = credential(entry("BitstringStatusListEntry", statusListIndex=index))
    [result] = check_status(doc, lists(list_document), DidResolver().resolve_key, now)
    return result


def test_list_expiry_is_compared_as_an_instant_not_as_a_string() -> None:
    # 10:00+02:00 is 08:00Z, before NOW (09:00Z); as strings it sorts after "…09:00:00Z"
    expired = read(signed_list(bitstring.empty(), validUntil="2025-01-01T10:00:00+02:00"))
    assert (expired.set, expired.error) == (
        None, "the status list expired at 2025-01-01T10:00:00+02:00")
    current = read(signed_list(bitstring.empty(), validUntil="2025-01-01T08:00:00-02:00"))
    assert (current.set, current.error, current.warning) == (False, None, None)


def test_list_with_an_unreadable_expiry_could_not_be_checked() -> None:
    odd = read(signed_list(bitstring.empty(), validUntil="next year"))
    assert (odd.set, odd.error) == (None, "the status list's validUntil 'next year' is not a"
                                          " date-time")


def test_full_length_list_set_bit_has_no_warning() -> None:
    bits = bitstring.empty()
    bitstring.set_bit(bits, 8, True)
    revoked = read(signed_list(bits))
    assert (revoked.set, revoked.warning) == (True, None)
    outside = read(signed_list(bits), index=str(bitstring.MIN_BITS))
    assert (outside.set, outside.error) == (
        None, "index 131072 is outside a list of 131072 entries")


def test_a_known_revocation_is_reported_even_beside_an_unreadable_entry() -> None:
    bits = bitstring.empty()
    bitstring.set_bit(bits, 8, True)
    doc = credential([entry("BitstringStatusListEntry"), entry("StatusList2021Entry")])
    results = check_status(doc, lists(signed_list(bits)), DidResolver().resolve_key, NOW)
    assert [(r.set, r.error) for r in results] == [
        (True, None), (None, "status method 'StatusList2021Entry' is not supported")]
    ctx = replace(realworld.context(), fetch_status_list=lists(signed_list(bits)))
    check = verify_credential(doc, ctx, now=NOW).check("status")
    assert check is not None
    assert (check.status, check.message) == (
        "failed", "revoked; status could not be checked: status method 'StatusList2021Entry'"
                  " is not supported")


def test_a_uri_status_is_a_status_resource_not_an_entry() -> None:
    # EDC's form: one xsd:anyURI; read as a status resource (here offline: not in the corpus)
    for status in ("https://status.example/credentials/1/status",
                   {"@value": "https://status.example/credentials/1/status",
                    "@type": "http://www.w3.org/2001/XMLSchema#anyURI"}):
        check = status_of(credential(status))
        assert (check.status, check.details["state"]) == ("failed", "unknown")
        assert check.message == ("status could not be checked: status resource"
                                 " https://status.example/credentials/1/status is not in the"
                                 " local corpus")
