"""Link suggestions with receipts: the right problem and role, the quotes leaned on, saved
once, accepted or rejected with who and when, never suggested again once rejected."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.errors import Conflict, InvalidInput, NotFound
from grounded.models import ProblemLink, Workspace
from grounded.models.enums import LinkOrigin, LinkRole, LinkStatus
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemLinkCreate
from grounded.synthesis import suggest
from grounded.synthesis.embeddings.minilm import MiniLM
from grounded.synthesis.vectors import ensure
from tests.factories import make_actor, make_evidence, make_problem, make_request, make_workspace
from tests.synthesis.test_saydo import REBUILD, SSO_DONE


@pytest.fixture
def workspace_id(engine: Engine, model: MiniLM) -> uuid.UUID:
    """Two problems, each with tickets accepted as its evidence, and things to place."""
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        reporting = make_problem(
            session,
            workspace,
            actor,
            title="Reports can't be reused, so people rebuild them by hand",
            struggle="reuse last week's report",
            current_workaround="export to CSV and rebuild the spreadsheet every week",
        )
        sso = make_problem(session, workspace, actor, title="Admins can't set up SSO", struggle="connect SSO")
        for problem, texts in ((reporting, REBUILD), (sso, SSO_DONE)):
            for text in texts:
                item = make_evidence(session, workspace, actor, text=text)
                links.link(session, workspace, problem, data=ProblemLinkCreate(target=item.key), actor=actor)
        make_request(session, workspace, actor, title="Export the weekly report to Excel with its layout kept")
        make_evidence(session, workspace, actor, kind="quote", text="Honestly the reports are great, we love them.")
        make_evidence(session, workspace, actor, kind="quote", text="Our SAML login broke again this morning.")
        workspace_id = workspace.id
    ensure(engine, workspace_id, model)
    return workspace_id


def _suggest(
    engine: Engine, workspace_id: uuid.UUID, ref: str, model: MiniLM, **options: object
) -> list[suggest.Suggestion]:
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        return suggest.suggest(session, workspace, ref, model, actor=make_actor(session), **options)  # type: ignore[arg-type]


def test_a_request_is_suggested_as_a_symptom_with_its_receipts(
    engine: Engine, model: MiniLM, workspace_id: uuid.UUID
) -> None:
    found = _suggest(engine, workspace_id, "R-1", model)
    best = found[0]
    assert (best.problem, best.role, best.status) == ("P-1", LinkRole.SYMPTOM, "new")
    assert all(other.problem != "P-1" for other in found[1:])
    assert 0 < best.confidence <= 1
    receipts = best.receipts
    assert receipts["model_version"] == "all-MiniLM-L6-v2/0.1.0/b1/fp32+r1"
    assert receipts["method"] == suggest.METHOD
    assert receipts["similarity"] == best.similarity >= suggest.MIN_SIMILARITY
    assert receipts["distinctness"] > 0.5
    assert len(receipts["quotes"]) == suggest.QUOTES
    assert {q["text"] for q in receipts["quotes"]} <= set(REBUILD)
    assert receipts["quotes"][0]["similarity"] >= receipts["quotes"][-1]["similarity"]
    assert "symptom" in receipts["role_reason"]
    if len(found) > 1:
        assert best.confidence > found[1].confidence


def test_a_suggestion_is_saved_once_then_accepted_with_who_and_when(
    engine: Engine, model: MiniLM, workspace_id: uuid.UUID
) -> None:
    _suggest(engine, workspace_id, "R-1", model)
    again = _suggest(engine, workspace_id, "R-1", model)
    assert again[0].status == "suggested"
    with session_scope(engine) as session:
        rows = session.scalars(sa.select(ProblemLink).where(ProblemLink.request_id.is_not(None))).all()
        mine = [r for r in rows if r.workspace_id == workspace_id]
        assert len(mine) == len(again)
        link = next(r for r in mine if r.confidence == again[0].confidence)
        assert (link.origin, link.status, link.reviewed_at) == (LinkOrigin.SUGGESTED, LinkStatus.SUGGESTED, None)
        assert link.receipts["quotes"]
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        reviewer = make_actor(session, "priya")
        problem = problems.get(session, workspace, "P-1")
        links.review(session, links.get(session, workspace, problem, "R-1"), accept=True, actor=reviewer, note="yes")
    with session_scope(engine) as session:
        link = session.get(ProblemLink, link.id)
        assert link is not None
        assert (link.status, link.reviewed_by_id, link.note) == (LinkStatus.ACCEPTED, reviewer.user_id, "yes")
        assert link.reviewed_at is not None
    assert _suggest(engine, workspace_id, "R-1", model)[0].status == "accepted"


def test_a_rejected_suggestion_stays_rejected(engine: Engine, model: MiniLM, workspace_id: uuid.UUID) -> None:
    _suggest(engine, workspace_id, "E-17", model)  # the SAML quote
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        problem = problems.get(session, workspace, "P-2")
        links.review(session, links.get(session, workspace, problem, "E-17"), accept=False, actor=make_actor(session))
    again = _suggest(engine, workspace_id, "E-17", model)
    assert all(s.problem != "P-2" for s in again)  # not suggested again, and no slot taken
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        problem = problems.get(session, workspace, "P-2")
        assert links.get(session, workspace, problem, "E-17").status == LinkStatus.REJECTED


def test_praise_contradicts_and_pain_supports(engine: Engine, model: MiniLM, workspace_id: uuid.UUID) -> None:
    praise = _suggest(engine, workspace_id, "E-16", model, save=False)
    assert (praise[0].problem, praise[0].role) == ("P-1", LinkRole.CONTRADICTS)
    assert "positively" in praise[0].receipts["role_reason"]
    pain = _suggest(engine, workspace_id, "E-17", model, save=False)
    assert (pain[0].problem, pain[0].role) == ("P-2", LinkRole.SUPPORTS)


def test_a_dry_run_saves_nothing(engine: Engine, model: MiniLM, workspace_id: uuid.UUID) -> None:
    assert _suggest(engine, workspace_id, "R-1", model, save=False)[0].status == "new"
    with session_scope(engine) as session:
        count = session.scalar(
            sa.select(sa.func.count()).where(
                ProblemLink.workspace_id == workspace_id, ProblemLink.request_id.is_not(None)
            )
        )
    assert count == 0


def test_evidence_already_linked_does_not_vouch_for_itself(
    engine: Engine, model: MiniLM, workspace_id: uuid.UUID
) -> None:
    found = _suggest(engine, workspace_id, "E-1", model, save=False)
    assert (found[0].problem, found[0].status) == ("P-1", "accepted")
    assert all(q["evidence"] != "E-1" for q in found[0].receipts["quotes"])


@pytest.mark.parametrize(
    "case",
    [
        ("P-1", InvalidInput, "is not evidence"),
        ("nonsense", InvalidInput, "is not evidence"),
        ("E-999", NotFound, "E-999 not found"),
    ],
)
def test_a_bad_target_is_refused(
    engine: Engine, model: MiniLM, workspace_id: uuid.UUID, case: tuple[str, type[Exception], str]
) -> None:
    ref, error, message = case
    with pytest.raises(error, match=message):
        _suggest(engine, workspace_id, ref, model)


def test_no_open_problem_means_no_suggestion(engine: Engine, model: MiniLM) -> None:
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        item = make_evidence(session, workspace, actor, text="The export is slow")
        assert suggest.suggest(session, workspace, item.key, model, actor=actor) == []


def test_links_follow_a_theme_through_a_rebuild(engine: Engine, model: MiniLM) -> None:
    """A rejected suggestion for a theme stays rejected, and a drafted problem stays the
    theme's, after the themes are built again and the theme keeps its key."""
    import itertools

    from grounded.synthesis.build import build
    from grounded.synthesis.drafts import from_theme
    from tests.synthesis.conftest import workspace_with
    from tests.synthesis.test_build import TOPICS

    workspace_id, _ = workspace_with(engine, list(itertools.chain(*TOPICS.values())))
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        make_problem(session, workspace, actor, title="CSV exports time out", struggle="export big reports to CSV")
    build(engine, workspace_id, model, actor=actor)
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        from grounded.synthesis import themes

        run = themes.current_run(session, workspace)
        assert run is not None
        keys = [t.key for t in themes.top_level(session, run)]
        exports = next(k for k in keys if "csv" in themes.get(session, workspace, k).label)
        other = next(k for k in keys if k != exports)
        found = suggest.suggest(session, workspace, exports, model, actor=actor)
        assert found[0].problem == "P-1"
        problem = problems.get(session, workspace, "P-1")
        links.review(session, links.get(session, workspace, problem, exports), accept=False, actor=actor)
        drafted = from_theme(session, workspace, other, actor=actor)
    build(engine, workspace_id, model, actor=actor)  # the same evidence: every theme keeps its key
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        assert all(s.problem != "P-1" for s in suggest.suggest(session, workspace, exports, model, actor=actor))
        with pytest.raises(Conflict, match=f"{other} already backs {drafted.key}"):
            from_theme(session, workspace, other, actor=actor)
        assert (
            links.get(session, workspace, problems.get(session, workspace, "P-1"), exports).status
            == LinkStatus.REJECTED
        )


def test_say_do_refuses_a_model_the_themes_were_not_built_with(engine: Engine, model: MiniLM) -> None:
    import itertools
    import types

    from grounded.synthesis import saydo
    from grounded.synthesis.build import build
    from tests.synthesis.conftest import workspace_with
    from tests.synthesis.test_build import TOPICS

    workspace_id, _ = workspace_with(engine, list(itertools.chain(*TOPICS.values())))
    with session_scope(engine) as session:
        actor = make_actor(session)
    build(engine, workspace_id, model, actor=actor)
    other = types.SimpleNamespace(name="other", version="other/1", dimension=8, truncated=0)
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        with pytest.raises(InvalidInput, match="were built with minilm; compare with the same model"):
            saydo.say_do(session, workspace, "T-1", other)  # type: ignore[arg-type]
