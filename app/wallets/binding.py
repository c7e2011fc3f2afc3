"""An award's OBv3 credential bound to the holder's DID, for delivery into a wallet.

The learner's link carries the credential as issued (the learner named by hashed identifiers);
a wallet wants one whose ``credentialSubject.id`` is its own key, so it can present it with a
proof of possession. Each delivery is a new credential (new ``id``, signed now with the issuer's
current key) that shares the award's status entries: revoking the award revokes every copy.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from app import audit
from app.credentials.models import AwardRecord
from app.credentials.service import Issuing, award_credentials
from app.credentials.signing import SignFailure, SignJob, sign
from app.errors import ProblemError, not_found
from app.issuers import service as issuers
from app.issuers.models import Issuer
from app.proofs.errors import ProofError
from app.status.service import standing_of
from app.wallets.holder import check_holder_did

HOLDER_BOUND_PROFILE = "ob3-holder"


def deliverable_award(session: Session, award_id: str) -> AwardRecord:
    """The award, if it exists and is neither revoked nor suspended."""
    record = session.get(AwardRecord, award_id)
    if record is None:
        raise not_found(f"award '{award_id}'")
    state = standing_of(session, record.id).state
    if state != "active":
        raise ProblemError(409, "award-not-active", "Award not active",
                           f"the award is {state}; it cannot be delivered to a wallet")
    return record


def bind_to_holder(session: Session, issuing: Issuing, award_id: str, holder_did: str,
                   channel: str, actor: str) -> dict[str, Any]:
    """A newly signed OBv3 credential of ``award_id`` whose subject is ``holder_did``;
    the delivery is audited (``channel``: oid4vci | vc-api)."""
    holder_did = check_holder_did(holder_did)
    award = deliverable_award(session, award_id)
    issued = award_credentials(session, award.id).get("ob3")
    if issued is None:  # every award has one; a missing one is data damage, said plainly
        raise ProblemError(409, "award-not-active", "Award not active",
                           "the award has no Open Badges credential to deliver")
    document = json.loads(issued.document)
    document.pop("proof", None)
    document["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["credentialSubject"] = {**document["credentialSubject"], "id": holder_did}
    issuer = session.get(Issuer, award.issuer_id)
    assert issuer is not None  # awards.issuer_id is a RESTRICT foreign key
    key_record, vm = issuers.signing_method(session, issuing.base_url, issuer)
    signed = sign(SignJob(document, key_record.key_file, vm, proof_array=True), issuing.keystore)
    if isinstance(signed, SignFailure):
        raise ProofError(signed.code, signed.message)
    audit.record(session, actor, "credential.deliver", award.id, issuer_id=award.issuer_id,
                 credential=document["id"], holder=holder_did, channel=channel,
                 profile=HOLDER_BOUND_PROFILE)
    return signed
