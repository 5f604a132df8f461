"""Which embedding model a command uses: the one named, else the one the current themes were
built with, else the default; and its vectors brought up to date."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from grounded.cli.context import in_workspace, state
from grounded.cli.output import counting_bar
from grounded.synthesis import embeddings, themes, vectors
from grounded.synthesis.vectors import Embedder

ModelChoice = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="The embedding model ("
        + ", ".join(embeddings.MODELS)
        + "); default: the one the current themes were built with.",
    ),
]


def chosen(model: str | None) -> tuple[uuid.UUID, Embedder]:
    """The workspace id and the embedder to use."""
    current = state()
    with in_workspace() as (session, workspace, _):
        run = themes.current_run(session, workspace)
        name = model or (run.model if run is not None else embeddings.DEFAULT)
        workspace_id = workspace.id
    return workspace_id, embeddings.embedder(name, current.settings.model_dir)


def up_to_date(workspace_id: uuid.UUID, embedder: Embedder, *, quiet: bool) -> None:
    """Embed what is new or edited since the last run (a bar when there is much)."""
    current = state()
    with in_workspace() as (session, _, _actor):
        _total, todo = vectors.pending(session, workspace_id, vectors.key(embedder))
    with counting_bar("embedding", len(todo), unit="texts", quiet=quiet or len(todo) < 500) as advance:
        vectors.ensure(current.engine, workspace_id, embedder, progress=advance)
