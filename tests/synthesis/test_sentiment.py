"""Sentiment per evidence: VADER with the product-feedback layer, cached per content."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceUpdate
from grounded.models import EvidenceSentiment, Workspace
from grounded.synthesis import sentiment
from tests.factories import make_actor
from tests.synthesis.conftest import workspace_with


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reporting is fine, honestly. It does what we need.", "positive"),
        ("We're happy with the reports, they're solid.", "positive"),
        # praise said as the absence of pain: plain VADER reads these as negative
        ("No real issues with reporting, it's the bit that just works.", "positive"),
        ("The reporting side is the least of my worries.", "positive"),
        ("Can't complain about the dashboards.", "positive"),
        # software words the general lexicon lacks
        ("The big dashboards are slow in every meeting.", "negative"),
        ("The new editor is clunky and buggy.", "negative"),
        # failure said without a negative word: plain VADER reads these as positive or neutral
        ("Rebuilding the weekly report again, the totals do not match.", "negative"),
        ("The report totals don't tie out with Salesforce", "negative"),
        ("Slack alerts stopped arriving yesterday", "negative"),
        ("Export the report to CSV every Monday.", "neutral"),
        ("", "neutral"),
        ("   \n ", "neutral"),
    ],
)
def test_scores_read_product_feedback_the_way_a_person_does(text: str, expected: str) -> None:
    assert sentiment.polarity(sentiment.score(text)) == expected


def test_the_layer_changes_what_plain_vader_gets_wrong() -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    plain = SentimentIntensityAnalyzer()
    for text in ("No real issues with reporting.", "The reporting side is the least of my worries."):
        assert plain.polarity_scores(text)["compound"] < 0 < sentiment.score(text)


def test_a_huge_text_is_scored_from_its_start_without_trouble() -> None:
    text = "The dashboards are slow and broken. " + "word " * 100_000
    assert sentiment.score(text) < -0.3


def test_scores_are_cached_per_content_and_made_again_when_the_text_changes(engine: Engine) -> None:
    workspace_id, ids = workspace_with(engine, ["Reports are great, the team loves them.", "The sync is broken again."])
    with session_scope(engine) as session:
        assert sentiment.ensure(session, workspace_id) == 2
        assert sentiment.ensure(session, workspace_id) == 0
        found = sentiment.scores(session, ids)
        assert found[ids[0]] > 0.5
        assert found[ids[1]] < -0.3
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        item = evidence.get(session, workspace, ids[0])
        evidence.update(
            session, workspace, item, data=EvidenceUpdate(text="Reports are awful."), actor=make_actor(session)
        )
    with session_scope(engine) as session:
        assert sentiment.ensure(session, workspace_id) == 1
        assert sentiment.scores(session, ids)[ids[0]] < -0.3
        rows = session.scalar(
            sa.select(sa.func.count())
            .select_from(EvidenceSentiment)
            .where(EvidenceSentiment.workspace_id == workspace_id)
        )
        assert rows == 2


def test_a_sentiment_a_person_gave_wins_over_the_analyzer(engine: Engine) -> None:
    workspace_id, ids = workspace_with(engine, ["Reports are great."])
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        item = evidence.get(session, workspace, ids[0])
        evidence.update(session, workspace, item, data=EvidenceUpdate(sentiment=-0.8), actor=make_actor(session))
        sentiment.ensure(session, workspace_id)
        assert sentiment.scores(session, ids)[ids[0]] == -0.8
