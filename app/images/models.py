"""Table: issuers' own images — an achievement's badge image and the issuer's logo."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.db import Base, UTCDateTime, utcnow

BADGE = "badge"
LOGO = "logo"


class ImageRecord(Base):
    """One uploaded image, already checked and cleaned (``app/images/checks.py``).

    Rows are never changed but for ``current``: a credential signed with an image's URL keeps
    showing that image after the issuer replaces or removes it. A badge row names its
    achievement; a logo row has none.
    """

    __tablename__ = "images"
    __table_args__ = (Index("ix_images_subject", "issuer_id", "role", "achievement_id",
                            "current"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="RESTRICT"))
    achievement_id: Mapped[str | None] = mapped_column(
        ForeignKey("achievements.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(10))  # BADGE | LOGO
    media_type: Mapped[str] = mapped_column(String(20))  # image/png | image/svg+xml
    # Deferred: pages only need to know an image exists; the bytes load when served or baked.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def extension(self) -> str:
        return "png" if self.media_type == "image/png" else "svg"
