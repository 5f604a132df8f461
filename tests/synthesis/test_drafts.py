"""A problem drafted from a theme says who it hits from the theme's accounts."""

from __future__ import annotations

import itertools

from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.models import Workspace
from grounded.problem import links
from grounded.synthesis import themes
from grounded.synthesis.build import build
from grounded.synthesis.drafts import from_theme
from grounded.synthesis.embeddings.minilm import MiniLM
from tests.factories import make_account, make_actor, make_evidence, make_workspace
from tests.synthesis.test_build import TOPICS


def test_the_draft_names_the_segments_and_figures_behind_the_theme(engine: Engine, model: MiniLM) -> None:
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        big = make_account(session, workspace, actor, segment="Enterprise", arr=100_000)
        mid = make_account(session, workspace, actor, segment="Mid-Market", arr=20_000)
        owners = itertools.cycle([big, big, mid, None])
        for text in itertools.chain(*TOPICS.values()):
            owner = next(owners)
            make_evidence(session, workspace, actor, text=text, account=owner.external_id if owner else None)
        workspace_id = workspace.id
    build(engine, workspace_id, model, actor=actor)
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        run = themes.current_run(session, workspace)
        assert run is not None
        theme = themes.top_level(session, run)[0]
        problem = from_theme(session, workspace, theme.key, actor=actor)
        assert problem.who == "people at Enterprise and Mid-Market accounts (2 accounts)"
        assert problem.why_it_matters.startswith("8 evidence items from 2 accounts carrying 120,000 ARR")
        assert "0 said, 8 observed" in problem.why_it_matters
        linked = links.list_(session, problem)
        assert linked[0].target_key == theme.key
        assert {link.role.value for link in linked} == {"supports"}
