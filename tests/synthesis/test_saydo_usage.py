"""Usage takes part in say vs do: praise in interviews beside a workaround metric getting
worse is a disagreement even with no tickets, and a metric that cannot be computed leaves
the evidence comparison as it was."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.models import Evidence, EvidenceTheme, Metric, Theme, Workspace
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemLinkCreate
from grounded.synthesis import saydo
from grounded.synthesis.build import build
from grounded.synthesis.embeddings.minilm import MiniLM
from tests.factories import make_actor, make_bet, make_evidence, make_metric, make_problem, make_workspace
from tests.synthesis.test_saydo import FINE, SSO_DONE, SSO_SAID
from tests.synthesis.test_usage import metrics, with_store, write_events

REPORTS = "Reports can't be reused, so people rebuild them by hand"


def reporting_workspace(engine: Engine, model: MiniLM, directory: Path) -> uuid.UUID:
    """Praise for reporting, SSO pain said and shown, and no ticket about reports at all;
    P-1 (reports) has a bet measured by weekly exports, which rise; P-2 (the same problem,
    worded for another team) has a bet whose metric's stored definition is broken. Themes
    built."""
    store = write_events(directory / "events.parquet")
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        for text in FINE + SSO_SAID:
            make_evidence(session, workspace, actor, kind="quote", text=text)
        for text in SSO_DONE:
            make_evidence(session, workspace, actor, kind="ticket", text=text)
        metrics(session, workspace, actor)
        make_metric(session, workspace, actor, key="broken", name="Broken", definition={"events": ["export_csv"]})
        with_store(session, workspace, actor, store)
        first = make_problem(session, workspace, actor, title=REPORTS, struggle="reuse last week's report")
        make_bet(session, workspace, actor, problems=[first.key], metric="weekly_exports")
        second = make_problem(
            session, workspace, actor, title=REPORTS.replace("people", "teams"), struggle="reuse reports"
        )
        make_bet(session, workspace, actor, problems=[second.key], metric="broken")
        session.execute(
            sa.update(Metric)
            .where(Metric.workspace_id == workspace.id, Metric.key == "broken")
            .values(definition={"events": ["export_csv"], "period": "fortnight"})
        )
        workspace_id = workspace.id
    build(engine, workspace_id, model, actor=actor)
    return workspace_id


@pytest.fixture(scope="module")
def workspace_id(engine: Engine, model: MiniLM, tmp_path_factory: pytest.TempPathFactory) -> uuid.UUID:
    return reporting_workspace(engine, model, tmp_path_factory.mktemp("events"))


def _say_do(engine: Engine, workspace_id: uuid.UUID, ref: str, model: MiniLM, **options: bool) -> saydo.SayDo:
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        return saydo.say_do(session, workspace, ref, model, **options)


def test_praise_beside_usage_getting_worse_disagrees(engine: Engine, model: MiniLM, workspace_id: uuid.UUID) -> None:
    evidence_only = _say_do(engine, workspace_id, "P-1", model, with_usage=False)
    assert evidence_only.do.items < saydo.MIN_DO  # no ticket is about reports
    assert evidence_only.verdict == "agree_fine"
    assert evidence_only.usage.metrics == []
    assert evidence_only.usage.skipped
    found = _say_do(engine, workspace_id, "P-1", model)
    assert found.say.positive == evidence_only.say.positive  # the same evidence
    assert found.verdict == "say_fine_do_struggle"
    assert found.disagree
    assert found.struggle_shown_by == ["usage"]
    [exports] = found.usage.metrics
    assert (exports.metric, exports.via, exports.reading) == ("weekly_exports", ["bet B-1"], "worse")
    assert "usage getting worse: Weekly exports 2.5 → 5.5 exports" in found.explanation
    shown = found.as_dict()
    assert shown["do"]["usage"]["reading"] == "worse"
    assert [p["value"] for p in shown["do"]["usage"]["metrics"][0]["trend"]["recent"]] == [5, 6, 5, 6]


def test_a_metric_that_cannot_be_computed_leaves_the_evidence_verdict(
    engine: Engine, model: MiniLM, workspace_id: uuid.UUID
) -> None:
    found = _say_do(engine, workspace_id, "P-2", model)
    assert found.verdict == "agree_fine"  # what the evidence says: nothing shows a struggle
    [broken] = found.usage.metrics
    assert broken.trend is None
    assert broken.unavailable is not None
    assert broken.unavailable.startswith("metric broken: ")
    assert found.usage.reading is None
    assert "usage unknown: none of its 1 linked metrics could be read" in found.explanation
    assert found.as_dict()["do"]["usage"]["metrics"][0]["unavailable"] == broken.unavailable


def test_a_theme_reads_usage_through_the_problem_its_members_are_linked_to(
    engine: Engine, model: MiniLM, workspace_id: uuid.UUID
) -> None:
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        quote = session.scalars(
            sa.select(Evidence).where(Evidence.workspace_id == workspace_id, Evidence.text == FINE[0])
        ).one()
        number = session.scalars(
            sa.select(Theme.number)
            .join(EvidenceTheme, EvidenceTheme.theme_id == Theme.id)
            .where(EvidenceTheme.evidence_id == quote.id, Theme.parent_id.is_(None))
        ).one()
        before = saydo.say_do(session, workspace, f"T-{number}", model)
        problem = problems.get(session, workspace, "P-1")
        links.link(
            session,
            workspace,
            problem,
            actor=make_actor(session),
            data=ProblemLinkCreate(target=quote.key, role="contradicts"),
        )
        after = saydo.say_do(session, workspace, f"T-{number}", model)
        session.rollback()
    assert before.usage.metrics == []
    assert before.verdict == "agree_fine"
    assert [(u.metric, u.via) for u in after.usage.metrics] == [("weekly_exports", ["P-1 → bet B-1"])]
    assert after.verdict == "say_fine_do_struggle"
    assert after.struggle_shown_by == ["usage"]


def test_an_event_store_gone_missing_is_reported_not_fatal(
    engine: Engine, model: MiniLM, workspace_id: uuid.UUID, tmp_path: Path
) -> None:
    from grounded.models import EventSource

    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        source = session.scalars(sa.select(EventSource).where(EventSource.workspace_id == workspace_id)).one()
        source.location = str(tmp_path / "gone" / "*.parquet")
        session.flush()
        found = saydo.say_do(session, workspace, "P-1", model)
        session.rollback()
    assert found.verdict == "agree_fine"
    [exports] = found.usage.metrics
    assert exports.unavailable is not None
    assert "holds no event files" in exports.unavailable
