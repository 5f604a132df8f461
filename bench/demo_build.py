"""How long `grounded demo` takes, stage by stage, and how fast the CLI starts.

    .venv/bin/python bench/demo_build.py [--runs 3]

Target (issue 2): the full demo in under 2 minutes on 2 cores. CLI start-up is compared with
bare Python start-up on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from grounded.db import migrate
from grounded.db.engine import make_engine, session_scope
from grounded.demo.build import DemoOptions, build
from grounded.workspace import users
from machine import describe

AS_OF = date(2026, 11, 26)
TARGET_SECONDS = 120.0


def stage_times(data_dir: Path, options: DemoOptions | None = None) -> dict[str, float]:
    """One in-process build, timing each stage from the progress reports."""
    engine = make_engine(f"sqlite:///{data_dir / 'grounded.db'}")
    migrate.upgrade(engine)
    marks: dict[str, float] = {}
    with session_scope(engine) as session:
        actor = users.actor_for(users.ensure(session, "bench"))

    def progress(stage: str, share: float) -> None:
        if share >= 1.0 and stage not in marks:
            marks[stage] = time.perf_counter()

    started = time.perf_counter()
    build(engine, data_dir=data_dir, options=options or DemoOptions(as_of=AS_OF), actor=actor, progress=progress)
    marks["finish"] = time.perf_counter()
    engine.dispose()
    times, previous = {}, started
    for stage, moment in marks.items():
        times[stage] = moment - previous
        previous = moment
    return times


def cli_wall_time(data_dir: Path) -> float:
    """The whole first README step after installation: `grounded demo` in a fresh data dir."""
    env = {"GROUNDED_DATA_DIR": str(data_dir), "GROUNDED_CONFIG": str(data_dir / "config.toml"), "PATH": ""}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "grounded", "demo", "--as-of", AS_OF.isoformat(), "--json", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    json.loads(result.stdout)
    return wall


def median_run(command: list[str], env: dict[str, str] | None = None, runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(f"machine: {describe()}")
    walls = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            walls.append(cli_wall_time(Path(tmp)))
    wall = statistics.median(walls)
    print(
        f"grounded demo (full size, CLI, fresh data dir): median {wall:.1f} s over {runs} runs "
        f"{[round(w, 1) for w in walls]}; target {TARGET_SECONDS:.0f} s; ratio to target {wall / TARGET_SECONDS:.2f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        stages = stage_times(Path(tmp))
        size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file())
    print("stages (one in-process run): " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
    print(f"files written: {size / 1e6:.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GROUNDED_DATA_DIR": tmp, "GROUNDED_CONFIG": f"{tmp}/config.toml"}
        subprocess.run(
            [sys.executable, "-m", "grounded", "demo", "--events", "1000", "--json", "--no-serve"],
            env=env,
            capture_output=True,
            check=True,
        )
        bare = median_run([sys.executable, "-c", "pass"])
        version = median_run([sys.executable, "-m", "grounded", "--version"], env)
        listing = median_run([sys.executable, "-m", "grounded", "problem", "list", "--json"], env)
    print(
        f"start-up: python -c pass {bare * 1000:.0f} ms; grounded --version {version * 1000:.0f} ms "
        f"({version / bare:.1f}x); grounded problem list --json {listing * 1000:.0f} ms ({listing / bare:.1f}x)"
    )


if __name__ == "__main__":
    main()
