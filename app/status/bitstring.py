"""Bitstring Status List v1.0 encoding: bit 0 is the left-most bit of the first byte;
``encodedList`` is multibase base64url (``u``, no padding) of the GZIP of the bitstring."""

from __future__ import annotations

import base64
import gzip
import io

MIN_BITS = 131_072  # the spec's minimum list length (16 KiB), for herd privacy


class BitstringError(ValueError):
    """An encodedList that cannot be decoded, or an index outside the list."""


def empty(bits: int = MIN_BITS) -> bytearray:
    if bits < MIN_BITS or bits % 8:
        raise ValueError(f"a status list has at least {MIN_BITS} bits, a multiple of 8")
    return bytearray(bits // 8)


def get_bit(bitstring: bytes, index: int) -> bool:
    if not 0 <= index < len(bitstring) * 8:
        raise BitstringError(f"index {index} is outside a list of {len(bitstring) * 8} entries")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def set_bit(bitstring: bytearray, index: int, value: bool) -> None:
    if not 0 <= index < len(bitstring) * 8:
        raise BitstringError(f"index {index} is outside a list of {len(bitstring) * 8} entries")
    mask = 0x80 >> (index % 8)
    if value:
        bitstring[index // 8] |= mask
    else:
        bitstring[index // 8] &= ~mask & 0xFF


def encode(bitstring: bytes) -> str:
    # mtime=0: the same bits always give the same encodedList (stable ETags, no time leak).
    compressed = gzip.compress(bytes(bitstring), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str, max_bytes: int = 16 * 1024 * 1024, min_bits: int = MIN_BITS) -> bytes:
    """The bitstring of an ``encodedList``; refuses lists shorter than ``min_bits`` (by default
    the spec minimum) and decompression bombs. A verifier reading another issuer's list passes
    a lower minimum: a short list still says which credentials are revoked."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise BitstringError("encodedList must be multibase base64url (starting with 'u')")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:
        raise BitstringError(f"encodedList is not base64url: {exc}") from None
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            data = stream.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise BitstringError(f"encodedList is not GZIP data: {exc}") from None
    if len(data) > max_bytes:
        raise BitstringError(f"encodedList expands beyond {max_bytes} bytes")
    if len(data) * 8 < min_bits:
        raise BitstringError(f"the list has {len(data) * 8} entries; at least {min_bits} needed")
    return data
