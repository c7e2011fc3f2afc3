"""SD-JWT VC Type Metadata of our micro-credentials (data: micro_credential_type.json), its
integrity string, and the OpenID4VCI 1.0 credential configuration derived from it.

The document is data, labels in every site language included: issued credentials carry the
digest of its bytes (``vct#integrity``), so v1 never changes; a change is a new version."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "micro_credential_type.json"
CONFIGURATION_ID = "micro_credential_sd_jwt"
FORMAT = "dc+sd-jwt"


def vct(base_url: str) -> str:
    return f"{base_url}/vct/micro-credential/v1"


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text("utf-8"))


def eu_elements() -> dict[str, list[str]]:
    """EU element → the top-level claims that carry it."""
    return copy.deepcopy(_data()["euElements"])


def type_metadata(base_url: str) -> dict[str, Any]:
    """The Type Metadata document served at (and named by) ``vct(base_url)``."""
    return {"vct": vct(base_url), **copy.deepcopy(_data()["typeMetadata"])}


@lru_cache(maxsize=8)
def type_metadata_bytes(base_url: str) -> bytes:
    """The exact bytes served: the ``vct#integrity`` digest is over these."""
    return json.dumps(type_metadata(base_url), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def integrity(base_url: str) -> str:
    """W3C SRI integrity metadata (sha256-…) of the served Type Metadata (``vct#integrity``)."""
    digest = hashlib.sha256(type_metadata_bytes(base_url)).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def sd_jwt_configuration(base_url: str) -> dict[str, Any]:
    """The OpenID4VCI 1.0 Credential Configuration (Appendix A.3, ``dc+sd-jwt``) of our
    micro-credentials, keyed by its id, for ``credential_configurations_supported``."""
    metadata = type_metadata(base_url)
    claims = [{"path": claim["path"], "mandatory": claim["mandatory"],
               "display": [{"name": d["label"], "locale": d["locale"]}
                           for d in claim["display"]]}
              for claim in metadata["claims"]]
    display = [{"name": d["name"], "locale": d["locale"],
                **({"description": d["description"]} if "description" in d else {})}
               for d in metadata["display"]]
    return {CONFIGURATION_ID: {
        "format": FORMAT,
        "vct": vct(base_url),
        "scope": CONFIGURATION_ID,
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": ["ES256"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported":
                                          ["ES256", "EdDSA"]}},
        "credential_metadata": {"display": display, "claims": claims},
    }}
