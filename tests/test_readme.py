"""The README's first command, exactly as written, in a fresh copy of the project."""

from __future__ import annotations

import shutil
import subprocess
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


@pytest.mark.slow
def test_the_first_command_installs_and_builds_the_demo(tmp_path: Path) -> None:
    project = tmp_path / "grounded"
    _fresh_copy(project)
    first, _ = readme_commands()
    result = subprocess.run(
        ["bash", "-c", first], cwd=project, capture_output=True, text=True, timeout=1200, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Demo workspace 'demo' built" in result.stdout
    for line in ("tickets", "6,400", "interview notes", "requests", "events"):
        assert line in result.stdout
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
