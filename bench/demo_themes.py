"""The demo and its themes in a scratch directory, for the benchmarks that time what comes
after theme discovery (placing new evidence, say vs do)."""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.core.actor import Actor
from grounded.db import migrate
from grounded.db.engine import make_engine, session_scope
from grounded.demo.build import DemoOptions, build
from grounded.models import Workspace
from grounded.synthesis import embeddings
from grounded.synthesis.build import BuildReport
from grounded.synthesis.build import build as build_themes
from grounded.synthesis.vectors import Embedder
from grounded.workspace import users

AS_OF = date(2026, 11, 26)


@dataclass
class Demo:
    engine: Engine
    workspace_id: uuid.UUID
    embedder: Embedder
    actor: Actor
    themes: BuildReport
    themes_seconds: float


@contextmanager
def demo_with_themes(*, events: int) -> Iterator[Demo]:
    """The full demo company with ``events`` usage events, its themes built with the default
    model; removed afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        engine = make_engine(f"sqlite:///{data_dir / 'grounded.db'}")
        migrate.upgrade(engine)
        with session_scope(engine) as session:
            actor = users.actor_for(users.ensure(session, "bench"))
        build(engine, data_dir=data_dir, options=DemoOptions(as_of=AS_OF, events=events), actor=actor)
        embedder = embeddings.embedder(embeddings.DEFAULT, data_dir / "models")
        with session_scope(engine) as session:
            workspace_id = session.scalars(sa.select(Workspace.id)).one()
        started = time.perf_counter()
        report = build_themes(engine, workspace_id, embedder, actor=actor)
        yield Demo(engine, workspace_id, embedder, actor, report, time.perf_counter() - started)
        engine.dispose()
