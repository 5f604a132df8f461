"""The process start: start-up objects frozen, the collector left as it was found."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from grounded.cli import start


@pytest.fixture
def thawed() -> Iterator[None]:
    """Whatever a test freezes is given back to the collector afterwards."""
    yield
    start._paused = False
    gc.unfreeze()
    gc.enable()


def test_start_up_is_frozen_once_and_collection_resumes(thawed: None) -> None:
    before = gc.get_freeze_count()
    start.pause()
    assert not gc.isenabled()  # no collection walks the imports while they run
    made = [{"n": n} for n in range(1000)]
    start.settle()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(made)  # the dicts, at least
    frozen = gc.get_freeze_count()
    start.settle()  # a second command set up in the same process freezes nothing more
    assert gc.get_freeze_count() == frozen


def test_without_pause_nothing_is_frozen(thawed: None) -> None:
    """The tests and an application running the CLI in-process set commands up many times:
    freezing each time would keep every command's garbage forever."""
    before = gc.get_freeze_count()
    start.settle()
    assert gc.get_freeze_count() == before
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off(thawed: None) -> None:
    gc.disable()
    start.pause()
    start.settle()
    assert not gc.isenabled()


REPORT = "import atexit, gc, sys; atexit.register(lambda: print(gc.get_freeze_count(), gc.isenabled()))\n"


@pytest.mark.parametrize(
    "launch",
    [
        "from grounded.cli.start import main; main()",  # what the installed `grounded` script runs
        "import runpy; runpy.run_module('grounded', run_name='__main__')",  # python -m grounded
    ],
)
def test_a_command_runs_with_its_modules_frozen(tmp_path: Path, launch: str) -> None:
    database = f"sqlite:///{tmp_path / 'start.db'}"
    argv = f"sys.argv = ['grounded', '--database', {database!r}, 'init', 'Start', '--slug', 'start']\n"
    done = subprocess.run([sys.executable, "-c", REPORT + argv + launch], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    frozen, collecting = done.stdout.split()[-2:]
    assert int(frozen) > 50_000  # SQLAlchemy, Typer, the models: what the command loaded
    assert collecting == "True"


def test_the_installed_command_is_the_one_that_pauses() -> None:
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "grounded"]
    assert script.value == "grounded.cli.start:main"


def test_output_closed_early_stops_quietly(tmp_path: Path) -> None:
    """``grounded problem --help | head -20`` printed "unexpected BrokenPipeError ... please
    report it": a closed output now stops the command quietly (Click's exit code 1), as a
    closed pipe does while Click itself writes."""
    reading, writing = os.pipe()
    os.close(reading)  # the reader is gone before the command writes a word
    database = f"sqlite:///{tmp_path / 'pipe.db'}"
    with os.fdopen(writing, "wb") as output:
        done = subprocess.run(
            [sys.executable, "-m", "grounded", "--database", database, "init", "Piped", "--slug", "piped"],
            stdout=output,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr == ""


def test_a_broken_pipe_that_is_not_the_output_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Another pipe or socket breaking is a failure to report, not a reader that left."""
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
    assert "unexpected BrokenPipeError" in result.stderr
