"""Sessions: read-only ones neither wait for nor block a writer, and refuse to write."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.deps import Services
from app.issuers.models import Issuer
from tests.conftest import ISSUER_BODY


def test_read_only_session_reads_while_a_writer_holds_the_lock(svc: Services,
                                                               issuer: dict) -> None:
    with svc.db.session() as writer:
        row = writer.scalar(select(Issuer).where(Issuer.slug == "uni-tartu"))
        assert row is not None
        row.legal_name = "Renamed, not yet committed"
        writer.flush()  # the write lock (SQLite) / row lock (PostgreSQL) is held from here
        with svc.db.session(read_only=True) as reader:
            seen = reader.scalar(select(Issuer.legal_name).where(Issuer.slug == "uni-tartu"))
        assert seen == ISSUER_BODY["legal_name"]  # the committed snapshot, at once
        writer.rollback()


def test_read_only_session_refuses_to_write(svc: Services, issuer: dict) -> None:
    with (pytest.raises(RuntimeError, match="read-only session"),
          svc.db.session(read_only=True) as reader):
        row = reader.scalar(select(Issuer).where(Issuer.slug == "uni-tartu"))
        assert row is not None
        row.legal_name = "Changed"
        reader.flush()
    with svc.db.session(read_only=True) as reader:
        name = reader.scalar(select(Issuer.legal_name).where(Issuer.slug == "uni-tartu"))
    assert name == ISSUER_BODY["legal_name"]
