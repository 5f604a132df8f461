"""What reading usage costs say vs do (synthesis/usage.py): ``say_do`` on the demo's reporting
problem with its linked metrics computed, against the same call with evidence only.

    .venv/bin/python bench/saydo_usage.py [--events 2150000] [--repeat 5]

Builds the demo and its themes in a scratch directory (not timed), then times ``say_do P-1``
in one process, alternating with and without usage, and prints the medians, the ratio and
what each linked metric read.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from datetime import time as clock

import sqlalchemy as sa

from demo_themes import AS_OF, demo_with_themes
from grounded.db.engine import session_scope
from grounded.demo.build import DemoOptions
from grounded.models import Workspace
from grounded.synthesis import saydo
from grounded.synthesis.vectors import Embedder
from machine import describe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=DemoOptions(as_of=AS_OF).events, help="Usage events in the demo.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed calls of each kind.")
    args = parser.parse_args()
    print(describe())
    with demo_with_themes(events=args.events) as demo:
        _time(demo.engine, demo.workspace_id, demo.embedder, args.events, args.repeat)


def _time(engine: sa.Engine, workspace_id: object, embedder: Embedder, events: int, repeat: int) -> None:
    now = datetime.combine(AS_OF, clock(), tzinfo=UTC)
    timings: dict[bool, list[float]] = {True: [], False: []}
    found = None
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        saydo.say_do(session, workspace, "P-1", embedder, now=now, with_usage=False)  # load the model once
        for _ in range(repeat):
            for with_usage in (True, False):
                started = time.perf_counter()
                result = saydo.say_do(session, workspace, "P-1", embedder, now=now, with_usage=with_usage)
                timings[with_usage].append(time.perf_counter() - started)
                found = result if with_usage else found
    assert found is not None
    used, bare = statistics.median(timings[True]), statistics.median(timings[False])
    print(
        f"say_do P-1 over {events:,} events, {repeat} calls each: with usage {used:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in timings[True])}), evidence only {bare:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in timings[False])}); ratio {used / bare:.2f}×, "
        f"usage adds {used - bare:.2f} s"
    )
    for metric in found.usage.metrics:
        if metric.trend is None:
            print(f"  {metric.metric}: unavailable: {metric.unavailable}")
            continue
        t = metric.trend
        print(
            f"  {metric.metric}: {metric.reading}, {t.before_mean:,.2f} ({t.before[0].period_start} to "
            f"{t.before[-1].period_end}) → {t.recent_mean:,.2f} ({t.recent[0].period_start} to "
            f"{t.recent[-1].period_end}), t = {t.t if t.t is None else round(t.t, 2)}"
        )
    print(f"verdict: {found.verdict}; struggle shown by {', '.join(found.struggle_shown_by) or 'nothing'}")


if __name__ == "__main__":
    main()
