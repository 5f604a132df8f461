"""Every command explains itself with an example."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from grounded.cli.main import app


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


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
