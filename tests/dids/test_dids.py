"""did:web and did:key forms."""

from __future__ import annotations

import json

import pytest

from app.dids.didkey import did_key_for, did_key_verification_method, resolve_did_key
from app.dids.didweb import did_web_for, did_web_url
from app.proofs.multikey import MultibaseError, decode_private_key, decode_public_key
from tests.conftest import VC_DI_EDDSA

VECTOR_KEYS = json.loads((VC_DI_EDDSA / "keyPair.json").read_text())


def test_did_web_encodes_port_and_path() -> None:
    did = did_web_for("http://localhost:8000", "issuers", "uni-tartu")
    assert did == "did:web:localhost%3A8000:issuers:uni-tartu"
    assert did_web_url(did) == "https://localhost:8000/issuers/uni-tartu/did.json"


def test_did_web_root_resolves_to_well_known() -> None:
    did = did_web_for("https://credentials.ut.ee")
    assert did == "did:web:credentials.ut.ee"
    assert did_web_url(did) == "https://credentials.ut.ee/.well-known/did.json"


def test_did_web_keeps_base_path_prefix() -> None:
    did = did_web_for("https://ut.ee/mcred/", "issuers", "x")
    assert did == "did:web:ut.ee:mcred:issuers:x"
    assert did_web_url(did) == "https://ut.ee/mcred/issuers/x/did.json"


def test_did_web_refuses_unsafe_segments() -> None:
    with pytest.raises(ValueError):
        did_web_for("https://ut.ee", "issuers", "a/b")


def test_did_key_of_the_w3c_vector_key() -> None:
    public = VECTOR_KEYS["publicKeyMultibase"]
    assert did_key_for(public) == f"did:key:{public}"
    # The verification method the W3C vectors sign with.
    signed = json.loads((VC_DI_EDDSA / "eddsa-rdfc-2022/signedDataInt.json").read_text())
    assert did_key_verification_method(public) == signed["proof"]["verificationMethod"]


def test_did_key_document_authorises_assertion() -> None:
    public = VECTOR_KEYS["publicKeyMultibase"]
    doc = resolve_did_key(f"did:key:{public}")
    vm_id = f"did:key:{public}#{public}"
    assert doc["verificationMethod"] == [{"id": vm_id, "type": "Multikey",
                                          "controller": f"did:key:{public}",
                                          "publicKeyMultibase": public}]
    assert doc["assertionMethod"] == [vm_id]
    assert doc["authentication"] == [vm_id]


def test_multikey_vector_pair_decodes_to_matching_keys() -> None:
    from nacl.signing import SigningKey

    seed = decode_private_key(VECTOR_KEYS["privateKeyMultibase"])
    public = decode_public_key(VECTOR_KEYS["publicKeyMultibase"])
    assert bytes(SigningKey(seed).verify_key) == public


@pytest.mark.parametrize("bad", ["", "z", "abc", "z0OIl",
                                 "zQmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"])
def test_malformed_multikey_is_refused(bad: str) -> None:
    with pytest.raises(MultibaseError):
        decode_public_key(bad)
