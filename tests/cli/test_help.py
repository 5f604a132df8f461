"""Every command explains itself with an example."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from grounded.cli.main import app
from grounded.cli.reference import commands

COMMANDS = list(commands(typer.main.get_command(app)))


def test_there_are_commands_for_every_group() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    for expected in (
        "init",
        "workspace list",
        "workspace use",
        "workspace create",
        "evidence add",
        "evidence list",
        "evidence show",
        "evidence search",
        "problem new",
        "problem list",
        "problem show",
        "problem link",
        "problem status",
        "bet new",
        "bet list",
        "bet show",
        "bet status",
        "assumption new",
        "decision new",
        "decision show",
        "decision propose",
        "decision accept",
        "decision supersede",
        "decision log",
        "request new",
        "request list",
        "request triage",
        "metric define",
        "metric list",
        "search",
        "export",
        "import-workspace",
        "demo",
    ):
        assert expected in names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path: tuple[str, ...], command: Any) -> None:
    assert "Example: grounded" in (command.help or ""), f"grounded {' '.join(path)} has no example"
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_the_version_answers_without_loading_the_database_layer() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from grounded.cli.main import main; sys.argv = ['grounded', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic', 'numpy', 'pyarrow'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [result.stdout.splitlines()[0], "[]"]
    assert result.stdout.startswith("grounded ")
