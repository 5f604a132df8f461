"""The root ``grounded`` command: global options, the command groups, error handling.

Exit codes (also in docs/cli.md): 0 ok · 1 unexpected error · 2 usage error · 3 not found ·
4 invalid input · 5 conflict or illegal transition · 6 no workspace · 7 database not ready ·
130 interrupted.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from sqlalchemy import exc as sa_exc
from typer.core import TyperGroup

from grounded import __version__
from grounded.cli import (
    assumption,
    bet,
    db,
    decision,
    demo,
    evidence,
    metric,
    problem,
    request,
    search,
    setup,
    transfer,
    user,
    workspace,
)
from grounded.cli.context import configure, state
from grounded.cli.output import error
from grounded.errors import GroundedError

EXIT_INTERRUPTED = 130


class GroundedGroup(TyperGroup):
    """Turns every known error into one line on stderr and a stable exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except GroundedError as problem_:
            error(str(problem_))
            raise typer.Exit(problem_.exit_code) from None
        except sa_exc.OperationalError as problem_:
            reason = str(problem_.orig).strip().splitlines()[0] if problem_.orig else str(problem_)
            error(f"database error: {reason}; nothing was changed")
            raise typer.Exit(7) from None
        except KeyboardInterrupt:
            error("interrupted; nothing from this command was saved")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors: Typer prints them with the command's usage, exit code 2
        except Exception as problem_:
            if os.environ.get("GROUNDED_DEBUG"):
                raise
            error(
                f"unexpected {type(problem_).__name__}: {problem_} (set GROUNDED_DEBUG=1 for the "
                "traceback, and please report it)"
            )
            raise typer.Exit(1) from None
        finally:
            state().close()


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
    configure(database_url=database, workspace=workspace_, user=as_user)


setup.register(app)
app.add_typer(workspace.app, name="workspace")
app.add_typer(db.app, name="db")
app.add_typer(user.app, name="user")
app.add_typer(evidence.app, name="evidence")
app.add_typer(problem.app, name="problem")
app.add_typer(bet.app, name="bet")
app.add_typer(assumption.app, name="assumption")
app.add_typer(decision.app, name="decision")
app.add_typer(request.app, name="request")
app.add_typer(metric.app, name="metric")
search.register(app)
transfer.register(app)
demo.register(app)


def main() -> None:
    app(prog_name="grounded")
