"""IETF Token Status List (draft-ietf-oauth-status-list) for SD-JWT VCs: lists per issuer,
random index allocation, status changes that follow the award's, signed Status List Tokens.

Two bits per entry: 0x00 VALID, 0x01 INVALID (revoked, final), 0x02 SUSPENDED (§7.1), so
one list carries both revocation and suspension.
"""

from __future__ import annotations

import secrets
import time
import zlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import not_found
from app.issuers.keys import KeyStore
from app.issuers.models import Issuer
from app.wallets import es256_keys
from app.wallets.sd_jwt_models import TokenStatusEntry, TokenStatusList

BITS = 2
LIST_SIZE = 2**17  # as many entries as a Bitstring Status List: the same herd to hide in
# Roll over at half full: random probing then rarely collides (as app/status/service.py).
FILL_LIMIT = LIST_SIZE // 2
VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02
STATUS_OF_STATE = {"active": VALID, "revoked": INVALID, "suspended": SUSPENDED}
MEDIA_TYPE = "application/statuslist+jwt"


def list_uri(base_url: str, list_id: int) -> str:
    return f"{base_url}/statuslists/{list_id}"


def empty(size: int = LIST_SIZE, bits: int = BITS) -> bytes:
    return bytes(size * bits // 8)


def get_status(data: bytes, idx: int, bits: int = BITS) -> int:
    """Entry ``idx``: least significant bits of byte idx*bits/8 first (§4.1)."""
    per_byte = 8 // bits
    return (data[idx // per_byte] >> ((idx % per_byte) * bits)) & ((1 << bits) - 1)


def set_status(data: bytearray, idx: int, value: int, bits: int = BITS) -> None:
    per_byte = 8 // bits
    shift = (idx % per_byte) * bits
    mask = ((1 << bits) - 1) << shift
    data[idx // per_byte] = (data[idx // per_byte] & ~mask) | ((value << shift) & mask)


def encode_lst(data: bytes) -> str:
    """``lst``: base64url of the DEFLATE-compressed bytes in the ZLIB format (§4.1)."""
    return es256_keys.b64url(zlib.compress(data, 9))


def _open_list(session: Session, issuer: Issuer) -> TokenStatusList:
    latest = session.scalar(select(TokenStatusList).where(TokenStatusList.issuer_id == issuer.id)
                            .order_by(TokenStatusList.id.desc()).limit(1))
    if latest is not None:
        used = session.scalar(select(func.count()).select_from(TokenStatusEntry)
                              .where(TokenStatusEntry.list_id == latest.id)) or 0
        if used < FILL_LIMIT:
            return latest
    fresh = TokenStatusList(issuer_id=issuer.id, bits=BITS, size=LIST_SIZE, data=empty())
    session.add(fresh)
    session.flush()
    return fresh


def allocate(session: Session, issuer: Issuer, award_id: str,
             state: str = "active") -> TokenStatusEntry:
    """A random, never-used index for one SD-JWT VC of ``award_id``, set to the award's
    current ``state`` (an SD-JWT VC issued for a suspended award starts suspended)."""
    for _ in range(64):
        status_list = _open_list(session, issuer)
        entry = TokenStatusEntry(list_id=status_list.id, idx=secrets.randbelow(status_list.size),
                                 award_id=award_id)
        try:
            with session.begin_nested():  # the unique (list, idx) pair arbitrates races
                session.add(entry)
                session.flush()
        except IntegrityError:
            continue
        if STATUS_OF_STATE[state] != VALID:
            _write(session, [entry], STATUS_OF_STATE[state])
        return entry
    raise RuntimeError("could not allocate a token status list index")  # ~2^-64 at half fill


def _write(session: Session, entries: list[TokenStatusEntry], value: int) -> None:
    for list_id in sorted({e.list_id for e in entries}):  # one lock order: no deadlocks
        # Lock the row: concurrent changes to other entries of the list must not be lost.
        status_list = session.scalar(select(TokenStatusList)
                                     .where(TokenStatusList.id == list_id).with_for_update())
        assert status_list is not None
        data = bytearray(status_list.data)
        for entry in entries:
            if entry.list_id == list_id:
                set_status(data, entry.idx, value, status_list.bits)
        status_list.data = bytes(data)
        status_list.version += 1
        status_list.updated_at = utcnow()
    session.flush()


def follow_award(session: Session, award_id: str, state: str) -> int:
    """Set every SD-JWT VC entry of ``award_id`` to ``state`` (active | revoked | suspended);
    called by ``app.status.service.change``. Returns how many entries were set."""
    entries = list(session.scalars(select(TokenStatusEntry)
                                   .where(TokenStatusEntry.award_id == award_id)))
    if entries:
        _write(session, entries, STATUS_OF_STATE[state])
    return len(entries)


def get_list(session: Session, list_id: int) -> TokenStatusList:
    status_list = session.get(TokenStatusList, list_id)
    if status_list is None:
        raise not_found(f"token status list {list_id}")
    return status_list


def status_token(session: Session, keystore: KeyStore, base_url: str,
                 status_list: TokenStatusList, lifetime: int, ttl: int,
                 now: int | None = None) -> str:
    """The Status List Token (JWT, §5.1): ``typ`` statuslist+jwt, signed with the issuer's
    ES256 key, ``sub`` its own URI, valid ``lifetime`` seconds from ``now``."""
    issuer = session.get(Issuer, status_list.issuer_id)
    assert issuer is not None
    key, kid = es256_keys.signer(session, keystore, issuer)
    issued = int(time.time()) if now is None else now
    payload: dict[str, Any] = {
        "iss": es256_keys.issuer_url(base_url, issuer.slug),
        "sub": list_uri(base_url, status_list.id), "iat": issued, "exp": issued + lifetime,
        "ttl": ttl,
        "status_list": {"bits": status_list.bits, "lst": encode_lst(status_list.data)},
    }
    return es256_keys.sign_jws(key, {"typ": "statuslist+jwt", "kid": kid}, payload)
