"""``grounded demo``: build the demo company's workspace and say what to try next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from grounded.cli import parse
from grounded.cli.context import state
from grounded.cli.output import console, done, emit_json, table
from grounded.config import use_workspace
from grounded.db import migrate
from grounded.demo.build import STAGES, DemoOptions, build


def demo(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed and date give the same company.")] = 7,
    as_of: Annotated[str | None, typer.Option(help="The demo's 'today' (YYYY-MM-DD); default: today.")] = None,
    slug: Annotated[str, typer.Option(help="Workspace slug (an existing demo workspace is replaced).")] = "demo",
    events: Annotated[int, typer.Option(help="About how many usage events to generate.", min=1000)] = 2_150_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    serve: Annotated[
        bool,
        typer.Option("--serve/--no-serve", help="End by serving the demo in the web app (--no-serve for scripts)."),
    ] = True,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port to serve on (default: GROUNDED_PORT or 8000).")
    ] = None,
) -> None:
    """Build the demo: Fernhill Analytics, its customers, tickets, interviews, requests, usage and decisions.

    It ends by serving the demo in the web app and printing the address; --no-serve
    stops after building.

    Example: grounded demo --seed 7 --as-of 2026-11-26 --no-serve
    """
    day = parse.day(as_of, option="as-of") or datetime.now(UTC).date()
    current = state()
    migrate.upgrade(current.engine)
    with current.session() as session:
        actor = current.actor(session)
    with _StageBar(as_json) as update:
        summary = build(
            current.engine,
            data_dir=current.settings.data_dir.expanduser(),
            actor=actor,
            options=DemoOptions(as_of=day, seed=seed, slug=slug, events=events),
            progress=update,
        )
    use_workspace(current.settings, slug)
    if as_json:
        _summary_json(summary)
    else:
        _summary_text(summary)
    if serve:
        from grounded.cli.serve import run_server

        run_server(current, host=None, port=port, accounts=False)


def _summary_json(summary: Any) -> None:
    emit_json(
        {
            "workspace": summary.slug,
            "counts": summary.counts,
            "events_path": str(summary.events_path),
            "exports": str(summary.exports),
            "seconds": round(summary.seconds, 1),
            "decision": summary.decision,
            "problem": summary.problem,
        }
    )


def _summary_text(summary: Any) -> None:
    done(f"Demo workspace '{summary.slug}' built in {summary.seconds:.1f} s; it is now the current workspace.")
    table(["built", "count"], [(name.replace("_", " "), f"{n:,}") for name, n in summary.counts.items()])
    console.print(f"Usage events: {summary.events_path}")
    console.print(f"The exports it was imported from: {summary.exports}")
    console.print("\nTry next:")
    for line in (
        f"grounded problem show {summary.problem}",
        f"grounded decision show {summary.decision}",
        'grounded search "rebuild spreadsheet"',
        "grounded request list --group sales",
        "grounded bet show B-1",
        "grounded evidence list --kind quote",
        "grounded import runs",
    ):
        console.print(f"  [bold]{line}[/]")


class _StageBar:
    """A progress bar over the demo's stages (silent when printing JSON)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.progress = Progress(
            TextColumn("{task.description:<11}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.done: dict[str, float] = {}

    def __enter__(self) -> Callable[[str, float], None]:
        if not self.quiet:
            self.progress.start()
        self.task = self.progress.add_task("starting", total=sum(STAGES.values()))
        return self.update

    def update(self, stage: str, share: float) -> None:
        self.done[stage] = max(self.done.get(stage, 0.0), min(share, 1.0)) * STAGES[stage]
        self.progress.update(self.task, completed=sum(self.done.values()), description=stage)

    def __exit__(self, *exc: object) -> None:
        if not self.quiet:
            self.progress.update(self.task, completed=sum(STAGES.values()), description="done")
            self.progress.stop()
