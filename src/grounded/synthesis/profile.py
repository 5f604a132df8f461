"""A theme's profile, computed from its members when asked (never stale): size, distinct
accounts and the ARR they carry, what people say (stated) beside what they do (observed),
the trend, and its representative texts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

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
    return profiles(session, [theme], now=now)[theme.id]


def profiles(session: Session, of: Sequence[Theme], *, now: datetime | None = None) -> dict[uuid.UUID, Profile]:
    """The profiles of many themes at once, counted by the database in a few queries for all
    of them (not a few each, and without loading their members)."""
    now = now or utcnow()
    ids = [t.id for t in of]
    figures = _figures(session, ids, now)
    by_kind = _by_kind(session, ids)
    arr = _arr(session, ids)
    tone = _tone(session, ids)
    representatives = _representatives(session, of)
    parents = _keys(session, {t.parent_id for t in of if t.parent_id is not None})
    children: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    for child in session.scalars(
        sa.select(Theme).where(Theme.parent_id.in_(ids)).order_by(Theme.size.desc(), Theme.number)
    ):
        children[child.parent_id].append(child.key)  # type: ignore[index]
    found = {}
    for t in of:
        f = figures.get(t.id)
        span_start = f.first if f is not None else now
        found[t.id] = Profile(
            key=t.key,
            label=t.label,
            name=t.name,
            keywords=list(t.keywords),
            size=f.size if f is not None else 0,
            accounts=f.accounts if f is not None else 0,
            arr=arr.get(t.id, 0),
            stated=int(f.stated or 0) if f is not None else 0,
            observed=int(f.observed or 0) if f is not None else 0,
            by_kind=dict(sorted(by_kind.get(t.id, {}).items(), key=lambda kv: -kv[1])),
            trends=[
                _trend(
                    int(getattr(f, f"recent{d}") or 0) if f else 0,
                    int(getattr(f, f"before{d}") or 0) if f else 0,
                    now,
                    d,
                    span_start,
                )
                for d in TREND_DAYS
            ],
            first_seen=f.first if f is not None else None,
            last_seen=f.last if f is not None else None,
            representatives=representatives.get(t.id, []),
            sentiment=tone.get(t.id, {"positive": 0, "negative": 0, "neutral": 0, "mean": None}),
            parent=parents.get(t.parent_id) if t.parent_id else None,
            children=children[t.id],
        )
    return found


TREND_DAYS = (30, 90)


def _members(ids: list[uuid.UUID], *columns: Any) -> sa.Select[Any]:
    return (
        sa.select(EvidenceTheme.theme_id, *columns)
        .join(Evidence, Evidence.id == EvidenceTheme.evidence_id)
        .where(EvidenceTheme.theme_id.in_(ids))
    )


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _figures(session: Session, ids: list[uuid.UUID], now: datetime) -> dict[uuid.UUID, Any]:
    when = Evidence.occurred_at
    windows = []
    for days in TREND_DAYS:
        start = now - timedelta(days=days)
        windows += [
            count_if(sa.and_(when >= start, when <= now)).label(f"recent{days}"),
            count_if(when < start).label(f"before{days}"),
        ]
    statement = _members(
        ids,
        sa.func.count().label("size"),
        sa.func.count(sa.distinct(Evidence.account_id)).label("accounts"),
        count_if(Evidence.mode == EvidenceMode.STATED).label("stated"),
        count_if(Evidence.mode == EvidenceMode.OBSERVED).label("observed"),
        sa.func.min(when).label("first"),
        sa.func.max(when).label("last"),
        *windows,
    ).group_by(EvidenceTheme.theme_id)
    return {r.theme_id: r for r in session.execute(statement)}


def _by_kind(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    found: dict[uuid.UUID, dict[str, int]] = {}
    statement = _members(ids, Evidence.kind, sa.func.count()).group_by(EvidenceTheme.theme_id, Evidence.kind)
    for theme_id, kind, n in session.execute(statement):
        found.setdefault(theme_id, {})[kind.value] = int(n)
    return found


def _arr(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The ARR of each theme's distinct accounts."""
    pairs = _members(ids, Evidence.account_id.label("account_id")).where(Evidence.account_id.is_not(None)).distinct()
    pair = pairs.subquery()
    statement = (
        sa.select(pair.c.theme_id, sa.func.coalesce(sa.func.sum(Account.arr), 0))
        .join(Account, Account.id == pair.c.account_id)
        .group_by(pair.c.theme_id)
    )
    return {theme_id: int(total or 0) for theme_id, total in session.execute(statement)}


def _tone(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, float | int | None]]:
    """Of each theme's stated members with a sentiment: how many are positive, negative,
    neutral, and the mean (observed items are counted, not read for tone)."""
    base = _members(ids).where(Evidence.mode == EvidenceMode.STATED)
    joined, value = sentiment.sentiment_of(base)
    statement = joined.with_only_columns(
        EvidenceTheme.theme_id,
        count_if(value >= sentiment.POSITIVE).label("positive"),
        count_if(value <= -sentiment.POSITIVE).label("negative"),
        sa.func.count(value).label("scored"),
        sa.func.sum(value).label("total"),
    ).group_by(EvidenceTheme.theme_id)
    found: dict[uuid.UUID, dict[str, float | int | None]] = {}
    for r in session.execute(statement):
        scored, positive, negative = int(r.scored or 0), int(r.positive or 0), int(r.negative or 0)
        found[r.theme_id] = {
            "positive": positive,
            "negative": negative,
            "neutral": scored - positive - negative,
            "mean": round(float(r.total) / scored, 3) if scored else None,
        }
    return found


def _keys(session: Session, theme_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not theme_ids:
        return {}
    return {t.id: t.key for t in session.scalars(sa.select(Theme).where(Theme.id.in_(list(theme_ids))))}


def _trend(recent: int, before: int, now: datetime, days: int, span_start: datetime) -> Trend:
    """Items in the last ``days`` against the average per window of as long over the history
    before it (from the first item on, at least one window)."""
    window = timedelta(days=days)
    history = (now - window) - span_start
    windows = max(history / window, 1.0) if before else 0.0
    return Trend(days=days, recent=recent, before_average=round(before / windows, 2) if windows else 0.0)


def _representatives(session: Session, of: Sequence[Theme]) -> dict[uuid.UUID, list[dict[str, str]]]:
    wanted = {t.id: [uuid.UUID(value) for value in t.representative_ids] for t in of}
    every = [i for ids in wanted.values() for i in ids]
    if not every:
        return {}
    found = {
        r.id: r
        for r in session.execute(  # by primary key; the workspace is checked below
            sa.select(Evidence.id, Evidence.workspace_id, Evidence.number, Evidence.kind, Evidence.text).where(
                Evidence.id.in_(every)
            )
        )
    }
    return {
        t.id: [
            {"evidence": f"{Evidence.KEY_PREFIX}-{found[i].number}", "kind": found[i].kind.value, "text": found[i].text}
            for i in wanted[t.id]
            if i in found and found[i].workspace_id == t.workspace_id
        ]
        for t in of
    }
