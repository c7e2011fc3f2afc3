"""HTTP: upload an achievement's badge image (issuer API key) or an issuer's logo (admin), and
serve stored images at the public addresses credentials name."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.credentials import service as credentials
from app.deps import (
    DB_READ_SESSION,
    DB_SESSION,
    Services,
    require_admin,
    require_issuer_key,
    services,
)
from app.errors import ProblemError, not_found
from app.images import service
from app.images.checks import PNG, SVG, CheckedImage, ImageRejected, check_image
from app.images.models import ImageRecord
from app.issuers import service as issuers
from app.issuers.models import Issuer

router = APIRouter(tags=["images"])
admin = APIRouter(prefix="/admin", tags=["admin"])

# A stored image opened on its own: nothing runs, nothing loads but its own inline styles and
# data: pictures, and it gets a unique origin (sandbox).
IMAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "frame-ancestors 'none'; sandbox")
_UPLOAD_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    PNG: {"schema": {"type": "string", "format": "binary"}},
    SVG: {"schema": {"type": "string", "format": "binary"}}}}}


async def image_upload(request: Request, svc: Services = Depends(services)) -> tuple[str, bytes]:
    """The declared type and the bytes of an image upload, read no further than the limit."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared not in (PNG, SVG):
        raise ProblemError(415, "unsupported-image-type", "Unsupported image type",
                           f"send the image with Content-Type {PNG} or {SVG}",
                           code="content-type")
    limit, body = svc.settings.max_image_bytes, bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ProblemError(413, "image-too-large", "Image too large",
                               f"images may be at most {limit} bytes", limit=limit)
    return declared, bytes(body)


def _checked(upload: tuple[str, bytes]) -> CheckedImage:
    try:
        return check_image(upload[1], upload[0])
    except ImageRejected as exc:
        if exc.status == 415:
            raise ProblemError(415, "unsupported-image-type", "Unsupported image type",
                               exc.message, code=exc.code) from None
        raise ProblemError(422, "invalid-image", "Image not accepted", exc.message,
                           code=exc.code) from None


def _out(base_url: str, record: ImageRecord, removed: list[str]) -> dict[str, Any]:
    return {"id": record.id, "url": service.image_url(base_url, record),
            "mediaType": record.media_type, "width": record.width, "height": record.height,
            "bytes": len(record.data), "sha256": record.sha256, "removed": removed}


@router.put("/achievements/{achievement_id}/image", openapi_extra=_UPLOAD_DOC,
            summary="Set the achievement's own badge image (PNG or SVG; SVG is sanitised)")
def put_achievement_image(achievement_id: str,
                          issuer: Issuer = Depends(require_issuer_key),
                          upload: tuple[str, bytes] = Depends(image_upload),
                          session: Session = DB_SESSION,
                          svc: Services = Depends(services)) -> dict[str, Any]:
    """Credentials issued from now on name it as ``achievement.image`` and their baked
    badges are this image; credentials issued before keep theirs."""
    achievement = credentials.get_achievement(session, issuer, achievement_id)
    image = _checked(upload)
    record = service.store(session, issuer.id, achievement.id, image, f"issuer:{issuer.slug}")
    return _out(svc.settings.public_base_url, record, image.removed)


@router.delete("/achievements/{achievement_id}/image", status_code=204,
               summary="Stop using the achievement's own badge image for new credentials")
def delete_achievement_image(achievement_id: str, issuer: Issuer = Depends(require_issuer_key),
                             session: Session = DB_SESSION) -> Response:
    achievement = credentials.get_achievement(session, issuer, achievement_id)
    if not service.remove(session, issuer.id, achievement.id, f"issuer:{issuer.slug}"):
        raise not_found(f"an image of achievement '{achievement_id}'")
    return Response(status_code=204)


@admin.put("/issuers/{slug}/logo", openapi_extra=_UPLOAD_DOC,
           summary="Set the issuer's logo (PNG or SVG; SVG is sanitised)")
def put_logo(slug: str, actor: str = Depends(require_admin),
             upload: tuple[str, bytes] = Depends(image_upload), session: Session = DB_SESSION,
             svc: Services = Depends(services)) -> dict[str, Any]:
    """Credentials issued from now on name it as ``issuer.image``; share pages show it by the
    issuer's name and generated badges carry it."""
    issuer = issuers.get_issuer(session, slug)
    image = _checked(upload)
    record = service.store(session, issuer.id, None, image, actor)
    return _out(svc.settings.public_base_url, record, image.removed)


@admin.delete("/issuers/{slug}/logo", status_code=204,
              summary="Stop using the issuer's logo for new credentials")
def delete_logo(slug: str, actor: str = Depends(require_admin),
                session: Session = DB_SESSION) -> Response:
    issuer = issuers.get_issuer(session, slug)
    if not service.remove(session, issuer.id, None, actor):
        raise not_found(f"a logo of issuer '{slug}'")
    return Response(status_code=204)


@router.get("/images/{name}", summary="A stored badge image or logo (what credentials name)")
def get_image(name: str, session: Session = DB_READ_SESSION) -> Response:
    record = service.get(session, name)
    if record is None:
        raise not_found("image")
    return Response(record.data, media_type=record.media_type, headers={
        "Content-Security-Policy": IMAGE_POLICY, "X-Content-Type-Options": "nosniff",
        # The bytes behind an address never change (a new upload gets a new address).
        "Cache-Control": "public, max-age=31536000, immutable",
        "Content-Disposition": f'inline; filename="{record.id}.{record.extension}"'})
