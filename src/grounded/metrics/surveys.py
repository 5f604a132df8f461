"""Survey metrics (NPS, CSAT): computed from survey evidence in the workspace, not from
events, with the same periods and account breakdowns as event metrics."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.errors import InvalidInput
from grounded.metrics import engine, periods
from grounded.metrics.results import Value
from grounded.metrics.spec import Csat, Nps, Survey
from grounded.models import Account, Evidence, Workspace


def _rows(session: Session, workspace: Workspace, spec: Survey) -> list[tuple[datetime, Any, dict[str, Any]]]:
    """(when, score, the account's fields) for each survey answer with a score."""
    statement = (
        sa.select(
            Evidence.occurred_at,
            Evidence.attributes,
            Account.plan,
            Account.segment,
            Account.region,
            Account.arr,
            Account.name,
        )
        .outerjoin(Account, Account.id == Evidence.account_id)
        .where(Evidence.workspace_id == workspace.id, Evidence.kind == "survey_response")
    )
    out = []
    for when, attributes, plan, segment, region, arr, name in session.execute(statement):
        attributes = attributes or {}
        if spec.survey is not None and str(attributes.get("survey")) != spec.survey:
            continue
        fields = {"plan": plan, "segment": segment, "region": region, "arr_band": engine.arr_band(arr), "name": name}
        out.append((when, attributes.get(spec.score_attribute), fields))
    return out


def range_of(
    session: Session, workspace: Workspace, spec: Survey, since: date | None, until: date | None
) -> tuple[date, date, list[str]]:
    if since is not None and until is not None:
        return since, until, []
    days = [when.date() for when, score, _ in _rows(session, workspace, spec) if when is not None and score is not None]
    if not days:
        raise InvalidInput(
            "there are no survey answers with a score; import them with: grounded import --preset nps FILE"
        )
    start = since or periods.start_of(min(days), spec.period, spec.week_start)
    end = until or max(days) + timedelta(days=1)
    return start, end, []


def values(session: Session, workspace: Workspace, spec: Survey, since: date, until: date) -> list[Value]:
    """NPS: % promoters (9–10) minus % detractors (0–6). CSAT: % at satisfied_from or above.
    Answers whose score is not a number on the scale are left out and counted in the detail."""
    buckets: dict[tuple[date, tuple[Any, ...]], list[float]] = defaultdict(list)
    skipped: dict[tuple[date, tuple[Any, ...]], int] = defaultdict(int)
    segments: dict[tuple[Any, ...], dict[str, Any]] = {}
    top = 10 if isinstance(spec, Nps) else spec.scale if isinstance(spec, Csat) else 10
    bottom = 0 if isinstance(spec, Nps) else 1
    for when, raw, fields in _rows(session, workspace, spec):
        placed = _place(spec, when, fields, since, until)
        if placed is None:
            continue
        key, segment = placed
        segments[key[1]] = segment
        score = _score(raw)
        if score is None or not bottom <= score <= top:
            skipped[key] += 1
        else:
            buckets[key].append(score)
    if not segments and not spec.by:
        segments[()] = {}
    out = []
    for segment_key, segment in sorted(segments.items(), key=lambda item: str(item[0])):
        for start in periods.each(since, until, spec.period, spec.week_start):
            scores = buckets.get((start, segment_key), [])
            end = periods.after(start, spec.period) - timedelta(days=1)
            if isinstance(spec, Nps):
                promoters = sum(1 for s in scores if s >= 9)
                detractors = sum(1 for s in scores if s <= 6)
                value = 100.0 * (promoters - detractors) / len(scores) if scores else None
                parts = {
                    "promoters": promoters,
                    "passives": len(scores) - promoters - detractors,
                    "detractors": detractors,
                }
            else:
                assert isinstance(spec, Csat)
                satisfied = sum(1 for s in scores if s >= spec.satisfied_from)
                value = 100.0 * satisfied / len(scores) if scores else None
                parts = {"satisfied": satisfied, "not_satisfied": len(scores) - satisfied}
            out.append(Value(start, end, value, len(scores), segment))
            for name, n in {**parts, "unreadable_scores": skipped.get((start, segment_key), 0)}.items():
                out.append(Value(start, end, float(n), n, segment, {"answers": name}))
    return out


def _place(
    spec: Survey, when: datetime | None, fields: dict[str, Any], since: date, until: date
) -> tuple[tuple[date, tuple[Any, ...]], dict[str, Any]] | None:
    """The (period, segment) an answer counts in, or None when it is out of range or filtered out."""
    if when is None:
        return None
    moment = when if when.tzinfo else when.replace(tzinfo=UTC)
    day = moment.astimezone(UTC).date()
    if not since <= day < until:
        return None
    if any(_mismatch(fields.get(name.removeprefix("account.")), wanted) for name, wanted in spec.where.items()):
        return None
    segment = {name: fields.get(name.removeprefix("account.")) for name in spec.by}
    return (periods.start_of(day, spec.period, spec.week_start), tuple(sorted(segment.items()))), segment


def _mismatch(value: Any, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    return str(value) not in {str(option) for option in options}


def _score(raw: Any) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        score = float(str(raw).strip())
    except ValueError:
        return None
    return None if math.isnan(score) else score
