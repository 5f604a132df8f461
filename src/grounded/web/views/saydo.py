"""Say vs do for a problem or a theme, with the embedding model the themes were built with."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from grounded.models import Workspace
from grounded.synthesis import embeddings, themes, vectors
from grounded.synthesis.vectors import Embedder
from grounded.web.state import AppState


class Side(BaseModel):
    """What people say (stated evidence) or do (observed), scored for sentiment."""

    items: int
    accounts: int
    positive: int
    negative: int
    neutral: int
    net: float = Field(description="(positive - negative) / scored, from -1 to 1.")
    mean_sentiment: float | None
    by_kind: dict[str, int]
    recent_30: int = Field(description="Items in the last 30 days.")
    before_30_average: float = Field(description="Items per 30 days before that.")
    rising: bool
    examples: list[dict[str, Any]]


class UsageMetric(BaseModel):
    """A behaviour metric tied to the subject, and which way it has moved (or why unknown)."""

    metric: str
    name: str
    unit: str
    good: str
    via: list[str]
    period: str
    engine: str
    reading: str | None
    unavailable: str | None
    trend: dict[str, Any] | None


class Usage(BaseModel):
    reading: Literal["worse", "better", "mixed", "steady"] | None
    skipped: bool = Field(description="Usage was not asked for (evidence only).")
    metrics: list[UsageMetric]


class DoSide(Side):
    """What people do: observed evidence, and the usage of the metrics tied to the subject."""

    usage: Usage


class RelatedTheme(BaseModel):
    key: str
    label: str
    similarity: float
    stated: int
    observed: int


class SayDo(BaseModel):
    """Say vs do for a problem or a theme: the two sides, the verdict and why."""

    subject: str
    title: str
    verdict: Literal["too_little", "say_fine_do_struggle", "agree_fine", "agree_pain", "say_pain_do_nothing", "mixed"]
    disagree: bool
    explanation: str
    say: Side
    do: DoSide
    struggle_shown_by: list[Literal["evidence", "usage"]]
    related: list[RelatedTheme]
    model: str
    analyzer: str


def embedder_for(session: Session, workspace: Workspace, state: AppState) -> Embedder:
    """The current themes' model (loaded once per process), else the default."""
    run = themes.current_run(session, workspace)
    name = run.model if run is not None else embeddings.DEFAULT
    if name not in state.embedders:
        state.embedders[name] = embeddings.embedder(name, state.settings.model_dir)
    return state.embedders[name]


def compare(session: Session, workspace: Workspace, ref: str, state: AppState) -> dict[str, Any]:
    from grounded.synthesis.saydo import say_do

    embedder = embedder_for(session, workspace, state)
    # End the request's own transaction before the vectors are written on their own
    # connection: on SQLite it may hold the write lock (a token's last use, recorded as it is
    # checked), which they would wait for until the busy timeout, or a read snapshot taken
    # before them, in which the comparison would find no vectors at all.
    session.commit()
    vectors.ensure(state.engine, workspace.id, embedder)
    return say_do(session, workspace, ref, embedder).as_dict()
