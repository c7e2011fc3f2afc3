"""Ed25519 keys as Multikey: multibase base58btc (``z``) over multicodec-prefixed bytes."""

from __future__ import annotations

import base58

# Multicodec varint prefixes (multiformats table): ed25519-pub 0xed, ed25519-priv 0x1300.
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


class MultibaseError(ValueError):
    """A multibase / multikey value that cannot be decoded."""


def encode_base58btc(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    if not isinstance(value, str) or len(value) < 2 or not value.startswith("z"):
        raise MultibaseError("expected a multibase base58btc value starting with 'z'")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise MultibaseError(f"invalid base58btc characters: {exc}") from exc


def encode_public_key(raw: bytes) -> str:
    """Ed25519 public key (32 bytes) → ``z6Mk…``."""
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return encode_base58btc(ED25519_PUB_PREFIX + raw)


def decode_public_key(multibase: str) -> bytes:
    """``z6Mk…`` → the 32 raw bytes of the Ed25519 public key."""
    data = decode_base58btc(multibase)
    if not data.startswith(ED25519_PUB_PREFIX) or len(data) != 34:
        raise MultibaseError("not an Ed25519 Multikey public key (expected 0xed01 + 32 bytes)")
    return data[2:]


def encode_private_key(seed: bytes) -> str:
    """Ed25519 private key seed (32 bytes) → multibase Multikey secret key."""
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    return encode_base58btc(ED25519_PRIV_PREFIX + seed)


def decode_private_key(multibase: str) -> bytes:
    """Multibase Multikey secret key → the 32-byte Ed25519 seed."""
    data = decode_base58btc(multibase)
    if not data.startswith(ED25519_PRIV_PREFIX) or len(data) != 34:
        raise MultibaseError("not an Ed25519 Multikey secret key (expected 0x8026 + 32 bytes)")
    return data[2:]
