"""A theme's profile, computed from its members when asked (never stale): size, distinct
accounts and the ARR they carry, what people say (stated) beside what they do (observed),
the trend, and its representative texts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.db.types import utcnow
from grounded.models import Account, Evidence, EvidenceTheme, Theme
from grounded.models.enums import EvidenceMode
from grounded.synthesis import sentiment


@dataclass
class Trend:
    """Items in the last ``days`` against the average for a window as long before it."""

    days: int
    recent: int
    before_average: float

    @property
    def ratio(self) -> float | None:
        return self.recent / self.before_average if self.before_average else None


@dataclass
class Profile:
    key: str
    label: str
    name: str | None
    keywords: list[str]
    size: int
    accounts: int
    arr: int
    stated: int
    observed: int
    by_kind: dict[str, int]
    trends: list[Trend]
    first_seen: datetime | None
    last_seen: datetime | None
    representatives: list[dict[str, str]] = field(default_factory=list)
    #: Of the members with a sentiment: how many are positive, negative, neutral, and the mean.
    sentiment: dict[str, float | int | None] = field(default_factory=dict)
    parent: str | None = None
    children: list[str] = field(default_factory=list)


def profile(session: Session, theme: Theme, *, now: datetime | None = None) -> Profile:
    now = now or utcnow()
    members = sa.select(EvidenceTheme.evidence_id).where(EvidenceTheme.theme_id == theme.id)
    rows = session.execute(
        sa.select(Evidence.id, Evidence.kind, Evidence.mode, Evidence.occurred_at, Evidence.account_id).where(
            Evidence.id.in_(members)
        )
    ).all()
    accounts = {r.account_id for r in rows if r.account_id is not None}
    arr = 0
    if accounts:
        arr = int(
            session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Account.arr), 0)).where(Account.id.in_(accounts)))
            or 0
        )
    times = [r.occurred_at for r in rows]
    span_start = min(times) if times else now
    by_kind: dict[str, int] = {}
    for r in rows:
        by_kind[r.kind.value] = by_kind.get(r.kind.value, 0) + 1
    parent = session.get(Theme, theme.parent_id) if theme.parent_id else None
    children = session.scalars(
        sa.select(Theme).where(Theme.parent_id == theme.id).order_by(Theme.size.desc(), Theme.number)
    ).all()
    return Profile(
        key=theme.key,
        label=theme.label,
        name=theme.name,
        keywords=list(theme.keywords),
        size=len(rows),
        accounts=len(accounts),
        arr=arr,
        stated=sum(1 for r in rows if r.mode == EvidenceMode.STATED),
        observed=sum(1 for r in rows if r.mode == EvidenceMode.OBSERVED),
        by_kind=dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
        trends=[_trend(times, now, days, span_start) for days in (30, 90)],
        first_seen=min(times) if times else None,
        last_seen=max(times) if times else None,
        representatives=_representatives(session, theme),
        sentiment=_sentiment(session, [r.id for r in rows if r.mode == EvidenceMode.STATED]),
        parent=parent.key if parent else None,
        children=[c.key for c in children],
    )


def _trend(times: list[datetime], now: datetime, days: int, span_start: datetime) -> Trend:
    window = timedelta(days=days)
    recent = sum(1 for t in times if now - window <= t <= now)
    before = [t for t in times if t < now - window]
    history = (now - window) - span_start
    windows = max(history / window, 1.0) if before else 0.0
    return Trend(days=days, recent=recent, before_average=round(len(before) / windows, 2) if windows else 0.0)


def _representatives(session: Session, theme: Theme) -> list[dict[str, str]]:
    ids = [uuid.UUID(value) for value in theme.representative_ids]
    if not ids:
        return []
    found = {
        e.id: e
        for e in session.scalars(
            sa.select(Evidence).where(Evidence.id.in_(ids), Evidence.workspace_id == theme.workspace_id)
        )
    }
    return [{"evidence": found[i].key, "kind": found[i].kind.value, "text": found[i].text} for i in ids if i in found]


def _sentiment(session: Session, stated: list[uuid.UUID]) -> dict[str, float | int | None]:
    """The tone of what people said (observed items are counted, not read for tone)."""
    scores = sentiment.scores(session, stated)
    found: dict[str, float | int | None] = {"positive": 0, "negative": 0, "neutral": 0}
    for value in scores.values():
        polarity = sentiment.polarity(value)
        found[polarity] = int(found[polarity] or 0) + 1
    found["mean"] = round(sum(scores.values()) / len(scores), 3) if scores else None
    return found
