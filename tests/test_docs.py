"""Docs that cannot rot: the CLI reference, the settings, and the README's two commands."""

from __future__ import annotations

import os
import re
from pathlib import Path

from grounded.cli.reference import render
from grounded.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The fenced shell commands of the README's Quickstart, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", quickstart, flags=re.S)]


def test_the_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: python -m grounded.cli.reference > docs/cli.md"
    )


def test_every_setting_is_documented() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        variable = f"GROUNDED_{name.upper()}"
        assert f"`{name}`" in page, f"{name} missing from docs/configuration.md"
        assert variable in page, f"{variable} missing from docs/configuration.md"
        assert variable in readme, f"{variable} missing from the README's configuration table"


def test_the_readme_has_the_two_commands_and_ci_runs_the_second() -> None:
    first, second = readme_commands()
    assert first.endswith("grounded demo")
    assert "pip install -e ." in first
    assert "pip install -e '.[test,bench]'" in second
    assert second.endswith("scripts/check")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second in ci.splitlines(), ".ci/run must run exactly the README's test command"
    for script in (ROOT / ".ci" / "run", ROOT / "scripts" / "check"):
        assert os.access(script, os.X_OK), f"{script} is not executable"


def test_linked_docs_exist() -> None:
    for page in ("README.md", "CONTRIBUTING.md", "docs/concepts.md"):
        for link in re.findall(r"\]\(([^)#:]+\.md)\)", (ROOT / page).read_text(encoding="utf-8")):
            assert (ROOT / Path(page).parent / link).exists(), f"{page} links to missing {link}"
