"""New evidence joins the current themes between runs when close enough; the rest waits."""

from __future__ import annotations

import itertools
import types
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.models import EvidenceTheme, Theme, Workspace
from grounded.synthesis import assign, themes
from grounded.synthesis.build import build
from grounded.synthesis.embeddings.minilm import MiniLM
from tests.factories import make_actor, make_evidence
from tests.synthesis.conftest import workspace_with
from tests.synthesis.test_build import TOPICS

NEW = {
    "export": "The CSV export of the revenue report times out again",
    "login": "SSO login fails with a SAML error for our whole team",
    None: "Could the mobile app get a dark mode?",
}


@pytest.fixture
def built(engine: Engine, model: MiniLM) -> uuid.UUID:
    workspace_id, _ = workspace_with(engine, list(itertools.chain(*TOPICS.values())))
    with session_scope(engine) as session:
        actor = make_actor(session)
    build(engine, workspace_id, model, actor=actor)
    return workspace_id


def _add(engine: Engine, workspace_id: uuid.UUID, texts: list[str]) -> None:
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        actor = make_actor(session)
        for text in texts:
            make_evidence(session, workspace, actor, text=text)


def _theme_of(engine: Engine, workspace_id: uuid.UUID, text_of_member: str) -> set[str]:
    """The current run's top-level themes holding the text, in this workspace."""
    from grounded.models import Evidence

    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        run = themes.current_run(session, workspace)
        assert run is not None
        numbers = session.scalars(
            sa.select(Theme.number)
            .join(EvidenceTheme, EvidenceTheme.theme_id == Theme.id)
            .join(Evidence, Evidence.id == EvidenceTheme.evidence_id)
            .where(
                Evidence.workspace_id == workspace_id,
                Evidence.text == text_of_member,
                Theme.run_id == run.id,
                Theme.parent_id.is_(None),
            )
        ).all()
        return {f"T-{n}" for n in numbers}


def test_new_evidence_joins_its_theme_or_waits(engine: Engine, model: MiniLM, built: uuid.UUID) -> None:
    _add(engine, built, list(NEW.values()))
    found = assign.assign_new(engine, built, model)
    assert (found.considered, found.joined, found.waiting) == (3, 2, 1)
    assert found.skipped is None
    for topic in ("export", "login"):
        assert _theme_of(engine, built, NEW[topic]) == _theme_of(engine, built, TOPICS[topic][0])
        assert len(_theme_of(engine, built, NEW[topic])) == 1
    assert _theme_of(engine, built, NEW[None]) == set()
    with session_scope(engine) as session:
        sizes = sorted(
            t.size
            for t in session.scalars(sa.select(Theme).where(Theme.workspace_id == built, Theme.parent_id.is_(None)))
        )
    assert sizes == [8, 9, 9]
    again = assign.assign_new(engine, built, model)
    assert (again.considered, again.joined, again.waiting) == (1, 0, 1)  # only the one still waiting


def test_too_many_new_items_wait_for_the_next_build(engine: Engine, model: MiniLM, built: uuid.UUID) -> None:
    _add(engine, built, list(NEW.values()))
    found = assign.assign_new(engine, built, model, max_items=2)
    assert (found.joined, found.waiting) == (0, 3)
    assert found.skipped is not None
    assert "3 new items are more than 2" in found.skipped


def test_another_model_than_the_themes_were_built_with_is_not_mixed_in(built: uuid.UUID, engine: Engine) -> None:
    run, _ = assign.pending(engine, built)
    assert run is not None
    other = types.SimpleNamespace(version="some-other-model/1")
    reason = assign._why_not(run, [uuid.uuid4()], other, 100)  # type: ignore[arg-type]
    assert reason is not None
    assert reason.startswith(f"the themes were built with {run.model_version}")


def test_without_themes_nothing_is_placed(engine: Engine, model: MiniLM) -> None:
    workspace_id, _ = workspace_with(engine, ["a ticket"])
    found = assign.assign_new(engine, workspace_id, model)
    assert found.run is None
    assert found.skipped == "no themes yet (grounded themes build)"


def test_what_the_build_would_leave_unthemed_waits(engine: Engine, model: MiniLM, built: uuid.UUID) -> None:
    _add(engine, built, ["invoice", "Die Rechnung zeigt die falsche Umsatzsteuer-Nummer für unser Konto."])
    found = assign.assign_new(engine, built, model)
    assert (found.considered, found.joined, found.waiting) == (2, 0, 2)  # one word; German
