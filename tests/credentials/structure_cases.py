"""Credentials that break one VC Data Model structure rule each (app/vcdm/structure.py), with
the field and code the issuer's 422 and the verifier's failed `format` check must name. Shared
by tests/credentials/test_vcapi_structure.py and tests/verify/test_structure.py."""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass
from typing import Any

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
WRONG_SRI = "sha384-" + base64.b64encode(b"0" * 48).decode()
SOME_DIGEST = "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA"

BASES: dict[str, dict[str, Any]] = {
    "2.0": {"@context": [V2], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:learner", "name": "Jane Doe"}},
    "1.1": {"@context": [V1], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:learner"}},
}


@dataclass(frozen=True)
class Case:
    """One broken rule: the members that break it, and what the refusal must name."""

    version: str
    members: dict[str, Any]
    field: str
    code: str

    def credential(self, issuer: str | None = None) -> dict[str, Any]:
        """The broken credential; with ``issuer`` (and, for 1.1, an issuanceDate) as a
        verifier would receive it, signed by that issuer."""
        doc = copy.deepcopy(BASES[self.version])
        if issuer is not None:
            doc["issuer"] = issuer
            if self.version == "1.1":
                doc["issuanceDate"] = "2024-01-01T00:00:00Z"
        doc.update(copy.deepcopy(self.members))
        return doc


CASES: dict[str, Case] = {
    # VCDM 2.0 §4.11: "Each credentialSchema MUST specify its type (for example, JsonSchema)
    # and an id property that MUST be a URL identifying the schema file."
    "credentialSchema without type": Case(
        "2.0", {"credentialSchema": {"id": "https://x.example/schema.json"}},
        "credentialSchema.type", "type-required"),
    "credentialSchema without id": Case(
        "2.0", {"credentialSchema": [{"type": "JsonSchema"}]},
        "credentialSchema[0].id", "id-required"),
    "credentialSchema id not a URL": Case(
        "2.0", {"credentialSchema": {"id": "schema.json", "type": "JsonSchema"}},
        "credentialSchema.id", "not-a-url"),
    # VCDM 2.0 §5.5: "Each termsOfUse value MUST specify its type".
    "termsOfUse without type": Case(
        "2.0", {"termsOfUse": [{"id": "https://x.example/policy/1"}]},
        "termsOfUse[0].type", "type-required"),
    # VCDM 2.0 §5.6 evidence: "type: The type property is REQUIRED."
    "evidence without type": Case(
        "2.0", {"evidence": [{"id": "https://x.example/evidence/1", "name": "exam"}]},
        "evidence[0].type", "type-required"),
    # VCDM 2.0 §5.4: "Each refreshService value MUST specify its type."
    "refreshService without type": Case(
        "2.0", {"refreshService": {"url": "https://x.example/refresh"}},
        "refreshService.type", "type-required"),
    # VCDM 2.0 §4.10: credentialStatus "type: The type property is REQUIRED."
    "credentialStatus without type": Case(
        "2.0", {"credentialStatus": {"id": "https://x.example/status/1"}},
        "credentialStatus.type", "type-required"),
    # VCDM 2.0 §5.9: "implementations MUST specify a type property in the value associated
    # with the reserved property" (confidenceMethod, renderMethod).
    "renderMethod without type": Case(
        "2.0", {"renderMethod": {"id": "https://x.example/render/1"}},
        "renderMethod.type", "type-required"),
    # VCDM 2.0 §4.7: "The value of the issuer property MUST be either a URL or an object
    # containing an id property whose value is a URL".
    "issuer null": Case("2.0", {"issuer": None}, "issuer", "not-a-url"),
    "issuer id null": Case("2.0", {"issuer": {"id": None}}, "issuer.id", "id-required"),
    "issuer not a URL": Case("2.0", {"issuer": "University of Tartu"}, "issuer", "not-a-url"),
    # VCDM 2.0 §4.8: "a set of objects where each object MUST be the subject of one or more
    # claims".
    "empty subject among several": Case(
        "2.0", {"credentialSubject": [{"id": "did:example:subject"}, {}]},
        "credentialSubject[1]", "no-claims"),
    "empty subject": Case("2.0", {"credentialSubject": {}}, "credentialSubject", "no-claims"),
    # VCDM 2.0 §5.3: "Each object associated with relatedResource MUST contain at least a
    # digestSRI or a digestMultibase value."
    "relatedResource without digest": Case(
        "2.0", {"relatedResource": [{"id": "https://x.example/logo.png"}]},
        "relatedResource[0]", "digest-required"),
    # VCDM 2.0 §5.3: id "The value MUST be unique among the list of related resource objects."
    "relatedResource ids not unique": Case(
        "2.0", {"relatedResource": [
            {"id": "https://x.example/logo.png", "digestMultibase": SOME_DIGEST},
            {"id": "https://x.example/logo.png", "digestMultibase": SOME_DIGEST}]},
        "relatedResource[1].id", "duplicate-id"),
    # VCDM 2.0 §5.3: "If the digest provided by the issuer does not match the digest computed
    # for the retrieved resource, the conforming verifier implementation MUST produce an error."
    "relatedResource digest does not match": Case(
        "2.0", {"relatedResource": [{"id": V2, "digestSRI": WRONG_SRI}]},
        "relatedResource[0].digestSRI", "digest-mismatch"),
    # VCDM 1.1 §4.9: credentialStatus "MUST include the: id property, which MUST be a URI;
    # type property".
    "1.1 credentialStatus without id": Case(
        "1.1", {"credentialStatus": {"type": "https://x.example/StatusType"}},
        "credentialStatus.id", "id-required"),
    # VCDM 1.1 §5.3: "Each refreshService value MUST specify its type ... and its id".
    "1.1 refreshService without id": Case(
        "1.1", {"refreshService": {"type": "https://x.example/ManualRefreshService2018"}},
        "refreshService.id", "id-required"),
    # VCDM 1.1 §5.4: "Each credentialSchema MUST specify its type".
    "1.1 credentialSchema without type": Case(
        "1.1", {"credentialSchema": {"id": "https://x.example/schema.json"}},
        "credentialSchema.type", "type-required"),
    # VCDM 1.1 §5.5: "Each termsOfUse value MUST specify its type".
    "1.1 termsOfUse without type": Case(
        "1.1", {"termsOfUse": {"id": "https://x.example/policy/1"}},
        "termsOfUse.type", "type-required"),
    # VCDM 1.1 §4.3: "the following table lists the objects that MUST have a type specified"
    # (credentialStatus, termsOfUse, evidence).
    "1.1 evidence without type": Case(
        "1.1", {"evidence": [{"id": "https://x.example/evidence/1"}]},
        "evidence[0].type", "type-required"),
    # VCDM 1.1 §4.4: "a set of objects that contain one or more properties".
    "1.1 empty subject": Case("1.1", {"credentialSubject": {}}, "credentialSubject",
                              "no-claims"),
}

# The same objects, well formed: issued and verified.
WELL_FORMED: dict[str, dict[str, Any]] = {
    "2.0": {
        "credentialSchema": {"id": "https://x.example/schema.json", "type": "JsonSchema"},
        "termsOfUse": [{"type": "https://x.example/IssuerPolicy", "id": "https://x.example/policy/1"}],
        "evidence": [{"id": "https://x.example/evidence/1", "type": ["https://x.example/Evidence"],
                      "name": "exam"}],
        "refreshService": {"type": "https://x.example/RefreshService", "id": "https://x.example/refresh"},
        "renderMethod": {"type": "https://x.example/RenderMethod", "id": "https://x.example/render/1"},
        "relatedResource": [{"id": "https://x.example/logo.png",
                             "digestMultibase": SOME_DIGEST}],
        "credentialSubject": [{"id": "did:example:subject"},
                              {"id": "did:example:other", "name": "Jo"}],
    },
    "1.1": {
        "credentialSchema": {"id": "https://x.example/schema.json",
                             "type": "https://x.example/JsonSchemaValidator2018"},
        "termsOfUse": {"type": "https://x.example/IssuerPolicy"},
        "evidence": [{"id": "https://x.example/evidence/1",
                      "type": ["https://x.example/DocumentVerification"]}],
        "refreshService": {"id": "https://x.example/refresh",
                           "type": "https://x.example/ManualRefreshService2018"},
    },
}


def well_formed(version: str, issuer: str | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(BASES[version]) | copy.deepcopy(WELL_FORMED[version])
    if issuer is not None:
        doc["issuer"] = issuer
        if version == "1.1":
            doc["issuanceDate"] = "2024-01-01T00:00:00Z"
    return doc
