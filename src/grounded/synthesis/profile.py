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
from grounded.synthesis.derived import CHUNK


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
    """The profiles of many themes at once: a few queries for all of them, not a few each."""
    now = now or utcnow()
    ids = [t.id for t in of]
    rows: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    for r in session.execute(
        sa.select(
            EvidenceTheme.theme_id, Evidence.id, Evidence.kind, Evidence.mode, Evidence.occurred_at, Evidence.account_id
        )
        .join(Evidence, Evidence.id == EvidenceTheme.evidence_id)
        .where(EvidenceTheme.theme_id.in_(ids))
    ):
        rows[r.theme_id].append(r)
    accounts = {r.account_id for members in rows.values() for r in members if r.account_id is not None}
    arr = _arr(session, accounts)
    scores = sentiment.scores(
        session, [r.id for members in rows.values() for r in members if r.mode == EvidenceMode.STATED]
    )
    representatives = _representatives(session, of)
    parents = _keys(session, {t.parent_id for t in of if t.parent_id is not None})
    children: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    for child in session.scalars(
        sa.select(Theme).where(Theme.parent_id.in_(ids)).order_by(Theme.size.desc(), Theme.number)
    ):
        children[child.parent_id].append(child.key)  # type: ignore[index]
    return {
        t.id: _profile(
            t,
            rows[t.id],
            now,
            arr=arr,
            scores=scores,
            representatives=representatives.get(t.id, []),
            parent=parents.get(t.parent_id) if t.parent_id else None,
            children=children[t.id],
        )
        for t in of
    }


def _profile(
    theme: Theme,
    rows: list[Any],
    now: datetime,
    *,
    arr: dict[uuid.UUID, int],
    scores: dict[uuid.UUID, float],
    representatives: list[dict[str, str]],
    parent: str | None,
    children: list[str],
) -> Profile:
    accounts = {r.account_id for r in rows if r.account_id is not None}
    times = [r.occurred_at for r in rows]
    span_start = min(times) if times else now
    by_kind: dict[str, int] = {}
    for r in rows:
        by_kind[r.kind.value] = by_kind.get(r.kind.value, 0) + 1
    return Profile(
        key=theme.key,
        label=theme.label,
        name=theme.name,
        keywords=list(theme.keywords),
        size=len(rows),
        accounts=len(accounts),
        arr=sum(arr.get(a, 0) for a in accounts),
        stated=sum(1 for r in rows if r.mode == EvidenceMode.STATED),
        observed=sum(1 for r in rows if r.mode == EvidenceMode.OBSERVED),
        by_kind=dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
        trends=[_trend(times, now, days, span_start) for days in (30, 90)],
        first_seen=min(times) if times else None,
        last_seen=max(times) if times else None,
        representatives=representatives,
        sentiment=_sentiment([scores[r.id] for r in rows if r.mode == EvidenceMode.STATED and r.id in scores]),
        parent=parent,
        children=children,
    )


def _arr(session: Session, accounts: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    found: dict[uuid.UUID, int] = {}
    wanted = list(accounts)
    for start in range(0, len(wanted), CHUNK):
        found.update(
            (i, int(v or 0))
            for i, v in session.execute(
                sa.select(Account.id, Account.arr).where(Account.id.in_(wanted[start : start + CHUNK]))
            )
        )
    return found


def _keys(session: Session, theme_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not theme_ids:
        return {}
    return {t.id: t.key for t in session.scalars(sa.select(Theme).where(Theme.id.in_(list(theme_ids))))}


def _trend(times: list[datetime], now: datetime, days: int, span_start: datetime) -> Trend:
    window = timedelta(days=days)
    recent = sum(1 for t in times if now - window <= t <= now)
    before = [t for t in times if t < now - window]
    history = (now - window) - span_start
    windows = max(history / window, 1.0) if before else 0.0
    return Trend(days=days, recent=recent, before_average=round(len(before) / windows, 2) if windows else 0.0)


def _representatives(session: Session, of: Sequence[Theme]) -> dict[uuid.UUID, list[dict[str, str]]]:
    wanted = {t.id: [uuid.UUID(value) for value in t.representative_ids] for t in of}
    every = [i for ids in wanted.values() for i in ids]
    if not every:
        return {}
    found = {
        e.id: e
        for e in session.scalars(
            sa.select(Evidence).where(Evidence.id.in_(every), Evidence.workspace_id.in_({t.workspace_id for t in of}))
        )
    }
    return {
        t.id: [
            {"evidence": found[i].key, "kind": found[i].kind.value, "text": found[i].text}
            for i in wanted[t.id]
            if i in found and found[i].workspace_id == t.workspace_id
        ]
        for t in of
    }


def _sentiment(values: list[float]) -> dict[str, float | int | None]:
    """The tone of what people said (observed items are counted, not read for tone)."""
    found: dict[str, float | int | None] = {"positive": 0, "negative": 0, "neutral": 0}
    for value in values:
        polarity = sentiment.polarity(value)
        found[polarity] = int(found[polarity] or 0) + 1
    found["mean"] = round(sum(values) / len(values), 3) if values else None
    return found
