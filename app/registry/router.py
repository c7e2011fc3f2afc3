"""HTTP: registry administration (admin token) and the signed public export."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from app.deps import DB_SESSION, Services, require_admin, services
from app.errors import ProblemError
from app.issuers.schemas import refuse_hidden_characters
from app.outbound import outbound_policy
from app.registry import deqar, importers, publish, service
from app.registry.publish import signed_export
from app.registry.schemas import RegistryEntryIn

admin = APIRouter(prefix="/admin/registry", tags=["registry"])
public = APIRouter(tags=["registry"])


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "suspended"]
    reason: str = Field(..., min_length=1, max_length=1000)

    _plain = field_validator("*", mode="before")(refuse_hidden_characters)


def _out(entry: Any) -> dict[str, Any]:
    return service.to_out(entry).model_dump(mode="json", by_alias=True)


@admin.post("", status_code=201, summary="Add a trusted issuer")
def add(body: RegistryEntryIn, actor: str = Depends(require_admin),
        session: Session = DB_SESSION) -> dict[str, Any]:
    return _out(service.add(session, body, actor))


@admin.get("", summary="All registry entries")
def list_all(actor: str = Depends(require_admin),
             session: Session = DB_SESSION) -> list[dict[str, Any]]:
    return [_out(e) for e in service.list_entries(session)]


@admin.put("/{entry_id}", summary="Replace an entry")
def update(entry_id: int, body: RegistryEntryIn, actor: str = Depends(require_admin),
           session: Session = DB_SESSION) -> dict[str, Any]:
    return _out(service.update(session, entry_id, body, actor))


@admin.post("/{entry_id}/status", summary="Suspend or reactivate an entry")
def set_status(entry_id: int, body: StatusBody, actor: str = Depends(require_admin),
               session: Session = DB_SESSION) -> dict[str, Any]:
    return _out(service.set_status(session, entry_id, body.status, body.reason, actor))


@admin.delete("/{entry_id}", status_code=204, summary="Remove an entry")
def remove(entry_id: int, reason: str = "removed by admin", actor: str = Depends(require_admin),
           session: Session = DB_SESSION) -> None:
    service.remove(session, entry_id, reason, actor)


@admin.post("/import", summary="Import entries (application/json or text/csv)")
async def import_file(request: Request, actor: str = Depends(require_admin),
                      session: Session = DB_SESSION) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = {"application/json": "json", "text/csv": "csv"}.get(media_type, "")
    entries = importers.parse(await request.body(), kind)
    name = request.headers.get("x-filename") or f"upload.{kind}"
    return service.upsert_many(session, entries, actor, f"import:{name}")


class SubscriptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(..., max_length=2048)
    signer: str = Field(..., max_length=500, description="DID expected to sign the list")

    _plain = field_validator("*", mode="before")(refuse_hidden_characters)


@admin.post("/subscriptions", status_code=201, summary="Follow another registry")
def subscribe(body: SubscriptionBody, actor: str = Depends(require_admin),
              session: Session = DB_SESSION) -> dict[str, Any]:
    record = publish.subscribe(session, body.url, body.signer, actor)
    return {"url": record.url, "signer": record.signer}


@admin.post("/subscriptions/refresh", summary="Fetch, verify and import followed registries")
def refresh(actor: str = Depends(require_admin),
            svc: Services = Depends(services)) -> list[dict[str, Any]]:
    return publish.refresh_followed(svc.db, svc.settings.public_base_url,
                                    outbound_policy(svc.settings), actor)


class DeqarSyncBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    deqar_ids: list[str] = Field(..., alias="deqarIds", min_length=1, max_length=50)

    _plain = field_validator("*", mode="before")(refuse_hidden_characters)


def deqar_client(settings: Any) -> deqar.DeqarClient:
    token = settings.deqar_token.get_secret_value() if settings.deqar_token else None
    return deqar.DeqarClient(settings.deqar_api_url, token, outbound_policy(settings))


@admin.post("/deqar/sync", summary="Fetch institutions' reports from the DEQAR Web API")
def deqar_sync(body: DeqarSyncBody, actor: str = Depends(require_admin),
               svc: Services = Depends(services)) -> list[dict[str, Any]]:
    """One result per id: the entry updated, or the error (DEQAR down, token refused,
    no registry entry with that deqarId) in words; never a 5xx."""
    return deqar.sync(svc.db, deqar_client(svc.settings), body.deqar_ids, actor)


@admin.post("/deqar/import", summary="Import DEQAR report data (application/json or text/csv)")
async def deqar_import(request: Request, actor: str = Depends(require_admin),
                       session: Session = DB_SESSION) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = {"application/json": "json", "text/csv": "csv"}.get(media_type, "")
    if not kind:
        raise ProblemError(415, "unsupported-media-type", "Unsupported file type",
                           "upload application/json or text/csv")
    try:
        parsed = deqar.parse(await request.body(), kind)
    except deqar.DeqarError as exc:
        raise ProblemError(400, "bad-deqar-file", "Bad DEQAR report data", str(exc)) from None
    name = (request.headers.get("x-filename") or f"upload.{kind}")[:200]
    return deqar.import_file(session, parsed, actor, f"deqar:{name}")


@public.get("/registry.json", summary="The registry as a list signed by this service's DID")
def export(session: Session = DB_SESSION,
           svc: Services = Depends(services)) -> dict[str, Any]:
    return signed_export(session, svc.keystore, svc.settings.public_base_url)
