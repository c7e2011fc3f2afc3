"""Fresh, single-use presentation challenges (per process; expire after ten minutes)."""

from __future__ import annotations

import secrets
import threading
import time


class ChallengesExhausted(Exception):
    """As many challenges are open as the store holds; the caller should retry later."""


class Challenges:
    def __init__(self, ttl: float = 600.0, limit: int = 100_000) -> None:
        self.ttl, self.limit = ttl, limit
        self._open: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        challenge = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            if len(self._open) >= self.limit:
                self._open = {c: t for c, t in self._open.items() if t > now}
            if len(self._open) >= self.limit:  # a flood of open challenges: refuse, not grow
                raise ChallengesExhausted
            self._open[challenge] = now + self.ttl
        return challenge

    def consume(self, challenge: str) -> bool:
        """True once for a challenge issued here and not expired; False afterwards."""
        with self._lock:
            expires = self._open.pop(challenge, None)
        return expires is not None and expires > time.monotonic()


CHALLENGES = Challenges()
