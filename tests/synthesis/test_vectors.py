"""Evidence vectors: only what is new or changed is embedded, per model version, and an
interrupted run keeps what it finished. Real model (fp32 MiniLM), real databases."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceUpdate
from grounded.models import Workspace
from grounded.synthesis import vectors
from grounded.synthesis.embeddings.minilm import MiniLM
from tests.factories import make_actor, make_evidence, make_workspace
from tests.synthesis.conftest import workspace_with

TEXTS = [
    "We rebuild the revenue spreadsheet every Monday.",
    "The CSV export times out for big accounts.",
    "Login with SSO fails after the update.",
    "Invoices show the wrong VAT number.",
    "Please add a dark mode.",
]


def test_a_second_run_embeds_nothing_and_vectors_come_back_in_order(engine: Engine, model: MiniLM) -> None:
    workspace_id, ids = workspace_with(engine, TEXTS)
    first = vectors.ensure(engine, workspace_id, model)
    assert (first.evidence, first.embedded, first.reused) == (5, 5, 0)
    second = vectors.ensure(engine, workspace_id, model)
    assert (second.evidence, second.embedded, second.reused) == (5, 0, 5)
    with session_scope(engine) as session:
        loaded_ids, matrix = vectors.load(session, workspace_id, vectors.key(model))
    assert loaded_ids == ids
    assert matrix.shape == (5, 384)
    assert np.allclose(matrix, model.embed(TEXTS), atol=1e-6)


def test_an_edited_text_is_embedded_again_and_nothing_else(engine: Engine, model: MiniLM) -> None:
    workspace_id, ids = workspace_with(engine, TEXTS)
    vectors.ensure(engine, workspace_id, model)
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        item = evidence.get(session, workspace, ids[1])
        update = EvidenceUpdate(text="Exports to Excel lose the totals row.")
        evidence.update(session, workspace, item, data=update, actor=actor)
        _, stale = vectors.pending(session, workspace_id, vectors.key(model))
        assert stale == [ids[1]]
        _, before = vectors.load(session, workspace_id, vectors.key(model))
    assert before.shape == (4, 384)  # the stale vector is not handed out
    report = vectors.ensure(engine, workspace_id, model)
    assert (report.embedded, report.reused) == (1, 4)
    with session_scope(engine) as session:
        _, matrix = vectors.load(session, workspace_id, vectors.key(model))
    assert np.allclose(matrix[1], model.embed(["Exports to Excel lose the totals row."])[0], atol=1e-6)


def test_another_model_keeps_its_own_vectors(engine: Engine, model: MiniLM, tmp_path: Path) -> None:
    workspace_id, _ = workspace_with(engine, TEXTS[:2])
    quantized = MiniLM(model.cache_dir, quantized=True)
    assert quantized.version != model.version
    vectors.ensure(engine, workspace_id, model)
    report = vectors.ensure(engine, workspace_id, quantized)
    assert (report.embedded, report.reused) == (2, 0)
    with session_scope(engine) as session:
        _, fp32 = vectors.load(session, workspace_id, vectors.key(model))
        _, int8 = vectors.load(session, workspace_id, vectors.key(quantized))
    assert 0.95 < float((fp32 * int8).sum(axis=1).min()) < 1.0


def test_an_interrupted_run_keeps_its_finished_chunks(
    engine: Engine, model: MiniLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace_id, _ = workspace_with(engine, TEXTS)
    monkeypatch.setattr(vectors, "CHUNK", 2)
    calls = {"n": 0}
    real_embed = model.embed

    def embed_then_stop(texts: Sequence[str], progress: vectors.Progress | None = None) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_embed(texts, progress)

    monkeypatch.setattr(model, "embed", embed_then_stop)
    with pytest.raises(KeyboardInterrupt):
        vectors.ensure(engine, workspace_id, model)
    monkeypatch.setattr(model, "embed", real_embed)
    report = vectors.ensure(engine, workspace_id, model)
    assert (report.embedded, report.reused) == (3, 2)


def test_the_title_leads_the_embedded_text_when_it_adds_something() -> None:
    assert vectors.text_of("Export broken", "It times out.") == "Export broken. It times out."
    assert vectors.text_of("Export broken", "Export broken since Monday") == "Export broken since Monday"
    assert vectors.text_of("", "  only text ") == "only text"
    assert vectors.text_of("Only a title", "") == "Only a title"
    assert vectors.text_of("NPS 9 from Acme", "Love the new charts", "survey_response") == "Love the new charts"
    assert vectors.text_of("NPS 9 from Acme", "", "survey_response") == "NPS 9 from Acme"
    assert vectors.text_of("Export broken", "It times out.", "ticket") == "Export broken. It times out."


def test_an_empty_workspace_embeds_nothing(engine: Engine, model: MiniLM) -> None:
    workspace_id, _ = workspace_with(engine, [])
    report = vectors.ensure(engine, workspace_id, model)
    assert (report.evidence, report.embedded, report.texts_per_second) == (0, 0, 0.0)
    with session_scope(engine) as session:
        ids, matrix = vectors.load(session, workspace_id, vectors.key(model))
    assert (ids, matrix.shape) == ([], (0, 0))


def test_a_score_without_a_comment_is_not_embedded(engine: Engine, model: MiniLM) -> None:
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        make_evidence(session, workspace, actor, kind="survey_response", title="NPS 8", text="NPS 8")
        said = make_evidence(session, workspace, actor, kind="survey_response", title="NPS 3", text="Too slow")
        workspace_id, said_id = workspace.id, said.id
    report = vectors.ensure(engine, workspace_id, model)
    assert (report.evidence, report.embedded) == (1, 1)
    with session_scope(engine) as session:
        ids, matrix = vectors.load(session, workspace_id, vectors.key(model))
    assert ids == [said_id]
    assert np.allclose(matrix[0], model.embed(["Too slow"])[0], atol=1e-6)
