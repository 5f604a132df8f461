"""How much a workspace holds, table by table."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.models import (
    Account,
    Bet,
    Decision,
    EventSource,
    Evidence,
    Metric,
    Problem,
    Request,
    Workspace,
)

COUNTED: dict[str, Any] = {
    "accounts": Account,
    "evidence": Evidence,
    "problems": Problem,
    "bets": Bet,
    "decisions": Decision,
    "requests": Request,
    "metrics": Metric,
    "event_sources": EventSource,
}


def counts(session: Session, workspace: Workspace) -> dict[str, int]:
    return {
        name: int(
            session.execute(
                sa.select(sa.func.count()).select_from(model).where(model.workspace_id == workspace.id)
            ).scalar_one()
        )
        for name, model in COUNTED.items()
    }
