"""A bounded, thread-safe TTL cache for documents fetched from the network (remote did:web
documents, status lists): who submits a credential chooses those URLs, so the cache must
forget (TTL) and must not grow without limit (maxsize, least recently used out first)."""

from __future__ import annotations

import threading
import time
from typing import Any

from cachetools import TTLCache


class FetchCache:
    def __init__(self, ttl: float, maxsize: int) -> None:
        self.ttl = ttl
        self._cache: TTLCache[str, Any] = TTLCache(maxsize=maxsize, ttl=ttl,
                                                   timer=time.monotonic)
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._cache[key] = value

    def __len__(self) -> int:
        with self._lock:
            self._cache.expire()
            return len(self._cache)
