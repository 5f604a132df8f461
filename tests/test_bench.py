"""The benchmarks still run (on tiny sizes): a benchmark that rots is a figure nobody can
measure again. Their figures are not checked here; docs/performance.md records them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from grounded.demo.build import DemoOptions

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _run(command: list[str], directory: Path) -> subprocess.CompletedProcess[str]:
    """A benchmark script, as a person runs it, from another directory."""
    return subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, timeout=600, check=False, cwd=directory
    )


@pytest.mark.slow
def test_the_import_benchmark_runs_and_reports_its_figures(tmp_path: Path) -> None:
    result = _run([str(BENCH / "import_tickets.py"), "--rows", "3000", "--no-postgres"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any(line.startswith("floor: sqlite3 .import") for line in lines), result.stdout
    assert any("new 3,000 unchanged 0" in line for line in lines), result.stdout
    assert any("new 0 unchanged 3,000" in line for line in lines), result.stdout


@pytest.mark.slow
def test_the_write_parts_benchmark_measures_each_part(tmp_path: Path) -> None:
    result = _run([str(BENCH / "import_write_parts.py"), "--rows", "2000"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    measured = [line for line in result.stdout.splitlines() if " µs CPU " in line]
    assert len(measured) == 13, result.stdout
    assert any(line.startswith("evidence table, foreign keys checked per row") for line in measured)
    assert any(line.startswith("evidence table, ids as 16-byte BLOBs") for line in measured)
    assert any(line.startswith("the same, hashes as bytes, times as integers") for line in measured)
    assert any(line.startswith("evidence table without its account index") for line in measured)
    assert any(line.startswith("evidence table, its indexes built after the rows") for line in measured)
    assert any(line.startswith("evidence table, SQLite's default 4 KB pages") for line in measured)
    assert any(line.startswith("full-text index with SQLite's default 4 KB pages") for line in measured)
    # The closing budget: one line a variant of the evidence table, then the budgets.
    assert result.stdout.count(" µs wall a row: at most ") == 3, result.stdout
    assert "budget for 50,000 rows/s        20.00 µs wall a row" in result.stdout
    if shutil.which("sqlite3"):
        assert "floor: sqlite3 .import of the same rows as CSV" in result.stdout
        assert "budget for 3x the floor" in result.stdout


@pytest.mark.slow
def test_the_demo_benchmark_times_each_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    import demo_build

    small = DemoOptions(as_of=date(2026, 11, 26), events=2000)  # the company at full size, few events
    stages = demo_build.stage_times(tmp_path, small)
    assert list(stages)[-1] == "finish"
    assert {"tickets", "events"} <= set(stages), stages
    assert all(seconds >= 0 for seconds in stages.values())


@pytest.mark.slow
def test_the_embedding_benchmark_runs_and_reports_its_figures(tmp_path: Path) -> None:
    result = _run([str(BENCH / "embed_speed.py"), "--limit", "40", "--clinc-limit", "40"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "demo tickets: 40 texts" in result.stdout
    corpora = 2 if "CLINC150 test: 40 texts" in result.stdout else 1  # the labelled sets sit beside the project
    assert result.stdout.count("int8 against fp32: cosine mean 0.9") == corpora, result.stdout
    assert result.stdout.count("grounded wordllama") == corpora, result.stdout  # the fast tier, same texts


@pytest.mark.slow
def test_the_theme_quality_benchmark_runs_on_any_labelled_file(tmp_path: Path) -> None:
    rows = ["text,label"]
    for n in range(12):
        rows += [f"csv export times out again {n},export", f"sso login fails for user {n},login"]
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "assignments.csv"
    result = _run([str(BENCH / "themes_quality.py"), "--file", str(labelled), "--out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "grounded (not told k)                  themes    2  NMI 100.0" in result.stdout, result.stdout
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "text,label,theme"
    assert len(lines) == 25
    themes_of = {line.split(",")[1]: set() for line in lines[1:]}
    for line in lines[1:]:
        themes_of[line.split(",")[1]].add(line.split(",")[2])
    assert all(len(found) == 1 for found in themes_of.values())
    assert themes_of["export"] != themes_of["login"]


@pytest.mark.slow
def test_the_theme_scale_benchmark_runs_and_reports_its_figures(tmp_path: Path) -> None:
    for model in ("wordllama", "minilm-int8"):
        result = _run([str(BENCH / "themes_scale.py"), "--items", "600", "--model", model], tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        out = result.stdout
        assert out.startswith("machine: "), out
        assert "items: 600 texts" in out, out
        assert f"model: {model} (" in out, out
        for figure in ("embed: ", " texts/s", "cluster: ", " themes, ", " unclustered", "sub-themes: ", "total: "):
            assert figure in out, (figure, out)
        assert "peak RSS: " in out, out


@pytest.mark.slow
def test_the_metrics_benchmark_runs_every_tool_and_they_agree(tmp_path: Path) -> None:
    pytest.importorskip("polars", reason="the bench extra: pip install -e '.[bench]'")
    out = tmp_path / "out"
    result = _run(
        [str(BENCH / "metrics_engines.py"), "--events", "20000", "--repeat", "1", "--out", str(out)], tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("machine: "), result.stdout
    assert any(line.startswith("grounded rollup built in") for line in lines), result.stdout
    rows = [
        line.split()
        for line in lines
        if line.split()[:1] and line.split()[0] in ("dau", "retention", "funnel", "stickiness")
    ]
    assert len(rows) == 4 * 6, result.stdout
    for row in rows:
        if row[1] != "duckdb-sql":
            assert "agrees" in row, row  # every tool computes the numbers hand-written DuckDB SQL does
    assert {row[0]: row[-1] for row in rows if row[1] == "grounded-rollup" and row[0] != "funnel"} == {
        "dau": "day_users]",  # one row a day
        "retention": "user_firsts+user_week_events]",  # the coarse rollups: each user's first, weeks
        "stickiness": "user_months]",
    }
    assert (out / "events-20000.parquet").exists()  # kept: a second run does not make it again
    again = _run(
        [
            str(BENCH / "metrics_engines.py"),
            "--events",
            "20000",
            "--repeat",
            "1",
            "--out",
            str(out),
            "--tools",
            "duckdb-sql",
        ],
        tmp_path,
    )
    assert "generated" not in again.stdout


@pytest.mark.slow
def test_the_say_do_usage_benchmark_runs_and_reports_its_figures(tmp_path: Path) -> None:
    result = _run([str(BENCH / "saydo_usage.py"), "--events", "20000", "--repeat", "1"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any(line.startswith("say_do P-1 over 20,000 events, 1 calls each: with usage") for line in lines), (
        result.stdout
    )
    assert any(line.strip().startswith("spreadsheet_rebuild_rate: ") for line in lines), result.stdout
    assert any(line.startswith("verdict: say_fine_do_struggle") for line in lines), result.stdout


@pytest.mark.slow
def test_the_sign_in_benchmark_runs_and_reports_its_figures(tmp_path: Path) -> None:
    result = _run([str(BENCH / "sign_in.py"), "--rounds", "2"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[1].startswith("argon2id hash (m=65536,t=3,p=4): "), result.stdout
    for label in ("right password", "wrong password", "unknown address"):
        assert any(line.startswith(f"authenticate, {label}: ") for line in lines), result.stdout
    assert lines[-1].startswith("unknown address / wrong password for a known one: "), result.stdout


@pytest.mark.slow
def test_the_web_benchmark_times_every_page_and_its_json_twin(tmp_path: Path) -> None:
    seconds = "2" if shutil.which("wrk") else "0"  # the load test needs wrk (Debian's package)
    result = _run(
        [str(BENCH / "web_pages.py"), "--items", "9000", "--requests", "3", "--load-seconds", seconds], tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("/w/demo/")]
    assert [row[0] for row in rows][:3] == ["/w/demo/", "/w/demo/evidence", "/w/demo/evidence?q=rebuild+spreadsheet"]
    assert len(rows) == 20, result.stdout
    assert rows[3][0] == "/w/demo/evidence?q=rebuild+spreadsheet+-zq{n}", result.stdout  # a new search each time
    assert all(len(row) == 5 and all(float(figure) > 0 for figure in row[1:]) for row in rows), result.stdout
    assert "9,000 evidence items" in result.stdout
    assert "worst median" in result.stdout
    if seconds != "0":
        assert "Requests/sec:" in result.stdout, result.stdout
        assert "Non-2xx" not in result.stdout, result.stdout
        assert "ms a request" in result.stdout, result.stdout  # the server's CPU per request
