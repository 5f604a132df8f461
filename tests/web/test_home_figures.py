"""The home page's rising themes: this week's items against the four weeks before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from grounded.synthesis import themes
from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate
from grounded.web.views.home import home
from tests.factories import make_actor, make_evidence, make_workspace

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_rising_themes_count_this_weeks_items_against_the_four_weeks_before(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)

    def items(*days_ago: int) -> list[object]:
        return [make_evidence(session, workspace, actor, occurred_at=NOW - timedelta(days=d)) for d in days_ago]

    run = themes.start_run(session, workspace, data=ThemeRunCreate(model="m", model_version="v"), actor=actor)
    members = {
        "surging": items(1, 2, 3, 4, 5, 10),  # 5 this week against 1/4 a week: rising
        "steady": items(1, 2, 3, 8, 9, 15, 16, 22, 23, 24, 25, 26, 27),  # 3 against 10/4 a week: under 1.5 times
        "quiet": items(1, 2),  # 2 this week: too few
        "old": items(1, 2, 3, 60, 61, 62, 63, 64, 65, 66),  # items older than five weeks are not counted
    }
    made = {}
    for label, evidence in members.items():
        theme = themes.add_theme(session, run, data=ThemeCreate(label=label))
        themes.assign(session, theme, {e.id: 0.1 for e in evidence})  # type: ignore[attr-defined]
        made[label] = theme
    themes.finish_run(session, run, evidence_count=28, unthemed_count=0, actor=actor)
    session.flush()

    rising = home(session, workspace, now=NOW).rising_themes
    assert [(r.key, r.title) for r in rising] == [(made["surging"].key, "surging"), (made["old"].key, "old")]
    assert rising[0].detail == "5 this week against 0.2 a week before"
    assert rising[1].detail == "3 this week against 0.0 a week before"
