"""How the flow's secrets are kept: SHA-256 for random values (codes, tokens, nonces: 256 bits
of entropy, nothing to guess), HMAC under the service secret for the six-digit tx_code and for
deriving an offer's pre-authorized code from its reference (so neither is stored in clear)."""

from __future__ import annotations

import base64
import hashlib
import hmac


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def keyed(secret: str, purpose: str, value: str) -> str:
    key = hashlib.sha256(f"mcred oid4vci {purpose} key|{secret}".encode()).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def derived_code(secret: str, ref: str) -> str:
    """The pre-authorized code of the offer whose reference is ``ref``."""
    raw = bytes.fromhex(keyed(secret, "pre-authorized code", ref))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
