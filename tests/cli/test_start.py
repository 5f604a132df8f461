"""The process start: start-up objects frozen, the collector left as it was found."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grounded.cli.start import started


@pytest.fixture
def thawed() -> Iterator[None]:
    """Whatever a test freezes is given back to the collector afterwards."""
    yield
    gc.unfreeze()
    gc.enable()


def test_what_start_up_made_is_frozen_and_collection_resumes(thawed: None) -> None:
    seen: list[bool] = []

    def load() -> list[dict[str, int]]:
        seen.append(gc.isenabled())
        return [{"n": n} for n in range(1000)]

    before = gc.get_freeze_count()
    made = started(load)
    assert seen == [False]  # no collection walks the imports while they run
    assert made[999] == {"n": 999}
    assert gc.get_freeze_count() >= before + 1000  # the list's dicts, at least
    assert gc.isenabled()


def test_a_failing_start_up_leaves_the_collector_running(thawed: None) -> None:
    def load() -> None:
        raise ImportError("no module named 'absent'")

    with pytest.raises(ImportError, match="absent"):
        started(load)
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off(thawed: None) -> None:
    gc.disable()
    started(lambda: None)
    assert not gc.isenabled()


def test_the_grounded_command_starts_frozen() -> None:
    """The installed command and ``python -m grounded`` run through ``started``: the modules
    they load are in the permanent generation when the command runs."""
    code = (
        "import gc, sys; sys.argv = ['grounded', '--version']\n"
        "import grounded.cli.main as m\n"
        "m.main = lambda: print(gc.get_freeze_count() > 10000, gc.isenabled())\n"
        "from grounded.cli.start import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]


def test_output_closed_early_stops_quietly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``grounded problem --help | head -20`` printed "unexpected BrokenPipeError ... please
    report it": a closed output now stops the command quietly (Click's exit code 1), as a
    closed pipe does while Click itself writes."""
    from typer.testing import CliRunner

    from grounded.cli import output
    from grounded.cli import problem as problem_commands
    from grounded.cli.main import app

    def closed(value: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    runner = CliRunner()
    database = f"sqlite:///{tmp_path / 'pipe.db'}"
    assert runner.invoke(app, ["--database", database, "init", "Piped", "--slug", "piped"]).exit_code == 0
    monkeypatch.setattr(output, "emit_json", closed)
    monkeypatch.setattr(problem_commands, "emit_json", closed)  # imported by name there
    result = runner.invoke(app, ["--database", database, "-w", "piped", "problem", "list", "--json"])
    assert result.exit_code == 1
    assert "unexpected" not in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
