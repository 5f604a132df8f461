"""The audit trail: every change a service makes writes one event (who, what, when,
before and after)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.db.base import Base
from grounded.models import AuditEvent


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: Base,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    workspace_id: uuid.UUID | None = None,
) -> AuditEvent:
    """Record one event in the entity's workspace (``workspace_id`` for a global entity,
    such as a user, whose change is recorded in each workspace it belongs to)."""
    workspace_id = workspace_id or getattr(entity, "workspace_id", None) or getattr(entity, "id")  # noqa: B009
    event = AuditEvent(
        workspace_id=workspace_id,
        actor_id=actor.user_id,
        actor_name=actor.name,
        action=action,
        entity_type=entity.__tablename__,
        entity_id=getattr(entity, "id", None),
        entity_key=_key_of(entity),
        before=before,
        after=after,
    )
    session.add(event)
    return event


def _key_of(entity: Base) -> str | None:
    number = getattr(entity, "number", None)
    prefix = getattr(entity, "KEY_PREFIX", None)
    if number is None or prefix is None:
        return None
    return f"{prefix}-{number}"
