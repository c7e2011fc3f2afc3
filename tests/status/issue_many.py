"""Helper process for the concurrency test: issue N VC-API credentials as one issuer."""

from __future__ import annotations

import sys

from app.config import Settings
from app.credentials import vcapi
from app.credentials.service import Issuing
from app.issuers.service import get_issuer
from app.main import build_services


def main(slug: str, count: int) -> None:
    svc = build_services(Settings())  # type: ignore[call-arg]
    issuing = Issuing(svc.keystore, svc.settings.public_base_url)
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                  "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:x"}}
    for _ in range(count):
        with svc.db.session() as session:
            issuer = get_issuer(session, slug)
            vcapi.issue(session, issuing, issuer, dict(credential),
                        {"cryptosuite": "eddsa-jcs-2022"}, "test")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
