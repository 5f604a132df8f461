"""Theme runs and themes: record a run, its themes and memberships; read the current ones."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import crud, keys
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import Conflict, NotFound
from grounded.models import EvidenceTheme, Theme, ThemeRun, Workspace
from grounded.models.enums import RunStatus
from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate, ThemeUpdate


def start_run(session: Session, workspace: Workspace, *, data: ThemeRunCreate, actor: Actor) -> ThemeRun:
    run = ThemeRun(workspace_id=workspace.id, **data.model_dump())
    return crud.add(session, run, actor=actor)


def add_theme(session: Session, run: ThemeRun, *, data: ThemeCreate) -> Theme:
    """A theme of ``run``. Its number carries over from an earlier run when given, else
    a new one is allocated."""
    if run.status != RunStatus.RUNNING:
        raise Conflict(f"theme run {run.key} is {run.status.value}; themes can only be added while it runs")
    number = data.number or keys.allocate(session, workspace_id=run.workspace_id, prefix=Theme.KEY_PREFIX)
    theme = Theme(
        workspace_id=run.workspace_id,
        run_id=run.id,
        number=number,
        parent_id=data.parent,
        label=data.label,
        keywords=data.keywords,
        representative_ids=data.representative_ids,
    )
    session.add(theme)
    session.flush()
    return theme


def assign(session: Session, theme: Theme, members: Mapping[uuid.UUID, float | None]) -> None:
    """Record evidence → theme membership with each item's distance to the centre."""
    session.execute(
        sa.insert(EvidenceTheme),
        [
            {"workspace_id": theme.workspace_id, "evidence_id": evidence_id, "theme_id": theme.id, "distance": distance}
            for evidence_id, distance in members.items()
        ],
    )
    theme.size += len(members)
    session.flush()


def finish_run(session: Session, run: ThemeRun, *, evidence_count: int, unthemed_count: int, actor: Actor) -> ThemeRun:
    theme_count = session.execute(
        sa.select(sa.func.count()).select_from(Theme).where(Theme.run_id == run.id)
    ).scalar_one()
    crud.update(
        session,
        run,
        actor=actor,
        action="finish",
        changes={
            "status": RunStatus.COMPLETED,
            "finished_at": datetime.now(UTC),
            "evidence_count": evidence_count,
            "unthemed_count": unthemed_count,
            "theme_count": int(theme_count),
        },
    )
    return run


def current_run(session: Session, workspace: Workspace) -> ThemeRun | None:
    """The latest completed run: its themes are the workspace's current themes."""
    return session.scalars(
        sa.select(ThemeRun)
        .where(ThemeRun.workspace_id == workspace.id, ThemeRun.status == RunStatus.COMPLETED)
        .order_by(ThemeRun.number.desc())
        .limit(1)
    ).first()


def get_run(session: Session, workspace: Workspace, ref: str) -> ThemeRun:
    return crud.get(session, ThemeRun, workspace=workspace, ref=ref)


def list_runs(session: Session, workspace: Workspace, *, page: PageParams | None = None) -> Page[ThemeRun]:
    return crud.list_(session, ThemeRun, workspace=workspace, order_by=(ThemeRun.number.desc(),), page=page)


def get(session: Session, workspace: Workspace, ref: str) -> Theme:
    """A theme of the current run by key (``T-4``) or any theme by id."""
    as_id = keys.as_uuid(ref)
    if as_id is not None:
        return crud.get(session, Theme, workspace=workspace, ref=as_id)
    number = keys.parse_key(ref, Theme.KEY_PREFIX, what="theme")
    run = current_run(session, workspace)
    theme = None
    if run is not None:
        theme = session.scalars(sa.select(Theme).where(Theme.run_id == run.id, Theme.number == number)).one_or_none()
    if theme is None:
        raise NotFound("theme", ref)
    return theme


def list_(
    session: Session, workspace: Workspace, *, run: ThemeRun | None = None, page: PageParams | None = None
) -> Page[Theme]:
    """Themes of ``run`` (default: the current run), largest first."""
    run = run or current_run(session, workspace)
    if run is None:
        return Page(items=[], total=0, limit=(page or PageParams()).limit, offset=0)
    return crud.list_(
        session,
        Theme,
        workspace=workspace,
        where=[Theme.run_id == run.id],
        order_by=(Theme.size.desc(), Theme.number),
        page=page,
    )


def update(session: Session, theme: Theme, *, data: ThemeUpdate, actor: Actor) -> Theme:
    """Give a theme a human name (it survives re-runs with the theme's key)."""
    crud.update(session, theme, actor=actor, changes=data.model_dump(exclude_unset=True))
    return theme


def top_level(session: Session, run: ThemeRun, *, limit: int = 50) -> list[Theme]:
    """A run's themes (not sub-themes), largest first."""
    return list(
        session.scalars(
            sa.select(Theme)
            .where(Theme.run_id == run.id, Theme.parent_id.is_(None))
            .order_by(Theme.size.desc(), Theme.number)
            .limit(limit)
        )
    )


def hierarchy(session: Session, run: ThemeRun) -> list[dict[str, Any]]:
    """A run's themes with their sub-themes, largest first at each level."""
    every = list(
        session.scalars(sa.select(Theme).where(Theme.run_id == run.id).order_by(Theme.size.desc(), Theme.number))
    )

    def node(theme: Theme) -> dict[str, Any]:
        return {"key": theme.key, "label": theme.name or theme.label, "size": theme.size}

    return [
        {**node(t), "children": [node(c) for c in every if c.parent_id == t.id]} for t in every if t.parent_id is None
    ]
