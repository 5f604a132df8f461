"""Request sheets: each row is evidence (kind request) and a request to triage."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.ingest.rows import Prepared
from grounded.models import Request, Workspace
from grounded.planning import requests
from grounded.planning.schemas import RequestCreate, RequestUpdate

if TYPE_CHECKING:
    from grounded.ingest.evidence_target import EvidenceWriter

IMPORT_ACTOR = Actor(user_id=None, name="import")


def write_requests(
    session: Session, target: EvidenceWriter, new: list[Prepared], changed: list[Prepared], ids: dict[str, str]
) -> None:
    workspace = session.get(Workspace, target.workspace_id)
    assert workspace is not None
    for row in new:
        requests.create(
            session,
            workspace,
            actor=IMPORT_ACTOR,
            data=RequestCreate(**_fields(row, target), evidence=str(uuid.UUID(hex=ids[row.external_id]))),
        )
    for row in changed:
        request = session.scalars(
            sa.select(Request).where(Request.evidence_id == uuid.UUID(hex=ids[row.external_id]))
        ).first()
        if request is not None:
            requests.update(session, workspace, request, actor=IMPORT_ACTOR, data=RequestUpdate(**_fields(row, target)))


def _fields(row: Prepared, target: EvidenceWriter) -> dict[str, Any]:
    extra = row.request or {}
    account = target.refs.account_id(row.account)
    return {
        "title": (row.title or row.text)[:300] if len(row.title or row.text) >= 3 else f"Request: {row.text}"[:300],
        "description": row.text,
        "group": row.group,
        "requester_name": extra.get("requester"),
        "deal_value": extra.get("deal_value"),
        "deadline": date.fromisoformat(extra["deadline"]) if extra.get("deadline") else None,
        "deadline_kind": extra.get("deadline_kind"),
        "accounts": [{"account": str(account), "deal_value": extra.get("deal_value")}] if account else [],
    }
