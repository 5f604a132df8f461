"""The root ``grounded`` command: global options, the command groups, error handling.

Exit codes (also in docs/cli.md): 0 ok · 1 unexpected error · 2 usage error · 3 not found ·
4 invalid input · 5 conflict or illegal transition · 6 no workspace · 7 database not ready ·
8 model unavailable · 9 not authenticated · 10 forbidden · 130 interrupted.
"""

from __future__ import annotations

import importlib
import os
import select
import sys
from difflib import get_close_matches
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from grounded import __version__
from grounded.cli.output import error
from grounded.errors import Conflict, DatabaseNotReady, GroundedError, Interrupted, InvalidInput

#: Command name → (module, attribute). A module is imported only when its command runs
#: (or help lists it), so `grounded --version` and a typo answer at once and each command
#: loads only what it uses. The attribute is a Typer group or a command function.
COMMANDS = {
    "init": ("grounded.cli.setup", "init"),
    "workspace": ("grounded.cli.workspace", "app"),
    "db": ("grounded.cli.db", "app"),
    "user": ("grounded.cli.user", "app"),
    "evidence": ("grounded.cli.evidence", "app"),
    "problem": ("grounded.cli.problem", "app"),
    "bet": ("grounded.cli.bet", "app"),
    "assumption": ("grounded.cli.assumption", "app"),
    "decision": ("grounded.cli.decision", "app"),
    "request": ("grounded.cli.request", "app"),
    "metric": ("grounded.cli.metric", "app"),
    "search": ("grounded.cli.search", "search"),
    "import": ("grounded.cli.ingest", "app"),
    "export": ("grounded.cli.transfer", "export"),
    "import-workspace": ("grounded.cli.transfer", "import_workspace_command"),
    "demo": ("grounded.cli.demo", "demo"),
    "themes": ("grounded.cli.themes", "app"),
    "say-do": ("grounded.cli.saydo", "say_do"),
    "link": ("grounded.cli.link", "app"),
    "duplicates": ("grounded.cli.duplicates", "duplicates"),
    "serve": ("grounded.cli.serve", "serve"),
}
EXIT_INTERRUPTED = 130


class GroundedGroup(TyperGroup):
    """Loads commands lazily, and turns every known error into one line on stderr and a
    stable exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Typer suggests only among loaded commands; suggest among all of them."""
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as problem_:
            message = getattr(problem_, "message", "")
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in message:
                problem_.message = f"{message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attribute = COMMANDS[cmd_name]
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):
            group = typer.main.get_group(target)
            group.name = cmd_name
            return group
        single = typer.Typer(rich_markup_mode="rich", pretty_exceptions_enable=False, add_completion=False)
        single.command(cmd_name)(target)
        return typer.main.get_command(single)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except GroundedError as problem_:
            error(str(problem_))
            raise typer.Exit(problem_.exit_code) from None
        except KeyboardInterrupt as stop:
            error(str(stop) if isinstance(stop, Interrupted) else "interrupted; nothing from this command was saved")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors: Typer prints them with the command's usage, exit code 2
        except Exception as problem_:
            if isinstance(problem_, BrokenPipeError) and _output_closed():
                raise  # ``grounded ... | head``: Click stops quietly (exit code 1), as for --help's output
            if type(problem_).__module__.startswith("pydantic"):  # a value no service checked first
                from grounded.core.validation import invalid_from

                invalid = invalid_from(problem_)  # type: ignore[arg-type]
                error(str(invalid))
                raise typer.Exit(invalid.exit_code) from None
            refused = _database_refusal(problem_)
            if refused is not None:
                error(f"{refused[0]}: {_first_line(problem_)}; nothing was changed")
                raise typer.Exit(refused[1]) from None
            if os.environ.get("GROUNDED_DEBUG"):
                raise
            error(
                f"unexpected {type(problem_).__name__}: {problem_} (set GROUNDED_DEBUG=1 for the "
                "traceback, and please report it)"
            )
            raise typer.Exit(1) from None
        finally:
            from grounded.cli.context import close

            close()


def _output_closed() -> bool:
    """Whether what reads standard output has gone (a pipe whose reading end is closed), as
    opposed to another pipe or socket of the command's breaking, which is worth reporting."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # an output without a descriptor (a test's capture)
        return False
    if not hasattr(select, "poll"):
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def _database_refusal(problem: Exception) -> tuple[str, int] | None:
    """What the database refused, as (label, exit code): an unreachable or locked database,
    a constraint the services did not foresee, a value out of the column's range. Checked
    without importing SQLAlchemy when no command has."""
    exc = sys.modules.get("sqlalchemy.exc")
    if exc is None:
        return None
    if isinstance(problem, exc.OperationalError):
        return "database error", DatabaseNotReady.exit_code
    if isinstance(problem, exc.IntegrityError):
        return "the database refused the change", Conflict.exit_code
    if isinstance(problem, exc.DataError):
        return "the database refused a value", InvalidInput.exit_code
    return None


def _first_line(problem: Exception) -> str:
    original = getattr(problem, "orig", None) or problem
    return str(original).strip().splitlines()[0]


app = typer.Typer(
    name="grounded",
    cls=GroundedGroup,
    help="Evidence-backed product decisions: from tickets, interviews and usage to problems, "
    "bets and a decision log that watches.\n\nExample: grounded demo",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"grounded {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            "-d",
            help="Database URL (sqlite:///path.db or postgresql://…); "
            "default: GROUNDED_DATABASE_URL, the config file, then a SQLite file in the data directory.",
        ),
    ] = None,
    workspace_: Annotated[
        str | None,
        typer.Option(
            "--workspace", "-w", help="Workspace slug; default: GROUNDED_WORKSPACE or `grounded workspace use`."
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Who is acting (e-mail or login name); default: GROUNDED_USER or your login."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """grounded: build the right thing, with the evidence in view.

    Example: grounded --workspace demo problem list
    """
    from grounded.cli.context import configure  # loads the database layer only when a command runs

    configure(database_url=database, workspace=workspace_, user=as_user)


def main() -> None:
    app(prog_name="grounded")
