"""``grounded themes``: embed evidence, discover themes, and read them."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from grounded.cli.context import in_workspace, state
from grounded.cli.output import console, counting_bar, done, emit_json, excerpt, fields, table
from grounded.core.actor import Actor
from grounded.synthesis import embeddings, themes, vectors
from grounded.synthesis.vectors import Embedder

app = typer.Typer(
    no_args_is_help=True,
    help="Themes discovered in the workspace's evidence.\n\nExample: grounded themes build",
)

ModelOption = Annotated[
    str,
    typer.Option(help="Embedding model: " + "; ".join(f"{k}: {v}" for k, v in embeddings.MODELS.items()) + "."),
]


@dataclasses.dataclass
class _Job:
    """What embedding and building share: the workspace, who acts, the embedder, and how
    many texts it has to embed (for the progress bar)."""

    engine: Engine
    workspace_id: uuid.UUID
    actor: Actor
    embedder: Embedder
    pending: int

    @classmethod
    def start(cls, model: str) -> _Job:
        current = state()
        with in_workspace() as (session, workspace, actor):
            embedder = embeddings.embedder(model, current.settings.model_dir)
            _, todo = vectors.pending(session, workspace.id, vectors.key(embedder))
            return cls(current.engine, workspace.id, actor, embedder, len(todo))

    def bar(self, *, quiet: bool) -> AbstractContextManager[Callable[[int], None]]:
        return counting_bar("embedding", self.pending, unit="texts", quiet=quiet)


@app.command("embed")
def embed(
    model: ModelOption = embeddings.DEFAULT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Embed the evidence that has no current vector (new or edited since the last run).

    Vectors are cached per evidence and model version; a second run embeds nothing. Runs
    offline: the model comes from an installed package.

    Example: grounded themes embed
    """
    job = _Job.start(model)
    with job.bar(quiet=as_json) as advance:
        report = vectors.ensure(job.engine, job.workspace_id, job.embedder, progress=advance)
    figures = {
        "model": report.model,
        "evidence": report.evidence,
        "embedded": report.embedded,
        "reused": report.reused,
        "truncated": report.truncated,
        "seconds": round(report.seconds, 1),
        "texts_per_second": round(report.texts_per_second, 1),
    }
    if as_json:
        emit_json(figures)
        return
    done(f"Embedded {report.embedded:,} of {report.evidence:,} evidence items with {report.model}.")
    table(
        ["", "count"], [(k.replace("_", " "), f"{v:,}" if isinstance(v, int) else str(v)) for k, v in figures.items()]
    )
    if report.truncated:
        if report.truncated == 1:
            console.print("1 long text was embedded from its first 256 tokens.")
        else:
            console.print(f"{report.truncated:,} long texts were embedded from their first 256 tokens.")


@app.command("build")
def build(
    model: ModelOption = embeddings.DEFAULT,
    seed: Annotated[int, typer.Option(help="Seed for the clustering (the same seed gives the same themes).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Discover themes in the workspace's evidence, without being told how many.

    Embeds what is new, groups evidence into themes and sub-themes, labels each with its
    distinctive words and keeps its most representative texts. Themes whose members mostly
    carry over from the last run keep their key (T-n) and name.

    Example: grounded themes build
    """
    from grounded.synthesis.build import build as build_themes

    job = _Job.start(model)
    with job.bar(quiet=as_json) as advance:
        report = build_themes(job.engine, job.workspace_id, job.embedder, actor=job.actor, seed=seed, progress=advance)
    if as_json:
        emit_json(report.__dict__ | {"seconds": round(report.seconds, 1)})
        return
    done(
        f"Theme run {report.run}: {report.themes} themes and {report.sub_themes} sub-themes in "
        f"{report.evidence:,} evidence items ({report.unthemed:,} fit no theme), {report.seconds:.1f} s."
    )
    if report.carried_over:
        console.print(f"{report.carried_over} themes kept their key and name from the previous run.")
    if report.truncated:
        console.print(f"{report.truncated:,} long texts were embedded from their first 256 tokens.")
    if report.other_languages:
        kept = ", ".join(
            f"{code} {n['items']:,}" + (f" ({n['themed']:,} in themes of their own)" if n["themed"] else "")
            for code, n in report.other_languages.items()
        )
        console.print(f"Kept out of English themes, by language: {kept}.")
    console.print("Next: grounded themes list, grounded themes show T-1, grounded themes tree")


@app.command("assign")
def assign(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Place evidence added since the last build into the current themes.

    Each new item joins its nearest theme (and sub-theme) when it is as close to the centre
    as 95% of the theme's own members; the rest wait for the next build. Imports do this by
    themselves.

    Example: grounded themes assign
    """
    from grounded.synthesis.assign import assign_new

    current = state()
    with in_workspace() as (session, workspace, _):
        run = themes.current_run(session, workspace)
        workspace_id, model = workspace.id, run.model if run else embeddings.DEFAULT
    found = assign_new(current.engine, workspace_id, embeddings.embedder(model, current.settings.model_dir))
    if as_json:
        emit_json(dataclasses.asdict(found) | {"ms_per_item": round(found.ms_per_item, 2)})
        return
    if found.run is None:
        console.print("No themes yet: grounded themes build")
        return
    done(f"{found.joined:,} of {found.considered:,} new items joined the themes of {found.run}.")
    if found.by_theme:
        console.print(", ".join(f"{key} ×{n}" for key, n in found.by_theme.items()))
    if found.waiting:
        console.print(f"{found.waiting:,} wait for the next grounded themes build.")
    if found.skipped:
        console.print(f"note: {found.skipped}")


@app.command("list")
def list_themes(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many themes.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The current themes, largest first (sub-themes are in grounded themes tree).

    Example: grounded themes list --limit 20
    """
    with in_workspace() as (session, workspace, _):
        run = themes.current_run(session, workspace)
        rows = [] if run is None else themes.top_level(session, run, limit=limit)
        found = [(t.key, t.name or t.label, t.size, ", ".join(t.keywords[:5])) for t in rows]
        run_key = run.key if run else None
    if as_json:
        emit_json(
            {"run": run_key, "themes": [dict(zip(("key", "label", "size", "keywords"), r, strict=True)) for r in found]}
        )
        return
    if run_key is None:
        console.print("No themes yet: grounded themes build")
        return
    table(["theme", "label", "items", "distinctive words"], found, caption=f"run {run_key}")


@app.command("show")
def show(
    key: Annotated[str, typer.Argument(help="The theme's key, e.g. T-3.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """A theme: size, accounts and ARR, what people say beside what they do, trend, quotes.

    Example: grounded themes show T-3
    """
    from grounded.synthesis.profile import profile

    with in_workspace() as (session, workspace, _):
        found = profile(session, themes.get(session, workspace, key))
    if as_json:
        emit_json(dataclasses.asdict(found) | {"trends": [t.__dict__ | {"ratio": t.ratio} for t in found.trends]})
        return
    trends = [
        f"{t.recent} in the last {t.days} days against {t.before_average:g} per {t.days} days before"
        for t in found.trends
    ]
    fields(
        [
            ("theme", f"{found.key} {found.name or found.label}"),
            ("distinctive words", found.keywords),
            ("items", found.size),
            ("by kind", ", ".join(f"{k} {n}" for k, n in found.by_kind.items())),
            ("say (stated)", found.stated),
            ("do (observed)", found.observed),
            ("sentiment (stated)", _tone(found.sentiment)),
            ("accounts", found.accounts),
            ("ARR touched", f"{found.arr:,}"),
            ("trend", "; ".join(trends)),
            (
                "first / last",
                f"{found.first_seen:%Y-%m-%d} / {found.last_seen:%Y-%m-%d}"
                if found.first_seen and found.last_seen
                else "",
            ),
            ("part of", found.parent),
            ("sub-themes", found.children),
        ]
    )
    for item in found.representatives:
        console.print(f"  [bold]{item['evidence']}[/] ({item['kind']}) {excerpt(item['text'], 160)}", highlight=False)


def _tone(found: dict[str, float | int | None]) -> str:
    if found.get("mean") is None:
        return ""
    return (
        f"{found['positive']} positive, {found['negative']} negative, {found['neutral']} neutral (mean {found['mean']})"
    )


@app.command("tree")
def tree(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a tree.")] = False,
) -> None:
    """Themes and their sub-themes.

    Example: grounded themes tree
    """
    from rich.tree import Tree

    with in_workspace() as (session, workspace, _):
        run = themes.current_run(session, workspace)
        nodes = [] if run is None else themes.hierarchy(session, run)
    if as_json:
        emit_json(nodes)
        return
    if not nodes:
        console.print("No themes yet: grounded themes build")
        return
    view = Tree("themes")
    for node in nodes:
        branch = view.add(f"[bold]{node['key']}[/] {node['label']} ({node['size']})")
        for child in node["children"]:
            branch.add(f"{child['key']} {child['label']} ({child['size']})")
    console.print(view)
