"""``grounded themes``: embeddings now; discovery, listing and the tree arrive with it."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.cli.context import in_workspace, state
from grounded.cli.output import console, counting_bar, done, emit_json, table
from grounded.synthesis import embeddings, vectors

app = typer.Typer(
    no_args_is_help=True,
    help="Themes discovered in the workspace's evidence.\n\nExample: grounded themes embed",
)

ModelOption = Annotated[
    str,
    typer.Option(help="Embedding model: " + "; ".join(f"{k}: {v}" for k, v in embeddings.MODELS.items()) + "."),
]


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
    current = state()
    with in_workspace() as (_, workspace, _actor):
        workspace_id = workspace.id
    embedder = embeddings.embedder(model, current.settings.model_dir)
    with current.session() as session:
        _, todo = vectors.pending(session, workspace_id, embedder.version)
    with counting_bar("embedding", len(todo), unit="texts", quiet=as_json) as advance:
        report = vectors.ensure(current.engine, workspace_id, embedder, progress=advance)
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
