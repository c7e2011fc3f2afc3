"""Helper process for the concurrency tests: issue N VC-API credentials as one issuer (as its
did:web, or as the did:key of its current key with a third argument ``did-key``)."""

from __future__ import annotations

import sys

from app.config import Settings
from app.credentials import vcapi
from app.credentials.service import Issuing
from app.issuers.service import get_issuer, signing_dids
from app.main import build_services


def main(slug: str, count: int, as_did_key: bool = False) -> None:
    svc = build_services(Settings())  # type: ignore[call-arg]
    issuing = Issuing(svc.keystore, svc.settings.public_base_url)
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                  "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:x"}}
    for _ in range(count):
        with svc.db.session() as session:
            issuer = get_issuer(session, slug)
            did_key = signing_dids(session, issuing.base_url, issuer)[1]
            vcapi.issue(session, issuing, issuer,
                        {**credential, "issuer": did_key} if as_did_key else dict(credential),
                        {"cryptosuite": "eddsa-jcs-2022"}, "test")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:] == ["did-key"])
