"""Sentiment per evidence, offline: VADER's lexicon and rules, tuned for how people write
about software.

VADER (Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of
Social Media Text", ICWSM 2014) scores a text from -1 to +1 from a human-rated lexicon and
rules for negation, intensifiers, "but" and punctuation. It runs at tens of thousands of
short texts a second on one core, needs no model download, and every score can be explained
word by word, which matters more here than a few points of accuracy.

Two gaps show on product feedback, and this module closes them (docs/themes.md):

- words that are neutral in general but negative about software ("slow", "clunky",
  "stale", "laggy"…) are missing from the lexicon: ``DOMAIN_LEXICON`` adds them;
- praise written as the absence of pain ("no real issues", "the least of my worries",
  "can't complain") reads as negative, and failure written without a negative word
  ("totals don't match", "stopped arriving") reads as neutral or positive: ``PHRASES``
  rewrites those before scoring.

Scores are cached per evidence in ``evidence_sentiment`` with the content hash they were
made from, like vectors: an edited text is scored again, nothing else is.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib.metadata import version
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.models import Evidence, EvidenceSentiment
from grounded.synthesis.derived import Cache

#: Bumped whenever the lexicon additions or the phrase rules change: every cached score is
#: then stale.
RULES = 1
#: A text's score at or above this is positive, at or below its negative is negative
#: (VADER's own convention for its compound score).
POSITIVE = 0.05
#: Scores are made from the first this many characters (a 100,000-character paste says
#: what it is about early; VADER's cost grows with length).
MAX_CHARS = 5000

#: Words about software that VADER's general lexicon lacks, on its -4…+4 scale. Values are
#: ours, set against near-synonyms already in the lexicon ("annoying" -1.7, "broken" -2.1).
DOMAIN_LEXICON = {
    "slow": -1.5,
    "slower": -1.5,
    "sluggish": -1.6,
    "laggy": -1.6,
    "clunky": -1.5,
    "stale": -1.2,
    "hassle": -1.5,
    "tedious": -1.6,
    "buggy": -2.0,
    "flaky": -1.6,
    "unusable": -2.5,
    "timeout": -1.4,
    "timeouts": -1.4,
    "rough": -1.0,
    "cumbersome": -1.6,
    "unreliable": -1.9,
    "intuitive": 1.5,
    "seamless": 1.8,
    "snappy": 1.6,
}

_NOT = r"(?:n't|n’t|\s+not)"
#: (pattern, replacement) applied in order, case-insensitively, before scoring.
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        # praise said as the absence of pain
        (
            r"\b(?:no|not\s+any|without\s+any|without)\s+(?:real\s+|major\s+|big\s+|serious\s+)?"
            r"(?:issues?|complaints?|problems?|concerns?|worries)\b",
            "fine",
        ),
        (r"\bthe\s+least\s+of\s+(?:my|our|their|his|her)\s+worries\b", "fine"),
        (r"\bcan(?:'t|’t|not)\s+complain\b", "good"),
        (r"\bnothing\s+to\s+complain\s+about\b", "good"),
        # failure said without a negative word
        (
            r"\b(?:do|does|did|will|would)" + _NOT + r"\s+(?:match|tie\s+out|add\s+up|line\s+up|load|sync|save|"
            r"refresh|arrive|work|open|export)\b",
            "fail",
        ),
        (
            r"\b(?:stopped|stops|keeps?\s+failing\s+to)\s+(?:working|arriving|sending|syncing|loading|updating|"
            r"firing|refreshing)\b",
            "fail",
        ),
        (r"\b(?:is|are|was|were)" + _NOT + r"\s+(?:working|loading|arriving|syncing|updating)\b", "fail"),
    )
)


def analyzer_key() -> str:
    """The analyzer's version string, part of every cached score's key (with the language
    detector's: which texts are scored at all depends on it)."""
    from grounded.synthesis.language import detector_key

    return f"vader/{version('vaderSentiment')}+g{RULES}+{detector_key()}"


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(DOMAIN_LEXICON)
    return analyzer


def _prepared(text: str) -> str:
    text = text[:MAX_CHARS]
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    return text


def score(text: str) -> float:
    """A text's sentiment from -1 (negative) to +1 (positive); 0 for no words at all."""
    if not text or not text.strip():
        return 0.0
    compound: float = _analyzer().polarity_scores(_prepared(text))["compound"]
    return round(compound, 4)


def polarity(value: float) -> str:
    """``positive``, ``negative`` or ``neutral`` for a score."""
    if value >= POSITIVE:
        return "positive"
    if value <= -POSITIVE:
        return "negative"
    return "neutral"


_CACHE = Cache(EvidenceSentiment, by="analyzer", value="score", version=analyzer_key)


def ensure(session: Session, workspace_id: uuid.UUID, evidence_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Score the workspace's evidence (or just ``evidence_ids``) that has no current score;
    how many were scored. Quotes and notes are scored by their text; a title adds nothing
    about how someone feels."""
    return _CACHE.ensure(session, workspace_id, _scores, evidence_ids)


def _scores(texts: Sequence[str]) -> list[float | None]:
    """VADER reads English: text in another language gets no score rather than a wrong one."""
    from grounded.synthesis.language import detect, is_english

    return [score(t) if is_english(code) else None for t, code in zip(texts, detect(texts), strict=True)]


def sentiment_of(statement: sa.Select[Any]) -> tuple[sa.Select[Any], sa.ColumnElement[Any]]:
    """``statement`` (over Evidence) joined to the analyzer's current scores, and each item's
    sentiment as a column: the one a person or an import gave, else the analyzer's. For SQL
    that aggregates sentiment; :func:`scores` reads it item by item."""
    model = _CACHE.model
    return statement.outerjoin(model, _CACHE.current()), sa.func.coalesce(Evidence.sentiment, model.score)


def scores(session: Session, evidence_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Each item's sentiment: the one a person or an import gave, else the analyzer's
    current score. Items with neither (not scored yet, or not in English) are left out."""
    found: dict[uuid.UUID, float] = {}
    for r in _CACHE.read(session, evidence_ids, Evidence.sentiment):
        value = r.sentiment if r.sentiment is not None else r.value
        if value is not None:
            found[r.id] = float(value)
    return found
