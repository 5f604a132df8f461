"""The web app over 100,000 evidence items: every page's server time (median and p95, from
the app's Server-Timing header), each page beside its JSON twin; then the API under load
from wrk on loopback for 60 s.

    .venv/bin/python bench/web_pages.py [--items 100000] [--requests 30] [--load-seconds 60] [--workers 2]
                                        [--data DIR]   # keep the workspace there and reuse it next time

Targets (issue 6, 2 cores): every page <= 100 ms median and <= 300 ms p95; the API holds
200 requests/s for 60 s with zero errors. The workspace is the demo, topped up with
generated Zendesk tickets through the importer to --items evidence items, and a theme run of
240 themes laid over them (discovering themes in 100,000 items takes minutes and is measured
by bench/themes_scale.py; a page's cost depends on the rows, not on how they were grouped).
wrk comes from Debian (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from import_tickets import generate
from machine import describe

HERE = Path(__file__).resolve().parent
PASSWORD = "bench password 1234"
THEMES = 240


def grounded(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "grounded", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"grounded {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def build(data: Path, items: int) -> dict[str, str]:
    env = {**os.environ, "GROUNDED_DATA_DIR": str(data), "GROUNDED_CONFIG": str(data / "config.toml")}
    started = time.perf_counter()
    summary = json.loads(grounded(env, "demo", "--no-serve", "--json"))
    have = int(summary["counts"].get("evidence", 0)) or _count(env)
    extra = max(items - have, 0)
    if extra:
        export = data / "more-tickets.csv"
        generate(export, extra)
        grounded(env, "import", "--preset", "zendesk", "--source", "zendesk-more", str(export), "--json")
    grounded(env, "metric", "compute", "weekly_report_views", "--json")
    print(
        f"workspace: demo + {extra:,} generated tickets = {_count(env):,} evidence items "
        f"({time.perf_counter() - started:.0f} s to build)"
    )
    return env


def _count(env: dict[str, str]) -> int:
    return int(json.loads(grounded(env, "evidence", "list", "--limit", "1", "--json"))["total"])


def seed(env: dict[str, str]) -> str:
    """A theme run over every item, an admin with a password, and an API token for wrk."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from grounded.config import load_settings
    from grounded.db.engine import make_engine
    from grounded.models import Evidence
    from grounded.models.enums import Role
    from grounded.synthesis import themes
    from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate
    from grounded.workspace import passwords, tokens, users
    from grounded.workspace import service as workspaces
    from grounded.workspace.schemas import ApiTokenCreate, UserCreate

    os.environ.update(env)
    engine = make_engine(load_settings().database)
    with Session(engine) as session:
        ws = workspaces.get(session, "demo")
        actor = users.actor_for(users.ensure(session, "bench"))
        ids = session.scalars(sa.select(Evidence.id).where(Evidence.workspace_id == ws.id).order_by(Evidence.id)).all()
        run = themes.start_run(
            session, ws, data=ThemeRunCreate(model="minilm-int8", model_version="bench"), actor=actor
        )
        for n in range(THEMES):
            members = ids[n::THEMES]
            theme = themes.add_theme(
                session,
                run,
                data=ThemeCreate(
                    label=f"theme {n}", keywords=["report", "export"], representative_ids=[str(i) for i in members[:5]]
                ),
            )
            themes.assign(session, theme, dict.fromkeys(members, 0.2))
        themes.finish_run(session, run, evidence_count=len(ids), unthemed_count=0, actor=actor)
        admin = users.create(session, data=UserCreate(email="bench@example.com", name="Bench"), actor=actor)
        passwords.set_password(session, admin, PASSWORD, actor=actor)
        users.set_role(session, ws, admin, Role.ADMIN, actor=actor)
        _, plaintext = tokens.create(session, ws, admin, data=ApiTokenCreate(name="wrk", role=Role.VIEWER), actor=actor)
        session.commit()
    engine.dispose()
    return plaintext


PAGES = [
    "",
    "evidence",
    "evidence?q=rebuild+spreadsheet",
    # The same matches under a new query each time ("-zqN" excludes no row): a search asked
    # for the first time, which no connection has kept.
    "evidence?q=rebuild+spreadsheet+-zq{n}",
    "evidence?kind=quote",
    "evidence/E-1",
    "themes",
    "themes/T-1",
    "problems",
    "problems/P-1",
    "bets",
    "bets/B-1",
    "decisions",
    "decisions/D-1",
    "requests",
    "metrics",
    "metrics/weekly_report_views",
    "import",
    "import/SRC-1",
    "settings",
]
#: A page's JSON twin where its path differs; settings' audit log needs an admin's session.
TWINS = {"": "home", "import": "import/runs", "import/SRC-1": "import/runs/SRC-1", "settings": "audit"}


def server_times(token: str, runs: int) -> list[tuple[str, float, float, float, float]]:
    from fastapi.testclient import TestClient

    from grounded.config import load_settings
    from grounded.web.app import create_app
    from grounded.web.config import WebConfig

    app = create_app(load_settings(), WebConfig())
    client = TestClient(app, base_url="http://127.0.0.1")
    headers = {"Authorization": f"Bearer {token}"}
    session = _signed_in(TestClient(app, base_url="http://127.0.0.1"))
    rows = []
    for path in PAGES:
        html = _timed(session, f"/w/demo/{path}", {}, runs)
        twin = TWINS.get(path, path)
        api = (
            _timed(client, f"/api/v1/w/demo/{twin}", headers, runs)
            if path != "settings"
            else _timed(session, "/api/v1/w/demo/audit", {}, runs)
        )
        rows.append((f"/w/demo/{path}", *html, *api))
    return rows


def _signed_in(client: Any) -> Any:
    import re

    form = client.get("/login")
    login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/login",
        data={"email": "bench@example.com", "password": PASSWORD, "login_csrf": login_csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    return client


def _timed(client: Any, path: str, headers: dict[str, str], runs: int) -> tuple[float, float]:
    asked = iter(range(10**9))
    fresh = (
        (lambda: path.replace("{n}", f"{next(asked)}{'a' if path.startswith('/api') else 'h'}"))
        if "{n}" in path
        else (lambda: path)
    )
    for _ in range(3):
        client.get(fresh(), headers=headers)
    times = []
    for _ in range(runs):
        answer = client.get(fresh(), headers=headers)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        times.append(float(answer.headers["server-timing"].split("dur=")[1]))
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Authorization"] = "Bearer %s"})
end
"""


def load(env: dict[str, str], token: str, seconds: int, workers: int) -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        return "wrk not found: apt-get install wrk"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = Path(tempfile.mkdtemp()) / "serve.log"  # a file, not a pipe: a full pipe would stall the server
    with log.open("w", encoding="utf-8") as handle:
        server = subprocess.Popen(
            [sys.executable, "-m", "grounded", "serve", "--accounts", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(port)
        api = [
            f"/api/v1/w/demo/{p}"
            for p in (
                "home",
                "evidence?limit=20",
                "problems/P-1",
                "decisions",
                "themes?limit=20",
                "requests?limit=20",
                "evidence/E-100",
                "bets/B-1",
            )
        ]
        script = Path(tempfile.mkdtemp()) / "paths.lua"
        script.write_text(LUA % (", ".join(f'"{p}"' for p in api), token), encoding="utf-8")
        before = _cpu_seconds(server.pid)
        out = subprocess.run(
            [wrk, "-t1", "-c8", f"-d{seconds}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            check=False,
        )
        used = _cpu_seconds(server.pid) - before
        served = _served(out.stdout)
        cost = (
            f"server CPU: {used:.1f} s for {served:,} requests = {used / served * 1000:.2f} ms a request "
            f"(2 cores at that cost: {2 * served / used:.0f} requests/s, wrk's own CPU aside)\n"
            if served and used > 0
            else ""
        )
        errors = [line for line in log.read_text(encoding="utf-8").splitlines() if "error" in line.lower()]
        shown = "\n".join(errors[:5])
        return (
            cost
            + out.stdout
            + out.stderr
            + (f"server log: {len(errors)} error lines, first:\n{shown}" if errors else "")
        )
    finally:
        server.terminate()
        server.wait(timeout=60)


def _cpu_seconds(root: int) -> float:
    """User + system CPU of a process and its descendants (the server's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    family = {root}
    stats = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats.append((int(entry.name), int(fields[1]), int(fields[11]) + int(fields[12])))
    grew = True
    while grew:
        grew = False
        for pid, parent, _ in stats:
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    for pid, _, used in stats:
        if pid in family:
            total += used / ticks
    return total


def _served(wrk_out: str) -> int:
    for line in wrk_out.splitlines():
        if "requests in" in line:
            return int(line.split()[0])
    return 0


def _wait(port: int) -> None:
    """Until the server answers a request (a listening socket alone does not mean a worker
    is ready: connections wait in its queue while workers start)."""
    import http.client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/login")
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page; 0 skips the pages")
    parser.add_argument("--load-seconds", type=int, default=60, help="0 skips the load test")
    parser.add_argument("--workers", type=int, default=2, help="grounded serve --workers for the load test")
    parser.add_argument(
        "--data", type=Path, help="build the workspace here and keep it; a workspace built there before is reused"
    )
    args = parser.parse_args()
    print(describe())
    if args.data:
        run(args, args.data)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(args, Path(tmp))


def run(args: argparse.Namespace, data: Path) -> None:
    env, token = prepare(data, args.items)
    if args.requests > 0:
        pages(token, args.requests)
    if args.load_seconds:
        print(
            f"\nAPI under load: grounded serve --accounts --workers {args.workers}; wrk, 1 thread, 8 connections, "
            f"{args.load_seconds} s, 8 API routes in turn (target: >= 200 requests/s, no errors)"
        )
        print(load(env, token, args.load_seconds, args.workers))


def pages(token: str, runs: int) -> None:
    print(f"\n{'page':<46} {'HTML median':>11} {'p95':>8} {'JSON median':>11} {'p95':>8}   (ms, server time)")
    worst = (0.0, 0.0)
    for path, html_median, html_p95, api_median, api_p95 in server_times(token, runs):
        print(f"{path:<46} {html_median:>11.1f} {html_p95:>8.1f} {api_median:>11.1f} {api_p95:>8.1f}")
        worst = (max(worst[0], html_median, api_median), max(worst[1], html_p95, api_p95))
    print(f"\nworst median {worst[0]:.1f} ms (target <= 100), worst p95 {worst[1]:.1f} ms (target <= 300)")


def prepare(data: Path, items: int) -> tuple[dict[str, str], str]:
    """The workspace and the API token, built once in ``data`` (reused when built before)."""
    data.mkdir(parents=True, exist_ok=True)
    saved = data / "bench-token.txt"
    if saved.exists():
        env = {**os.environ, "GROUNDED_DATA_DIR": str(data), "GROUNDED_CONFIG": str(data / "config.toml")}
        os.environ.update(env)
        print(f"workspace: reused from {data} ({_count(env):,} evidence items)")
        return env, saved.read_text(encoding="utf-8").strip()
    env = build(data, items)
    token = seed(env)
    saved.write_text(token, encoding="utf-8")
    return env, token


if __name__ == "__main__":
    main()
