"""Import runs and quarantine: every run is recorded with its file, mapping and counts, and
every row it could not accept is kept with its row number and the reason."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.core.states import StateMachine
from grounded.errors import InvalidInput
from grounded.ingest.schemas import QuarantineCreate, SourceCounts, SourceCreate
from grounded.models import QuarantinedRow, Source, Workspace
from grounded.models.enums import SourceStatus

S = SourceStatus
SOURCE = StateMachine[SourceStatus](
    "source",
    {
        S.RUNNING: frozenset({S.COMPLETED, S.INCOMPLETE, S.FAILED}),
        S.INCOMPLETE: frozenset({S.RUNNING}),  # resumed
        S.FAILED: frozenset({S.RUNNING}),  # retried
        S.COMPLETED: frozenset(),
    },
)


def start(session: Session, workspace: Workspace, *, data: SourceCreate, actor: Actor) -> Source:
    """Record a run as it begins (status running)."""
    return crud.add(session, Source(workspace_id=workspace.id, **data.model_dump()), actor=actor)


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Source:
    return crud.get(session, Source, workspace=workspace, ref=ref)


def list_(
    session: Session, workspace: Workspace, *, source_key: str | None = None, page: PageParams | None = None
) -> Page[Source]:
    where = [Source.source_key == source_key] if source_key else []
    return crud.list_(session, Source, workspace=workspace, where=where, order_by=(Source.number.desc(),), page=page)


def finish(
    session: Session,
    source: Source,
    *,
    counts: SourceCounts,
    status: SourceStatus = SourceStatus.COMPLETED,
    message: str | None = None,
    actor: Actor,
) -> Source:
    """Close a run with its counts; they must add up to the rows read."""
    accounted = counts.new_count + counts.updated_count + counts.unchanged_count + counts.quarantined_count
    if status == SourceStatus.COMPLETED and accounted != counts.rows_read:
        raise InvalidInput(
            f"{counts.rows_read} rows read but {accounted} accounted for (new + updated + unchanged + quarantined)",
            field="counts",
        )
    extra = {**counts.model_dump(), "finished_at": datetime.now(UTC), "message": message}
    return crud.transition(session, source, machine=SOURCE, target=status, actor=actor, extra=extra)


def resume(session: Session, source: Source, *, actor: Actor) -> Source:
    return crud.transition(
        session, source, machine=SOURCE, target=SourceStatus.RUNNING, actor=actor, extra={"finished_at": None}
    )


def quarantine(session: Session, source: Source, rows: Sequence[QuarantineCreate]) -> None:
    """Keep rows the run could not accept, verbatim, with the reason a person can act on."""
    if not rows:
        return
    session.execute(
        sa.insert(QuarantinedRow),
        [{"workspace_id": source.workspace_id, "source_id": source.id, **row.model_dump()} for row in rows],
    )


def quarantined(
    session: Session,
    workspace: Workspace,
    source: Source,
    *,
    include_resolved: bool = False,
    page: PageParams | None = None,
) -> Page[QuarantinedRow]:
    where = [QuarantinedRow.source_id == source.id]
    if not include_resolved:
        where.append(QuarantinedRow.resolved_at.is_(None))
    return crud.list_(
        session,
        QuarantinedRow,
        workspace=workspace,
        where=where,
        order_by=(QuarantinedRow.row_number, QuarantinedRow.id),
        page=page,
    )


def resolve(session: Session, workspace: Workspace, row_id: str | uuid.UUID, *, actor: Actor) -> QuarantinedRow:
    """Mark a quarantined row as dealt with (fixed and re-imported, or deliberately dropped)."""
    row = crud.get(session, QuarantinedRow, workspace=workspace, ref=row_id)
    crud.update(session, row, actor=actor, changes={"resolved_at": datetime.now(UTC)}, action="resolve")
    return row


def resolve_landed(session: Session, source: Source, stored: sa.ColumnElement[bool]) -> int:
    """Rows earlier runs of ``source``'s channel quarantined whose external id is now
    stored (``stored`` says how to tell, given QuarantinedRow.external_id): resolved now.
    Returns how many."""
    row = QuarantinedRow
    earlier = sa.select(Source.id).where(
        Source.workspace_id == source.workspace_id, Source.source_key == source.source_key, Source.id != source.id
    )
    result = session.execute(
        sa.update(row)
        .where(
            row.workspace_id == source.workspace_id,
            row.resolved_at.is_(None),
            row.external_id.is_not(None),
            row.source_id.in_(earlier),
            stored,
        )
        .values(resolved_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def resolve_rows(
    session: Session, workspace: Workspace, source: Source, *, rows: Sequence[int] | None, actor: Actor
) -> list[QuarantinedRow]:
    """Mark a run's open quarantined rows (those at ``rows``, or all when None) as dealt
    with: dropped on purpose, or fixed another way. Each change is audited."""
    open_rows = list(
        session.scalars(
            sa.select(QuarantinedRow)
            .where(QuarantinedRow.source_id == source.id, QuarantinedRow.resolved_at.is_(None))
            .order_by(QuarantinedRow.row_number)
        )
    )
    chosen = open_rows
    if rows is not None:
        wanted = set(rows)
        missing = sorted(wanted - {row.row_number for row in open_rows})
        if missing:
            listed = ", ".join(str(row.row_number) for row in open_rows[:20]) or "none"
            raise InvalidInput(
                f"{source.key} has no open quarantined row {', '.join(map(str, missing))} (open rows: {listed})",
                field="row",
            )
        chosen = [row for row in open_rows if row.row_number in wanted]
    for row in chosen:
        crud.update(session, row, actor=actor, changes={"resolved_at": datetime.now(UTC)}, action="resolve")
    return chosen
