"""Say vs do: praise in interviews beside struggle in tickets about the same thing is
flagged; pain said and shown agrees; the subject must be a theme or a problem."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.errors import InvalidInput
from grounded.models import Evidence, EvidenceTheme, Theme, ThemeRun, Workspace
from grounded.synthesis import saydo
from grounded.synthesis.build import build
from grounded.synthesis.embeddings.minilm import MiniLM
from tests.factories import make_actor, make_evidence, make_problem, make_workspace

FINE = [
    "Reporting is fine, honestly. It does what we need.",
    "The reports are good, no complaints there.",
    "I'd say reporting works well for us.",
    "We're happy with the reports, they're solid.",
    "Reporting? Yeah, that part's fine.",
    "Honestly the reporting is good enough for what we do.",
    "I like the reports. They look professional.",
    "No real issues with reporting, it's the bit that just works.",
]
REBUILD = [
    "The weekly report can't be saved, so I export it to CSV and rebuild the spreadsheet every Monday.",
    "Every Monday we export the revenue report and rebuild the same spreadsheet by hand.",
    "Our analyst spends hours each week rebuilding the board report in Excel from the CSV export.",
    "The report loses its layout, so we rebuild it in a spreadsheet every week.",
    "We export the pipeline report weekly and redo all the pivots by hand in Sheets.",
    "Rebuilding the weekly report in a spreadsheet again because saved reports forget the grouping.",
    "Each Friday I export the regional sales report to CSV and rebuild the same workbook.",
    "The team recreates the weekly churn report in Excel because the report can't be reused.",
]
SSO_SAID = [
    "Setting up SSO was a nightmare, it took us weeks.",
    "SSO configuration is painful and the docs are confusing.",
    "The single sign-on setup was awful, we nearly gave up.",
    "Getting Okta SSO working was frustrating and slow.",
    "SSO setup is the worst part of the product, honestly.",
    "Our IT admin hated the SAML setup, it kept failing.",
]
SSO_DONE = [
    "SSO login fails with an invalid SAML assertion for every user.",
    "We can't sign in through Okta SSO since this morning.",
    "SAML single sign-on redirects back to the login page forever.",
    "Our users are locked out, the SSO login loops.",
    "SSO login broken after we rotated the certificate.",
    "Azure AD SSO returns an error for new users.",
    "Single sign-on stopped working for the finance team.",
]


@pytest.fixture(scope="module")
def demo(engine: Engine, model: MiniLM) -> uuid.UUID:
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        for text in FINE + SSO_SAID:
            make_evidence(session, workspace, actor, kind="quote", text=text)
        for text in REBUILD + SSO_DONE:
            make_evidence(session, workspace, actor, kind="ticket", text=text)
        make_problem(
            session,
            workspace,
            actor,
            title="Reports can't be reused, so people rebuild them by hand",
            struggle="reuse last week's report",
            current_workaround="export to CSV and rebuild the spreadsheet every week",
        )
        workspace_id = workspace.id
    build(engine, workspace_id, model, actor=actor)
    return workspace_id


def _theme_holding(engine: Engine, workspace_id: uuid.UUID, text: str) -> str:
    """The key of the current theme whose members include ``text``."""
    with session_scope(engine) as session:
        key = session.execute(
            sa.select(Theme.number)
            .join(EvidenceTheme, EvidenceTheme.theme_id == Theme.id)
            .join(Evidence, Evidence.id == EvidenceTheme.evidence_id)
            .join(ThemeRun, ThemeRun.id == Theme.run_id)
            .where(Evidence.workspace_id == workspace_id, Evidence.text == text, Theme.parent_id.is_(None))
            .order_by(ThemeRun.number.desc())
            .limit(1)
        ).scalar_one()
        return f"T-{key}"


def _say_do(engine: Engine, workspace_id: uuid.UUID, ref: str, model: MiniLM) -> saydo.SayDo:
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        return saydo.say_do(session, workspace, ref, model)


def test_praise_beside_struggle_about_the_same_thing_is_flagged(engine: Engine, model: MiniLM, demo: uuid.UUID) -> None:
    found = _say_do(engine, demo, _theme_holding(engine, demo, FINE[0]), model)
    assert found.verdict == "say_fine_do_struggle"
    assert found.disagree
    assert found.say.positive >= 6
    assert found.say.negative == 0
    # what people do: the rebuild tickets, not the SSO ones (those are about something else)
    assert found.do.items == len(REBUILD)
    assert all("SSO" not in e["text"] and "SAML" not in e["text"] for e in found.do.examples)
    assert found.say.examples[0]["sentiment"] > 0.3


def test_pain_said_and_shown_agrees(engine: Engine, model: MiniLM, demo: uuid.UUID) -> None:
    found = _say_do(engine, demo, _theme_holding(engine, demo, SSO_DONE[0]), model)
    assert found.verdict == "agree_pain"
    assert not found.disagree
    assert found.say.negative >= 5
    assert found.do.items == len(SSO_DONE)


def test_a_problem_is_compared_through_the_themes_near_its_statement(
    engine: Engine, model: MiniLM, demo: uuid.UUID
) -> None:
    found = _say_do(engine, demo, "P-1", model)
    assert found.subject == "P-1"
    assert found.verdict == "say_fine_do_struggle"
    assert found.do.items == len(REBUILD)
    assert found.related
    assert found.related[0].similarity >= saydo.RELATED
    assert "positive" in found.explanation
    assert f"{len(REBUILD)} observed items" in found.explanation


@pytest.mark.parametrize("ref", ["R-1", "E-3", "nonsense", ""])
def test_a_subject_that_is_not_a_theme_or_a_problem_is_refused(
    engine: Engine, model: MiniLM, demo: uuid.UUID, ref: str
) -> None:
    with pytest.raises(InvalidInput, match="neither a theme"):
        _say_do(engine, demo, ref, model)


def test_without_themes_it_says_to_build_them(engine: Engine, model: MiniLM) -> None:
    with session_scope(engine) as session:
        workspace = make_workspace(session, make_actor(session))
        with pytest.raises(InvalidInput, match="grounded themes build"):
            saydo.say_do(session, workspace, "T-1", model)


def test_a_theme_profile_gives_the_tone_of_what_was_said(engine: Engine, demo: uuid.UUID) -> None:
    from grounded.synthesis import themes
    from grounded.synthesis.profile import profile

    key = _theme_holding(engine, demo, FINE[0])
    with session_scope(engine) as session:
        workspace = session.get(Workspace, demo)
        assert workspace is not None
        found = profile(session, themes.get(session, workspace, key))
    assert found.sentiment["positive"] == found.stated >= 6
    assert found.sentiment["negative"] == 0
    assert isinstance(found.sentiment["mean"], float)
    assert found.sentiment["mean"] > 0.3
