"""The README's first command, exactly as written, in a fresh copy of the project."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_docs import ROOT, readme_commands


def _fresh_copy(target: Path) -> None:
    """The files a clone would have (git's view when there is one)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    names = listed.stdout.splitlines() if listed.returncode == 0 else []
    if not names:
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    for name in names:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_until_served(command: str, cwd: Path, port: int) -> tuple[str, str]:
    """Run the first command until it says where it serves; fetch the demo's home page and
    its JSON twin from there, then stop it as a person would (Ctrl-C)."""
    env = {**os.environ, "GROUNDED_PORT": str(port)}
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 1200
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Serving grounded at" in line or time.monotonic() > deadline:
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in output, output[-3000:]
        home = _get(f"http://127.0.0.1:{port}/", port)
        return output, home
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()


def _get(url: str, port: int) -> str:
    for _ in range(50):
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:  # follows the redirect to /w/demo/
                return str(answer.read().decode("utf-8"))
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port}")


@pytest.mark.slow
def test_the_first_command_installs_builds_and_serves_the_demo(tmp_path: Path) -> None:
    project = tmp_path / "grounded"
    _fresh_copy(project)
    first, _ = readme_commands()
    output, home = _run_until_served(first, project, _free_port())
    assert "Demo workspace 'demo' built" in output
    assert "This week in Fernhill Analytics" in home
    assert "single-user local mode" in output
    for line in ("tickets", "6,400", "interview notes", "requests", "events"):
        assert line in output
    store = tmp_path / "data" / "workspaces" / "demo"
    assert sum(part.stat().st_size for part in (store / "events").glob("*.parquet")) > 10_000_000
    assert (store / "exports" / "zendesk-tickets.csv").stat().st_size > 1_000_000
    shown = subprocess.run(
        [str(project / ".venv" / "bin" / "grounded"), "decision", "show", "D-1", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"status": "accepted"' in shown.stdout
