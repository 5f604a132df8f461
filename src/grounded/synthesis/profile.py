"""A theme's profile, computed from its members when asked (never stale): size, distinct
accounts and the ARR they carry, what people say (stated) beside what they do (observed),
the trend, and its representative texts."""

from __future__ import annotations

import itertools
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
    #: Items per week over the last :data:`WEEKS` weeks, oldest first.
    weekly: list[int] = field(default_factory=list)


def profile(session: Session, theme: Theme, *, now: datetime | None = None) -> Profile:
    return profiles(session, [theme], now=now)[theme.id]


def profiles(
    session: Session, of: Sequence[Theme], *, now: datetime | None = None, kinds: bool = True
) -> dict[uuid.UUID, Profile]:
    """The profiles of many themes at once, counted by the database in a few queries for all
    of them (not a few each, and without loading their members). ``kinds=False`` leaves
    ``by_kind`` empty (a list of themes does not show it)."""
    now = now or utcnow()
    ids = [t.id for t in of]
    figures = _figures(session, ids, now)
    by_kind = _by_kind(session, ids) if kinds else {}
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
            arr=int(f.arr or 0) if f is not None else 0,
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
            sentiment=_tone(f),
            weekly=[int(getattr(f, f"week{n}") or 0) if f else 0 for n in range(WEEKS)],
            parent=parents.get(t.parent_id) if t.parent_id else None,
            children=children[t.id],
        )
    return found


TREND_DAYS = (30, 90)
#: Items per week are counted over this many weeks (oldest first; the last week also counts
#: anything dated after now).
WEEKS = 12


def _members(ids: list[uuid.UUID], *columns: Any) -> sa.Select[Any]:
    return (
        sa.select(EvidenceTheme.theme_id, *columns)
        .join(Evidence, Evidence.id == EvidenceTheme.evidence_id)
        .where(EvidenceTheme.theme_id.in_(ids))
    )


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _figures(session: Session, ids: list[uuid.UUID], now: datetime) -> dict[uuid.UUID, Any]:
    """Every figure of each theme in one pass over its members; an account's ARR is counted
    at its first member (row_number over theme and account), so once per theme."""
    joined, value = sentiment.sentiment_of(_members(ids).outerjoin(Account, Account.id == Evidence.account_id))
    member = joined.with_only_columns(
        EvidenceTheme.theme_id,
        Evidence.occurred_at.label("occurred_at"),
        Evidence.mode.label("mode"),
        Evidence.account_id.label("account_id"),
        sa.case((Evidence.mode == EvidenceMode.STATED, value)).label("said"),
        Account.arr.label("arr"),
        sa.func.row_number().over(partition_by=(EvidenceTheme.theme_id, Evidence.account_id)).label("nth"),
    ).subquery()
    when, said = member.c.occurred_at, member.c.said
    windows = []
    for days in TREND_DAYS:
        start = now - timedelta(days=days)
        windows += [
            count_if(sa.and_(when >= start, when <= now)).label(f"recent{days}"),
            count_if(when < start).label(f"before{days}"),
        ]
    edges = [now - timedelta(weeks=WEEKS - n) for n in range(WEEKS + 1)]
    weeks = [
        count_if(sa.and_(when >= low, when < high) if n < WEEKS - 1 else when >= low).label(f"week{n}")
        for n, (low, high) in enumerate(itertools.pairwise(edges))
    ]
    statement = sa.select(
        member.c.theme_id,
        sa.func.count().label("size"),
        sa.func.count(sa.distinct(member.c.account_id)).label("accounts"),
        sa.func.sum(sa.case((member.c.nth == 1, member.c.arr), else_=0)).label("arr"),
        count_if(member.c.mode == EvidenceMode.STATED).label("stated"),
        count_if(member.c.mode == EvidenceMode.OBSERVED).label("observed"),
        sa.func.min(when).label("first"),
        sa.func.max(when).label("last"),
        *windows,
        *weeks,
        count_if(said >= sentiment.POSITIVE).label("positive"),
        count_if(said <= -sentiment.POSITIVE).label("negative"),
        sa.func.count(said).label("scored"),
        sa.func.sum(said).label("total"),
    ).group_by(member.c.theme_id)
    return {r.theme_id: r for r in session.execute(statement)}


def _by_kind(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    found: dict[uuid.UUID, dict[str, int]] = {}
    statement = _members(ids, Evidence.kind, sa.func.count()).group_by(EvidenceTheme.theme_id, Evidence.kind)
    for theme_id, kind, n in session.execute(statement):
        found.setdefault(theme_id, {})[kind.value] = int(n)
    return found


def _tone(f: Any) -> dict[str, float | int | None]:
    """Of the stated members with a sentiment: how many are positive, negative, neutral, and
    the mean (observed items are counted, not read for tone)."""
    scored = int(f.scored or 0) if f is not None else 0
    positive = int(f.positive or 0) if f is not None else 0
    negative = int(f.negative or 0) if f is not None else 0
    return {
        "positive": positive,
        "negative": negative,
        "neutral": scored - positive - negative,
        "mean": round(float(f.total) / scored, 3) if scored else None,
    }


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
