"""Home: what changed this week. New evidence, rising themes, problems with new evidence,
requests waiting for triage, decisions under review, and how much the workspace holds."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from grounded.db.types import utcnow
from grounded.models import Decision, Evidence, EvidenceTheme, Problem, ProblemLink, Request, Signal, Theme, Workspace
from grounded.models.enums import DecisionStatus, Disposition, LinkStatus, SignalState
from grounded.synthesis import themes
from grounded.workspace import stats

WEEK = timedelta(days=7)
#: Rising: at least this many items this week, and at least this many times the weekly
#: average of the four weeks before.
RISING_MIN, RISING_RATIO = 3, 1.5


class Item(BaseModel):
    key: str
    title: str
    detail: str = ""


class Home(BaseModel):
    since: datetime
    until: datetime
    counts: dict[str, int]
    new_evidence: int
    new_by_kind: dict[str, int]
    rising_themes: list[Item]
    problems_with_new_evidence: list[Item]
    requests_waiting: int
    requests: list[Item]
    decisions_under_review: list[Item]
    signals_breached: list[Item]


def home(session: Session, workspace: Workspace, *, now: datetime | None = None) -> Home:
    until = now or utcnow()
    since = until - WEEK
    new = _new_by_kind(session, workspace, since)
    waiting = sa.select(Request).where(Request.workspace_id == workspace.id, Request.disposition == Disposition.NEW)
    return Home(
        since=since,
        until=until,
        counts=stats.counts(session, workspace),
        new_evidence=sum(new.values()),
        new_by_kind=new,
        rising_themes=_rising(session, workspace, since),
        problems_with_new_evidence=_problems(session, workspace, since),
        requests_waiting=session.scalar(sa.select(sa.func.count()).select_from(waiting.subquery())) or 0,
        requests=[
            Item(key=r.key, title=r.title) for r in session.scalars(waiting.order_by(Request.number.desc()).limit(5))
        ],
        decisions_under_review=_under_review(session, workspace),
        signals_breached=_breached(session, workspace),
    )


def _new_by_kind(session: Session, workspace: Workspace, since: datetime) -> dict[str, int]:
    rows = session.execute(
        sa.select(Evidence.kind, sa.func.count())
        .where(Evidence.workspace_id == workspace.id, Evidence.created_at >= since)
        .group_by(Evidence.kind)
    ).all()
    return {kind.value: int(n) for kind, n in sorted(rows, key=lambda r: -r[1])}


def _rising(session: Session, workspace: Workspace, since: datetime) -> list[Item]:
    run = themes.current_run(session, workspace)
    if run is None:
        return []
    before = since - 4 * WEEK
    recent = sa.func.sum(sa.case((Evidence.occurred_at >= since, 1), else_=0))
    earlier = sa.func.sum(sa.case((Evidence.occurred_at < since, 1), else_=0))
    rows = session.execute(
        sa.select(Theme, recent, earlier)
        .join(EvidenceTheme, EvidenceTheme.theme_id == Theme.id)
        .join(Evidence, Evidence.id == EvidenceTheme.evidence_id)
        # From the workspace's recent evidence (ix_evidence_workspace_occurred) to its themes,
        # not from every member of every theme to its date.
        .where(
            Evidence.workspace_id == workspace.id,
            Evidence.occurred_at >= before,
            Theme.run_id == run.id,
            Theme.parent_id.is_(None),
        )
        .group_by(Theme.id)
    ).all()
    found = []
    for theme, this_week, four_weeks in rows:
        average = (four_weeks or 0) / 4
        if this_week >= RISING_MIN and this_week >= RISING_RATIO * max(average, 1):
            found.append((this_week / max(average, 1), theme, this_week, average))
    found.sort(key=lambda row: -row[0])
    return [
        Item(key=t.key, title=t.name or t.label, detail=f"{n} this week against {avg:.1f} a week before")
        for _, t, n, avg in found[:8]
    ]


def _problems(session: Session, workspace: Workspace, since: datetime) -> list[Item]:
    rows = session.execute(
        sa.select(Problem, sa.func.count())
        .join(ProblemLink, ProblemLink.problem_id == Problem.id)
        .join(Evidence, Evidence.id == ProblemLink.evidence_id)
        .where(
            Problem.workspace_id == workspace.id,
            ProblemLink.status == LinkStatus.ACCEPTED,
            sa.or_(Evidence.created_at >= since, ProblemLink.created_at >= since),
        )
        .group_by(Problem.id)
        .order_by(sa.func.count().desc())
        .limit(8)
    ).all()
    return [Item(key=p.key, title=p.title, detail=f"{n} new item(s) linked") for p, n in rows]


def _under_review(session: Session, workspace: Workspace) -> list[Item]:
    rows = session.scalars(
        sa.select(Decision)
        .where(
            Decision.workspace_id == workspace.id,
            Decision.status.in_([DecisionStatus.UNDER_REVIEW, DecisionStatus.PROPOSED]),
        )
        .order_by(Decision.number)
    ).all()
    return [Item(key=d.key, title=d.title, detail=d.status.value.replace("_", " ")) for d in rows]


def _breached(session: Session, workspace: Workspace) -> list[Item]:
    rows = session.execute(
        sa.select(Signal, Decision)
        .join(Decision, Decision.id == Signal.decision_id)
        .where(Signal.workspace_id == workspace.id, Signal.state == SignalState.BREACHED)
    ).all()
    return [Item(key=d.key, title=s.name, detail=f"{s.key} on {d.key}") for s, d in rows]
