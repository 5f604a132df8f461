"""Usage on the *do* side of say vs do: the behaviour metrics a team tied to a problem, and
which way each has moved lately (``synthesis.trend``).

The metrics are the ones the team named in its own records, never guessed from words:

- for a problem: the metric of each bet answering it, the metric of each of those bets'
  outcomes, and the metrics watched by the signals of decisions that have one of those
  bets as an option;
- for a theme: the metrics of the problems it is linked to, by an accepted link to the
  theme itself (its parent or a sub-theme), or to evidence among its members.

Survey metrics (NPS, CSAT) are what people say, so they are not read here. Each metric is
computed as ``grounded metric compute`` would (the workspace's default event source on
DuckDB, over the days the events cover) and nothing is stored. A metric that cannot be
computed (no event store, a broken definition, an engine error) is reported as unavailable,
with the reason; it never stops the comparison.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.errors import GroundedError
from grounded.metrics import compute
from grounded.models import (
    Bet,
    BetProblem,
    Decision,
    DecisionOption,
    EvidenceTheme,
    Metric,
    Outcome,
    Problem,
    ProblemLink,
    Signal,
    Theme,
    Workspace,
)
from grounded.models.enums import LinkStatus, MetricKind
from grounded.synthesis import trend
from grounded.synthesis.trend import Trend

#: What people say, not what they do.
SURVEY_KINDS = {MetricKind.NPS, MetricKind.CSAT}


@dataclass
class Usage:
    """One linked metric: how it is tied to the subject and which way it has moved, or why
    that is not known."""

    metric: str
    name: str
    unit: str
    good: str
    via: list[str]
    period: str = ""
    engine: str = ""
    trend: Trend | None = None
    unavailable: str | None = None

    @property
    def reading(self) -> str | None:
        return self.trend.reading if self.trend else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "name": self.name,
            "unit": self.unit,
            "good": self.good,
            "via": self.via,
            "period": self.period,
            "engine": self.engine,
            "reading": self.reading,
            "unavailable": self.unavailable,
            "trend": self.trend.as_dict() if self.trend else None,
        }


@dataclass
class UsageSide:
    """Every metric linked to the subject, and what they say together."""

    metrics: list[Usage] = field(default_factory=list)
    #: True when usage was not asked for (evidence only).
    skipped: bool = False

    @property
    def reading(self) -> str | None:
        """``worse`` when more metrics got worse than better, ``better`` the other way,
        ``mixed`` when as many did each, ``steady`` when none moved; None when no trend is
        known."""
        readings = [u.reading for u in self.metrics if u.reading]
        if not readings:
            return None
        worse, better = readings.count("worse"), readings.count("better")
        if worse != better:
            return "worse" if worse > better else "better"
        return "mixed" if worse else "steady"

    def as_dict(self) -> dict[str, Any]:
        return {"reading": self.reading, "skipped": self.skipped, "metrics": [u.as_dict() for u in self.metrics]}


def for_problem(session: Session, workspace: Workspace, problem: Problem) -> UsageSide:
    return _measure(session, workspace, _problem_metrics(session, problem, through=""))


def for_theme(session: Session, workspace: Workspace, theme: Theme) -> UsageSide:
    via: dict[uuid.UUID, list[str]] = defaultdict(list)
    for problem in theme_problems(session, theme):
        for metric_id, reasons in _problem_metrics(session, problem, through=f"{problem.key} → ").items():
            via[metric_id].extend(reasons)
    return _measure(session, workspace, via)


def theme_problems(session: Session, theme: Theme) -> list[Problem]:
    """Problems with an accepted link to the theme (or its parent or a sub-theme), or to
    evidence among its members."""
    children = sa.select(Theme.id).where(Theme.parent_id == theme.id)
    family = sa.or_(ProblemLink.theme_id == theme.id, ProblemLink.theme_id.in_(children))
    if theme.parent_id is not None:
        family = sa.or_(family, ProblemLink.theme_id == theme.parent_id)
    members = sa.select(EvidenceTheme.evidence_id).where(EvidenceTheme.theme_id == theme.id)
    linked = sa.select(ProblemLink.problem_id).where(
        ProblemLink.status == LinkStatus.ACCEPTED, sa.or_(family, ProblemLink.evidence_id.in_(members))
    )
    return list(session.scalars(sa.select(Problem).where(Problem.id.in_(linked)).order_by(Problem.number)))


def _problem_metrics(session: Session, problem: Problem, *, through: str) -> dict[uuid.UUID, list[str]]:
    """Metric id → how it is tied to the problem (``bet B-2``, ``outcome O-1 (bets B-1,
    B-2)``, ``signal S-2 (decision D-1)``)."""
    via: dict[uuid.UUID, list[str]] = defaultdict(list)
    bets = list(
        session.scalars(
            sa.select(Bet)
            .join(BetProblem, BetProblem.bet_id == Bet.id)
            .where(BetProblem.problem_id == problem.id)
            .order_by(Bet.number)
        )
    )
    for bet in bets:
        if bet.metric_id is not None:
            via[bet.metric_id].append(f"{through}bet {bet.key}")
    by_outcome: dict[uuid.UUID, list[str]] = defaultdict(list)
    for bet in bets:
        if bet.outcome_id is not None:
            by_outcome[bet.outcome_id].append(bet.key)
    if by_outcome:
        for outcome in session.scalars(
            sa.select(Outcome).where(Outcome.id.in_(list(by_outcome)), Outcome.metric_id.is_not(None))
        ):
            assert outcome.metric_id is not None
            via[outcome.metric_id].append(f"{through}outcome {outcome.key} (bets {', '.join(by_outcome[outcome.id])})")
    options = sa.select(DecisionOption.decision_id).where(DecisionOption.bet_id.in_([b.id for b in bets]))
    signals = session.execute(
        sa.select(Signal, Decision.number)
        .join(Decision, Decision.id == Signal.decision_id)
        .where(Signal.decision_id.in_(options), Signal.metric_id.is_not(None))
        .order_by(Signal.number)
    )
    for signal, decision in signals:
        assert signal.metric_id is not None
        via[signal.metric_id].append(f"{through}signal {signal.key} (decision D-{decision})")
    return via


def _measure(session: Session, workspace: Workspace, via: dict[uuid.UUID, list[str]]) -> UsageSide:
    if not via:
        return UsageSide()
    metrics = session.scalars(sa.select(Metric).where(Metric.id.in_(list(via))).order_by(Metric.key))
    return UsageSide(
        [measure(session, workspace, metric, via=list(dict.fromkeys(via[metric.id]))) for metric in metrics]
    )


def measure(session: Session, workspace: Workspace, metric: Metric, *, via: Sequence[str] = ()) -> Usage:
    """One metric's recent trend, or why it is not known."""
    usage = Usage(metric.key, metric.name, metric.unit, metric.good_direction.value, list(via))
    if metric.kind in SURVEY_KINDS:
        usage.unavailable = f"{metric.kind.value} is read from survey answers: what people say, not what they do"
        return usage
    try:
        with session.begin_nested():  # a failed read must not leave the session unusable
            found = compute.compute(session, workspace, metric.key, store=False)
    except GroundedError as error:
        usage.unavailable = str(error)
        return usage
    except Exception as error:  # an engine raises its own errors; none may stop say vs do
        first = (str(error).splitlines() or [""])[0][:300]
        usage.unavailable = f"{type(error).__name__}: {first}"
        return usage
    usage.period, usage.engine = found.spec.period.value, found.engine
    headline = found.headline()
    segments = sorted({name for v in headline for name in v.segment})
    if segments:
        usage.unavailable = f"broken down by {', '.join(segments)}; a trend is read from one series"
        return usage
    points = trend.complete(headline, found.until)
    usage.trend = trend.read(points, usage.good)
    if usage.trend is None:
        usage.unavailable = f"{len(points)} complete {usage.period}s with a value; a trend needs {2 * trend.WINDOW}"
    return usage


def number(value: float, unit: str = "") -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return f"{text}{unit}" if unit in {"%", ""} else f"{text} {unit}"


def moved(usage: Usage) -> str:
    """``Weekly CSV exports 4,511 → 4,523 exports``."""
    assert usage.trend is not None
    before, recent = usage.trend.before_mean, usage.trend.recent_mean
    return f"{usage.name} {number(before)} → {number(recent, usage.unit)}"


def summary(side: UsageSide) -> str:
    """One clause for the verdict's explanation."""
    if not side.metrics:
        return ""
    known = [u for u in side.metrics if u.trend]
    if not known:
        return f"usage unknown: none of its {len(side.metrics)} linked metrics could be read"
    worse = ", ".join(moved(u) for u in known if u.reading == "worse")
    better = ", ".join(moved(u) for u in known if u.reading == "better")
    if side.reading == "steady":
        periods = {u.period for u in known}
        span = f"{periods.pop()}s" if len(periods) == 1 else "periods"
        return (
            f"usage steady ({len(known)} of {len(side.metrics)} linked metrics read, "
            f"the last {trend.WINDOW} {span} against the {trend.WINDOW} before)"
        )
    if side.reading == "mixed":
        return f"usage mixed: getting worse, {worse}; getting better, {better}"
    first, second = (worse, better) if side.reading == "worse" else (better, worse)
    other = "better" if side.reading == "worse" else "worse"
    return f"usage getting {side.reading}: {first}" + (f" (getting {other}: {second})" if second else "")
