"""Running the real CLI in-process against a real database file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from grounded.cli.main import app


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


Invoke = Callable[..., Run]


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def cli(database: str) -> Invoke:
    """``cli("problem", "list", "--json")`` → the result; ``ok=False`` when failure is expected."""
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True, url: str | None = None, stdin: str | None = None) -> Run:
        result = runner.invoke(app, ["--database", url or database, *args], input=stdin)
        run = Run(result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr
        if ok:
            assert result.exit_code == 0, f"{args}: {run.stderr or run.stdout}"
        return run

    return invoke


@pytest.fixture
def ready(cli: Invoke) -> Invoke:
    """A CLI whose database has a workspace 'acme'."""
    cli("init", "Acme", "--slug", "acme")
    return cli
