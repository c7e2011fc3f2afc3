"""VC-API (VCALM) exchanges that deliver an award into a wallet such as the DCC Learner
Credential Wallet: the issuer opens an exchange, the wallet POSTs ``{}`` and gets a DID
Authentication request, signs it with its did:key, and gets the award's credential bound to
that did:key (``bind_to_holder``). One exchange, one delivery; it expires.

The exchange id in the URL is the only thing the wallet holds, so it is a bearer secret:
random, stored as its SHA-256, never logged (routes are logged as templates).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import update
from sqlalchemy.orm import Session

from app import audit
from app.credentials.models import AwardRecord
from app.credentials.service import Issuing, award_credentials
from app.db import Database
from app.dids.resolver import DidResolver
from app.errors import ProblemError
from app.issuers.models import Issuer
from app.proofs.dataintegrity import verify_document
from app.proofs.errors import ProofError
from app.wallets.binding import bind_to_holder, deliverable_award
from app.wallets.exchange_models import Exchange
from app.wallets.holder import HolderKeyError, check_holder_did

WORKFLOW = "award-delivery"
# LCW's deep links (app.config.js LinkConfig.schemes; walletRequestApi.parseWalletApiUrl reads
# the `request` parameter as a JSON Wallet API message, `protocols.vcapi` its exchange URL).
# The dccrequest: scheme is registered by the app (iOS CFBundleURLSchemes, Android intent
# filter host "request"), so it opens LCW from a phone's browser; https://lcw.app/request is
# what LCW's own QR scanner and paste box accept, and a website for a phone without the app.
LCW_APP = "dccrequest://request"
LCW_WEB = "https://lcw.app/request"
MAX_FAILURES = 5  # presentations refused before the exchange turns invalid
MAX_PARTICIPATE_BYTES = 64 * 1024  # a DID Authentication VP is ~2 KB
VP_CONTEXTS = {"https://www.w3.org/ns/credentials/v2": "https://www.w3.org/ns/credentials/v2",
               "https://www.w3.org/2018/credentials/v1": "https://www.w3.org/2018/credentials/v1"}
_EXCHANGE_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32)
# How a refused presentation is named to the wallet (problem `reason`), by proof error code.
_REASONS = {ProofError.INVALID_SIGNATURE: "bad-signature",
            ProofError.INVALID_CHALLENGE: "wrong-challenge",
            ProofError.INVALID_DOMAIN: "wrong-domain",
            ProofError.WRONG_PROOF_PURPOSE: "wrong-proof-purpose",
            ProofError.VM_RESOLUTION: "unresolvable-key",
            ProofError.VM_NOT_AUTHORIZED: "key-not-authorized"}
_DID_KEYS = DidResolver()  # did:key only: resolved from the DID itself, no I/O


def _digest(exchange_id: str) -> str:
    return hashlib.sha256(exchange_id.encode("ascii")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def domain_of(base_url: str) -> str:
    """The proof ``domain`` we ask for: the host (and port) of our public base URL, the form
    wallets compare with the origin they talk to (``verifier.example`` for
    ``https://verifier.example``)."""
    return urlsplit(base_url).netloc


def exchange_url(base_url: str, exchange_id: str) -> str:
    return f"{base_url}/workflows/{WORKFLOW}/exchanges/{exchange_id}"


def interaction_url(base_url: str, exchange_id: str) -> str:
    return f"{base_url}/interactions/{exchange_id}?iuv=1"


def lcw_links(base_url: str, exchange_id: str) -> dict[str, str]:
    """LCW's deep links to the exchange: ``app`` (its custom scheme, opens the app on the
    phone) and ``web`` (https, for LCW's QR scanner)."""
    parts = urlsplit(base_url)
    message = json.dumps({"credentialRequestOrigin": f"{parts.scheme}://{parts.netloc}",
                          "protocols": {"vcapi": exchange_url(base_url, exchange_id)}},
                         separators=(",", ":"))
    query = "request=" + quote(message, safe="")
    return {"app": f"{LCW_APP}?{query}", "web": f"{LCW_WEB}?{query}"}


def protocols(base_url: str, exchange_id: str) -> dict[str, str]:
    """The interaction URL's answer to a wallet: where each protocol continues."""
    return {"vcapi": exchange_url(base_url, exchange_id)}


@dataclass(frozen=True)
class Created:
    """A new exchange: its secret id (shown once) and what it expires."""

    exchange_id: str
    award_id: str
    expires_at: datetime

    def to_json(self, base_url: str) -> dict[str, Any]:
        return {"exchangeId": self.exchange_id, "awardId": self.award_id,
                "state": "pending", "expires": _stamp(self.expires_at),
                "exchangeUrl": exchange_url(base_url, self.exchange_id),
                "interactionUrl": interaction_url(base_url, self.exchange_id),
                "lcw": lcw_links(base_url, self.exchange_id),
                "qrUrl": f"{base_url}/interactions/{self.exchange_id}/qr.svg"}


def create_exchange(session: Session, award_id: str, ttl_seconds: int, actor: str, *,
                    issuer: Issuer | None = None, expires: datetime | None = None) -> Created:
    """Open an exchange delivering ``award_id``: 404 when ``issuer`` is given and the award is
    not its own (the API; the learner home checks the learner's own awards and passes none),
    409 for a revoked or suspended award; ``expires`` may only shorten the TTL."""
    if not isinstance(award_id, str) or not 1 <= len(award_id) <= 64:
        raise ProblemError(400, "bad-request", "Bad request", "awardId must be an award id")
    record = session.get(AwardRecord, award_id)
    if record is None or (issuer is not None and record.issuer_id != issuer.id):
        raise ProblemError(404, "not-found", "Not found", f"award '{award_id}' does not exist")
    award = deliverable_award(session, award_id)
    now = _now()
    latest = now + timedelta(seconds=ttl_seconds)
    if expires is not None and not now < expires <= latest:
        raise ProblemError(400, "bad-request", "Bad request",
                           f"expires must be in the next {ttl_seconds} seconds")
    exchange_id = secrets.token_urlsafe(32)
    session.add(Exchange(id_hash=_digest(exchange_id), issuer_id=award.issuer_id,
                         award_id=award.id, state="pending", sequence=0, failures=0, created_at=now,
                         expires_at=expires or latest))
    audit.record(session, actor, "exchange.create", award.id, issuer_id=award.issuer_id,
                 workflow=WORKFLOW, expires=_stamp(expires or latest))
    return Created(exchange_id, award.id, expires or latest)


def _find(session: Session, exchange_id: str) -> Exchange:
    found = session.get(Exchange, _digest(exchange_id)) if _EXCHANGE_ID.fullmatch(
        exchange_id) else None
    if found is None:
        raise ProblemError(404, "exchange-not-found", "Exchange not found",
                           "no such exchange: check the link, or ask for a new one")
    return found


def state_of(exchange: Exchange, now: datetime | None = None) -> str:
    """The VCALM state: pending / active / complete / invalid (an expired exchange that did
    not complete is invalid)."""
    if exchange.state in ("pending", "active") and (now or _now()) >= exchange.expires_at:
        return "invalid"
    return exchange.state


def describe(session: Session, issuer: Issuer, exchange_id: str) -> dict[str, Any]:
    """VCALM GetExchangeResponse, for the issuer that opened the exchange only."""
    exchange = _find(session, exchange_id)
    if exchange.issuer_id != issuer.id:
        raise ProblemError(404, "exchange-not-found", "Exchange not found",
                           "no such exchange: check the link, or ask for a new one")
    return {"id": exchange_id, "sequence": exchange.sequence, "step": "didAuthentication",
            "state": state_of(exchange), "expires": _stamp(exchange.expires_at),
            "variables": {"awardId": exchange.award_id,
                          **({"holder": exchange.holder} if exchange.holder else {})}}


def interaction(session: Session, exchange_id: str) -> Exchange:
    """The exchange behind an interaction URL, if it can still be taken part in."""
    exchange = _find(session, exchange_id)
    _check_open(exchange)
    deliverable_award(session, exchange.award_id)  # revoked since: 409 before any signing
    return exchange


def offer(session: Session, exchange: Exchange) -> tuple[str | None, str | None]:
    """(achievement name, issuer name) of the award, from its signed OBv3 credential."""
    issued = award_credentials(session, exchange.award_id).get("ob3")
    document = json.loads(issued.document) if issued is not None else {}
    achievement = (document.get("credentialSubject") or {}).get("achievement") or {}
    issuer = document.get("issuer")
    name = issuer.get("name") if isinstance(issuer, dict) else None
    title = achievement.get("name")
    return (title if isinstance(title, str) else None, name if isinstance(name, str) else None)


def minutes_left(exchange: Exchange) -> int:
    return max(1, round((exchange.expires_at - _now()).total_seconds() / 60))


def _check_open(exchange: Exchange) -> None:
    if exchange.state == "complete":
        raise ProblemError(409, "exchange-complete", "Exchange complete",
                           "this credential was already delivered; ask for a new link")
    if state_of(exchange) == "invalid":
        if exchange.state == "invalid":
            raise ProblemError(409, "exchange-invalid", "Exchange invalid",
                               "too many refused presentations; ask for a new link")
        raise ProblemError(410, "exchange-expired", "Exchange expired",
                           f"the exchange expired at {_stamp(exchange.expires_at)};"
                           " ask for a new link")


def presentation_request(base_url: str, exchange_id: str, challenge: str) -> dict[str, Any]:
    """VPR for DID Authentication with a did:key (the VP Request spec's query; LCW signs it
    and posts to ``interact.service[0].serviceEndpoint``)."""
    return {"verifiablePresentationRequest": {
        "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}],
                   "acceptedCryptosuites": [{"cryptosuite": "eddsa-rdfc-2022"},
                                            {"cryptosuite": "Ed25519Signature2020"}]}],
        "challenge": challenge, "domain": domain_of(base_url),
        "interact": {"service": [{"type": "UnmediatedPresentationService2021",
                                  "serviceEndpoint": exchange_url(base_url, exchange_id)}]}}}


def _refused(reason: str, detail: str) -> ProblemError:
    return ProblemError(400, "invalid-presentation", "Invalid presentation", detail,
                        reason=reason)


def check_presentation(vp: Any, challenge: str, domain: str) -> str:
    """The holder DID of a DID Authentication presentation signed by that did:key for this
    challenge and domain; ProblemError invalid-presentation naming the reason otherwise."""
    if not isinstance(vp, dict):
        raise _refused("malformed", "verifiablePresentation must be a JSON object")
    types = vp.get("type")
    if "VerifiablePresentation" not in (types if isinstance(types, list) else [types]):
        raise _refused("malformed", "the presentation's type lacks VerifiablePresentation")
    holder = vp.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    try:
        holder = check_holder_did(holder)
    except HolderKeyError as exc:
        raise _refused("holder-not-did-key", str(exc)) from None
    result = verify_document(vp, _DID_KEYS.resolve_key, expected_purpose="authentication",
                             domain=domain, challenge=challenge)
    if not result.verified:
        error = result.errors[0]
        raise _refused(_REASONS.get(error.code, "malformed"), error.message)
    signers = {p.key.controller for p in result.proofs if p.key is not None}
    if signers != {holder}:
        raise _refused("holder-mismatch", "the presentation is not signed by its holder's key")
    return holder


def _answer(credential: dict[str, Any]) -> dict[str, Any]:
    """The VC-API answer carrying the credential (an unsigned VP, as VC-API allows)."""
    context = credential.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return {"verifiablePresentation": {
        "@context": [VP_CONTEXTS.get(first, "https://www.w3.org/ns/credentials/v2")],
        "type": ["VerifiablePresentation"], "verifiableCredential": [credential]}}


def participate(db: Database, issuing: Issuing, exchange_id: str, body: Any) -> dict[str, Any]:
    """One step of the exchange: ``{}`` opens a fresh challenge and returns the VPR; a
    ``verifiablePresentation`` answering it completes the exchange with the credential.

    Each step is its own short transaction, and the proof is verified with none open. A
    refused presentation closes its challenge and counts against the exchange, and is
    recorded even though the wallet gets an error."""
    if not isinstance(body, dict):
        raise ProblemError(400, "bad-request", "Bad request", "the body must be a JSON object")
    unknown = set(body) - {"verifiablePresentation"}
    if unknown:
        raise ProblemError(400, "bad-request", "Bad request",
                           f"unknown member(s) {sorted(unknown)[:5]}")
    digest = _digest(exchange_id) if _EXCHANGE_ID.fullmatch(exchange_id) else None
    if "verifiablePresentation" not in body:
        challenge = secrets.token_urlsafe(24)
        with db.session() as session:
            exchange = _find(session, exchange_id)
            _check_open(exchange)
            deliverable_award(session, exchange.award_id)
            exchange.challenge, exchange.state = challenge, "active"
            exchange.sequence = max(exchange.sequence, 1)
        return presentation_request(issuing.base_url, exchange_id, challenge)

    with db.session(read_only=True) as session:
        exchange = _find(session, exchange_id)
        _check_open(exchange)
        challenge = exchange.challenge
    if challenge is None:
        raise _refused("no-challenge", "no challenge is open: POST {} to the exchange first")
    try:
        holder = check_presentation(body["verifiablePresentation"], challenge,
                                    domain_of(issuing.base_url))
        refusal = None
    except ProblemError as exc:
        holder, refusal = None, exc
    with db.session() as session:
        # Close the challenge only if it is still the one verified against (single use: of
        # two concurrent presentations, one wins; the other sees the exchange as it is now).
        opened = {Exchange.id_hash: digest, Exchange.challenge: challenge,
                  Exchange.state: "active"}
        condition = [column == value for column, value in opened.items()]
        if refusal is not None:
            closed = session.execute(update(Exchange).where(*condition).values(
                challenge=None, failures=Exchange.failures + 1)).rowcount  # type: ignore[attr-defined]
            if closed:
                session.execute(update(Exchange).where(
                    Exchange.id_hash == digest, Exchange.failures >= MAX_FAILURES).values(
                    state="invalid"))
        else:
            closed = session.execute(update(Exchange).where(*condition).values(
                challenge=None, state="complete", holder=holder, sequence=2,
                completed_at=_now())).rowcount  # type: ignore[attr-defined]
        if not closed:
            current = _find(session, exchange_id)
            _check_open(current)
            raise _refused("wrong-challenge", "the challenge was used already: POST {} again")
        if refusal is None:
            award_id = session.get(Exchange, digest).award_id  # type: ignore[union-attr]
            credential = bind_to_holder(session, issuing, award_id, holder, "vc-api",
                                        f"wallet:{holder}")
            session.execute(update(Exchange).where(Exchange.id_hash == digest).values(
                credential_id=credential["id"]))
    if refusal is not None:
        raise refusal
    return _answer(credential)
