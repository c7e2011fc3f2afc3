"""Per-process caches of what verification reads from our own database: DID documents of the
DIDs we host, our signed status list credentials, and rubrics.

Each cached value is keyed by a fingerprint that every verification reads afresh from the
database (one small query), so a change committed by any worker process — a revocation, a
key rotation or compromise, a registry edit — is seen by the very next verification in every
worker: no TTL window, no message bus. What a fingerprint covers:

- status list: its ``version``, bumped on every bit change and when its signature is voided
  (app.status.service.set_state, app.issuers.compromise);
- DID documents: the keys table (count, newest id, how many retired, how many compromised):
  a hosted document is made of its keys only, keys are never deleted and a key is retired or
  compromised once.

The registry is not cached: its lookup is one indexed read, about what a fingerprint of it
would cost (and timestamps, stored to the second, cannot tell two edits in a second apart).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from cachetools import LRUCache
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.issuers.models import SigningKeyRecord
from app.status.models import StatusList
from app.verify.scoring import Rubric, load_rubric, valid_rubric_name

T = TypeVar("T")


class _Memo:
    """A bounded, thread-safe LRU map; the value is computed outside the lock (two threads
    may compute the same value once each; neither waits for the other's database work)."""

    def __init__(self, maxsize: int) -> None:
        self._cache: LRUCache[Hashable, Any] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._cache[key] = value
        return value

    def peek(self, key: Hashable) -> tuple[bool, Any]:
        """(found, value) without computing anything."""
        with self._lock:
            if key in self._cache:
                return True, self._cache[key]
        return False, None

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def keys_fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever a hosted DID document can: a key added, retired or compromised."""
    return tuple(session.execute(select(
        func.count(SigningKeyRecord.id), func.max(SigningKeyRecord.id),
        func.count(SigningKeyRecord.retired_at),
        func.count(SigningKeyRecord.compromised_at))).one())


def list_version(session: Session, list_id: int) -> int | None:
    return session.scalar(select(StatusList.version).where(StatusList.id == list_id))


class VerifyCaches:
    """The caches one process keeps; lives on app.deps.Services."""

    def __init__(self) -> None:
        self.dids = _Memo(1024)        # (did, keys fingerprint) -> hosted document | None
        self.lists = _Memo(256)        # (list id, version) -> parsed signed list credential
        self.rubrics = _Memo(32)       # (name, folder, file stamp) -> Rubric

    def rubric(self, name: str, extra_dir: Path | None) -> Rubric:
        """``load_rubric`` once per file version (an edited rubric file is read again)."""
        stamp = None
        if extra_dir is not None and valid_rubric_name(name):
            path = extra_dir / f"{name}.json"
            if path.is_file():
                info = path.stat()
                stamp = (info.st_mtime_ns, info.st_size)
        return self.rubrics.get((name, str(extra_dir), stamp),
                                lambda: load_rubric(name, extra_dir))

    def clear(self) -> None:
        for memo in (self.dids, self.lists, self.rubrics):
            memo.clear()
