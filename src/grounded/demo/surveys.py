"""NPS answers: a score from 0 to 10 and, often, a comment."""

from __future__ import annotations

import random

from grounded.demo.noise import roughen
from grounded.demo.tickets import fill

PROMOTER = (
    "Reports are great and the team loves the dashboards.",
    "Reporting is solid, does what we need.",
    "Easy to use, great support.",
    "The {dashboard} dashboard is used in every exec meeting.",
    "Best analytics tool we've tried.",
    "Support answered within the hour, very impressed.",
    "Connectors just work.",
    "Love the new charts.",
)
PASSIVE = (
    "Good product but dashboards get slow with lots of data.",
    "Fine overall, pricing is a bit high.",
    "Does the job. Reports are okay.",
    "Would like better sharing options.",
    "Setup took a while but it's good now.",
    "Mostly happy, the {connector} sync breaks sometimes.",
    "OK tool, we still do a lot in {tool}.",
)
DETRACTOR = (
    "Too slow for our data volumes.",
    "Too expensive for what we use.",
    "The {connector} connector keeps failing.",
    "Export is clunky, we end up fixing everything in {tool}.",
    "Support took days to answer.",
    "Permissions are confusing.",
    "We spend hours every week rebuilding reports in {tool}.",
)
#: Score distribution per segment (index = score 0–10).
SCORES = {
    "SMB": (1, 1, 1, 2, 2, 4, 6, 12, 18, 25, 28),
    "Mid-Market": (1, 1, 1, 2, 3, 5, 8, 14, 20, 24, 21),
    "Enterprise": (1, 1, 2, 3, 4, 6, 9, 16, 22, 20, 16),
}


def answer(rng: random.Random, segment: str) -> tuple[int, str]:
    """A score and a comment (empty for about a third of answers)."""
    score = rng.choices(range(11), weights=SCORES[segment])[0]
    if rng.random() < 0.35:
        return score, ""
    bank = PROMOTER if score >= 9 else PASSIVE if score >= 7 else DETRACTOR
    return score, roughen(rng, fill(rng, rng.choice(bank)))
