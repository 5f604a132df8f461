"""Behaviour metrics on a large event log: grounded against hand-written DuckDB SQL, Polars,
pandas and ClickHouse (chdb) SQL on the same Parquet file, with the same meaning.

    .venv/bin/pip install -e '.[test,bench]'
    flock /tmp/grounded-cpu.lock .venv/bin/python bench/metrics_engines.py [--events 50000000]
        [--metrics dau retention funnel stickiness] [--tools grounded grounded-rollup duckdb-sql ...]
        [--repeat 3] [--memory-limit-gb 12] [--out bench/out]

The log (``_metrics_log``: 1,000,000 users, 30 event names, 180 days) is made once per size
and kept under ``--out``. grounded reads it as a Parquet event source of a workspace made
under ``--out`` for the run; its activity rollups are built once (timed apart) for the
``grounded-rollup`` runs. The metrics, and what each means, are in ``_metrics_peers``: DAU,
12-week login retention, a 3-step funnel with a 7-day window, monthly stickiness.

Every (tool, metric) runs in a process of its own, ``--repeat`` times (3 by default, round by
round across the tools): wall and CPU time are of the computation (after imports and, for
grounded, opening the workspace), the median of the runs; peak RSS is the process's
high-water mark, the highest of the runs. A process that passes ``--memory-limit-gb`` is
stopped and reported as such. The results are compared with hand-written DuckDB SQL's; each
disagreement is printed. The ratio is each tool's wall time over the fastest peer reading the
Parquet file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _metrics_log as event_log
import _metrics_peers as peers
from machine import describe

METRICS = ("dau", "retention", "funnel", "stickiness")
GROUNDED = ("grounded", "grounded-rollup")
TOOLS = (*GROUNDED, "duckdb-sql", "chdb-sql", "polars", "pandas")
SPECS = f"""\
metrics:
  - {{key: dau, name: Daily active users, kind: active_users, period: day}}
  - key: retention
    name: 12-week login retention
    kind: retention
    start: login
    return: login
    periods: {peers.PERIODS}
    period: week
  - key: funnel
    name: Report to export within 7 days
    kind: funnel
    steps: [{", ".join(peers.STEPS)}]
    window: {peers.WINDOW_DAYS}d
    period: month
  - {{key: stickiness, name: Monthly stickiness, kind: stickiness, period: month}}
"""


# ---------------------------------------------------------------- the worker (one process each)


def _grounded(session: Any, workspace: Any, metric: str, rollup: bool) -> tuple[dict[str, list[tuple[Any, ...]]], str]:
    from grounded.cli.context import state
    from grounded.metrics import compute

    folder = state().settings.workspace_dir(workspace.slug) / "rollups" if rollup else None
    target = compute.Target(source="bench", rollups=folder)
    result = compute.compute(
        session, workspace, metric, since=event_log.SINCE, until=event_log.UNTIL, target=target, store=False
    )
    return _from_values(metric, result.values), result.answered_from


def _from_values(metric: str, values: list[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """grounded's values as the peers' rows (counts, not shares, so nothing is rounded)."""
    if metric == "dau":
        return {"main": [(v.period_start, v.sample_size) for v in values]}
    if metric == "retention":
        sizes = [(v.period_start, v.sample_size) for v in values if not v.detail]
        back = [(v.period_start, v.detail["period"], v.sample_size) for v in values if v.detail and v.sample_size]
        return {"main": back, "sizes": sizes}
    if metric == "funnel":
        steps: dict[date, list[int]] = {}
        for v in values:
            if v.detail:
                steps.setdefault(v.period_start, [0, 0, 0])[v.detail["step"] - 1] = v.sample_size
        return {"main": [(month, *counts) for month, counts in steps.items()]}
    return {
        "main": [(v.period_start, v.detail["active_days"], v.sample_size) for v in values if v.detail and v.sample_size]
    }


def _grounded_start() -> Any:
    import ibis
    import pyarrow.dataset  # noqa: F401
    import sqlglot.dialects.duckdb  # noqa: F401

    import grounded.metrics.compute  # noqa: F401
    from grounded.cli.context import state

    ibis.duckdb.connect().disconnect()
    return state


def work(tool: str, metric: str, path: str) -> None:
    """Compute one metric with one tool; print its result and times as JSON."""
    if tool not in GROUNDED:
        __import__({"duckdb-sql": "duckdb", "chdb-sql": "chdb", "polars": "polars", "pandas": "pandas"}[tool])
        wall, cpu = time.perf_counter(), time.process_time()
        rows, answered = peers.PEERS[tool](metric, path, event_log.SINCE, event_log.UNTIL), "events"
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    else:  # what grounded imports on first use, imported before the clock starts as the peers' are,
        # started as the `grounded` command starts (collector paused, then frozen at set-up)
        from grounded.cli.start import pause

        pause()
        state = _grounded_start()
        current = state()
        with current.session() as session:  # the workspace is opened before the clock starts
            workspace = current.workspace(session)
            wall, cpu = time.perf_counter(), time.process_time()
            rows, answered = _grounded(session, workspace, metric, tool == "grounded-rollup")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = peers.canonical(metric, rows)
    print(json.dumps({"wall": wall, "cpu": cpu, "answered_from": answered, "result": result}))


# ---------------------------------------------------------------- the driver


def _watch(pid: int, limit_kib: int, finished: threading.Event, over: list[bool]) -> None:
    """Stop the worker if its resident memory passes the limit."""
    status = Path(f"/proc/{pid}/status")
    while not finished.wait(0.05):
        try:
            rss = next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration, ValueError):
            continue
        if rss > limit_kib:
            over.append(True)
            os.kill(pid, 9)
            return


def measure(tool: str, metric: str, path: Path, env: dict[str, str], limit_gb: float) -> dict[str, Any]:
    """One worker process; its own peak RSS from ``wait4`` (not the children's maximum)."""
    command = [sys.executable, __file__, "--worker", tool, metric, str(path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    streams: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda n=name, s=stream: streams.__setitem__(n, s.read()), daemon=True)
        for name, stream in (("out", process.stdout), ("err", process.stderr))
    ]
    finished, over = threading.Event(), []
    watch = threading.Thread(target=_watch, args=(process.pid, int(limit_gb * 1024 * 1024), finished, over))
    for thread in [*readers, watch]:
        thread.start()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    finished.set()
    for thread in [*readers, watch]:
        thread.join()
    peak = usage.ru_maxrss / 1024
    if over:
        return {"error": f"stopped above {limit_gb:g} GB", "peak_mb": peak}
    if process.returncode != 0:
        return {"error": (streams.get("err", "").strip().splitlines() or ["failed"])[-1][:200], "peak_mb": peak}
    found: dict[str, Any] = json.loads(streams["out"].strip().splitlines()[-1])
    found["peak_mb"] = peak
    return found


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one tool and metric as one: the median wall and CPU time, the highest
    peak RSS, every wall time; an error or a result that changed between runs is reported."""
    peak = max(run["peak_mb"] for run in runs)
    failed = [run for run in runs if "error" in run]
    if failed:
        return {**failed[0], "peak_mb": peak}
    if any(run["result"] != runs[0]["result"] for run in runs[1:]):
        return {"error": "the result differed between runs", "peak_mb": peak}
    return {
        **runs[0],
        "wall": statistics.median(run["wall"] for run in runs),
        "cpu": statistics.median(run["cpu"] for run in runs),
        "peak_mb": peak,
        "walls": [run["wall"] for run in runs],
    }


def differences(found: dict[str, Any], wanted: dict[str, Any]) -> str:
    """'' when equal, else how many values differ and the largest difference."""
    flat_found, flat_wanted = _flatten(found), _flatten(wanted)
    keys = set(flat_found) | set(flat_wanted)
    wrong = [k for k in keys if flat_found.get(k) != flat_wanted.get(k)]
    if not wrong:
        return ""
    biggest = max(abs((flat_found.get(k) or 0) - (flat_wanted.get(k) or 0)) for k in wrong)
    example = sorted(wrong)[0]
    return (
        f"{len(wrong)} of {len(keys)} values differ (largest by {biggest}; e.g. {example}: "
        f"{flat_found.get(example)} vs {flat_wanted.get(example)})"
    )


def _flatten(value: Any, prefix: str = "") -> dict[str, int]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(item, f"{prefix}{key}/").items()}
    if isinstance(value, list):
        return {f"{prefix}{i}": int(item) for i, item in enumerate(value)}
    return {prefix.rstrip("/"): int(value)}


def prepare_grounded(root: Path, path: Path) -> dict[str, str]:
    """A workspace whose default event source is the log, with the four metrics defined."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    env = {
        **os.environ,
        "GROUNDED_DATA_DIR": str(root),
        "GROUNDED_CONFIG": str(root / "config.toml"),
        "GROUNDED_WORKSPACE": "bench",
    }
    specs = root / "metrics.yaml"
    specs.write_text(SPECS, encoding="utf-8")
    cli = [str(Path(sys.executable).with_name("grounded"))]
    for args in (
        ["init", "Benchmark", "--slug", "bench"],
        ["metric", "source", "add", "bench", "--kind", "parquet", "--location", str(path), "--default"],
        ["metric", "define", str(specs), "--no-check"],
    ):
        subprocess.run([*cli, *args], check=True, env=env, capture_output=True, text=True)
    return env


def build_rollup(env: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("grounded")), "metric", "rollup", "--source", "bench", "--json"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    report["wall"] = time.perf_counter() - started
    return report


def _row(metric: str, tool: str, got: dict[str, Any], fastest: float | None, reference: dict[str, Any] | None) -> str:
    if "error" in got:
        return f"{metric:<11} {tool:<16} {'—':>8} {'—':>8} {got['peak_mb']:>9,.0f}  {'—':>6}  {got['error']}"
    ratio = f"{got['wall'] / fastest:5.2f}×" if fastest else "   — "
    agrees = "" if reference is None else differences(got["result"], reference) or "agrees"
    source = f" [{got['answered_from']}]" if tool in GROUNDED else ""
    times = f"{got['wall']:8.2f} {got['cpu']:8.2f} {got['peak_mb']:9,.0f}"
    walls = "  runs " + "/".join(f"{w:.2f}" for w in got["walls"]) if len(got.get("walls", [])) > 1 else ""
    return f"{metric:<11} {tool:<16} {times}  {ratio}{walls}  {agrees}{source}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--metrics", nargs="+", default=list(METRICS), choices=METRICS)
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--memory-limit-gb", type=float, default=12.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool and metric (median reported)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--worker", nargs=3, metavar=("TOOL", "METRIC", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        work(*args.worker)
        return
    print(f"machine: {describe()}")
    path = args.out / f"events-{args.events}.parquet"
    if not path.exists():
        started = time.perf_counter()
        written = event_log.generate(path, args.events)
        print(f"generated {written:,} events in {time.perf_counter() - started:.0f} s")
    print(f"log: {path} ({path.stat().st_size / 1e6:,.0f} MB), {event_log.SINCE} to {event_log.UNTIL} (exclusive)")
    with path.open("rb") as handle:  # into the page cache, so no tool pays for the first read
        while handle.read(1 << 24):
            pass
    env = prepare_grounded(args.out / f"grounded-{args.events}", path)
    if "grounded-rollup" in args.tools:
        report = build_rollup(env)
        rows = ", ".join(f"{name} {count:,}" for name, count in report["rows"].items())
        print(f"grounded rollup built in {report['wall']:.1f} s ({report['seconds']:.1f} s inside): {rows} rows")
    print(f"\n{'metric':<11} {'tool':<16} {'wall s':>8} {'cpu s':>8} {'peak MB':>9}  {'ratio':>6}  result")
    for metric in args.metrics:
        runs: dict[str, list[dict[str, Any]]] = {tool: [] for tool in args.tools}
        for _ in range(args.repeat):  # round by round, so a disturbance falls on every tool alike
            for tool in args.tools:
                runs[tool].append(measure(tool, metric, path, env, args.memory_limit_gb))
        measured = {tool: median_run(found) for tool, found in runs.items()}
        reference = measured.get("duckdb-sql", {}).get("result")
        from_parquet = [m["wall"] for t, m in measured.items() if t not in GROUNDED and "error" not in m]
        fastest = min(from_parquet) if from_parquet else None
        for tool, got in measured.items():
            print(_row(metric, tool, got, fastest, None if tool == "duckdb-sql" else reference), flush=True)


if __name__ == "__main__":
    main()
