"""Shared by the synthesis tests: a database per backend whose runs may commit, the real
fp32 model, and a workspace holding given texts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.synthesis.embeddings.minilm import MiniLM
from tests.conftest import BACKENDS, fresh_database
from tests.factories import make_actor, make_evidence, make_workspace


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database of each kind for the module: embedding and theme runs commit, so not the
    shared session database."""
    with fresh_database(request.param, tmp_path_factory.mktemp("synthesis")) as engine:
        yield engine


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> MiniLM:
    return MiniLM(tmp_path_factory.getbasetemp().parent / "grounded-models", quantized=False)


def workspace_with(engine: Engine, texts: Sequence[str], title: str = "") -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A new workspace whose evidence is ``texts`` (tickets), and their ids in order."""
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        ids = [make_evidence(session, workspace, actor, text=text, title=title).id for text in texts]
        return workspace.id, ids
