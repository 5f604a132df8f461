"""The themes page's items per week, counted by the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from grounded.synthesis import themes
from grounded.synthesis.profile import profiles
from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate
from tests.factories import make_actor, make_evidence, make_workspace

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_the_themes_page_counts_items_per_week_oldest_first(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    days_ago = [0, 1, 6, 8, 20, 83, 85, 100, -3]  # 85 and 100 are older than twelve weeks; -3 is ahead
    items = [make_evidence(session, workspace, actor, occurred_at=NOW - timedelta(days=d)) for d in days_ago]
    run = themes.start_run(session, workspace, data=ThemeRunCreate(model="m", model_version="v"), actor=actor)
    theme = themes.add_theme(session, run, data=ThemeCreate(label="one"))
    empty = themes.add_theme(session, run, data=ThemeCreate(label="empty"))
    themes.assign(session, theme, {e.id: 0.1 for e in items})
    session.flush()

    found = {key: p.weekly for key, p in profiles(session, [theme, empty], now=NOW, kinds=False).items()}
    # week 0 starts 84 days ago: 83 days ago is in it; 20 days ago is in week 9 (63..70 days after
    # the start); 8 days ago in week 10; 6, 1, 0 and the future one in the last week.
    assert found[theme.id] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 4]
    assert found[empty.id] == [0] * 12
