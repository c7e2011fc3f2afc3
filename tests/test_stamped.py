"""Self-expiring tokens (app/stamped.py): the canonical base64url spelling only, so a token
recorded as used cannot come back spelled another way."""

from __future__ import annotations

import time

from app import stamped

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_other_spellings_of_the_same_bytes_are_refused() -> None:
    token = stamped.mint("s" * 20, b"purpose", int(time.time()) + 60, 16)  # 40 bytes: 54 chars
    assert stamped.expiry("s" * 20, b"purpose", token) is not None
    last = ALPHABET.index(token[-1])
    # the last character carries 2 bits of data and 4 unused: 15 other spellings decode alike
    twins = [token[:-1] + ALPHABET[(last & ~0b1111) | low] for low in range(16)
             if ALPHABET[(last & ~0b1111) | low] != token[-1]]
    assert len(twins) == 15
    assert [stamped.expiry("s" * 20, b"purpose", twin) for twin in twins] == [None] * 15


def test_a_token_of_another_purpose_or_secret_is_refused() -> None:
    token = stamped.mint("s" * 20, b"purpose", int(time.time()) + 60, 12)
    assert stamped.expiry("t" * 20, b"purpose", token) is None
    assert stamped.expiry("s" * 20, b"other", token) is None
