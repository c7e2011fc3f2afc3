"""The credential configurations this issuer offers: id → metadata + how to issue one.

One entry per configuration; adding a format (the SD-JWT VC one) is one more entry in
``REGISTRY``. Each entry's ``issue`` gets the holder's proven key both as a JWK and as its
did:key, so a format binds whichever it needs (W3C ``credentialSubject.id``, SD-JWT ``cnf``).
An issue function raises ProblemError when the award cannot be delivered (answered
``credential_request_denied``) and ValueError when the key cannot be bound (``invalid_proof``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app import audit
from app.credentials.models import AwardRecord
from app.credentials.ob3 import MCRED_CONTEXT, OB_CONTEXT, VC_V2
from app.credentials.service import Issuing
from app.wallets.binding import bind_to_holder
from app.wallets.sd_jwt_vc import render_sd_jwt_vc
from app.wallets.type_metadata import CONFIGURATION_ID as SD_JWT
from app.wallets.type_metadata import FORMAT as SD_JWT_FORMAT
from app.wallets.type_metadata import sd_jwt_configuration

LDP_VC = "micro_credential_ldp_vc"
# What an OBv3 credential of ours is: its @context and type as issued (app/credentials/ob3.py).
OB3_CONTEXT = [VC_V2, OB_CONTEXT, MCRED_CONTEXT]
OB3_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
JWT_PROOF_ALGS = ["EdDSA", "ES256"]
DI_VP_SUITES = ["eddsa-rdfc-2022"]


@dataclass(frozen=True)
class HolderKey:
    """The key a wallet proved possession of: public JWK and the did:key naming it."""

    jwk: dict[str, Any]
    did: str


Issue = Callable[[Session, Issuing, str, HolderKey], Any]


@dataclass(frozen=True)
class Configuration:
    id: str
    metadata: Callable[[str], dict[str, Any]]  # base URL → its metadata entry
    issue: Issue


def _display(base_url: str) -> list[dict[str, Any]]:
    return [{"name": "Micro-credential (Open Badges 3.0)", "locale": "en",
             "description": "An EU micro-credential signed by the awarding institution",
             "logo": {"uri": f"{base_url}/static/favicon.svg", "alt_text": "mcred"}}]


# Claims a wallet may show, by JSON path in the credential (OpenID4VCI 1.0 Appendix B.2).
_CLAIMS = [
    (["credentialSubject", "achievement", "name"], "Micro-credential"),
    (["credentialSubject", "achievement", "description"], "Description"),
    (["credentialSubject", "achievement", "criteria", "narrative"], "Learning outcomes"),
    (["issuer", "name"], "Awarding body"),
    (["validFrom"], "Awarded on"),
]


def ldp_vc_configuration(base_url: str) -> dict[str, Any]:
    """OpenID4VCI 1.0 Appendix A.1.2: W3C VC secured with Data Integrity (``ldp_vc``)."""
    return {
        "format": "ldp_vc",
        "credential_definition": {"@context": OB3_CONTEXT, "type": OB3_TYPE},
        "cryptographic_binding_methods_supported": ["did:key"],
        # §A.1.2.2 points at the 2020 LD suite registry, older than DataIntegrityProof; the
        # cryptosuite id is what names the algorithm now (as §F.2 does for di_vp)
        "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": JWT_PROOF_ALGS},
            "di_vp": {"proof_signing_alg_values_supported": DI_VP_SUITES},
        },
        "credential_metadata": {
            "display": _display(base_url),
            "claims": [{"path": path, "display": [{"name": name, "locale": "en"}]}
                       for path, name in _CLAIMS],
        },
    }


def _issue_ldp_vc(session: Session, issuing: Issuing, award_id: str,
                  holder: HolderKey) -> dict[str, Any]:
    return bind_to_holder(session, issuing, award_id, holder.did, "oid4vci", "oid4vci")


def _issue_sd_jwt(session: Session, issuing: Issuing, award_id: str, holder: HolderKey) -> str:
    credential = render_sd_jwt_vc(session, issuing, award_id, holder.jwk)
    award = session.get(AwardRecord, award_id)
    assert award is not None  # render_sd_jwt_vc refused an unknown award
    # Audited like the ldp_vc delivery (binding.py), so an issuer sees every wallet copy.
    audit.record(session, "oid4vci", "credential.deliver", award.id, issuer_id=award.issuer_id,
                 holder=holder.did, channel="oid4vci", profile=SD_JWT_FORMAT)
    return credential


REGISTRY: dict[str, Configuration] = {
    LDP_VC: Configuration(LDP_VC, ldp_vc_configuration, _issue_ldp_vc),
    SD_JWT: Configuration(SD_JWT, lambda base_url: sd_jwt_configuration(base_url)[SD_JWT],
                          _issue_sd_jwt),
}


def supported(base_url: str) -> dict[str, dict[str, Any]]:
    """``credential_configurations_supported`` of the issuer metadata."""
    return {config_id: config.metadata(base_url) for config_id, config in REGISTRY.items()}
