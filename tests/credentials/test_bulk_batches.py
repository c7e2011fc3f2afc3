"""Bulk jobs in batches: a batch big enough goes to the signing processes and every credential
it stores verifies; a batch that cannot be signed is void and redone one row per transaction,
with each row issued once; rows rejected inside a batch leave the rest of it issued."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.credentials import batch
from app.credentials.models import AwardRecord, CredentialRecord
from app.credentials.service import Issuing
from app.credentials.signing import SignFailure
from app.deps import Services
from tests.credentials.test_bulk import BAD_ROWS, cohort_csv, upload


def _issuing(svc: Services) -> Issuing:
    return Issuing(svc.keystore, svc.settings.public_base_url)


def _verified(client: TestClient, credential_id: str, api_key: dict) -> bool:
    document = client.get(f"/credentials/{credential_id}", headers=api_key).json()
    answer = client.post("/credentials/verify", json={"verifiableCredential": document})
    proof = next(c for c in answer.json()["report"]["checks"] if c["name"] == "proof")
    return proof["status"] == "passed"


def test_a_big_batch_is_signed_by_the_pool_and_verifies(
        client: TestClient, api_key: dict, achievement: dict, svc: Services) -> None:
    job = upload(client, api_key, achievement["id"], cohort_csv(20, BAD_ROWS))
    pool = batch.SigningPool(svc.keystore, processes=2)
    try:
        # 23 rows, 20 awards: 40 signatures, enough for the pool; one transaction
        assert batch.process_batch(svc.db, _issuing(svc), pool, size=32) == 23
        assert pool._pool is not None  # the pool signed them
    finally:
        pool.close()
    report = client.get(f"/credentials/bulk/{job['jobId']}/report", headers=api_key).json()
    assert (report["issued"], report["rejected"], report["pending"]) == (20, 3, 0)
    issued = [r for r in report["rows"] if r["state"] == "issued"]
    for row in (issued[0], issued[-1]):
        for credential_id in row["credentialIds"].values():
            assert _verified(client, credential_id, api_key)
    with svc.db.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(CredentialRecord)
                              .where(CredentialRecord.document == b"")) == 0


def test_a_batch_that_cannot_be_signed_is_redone_row_by_row(
        client: TestClient, api_key: dict, achievement: dict, svc: Services,
        monkeypatch: pytest.MonkeyPatch) -> None:
    job = upload(client, api_key, achievement["id"], cohort_csv(4))
    calls: list[Any] = []

    def failing(job: Any, keystore: Any) -> SignFailure:
        calls.append(job)
        return SignFailure("INVALID_JSONLD", "made to fail")

    monkeypatch.setattr(batch, "sign", failing)  # the batch's signer; single rows sign as usual
    assert batch.process_batch(svc.db, _issuing(svc), None, size=32) == 4
    assert len(calls) == 8  # the batch tried, and was void
    report = client.get(f"/credentials/bulk/{job['jobId']}/report", headers=api_key).json()
    assert (report["issued"], report["pending"]) == (4, 0)
    with svc.db.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(AwardRecord)) == 4
        assert session.scalar(select(func.count()).select_from(CredentialRecord)) == 8
    row = next(r for r in report["rows"] if r["state"] == "issued")
    assert _verified(client, row["credentialIds"]["ob3"], api_key)
