"""Issuer keys sign credentials that verify through the issuer's own did:web, across rotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.deps import Services
from app.dids.resolver import DidResolver
from app.issuers import service
from app.issuers.schemas import IssuerCreate
from app.proofs.dataintegrity import add_proof, verify_document
from app.proofs.errors import ProofError
from tests.conftest import ISSUER_BODY

OB3 = json.loads((Path(__file__).resolve().parents[1] / "data" / "ob3_credential.json").read_text())


def test_signed_with_issuer_key_verifies_locally_across_rotation(svc: Services) -> None:
    base = svc.settings.public_base_url
    with svc.db.session() as session:
        issuer = service.create_issuer(session, svc.keystore, IssuerCreate(**ISSUER_BODY), "t")
        resolver = DidResolver(local=lambda did: service.local_did_document(session, base, did))
        key, vm = service.signer_for(session, svc.keystore, base, issuer)
        did = service.issuer_did(base, issuer.slug)
        old = add_proof({**OB3, "issuer": {**OB3["issuer"], "id": did}}, key, vm)
        assert vm == f"{did}#key-1"

        service.add_key(session, svc.keystore, issuer, "t")
        key2, vm2 = service.signer_for(session, svc.keystore, base, issuer)
        new = add_proof({**OB3, "issuer": {**OB3["issuer"], "id": did}}, key2, vm2)
        assert vm2 == f"{did}#key-2"

        for document in (old, new):
            result = verify_document(document, resolver.resolve_key)
            assert result.verified, [e.to_json() for e in result.errors]
            assert result.proofs[0].key.controller == did


def test_unknown_local_did_is_refused_without_http(svc: Services) -> None:
    base = svc.settings.public_base_url
    with svc.db.session() as session:
        assert service.local_did_document(session, base, "did:web:elsewhere.example") is None
        resolver = DidResolver(local=lambda did: service.local_did_document(session, base, did))
        with pytest.raises(ProofError, match="names no issuer") as info:
            resolver.resolve_key(f"{service.issuer_did(base, 'nobody')}#key-1", "assertionMethod")
        assert info.value.code == ProofError.VM_RESOLUTION
