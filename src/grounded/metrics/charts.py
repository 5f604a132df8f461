"""Charts of computed metrics, drawn with Matplotlib (no network, no browser): a time series
for counts, actives, shares and durations; the retention triangle as a heatmap; funnel
bars; the stickiness histogram. SVG or PNG by the file's suffix, or SVG text for pages.
Colours read on light and dark backgrounds alike (a transparent figure, mid-tone ink).

Figures are built on Matplotlib's object API (``Figure`` and the Agg canvas), not pyplot:
no global figure registry to close, nothing shared between threads but the rc settings.
The SVG text is deterministic (no date in its metadata, element ids from a fixed salt), so
the same spec and values always give the same text and a page can keep it (``page_svg``)."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path
from typing import Any

from grounded.errors import InvalidInput
from grounded.metrics import kept
from grounded.metrics.kept import Kept
from grounded.metrics.results import Value
from grounded.metrics.spec import Spec
from grounded.models.enums import MetricKind

INK = "#6b7280"
PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626")
FORMATS = {".svg": "svg", ".png": "png"}


#: Salt for the ids in SVG output (Matplotlib salts them randomly by default), so the text
#: depends only on what is drawn.
SVG_SALT = "grounded"
#: Charts a process keeps for pages (~30 KB each for a time series).
KEPT: Kept[str] = Kept(64)


def _figure(width: float = 8.0, height: float = 4.0) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    figure.patch.set_alpha(0.0)
    axes.set_facecolor("none")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(INK)
    axes.tick_params(colors=INK, labelsize=8)
    axes.title.set_color(INK)
    axes.xaxis.label.set_color(INK)
    axes.yaxis.label.set_color(INK)
    return figure, axes


def _label(segment: dict[str, Any]) -> str:
    return ", ".join(f"{k.split('.')[-1]}={v}" for k, v in segment.items()) or "all"


def draw(spec: Spec, values: list[Value]) -> Any:
    """The figure for a metric's values (kind decides the chart)."""
    if not values:
        raise InvalidInput(f"metric {spec.key} has no values to chart; compute it over a range with events")
    if spec.kind is MetricKind.RETENTION:
        return _triangle(spec, values)
    if spec.kind is MetricKind.FUNNEL:
        return _funnel(spec, values)
    if spec.kind is MetricKind.STICKINESS:
        return _histogram(spec, values)
    return _series(spec, values)


def _series(spec: Spec, values: list[Value]) -> Any:
    figure, axes = _figure()
    lines: dict[str, list[tuple[Any, float | None]]] = defaultdict(list)
    for v in values:
        if not v.detail:
            lines[_label(v.segment)].append((v.period_start, v.value))
    for i, (label, points) in enumerate(sorted(lines.items())):
        xs = [p[0] for p in points]
        ys = [float("nan") if p[1] is None else p[1] for p in points]
        axes.plot(xs, ys, color=PALETTE[i % len(PALETTE)], linewidth=1.6, marker="o", markersize=2.5, label=label)
    if len(lines) > 1:
        axes.legend(frameon=False, fontsize=8, labelcolor=INK)
    axes.set_title(f"{spec.name} (per {spec.period.value})", fontsize=10, loc="left")
    axes.set_ylabel(spec.unit or "value", fontsize=8)
    axes.set_ylim(bottom=0)
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def _triangle(spec: Spec, values: list[Value]) -> Any:
    import numpy as np

    cohorts = sorted({v.period_start for v in values if not v.segment})
    cohorts = cohorts or sorted({v.period_start for v in values})
    cohorts = cohorts[-16:]
    cells = [v for v in values if v.detail and v.period_start in cohorts and not v.segment]
    if not cells:
        cells = [v for v in values if v.detail and v.period_start in cohorts]
    width = max(int(v.detail["period"]) for v in cells) + 1
    grid = np.full((len(cohorts), width), np.nan)
    for v in cells:
        if v.value is not None:
            grid[cohorts.index(v.period_start), int(v.detail["period"])] = v.value
    figure, axes = _figure(8.0, 0.9 + 0.32 * len(cohorts))
    image = axes.imshow(grid, aspect="auto", cmap="Blues", vmin=0, vmax=100)
    for row in range(grid.shape[0]):
        for column in range(grid.shape[1]):
            if not np.isnan(grid[row, column]):
                shade = "white" if grid[row, column] > 55 else "#1f2937"
                axes.text(column, row, f"{grid[row, column]:.0f}", ha="center", va="center", fontsize=7, color=shade)
    axes.set_yticks(range(len(cohorts)), [c.isoformat() for c in cohorts])
    axes.set_xticks(range(width), [str(n) for n in range(width)])
    axes.set_xlabel(f"{spec.period.value}s after the start", fontsize=8)
    axes.set_title(f"{spec.name}: % of each cohort back", fontsize=10, loc="left")
    figure.colorbar(image, ax=axes, fraction=0.03).ax.tick_params(colors=INK, labelsize=7)
    figure.tight_layout()
    return figure


def _funnel(spec: Spec, values: list[Value]) -> Any:
    steps: dict[int, tuple[str, int]] = {}
    entered = 0
    for v in values:
        if not v.segment and v.detail:
            number = int(v.detail["step"])
            name, n = steps.get(number, (str(v.detail["event"]), 0))
            steps[number] = (name, n + int(v.sample_size or 0))
    if not steps:
        raise InvalidInput(f"metric {spec.key} has no funnel steps to chart")
    entered = steps[1][1]
    figure, axes = _figure(8.0, 0.8 + 0.5 * len(steps))
    labels = [f"{n}. {steps[n][0]}" for n in sorted(steps)][::-1]
    counts = [steps[n][1] for n in sorted(steps)][::-1]
    bars = axes.barh(labels, counts, color=PALETTE[0])
    for bar, count in zip(bars, counts, strict=True):
        share = 100.0 * count / entered if entered else 0.0
        axes.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {count:,} ({share:.1f}%)",
            va="center",
            fontsize=8,
            color=INK,
        )
    axes.set_title(f"{spec.name}: users at each step, all periods", fontsize=10, loc="left")
    figure.tight_layout()
    return figure


def _histogram(spec: Spec, values: list[Value]) -> Any:
    totals: dict[int, int] = defaultdict(int)
    for v in values:
        if not v.segment and v.detail:
            totals[int(v.detail["active_days"])] += int(v.sample_size or 0)
    everyone = sum(totals.values())
    figure, axes = _figure()
    days = sorted(totals)
    axes.bar(days, [100.0 * totals[d] / everyone if everyone else 0 for d in days], color=PALETTE[0])
    axes.set_xlabel(f"active days in the {spec.period.value}", fontsize=8)
    axes.set_ylabel("% of active users", fontsize=8)
    axes.set_title(f"{spec.name}: active days per {spec.period.value}", fontsize=10, loc="left")
    figure.tight_layout()
    return figure


def save(figure: Any, path: Path) -> Path:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidInput(f"{path}: a chart is written as .svg or .png, not '{path.suffix or 'no suffix'}'")
    temporary = path.with_name(path.name + ".part")
    try:
        figure.savefig(temporary, format=fmt, transparent=True)
        temporary.replace(path)
    except OSError as error:
        raise InvalidInput(f"cannot write {path}: {error.strerror or error}", field="out") from error
    finally:
        temporary.unlink(missing_ok=True)
    return path


def svg(figure: Any) -> str:
    """The figure as SVG text, the same text for the same figure (no date, salted ids)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT}):
        figure.savefig(buffer, format="svg", transparent=True, metadata={"Date": None})
    return buffer.getvalue()


def page_svg(spec: Spec, values: list[Value]) -> str:
    """``svg(draw(spec, values))``, drawn once per process for the same spec and values.

    The key digests everything the drawing reads (the whole spec, every value in order), so
    a recompute, a new version or a renamed metric gives a new key and a fresh drawing; no
    invalidation is needed."""
    return KEPT.get(digest(spec, values), lambda: svg(draw(spec, values)))


def digest(spec: Spec, values: list[Value]) -> str:
    """A hash of a spec and its values: what a chart of them depends on."""
    return kept.digest(type(spec).__name__, spec.model_dump(mode="json"), [v.as_dict() for v in values])
