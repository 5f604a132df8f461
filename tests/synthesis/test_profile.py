"""Theme profiles: many themes' figures at once equal each theme's own, with hand-counted values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from grounded.synthesis import themes
from grounded.synthesis.profile import profile, profiles
from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate
from tests.factories import make_account, make_actor, make_evidence, make_workspace

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_profiles_of_many_themes_match_each_themes_own_and_the_counts(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    big = make_account(session, workspace, actor, external_id="BIG", arr=90_000)
    small = make_account(session, workspace, actor, external_id="SMALL", arr=10_000)
    first = [
        make_evidence(
            session, workspace, actor, account="BIG", mode="stated", sentiment=0.8, occurred_at=NOW - timedelta(days=5)
        ),
        make_evidence(
            session,
            workspace,
            actor,
            account="BIG",
            mode="stated",
            sentiment=-0.7,
            occurred_at=NOW - timedelta(days=40),
        ),
        make_evidence(
            session,
            workspace,
            actor,
            account="SMALL",
            mode="stated",
            sentiment=0.0,
            occurred_at=NOW - timedelta(days=100),
        ),
        make_evidence(
            session, workspace, actor, kind="usage_observation", mode="observed", occurred_at=NOW - timedelta(days=2)
        ),
    ]
    second = [make_evidence(session, workspace, actor, account="SMALL", occurred_at=NOW - timedelta(days=1))]
    run = themes.start_run(session, workspace, data=ThemeRunCreate(model="m", model_version="v"), actor=actor)
    one = themes.add_theme(
        session, run, data=ThemeCreate(label="one", keywords=["a"], representative_ids=[str(first[1].id)])
    )
    two = themes.add_theme(session, run, data=ThemeCreate(label="two", keywords=["b"], representative_ids=[]))
    child = themes.add_theme(session, run, data=ThemeCreate(label="child", keywords=["c"], parent=one.id))
    themes.assign(session, one, {e.id: 0.1 for e in first})
    themes.assign(session, two, {e.id: 0.1 for e in second})
    session.flush()

    both = profiles(session, [one, two, child], now=NOW)
    for theme in (one, two, child):
        assert both[theme.id] == profile(session, theme, now=NOW)
    found = both[one.id]
    assert (found.size, found.accounts, found.arr) == (4, 1 + 1, big.arr + small.arr)
    assert (found.stated, found.observed) == (3, 1)
    assert found.by_kind == {"ticket": 3, "usage_observation": 1}
    assert [(t.days, t.recent) for t in found.trends] == [(30, 2), (90, 3)]
    assert found.sentiment == {"positive": 1, "negative": 1, "neutral": 1, "mean": 0.033}
    assert [r["evidence"] for r in found.representatives] == [first[1].key]
    assert found.children == [child.key]
    assert (found.first_seen, found.last_seen) == (NOW - timedelta(days=100), NOW - timedelta(days=2))
    assert (both[two.id].size, both[two.id].arr, both[two.id].sentiment["mean"]) == (1, 10_000, None)
    assert both[child.id].parent == one.key
    assert both[child.id].size == 0
