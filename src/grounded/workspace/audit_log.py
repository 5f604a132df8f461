"""Reading the audit trail, newest first."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from grounded.core import crud, keys
from grounded.core.pagination import Page, PageParams
from grounded.models import AuditEvent, Workspace


def list_(
    session: Session,
    workspace: Workspace,
    *,
    entity_id: uuid.UUID | None = None,
    entity_type: str | None = None,
    entity_key: str | None = None,
    page: PageParams | None = None,
) -> Page[AuditEvent]:
    where = []
    if entity_key is not None:
        where.append(AuditEvent.entity_key == keys.normal(entity_key))
    if entity_id is not None:
        where.append(AuditEvent.entity_id == entity_id)
    if entity_type is not None:
        where.append(AuditEvent.entity_type == entity_type)
    return crud.list_(
        session,
        AuditEvent,
        workspace=workspace,
        where=where,
        order_by=(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
        page=page,
    )
