"""Which way a metric has moved lately: the last ``WINDOW`` complete periods against the
``WINDOW`` before them, read against the way the metric should go.

A period counts when it has wholly passed by the end of the events and has a value (a
share with nothing to divide by, a funnel whose windows are still open, a cohort not yet
followed long enough have none, and are skipped). The two windows' means are compared
with Student's two-sample t statistic: the metric *moved* when |t| reaches the two-sided
5% point for 2 × ``WINDOW`` - 2 degrees of freedom **and** the means differ by at least
``MIN_CHANGE`` of the earlier one. Otherwise it is *steady*. A move the way the metric's
``good`` direction points is *better*, the other way *worse*.

The t test treats the periods as independent draws; weekly product figures are not quite
(seasonality, a holiday week), which is why a small relative change is never called a move.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from grounded.metrics.results import Value

#: Periods in each of the two windows compared.
WINDOW = 4
#: Student's t, two-sided 5%, for 2 × WINDOW - 2 = 6 degrees of freedom.
T_CRITICAL = 2.447
#: A move smaller than this share of the earlier mean is steady, however regular.
MIN_CHANGE = 0.05

READINGS = {
    "worse": "getting worse",
    "better": "getting better",
    "steady": "steady",
}


@dataclass(frozen=True)
class Point:
    period_start: date
    period_end: date
    value: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "value": self.value,
        }


@dataclass(frozen=True)
class Trend:
    reading: str
    before: list[Point]
    recent: list[Point]
    before_mean: float
    recent_mean: float
    #: recent_mean - before_mean, and that as a share of |before_mean| (None from zero).
    change: float
    relative_change: float | None
    #: The t statistic; None when both windows are flat (no spread to compare against).
    t: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reading": self.reading,
            "before": [p.as_dict() for p in self.before],
            "recent": [p.as_dict() for p in self.recent],
            "before_mean": round(self.before_mean, 4),
            "recent_mean": round(self.recent_mean, 4),
            "change": round(self.change, 4),
            "relative_change": None if self.relative_change is None else round(self.relative_change, 4),
            "t": None if self.t is None else round(self.t, 3),
        }


def complete(values: Sequence[Value], until: date) -> list[Point]:
    """The headline values of periods that ended before ``until`` (exclusive) and have a
    value, oldest first."""
    found = [
        Point(v.period_start, v.period_end, float(v.value))
        for v in values
        if not v.detail and not v.segment and v.value is not None and v.period_end < until
    ]
    return sorted(found, key=lambda p: p.period_start)


def read(points: Sequence[Point], good: str) -> Trend | None:
    """The trend of the last 2 × WINDOW points, or None when there are fewer."""
    if len(points) < 2 * WINDOW:
        return None
    before, recent = list(points[-2 * WINDOW : -WINDOW]), list(points[-WINDOW:])
    b, r = [p.value for p in before], [p.value for p in recent]
    before_mean, recent_mean = sum(b) / WINDOW, sum(r) / WINDOW
    change = recent_mean - before_mean
    spread = math.sqrt((_variance(b) + _variance(r)) / WINDOW)
    t = change / spread if spread else None
    relative = change / abs(before_mean) if before_mean else None
    significant = abs(t) >= T_CRITICAL if t is not None else change != 0
    moved = significant and (relative is None or abs(relative) >= MIN_CHANGE)
    reading = "steady" if not moved else "better" if (change > 0) == (good == "up") else "worse"
    return Trend(reading, before, recent, before_mean, recent_mean, change, relative, t)


def _variance(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)
