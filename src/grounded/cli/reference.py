"""The CLI reference (docs/cli.md), generated from the commands themselves.

    python -m grounded.cli.reference > docs/cli.md

tests/test_docs.py fails when the file and the commands disagree.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import typer

from grounded.cli.main import app

PIPE = "\\|"  # a literal | inside a Markdown table cell
EXIT_CODES = (
    (0, "success"),
    (
        1,
        "unexpected error (a bug: please report it with GROUNDED_DEBUG=1 output); also when what reads "
        "the output stops early (piped into `head`)",
    ),
    (2, "usage error: unknown command or option, or a value of the wrong type"),
    (3, "not found: a key, id, slug or e-mail that does not exist"),
    (4, "invalid input: a malformed value or file; the message names the field"),
    (5, "conflict: already exists, an illegal state change, or a frozen record"),
    (6, "no workspace: none exists, or several and none selected"),
    (7, "database not ready: unreachable, not created, or an older schema"),
    (8, "an embedding model is not installed or its files are damaged; the message says how to fix it"),
    (9, "not authenticated: a wrong password or token, or too many failed sign-ins"),
    (10, "forbidden: your role in the workspace does not allow this"),
    (130, "interrupted (Ctrl-C); nothing from the command was saved"),
)


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under ``group`` (loading the lazy ones), depth first, sorted by name."""
    context = typer.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield (*path, name), command
        if hasattr(command, "list_commands"):
            yield from commands(command, (*path, name))


def render() -> str:
    root = typer.main.get_command(app)
    lines = [
        "# CLI reference",
        "",
        "Generated from the commands by `python -m grounded.cli.reference > docs/cli.md`; a test fails when it drifts.",
        "",
        "Global options go before the command: `grounded [--database URL] [--workspace SLUG] [--as USER] COMMAND`.",
        "",
        "## Exit codes",
        "",
        "| code | meaning |",
        "|---|---|",
        *[f"| {code} | {meaning} |" for code, meaning in EXIT_CODES],
        "",
        *_section(("grounded",), root),
    ]
    for path, command in commands(root):
        lines += _section(("grounded", *path), command)
    return "\n".join(lines).rstrip() + "\n"


def _section(path: tuple[str, ...], command: Any) -> list[str]:
    lines = [f"## `{' '.join(path)}`", ""]
    help_text = (command.help or "").strip()
    lines += [" ".join(paragraph.split()) + "\n" for paragraph in help_text.split("\n\n") if paragraph.strip()]
    if hasattr(command, "list_commands"):
        names = command.list_commands(typer.Context(command))
        lines += ["Commands: " + ", ".join(f"`{name}`" for name in names), ""]
    params = [p for p in command.params if not getattr(p, "hidden", False)]
    if params:
        context = command.make_context(path[-1], [], resilient_parsing=True)
        lines += ["| argument / option | type | default | description |", "|---|---|---|---|"]
        lines += [_row(param, context) for param in params]
        lines.append("")
    return lines


def _row(param: Any, context: Any) -> str:
    names = " / ".join(f"`{name}`" for name in [*param.opts, *param.secondary_opts])
    if type(param).__name__ == "TyperArgument":
        names = f"`{param.name.upper()}`" + ("" if param.required else " (optional)")
    kind = param.display_type(context).strip("<>")
    if getattr(param, "multiple", False):
        kind += ", repeatable"
    default = "" if param.required or param.default in (None, "", False) else f"`{param.default}`"
    if getattr(param, "is_flag", False) and param.default is True:
        default = "on"
    description = (param.help or "").replace("|", PIPE)
    kind = kind.replace("|", f" {PIPE} ")
    return f"| {names} | {kind} | {default} | {description} |"


if __name__ == "__main__":
    sys.stdout.write(render())
