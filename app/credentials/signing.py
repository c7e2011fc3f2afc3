"""Signing bulk jobs in parallel: worker processes (one per core) that each open the key
store themselves, so no private key crosses a process boundary; the store's secret does,
once per process, over the pipe multiprocessing opens to its own child. A task names the
key file and the verification method, and returns the signed document or why it failed."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.children import cores, exit_with_parent
from app.issuers.keys import KeyStore
from app.proofs.dataintegrity import RDFC, add_proof
from app.proofs.errors import ProofError


@dataclass(frozen=True)
class SignJob:
    document: dict[str, Any]
    key_file: str
    vm: str
    proof_array: bool


@dataclass(frozen=True)
class SignFailure:
    """Why a document could not be signed (a ProofError, carried across processes)."""

    code: str
    message: str


_STORE: KeyStore | None = None  # in a pool process: the key store it opened


def _open_store(directory: str, secret: str) -> None:
    global _STORE
    exit_with_parent(graceful=False)  # a killed bulk worker leaves no signing process behind
    _STORE = KeyStore(Path(directory), secret)
    _STORE.open()


def sign(job: SignJob, keystore: KeyStore) -> dict[str, Any] | SignFailure:
    """The signed document, or why it cannot be signed."""
    try:
        return add_proof(job.document, keystore.signing_key(job.key_file), job.vm,
                         cryptosuite=RDFC, proof_array=job.proof_array)
    except ProofError as exc:
        return SignFailure(exc.code, exc.message)


def _sign_here(job: SignJob) -> dict[str, Any] | SignFailure:
    assert _STORE is not None, "the pool initialiser opens the key store"
    return sign(job, _STORE)


class SigningPool:
    """A process pool that signs; started on first use, stopped by ``close``."""

    def __init__(self, keystore: KeyStore, processes: int | None = None) -> None:
        self.keystore = keystore
        self.processes = processes or cores()
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, job: SignJob) -> Future[dict[str, Any] | SignFailure]:
        """Sign ``job`` in a pool process; the caller goes on (its database work overlaps
        the signing) and collects the result from the future."""
        return self._executor().submit(_sign_here, job)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the caller has threads (HTTP server, the bulk worker's own),
            # and a forked child could inherit a lock one of them held.
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=_open_store,
                initargs=(str(self.keystore.directory), self.keystore.secret_text()))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
