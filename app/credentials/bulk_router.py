"""HTTP: bulk issuing jobs (upload a CSV or JSON Lines file, follow progress, get the report)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app.credentials import batch
from app.deps import (
    DB_READ_SESSION,
    DB_SESSION,
    Services,
    require_issuer_key,
    require_issuer_key_read,
    services,
)
from app.issuers.models import Issuer

router = APIRouter(prefix="/credentials/bulk", tags=["bulk issuing"])
BULK_PATH = "/credentials/bulk"

_KINDS = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
          "application/jsonlines": "jsonl"}


@router.post("", status_code=202,
             summary="Upload awards for one achievement (text/csv or application/x-ndjson)")
async def create(request: Request, achievement_id: str = Query(..., alias="achievementId"),
                 issuer: Issuer = Depends(require_issuer_key),
                 session: Session = DB_SESSION,
                 svc: Services = Depends(services)) -> JSONResponse:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = _KINDS.get(media_type, "")
    rows = batch.parse_rows(await request.body(), kind)
    source = request.headers.get("x-filename") or f"upload.{kind or 'bin'}"
    job = batch.create_job(session, issuer, achievement_id, rows, source,
                           f"issuer:{issuer.slug}")
    url = f"{svc.settings.public_base_url}{BULK_PATH}/{job.id}"
    return JSONResponse({"jobId": job.id, "total": job.total, "status": url,
                         "report": f"{url}/report"}, status_code=202,
                        headers={"Location": url})


@router.get("/{job_id}", summary="Progress of a bulk job")
def status(job_id: str, issuer: Issuer = Depends(require_issuer_key_read),
           session: Session = DB_READ_SESSION) -> dict[str, Any]:
    return batch.progress(session, batch.get_job(session, issuer, job_id)).to_json()


@router.get("/{job_id}/report",
            summary="Per-row outcome: credential ids and share link, or reasons")
def report(job_id: str, issuer: Issuer = Depends(require_issuer_key_read),
           session: Session = DB_READ_SESSION,
           svc: Services = Depends(services)) -> dict[str, Any]:
    job = batch.get_job(session, issuer, job_id)
    rows = batch.report(session, job, svc.settings.public_base_url,
                        svc.settings.key_secret.get_secret_value())
    return {**batch.progress(session, job).to_json(), "rows": rows}
