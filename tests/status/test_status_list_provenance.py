"""Whose list answered: the verifier compares the status list credential's issuer with the
credential's and its id with the URL it fetched. Bitstring Status List v1.0 allows both to
differ (§2.2: the issuer "MAY be different"; the list "MAY express an id" matching the URL),
as the DCC's real-world lists do, so a difference is a warning beside the bit, not a failure;
a set bit is honoured whoever signed the list."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nacl.signing import SigningKey

from app.dids.didkey import did_key_for, did_key_verification_method
from app.dids.resolver import DidResolver
from app.proofs.dataintegrity import add_proof
from app.proofs.multikey import encode_public_key
from app.status import bitstring
from app.status.check import check_status
from app.verify.pipeline import verify_credential
from tests import realworld
from tests.status.test_status_check import LIST_URL, NOW, V2, entry, lists

ISSUER_KEY = SigningKey(b"\x31" * 32)
ISSUER = did_key_for(encode_public_key(bytes(ISSUER_KEY.verify_key)))
OTHER_KEY = SigningKey(b"\x32" * 32)
OTHER = did_key_for(encode_public_key(bytes(OTHER_KEY.verify_key)))
OTHER_ISSUER = (f"the status list is issued by {OTHER!r}, not by the credential's issuer"
                f" {ISSUER!r} (the specification allows this: rely on the list only if you"
                " trust its issuer)")


def status_list(key: SigningKey, bit: bool = False, issuer: Any = None,
                **fields: Any) -> dict[str, Any]:
    public = encode_public_key(bytes(key.verify_key))
    bits = bitstring.empty()
    bitstring.set_bit(bits, 8, bit)
    document = {"@context": [V2], "id": LIST_URL,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": issuer or did_key_for(public),
                "credentialSubject": {"id": f"{LIST_URL}#list", "type": "BitstringStatusList",
                                      "statusPurpose": "revocation",
                                      "encodedList": bitstring.encode(bits)}, **fields}
    document = {k: v for k, v in document.items() if v is not None}
    return add_proof(document, key, did_key_verification_method(public))


def credential(issuer: Any = ISSUER) -> dict[str, Any]:
    return {"@context": [V2], "type": ["VerifiableCredential"], "issuer": issuer,
            "credentialSubject": {"id": "did:example:s"},
            "credentialStatus": entry("BitstringStatusListEntry")}


def read(doc: dict[str, Any], listed: dict[str, Any]):  # type: ignore[no-untyped-def]
    [result] = check_status(doc, lists(listed), DidResolver().resolve_key, NOW)
    return result


def test_list_of_the_credentials_issuer_at_its_own_url_reads_cleanly() -> None:
    result = read(credential(), status_list(ISSUER_KEY))
    assert (result.set, result.error, result.warning) == (False, None, None)


def test_issuer_given_as_an_object_is_compared_by_its_id() -> None:
    result = read(credential({"id": ISSUER, "name": "Uni"}),
                  status_list(ISSUER_KEY, issuer={"id": ISSUER, "name": "Uni"}))
    assert (result.set, result.warning) == (False, None)


def test_list_issued_by_another_did_is_read_with_a_warning() -> None:
    result = read(credential(), status_list(OTHER_KEY))
    assert (result.set, result.error, result.warning) == (False, None, OTHER_ISSUER)


def test_set_bit_on_another_dids_list_still_reads_revoked() -> None:
    result = read(credential(), status_list(OTHER_KEY, bit=True))
    assert (result.set, result.warning) == (True, OTHER_ISSUER)


def test_list_whose_id_is_another_url_is_read_with_a_warning() -> None:
    elsewhere = status_list(ISSUER_KEY, id="https://status.example/lists/2")

    def fetch(url: str) -> dict[str, Any]:
        assert url == LIST_URL
        return elsewhere
    [result] = check_status(credential(), fetch, DidResolver().resolve_key, NOW)
    assert (result.set, result.warning) == (
        False, "the status list's id 'https://status.example/lists/2' is not the URL it was"
               " fetched from")
    no_id = status_list(ISSUER_KEY, id=None)
    [result] = check_status(credential(), lambda url: no_id, DidResolver().resolve_key, NOW)
    assert result.warning == "the status list's id None is not the URL it was fetched from"


def test_the_warning_reaches_the_report_and_leaves_verified_to_the_bit() -> None:
    ctx = replace(realworld.context(), fetch_status_list=lists(status_list(OTHER_KEY)))
    report = verify_credential(credential(), ctx, now=NOW)
    check = report.check("status")
    assert check is not None
    assert (check.status, check.message) == ("passed", "not revoked or suspended"
                                                       f" ({OTHER_ISSUER})")
    assert {"check": "status", "message": OTHER_ISSUER} in report.to_json()["warnings"]
