"""Themes: the current run's themes with their figures and quotes, one theme in full."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.core.pagination import PageParams
from grounded.models import Theme, Workspace
from grounded.problem import links
from grounded.problem.schemas import LinkedProblem
from grounded.synthesis import themes
from grounded.synthesis.profile import Profile, profile, profiles
from grounded.web.schemas import PageOut


class ThemeRow(BaseModel):
    key: str
    label: str
    keywords: list[str]
    size: int
    accounts: int
    arr: int
    stated: int
    observed: int
    trend_30: dict[str, Any]
    trend_90: dict[str, Any]
    weekly: list[int]
    sentiment: dict[str, Any]
    representatives: list[dict[str, str]]
    children: list[dict[str, Any]]


class ThemeList(PageOut[ThemeRow]):
    run: str | None
    run_finished_at: datetime | None
    evidence_count: int
    unthemed_count: int


class ThemePage(ThemeRow):
    parent: str | None
    by_kind: dict[str, int]
    first_seen: datetime | None
    last_seen: datetime | None
    problems: list[LinkedProblem]


def listing(session: Session, workspace: Workspace, *, page: PageParams) -> ThemeList:
    run = themes.current_run(session, workspace)
    if run is None:
        return ThemeList(
            items=[],
            total=0,
            limit=page.limit,
            offset=page.offset,
            run=None,
            run_finished_at=None,
            evidence_count=0,
            unthemed_count=0,
        )
    where = (Theme.run_id == run.id, Theme.parent_id.is_(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(Theme).where(*where)) or 0
    rows = session.scalars(
        sa.select(Theme).where(*where).order_by(Theme.size.desc(), Theme.number).limit(page.limit).offset(page.offset)
    ).all()
    found = profiles(session, rows, kinds=False)
    children = _children(session, [t.id for t in rows])
    items = [_row(found[t.id], children.get(t.id, [])) for t in rows]
    return ThemeList(
        items=items,
        total=int(total),
        limit=page.limit,
        offset=page.offset,
        run=run.key,
        run_finished_at=run.finished_at,
        evidence_count=run.evidence_count,
        unthemed_count=run.unthemed_count,
    )


def _children(session: Session, theme_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Theme]]:
    found: dict[uuid.UUID, list[Theme]] = {}
    for child in session.scalars(
        sa.select(Theme).where(Theme.parent_id.in_(theme_ids)).order_by(Theme.size.desc(), Theme.number)
    ):
        found.setdefault(child.parent_id, []).append(child)  # type: ignore[arg-type]
    return found


def _row(found: Profile, children: list[Theme]) -> ThemeRow:
    thirty, ninety = (dataclasses.asdict(t) | {"ratio": t.ratio} for t in found.trends)
    return ThemeRow(
        key=found.key,
        label=found.name or found.label,
        keywords=found.keywords[:8],
        size=found.size,
        accounts=found.accounts,
        arr=found.arr,
        stated=found.stated,
        observed=found.observed,
        trend_30=thirty,
        trend_90=ninety,
        weekly=found.weekly,
        sentiment=found.sentiment,
        representatives=[r | {"text": r["text"][:400]} for r in found.representatives],
        children=[{"key": c.key, "label": c.name or c.label, "size": c.size} for c in children],
    )


def detail(session: Session, workspace: Workspace, key: str) -> ThemePage:
    theme = themes.get(session, workspace, key)
    found = profile(session, theme)
    row = _row(found, _children(session, [theme.id]).get(theme.id, []))
    return ThemePage(
        **row.model_dump(),
        parent=found.parent,
        by_kind=found.by_kind,
        first_seen=found.first_seen,
        last_seen=found.last_seen,
        problems=links.linked_problems(session, column="theme_id", target_id=theme.id),
    )


def draft_problem(session: Session, workspace: Workspace, key: str, *, title: str | None, actor: Actor) -> str:
    from grounded.synthesis.drafts import from_theme

    return from_theme(session, workspace, key, actor=actor, title=title or None).key
