"""Interview notes with verbatim quotes: what customers say when asked.

Most interviewees call reporting fine; many mention, in passing, the weekly spreadsheet
they rebuild. The contradiction is in the text, for synthesis to find, not flagged here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from grounded.demo.tickets import fill

#: topic → (quotes people say, what the interviewer wrote down around them)
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "reporting_fine": (
        (
            "Reporting is fine, honestly. It does what we need.",
            "The reports are good, no complaints there.",
            "I'd say reporting works well for us.",
            "We're happy with the reports, they're solid.",
            "Reporting? Yeah, that part's fine.",
            "The reporting side is the least of my worries.",
            "Reports are pretty much fine as they are, I wouldn't change much.",
            "Honestly the reporting is good enough for what we do.",
            "I like the reports. They look professional.",
            "No real issues with reporting, it's the bit that just works.",
        ),
        (
            "Asked about reporting: positive, no pain raised unprompted.",
            "When we showed the new report builder mock they said they didn't need it.",
            "Rated reporting 8/10 when asked directly.",
        ),
    ),
    "workaround": (
        (
            "We do pull it into {tool} on Mondays, but that's just how we work.",
            "Every week we export the {report} and tidy it up before it goes to {colleague}.",
            "The Monday spreadsheet is a bit of a ritual, but it's fine.",
            "I spend maybe {duration} on the weekly sheet. It's part of the job.",
            "We keep our own master workbook, Fernhill feeds it.",
        ),
        (
            "Mentioned in passing that the team exports the {report} every {day} and rebuilds it in {tool} before sending it to {colleague}.",
            "Screen-shared their Monday routine: export to CSV, paste into {tool}, fix region mapping, recalc totals. Took {duration}.",
            "Didn't see this as a problem. Called the weekly rebuild 'just admin'.",
            "They have a shared {tool} template that someone repopulates from our export every week.",
        ),
    ),
    "speed": (
        (
            "The big dashboards are slow, that's the one thing that annoys people.",
            "In the exec meeting we can't wait {seconds} seconds for a chart to load.",
            "Performance got worse as our data grew.",
            "If it were faster more people would actually use it.",
        ),
        ("Speed came up twice without prompting.", "Main complaint: {dashboard} dashboard load time."),
    ),
    "connectors": (
        (
            "The {connector} sync breaking is what wakes me up at night.",
            "When the {connector} data is stale, nobody trusts the dashboards that day.",
            "Setting up {connector} was easy, keeping it running less so.",
        ),
        ("Their {connector} connector failed twice last month.", "Data freshness matters most for their sales team."),
    ),
    "pricing": (
        (
            "Price is okay for what we get, but the seat model hurts as we grow.",
            "Finance keeps asking whether we need all these seats.",
            "We'd pay more for better support, honestly.",
        ),
        ("Renewal in the next quarter; price sensitivity medium.", "They compared us with two cheaper tools."),
    ),
    "sharing": (
        (
            "Sharing with people outside the team is clunky.",
            "I want the regional managers to see only their region.",
            "We email screenshots because links need a login.",
        ),
        ("Permissions model confused them.", "Wants viewer-only links for the board."),
    ),
    "onboarding": (
        (
            "Getting started took longer than we expected.",
            "The first week was rough, we didn't know where to begin.",
            "Templates would have saved us a lot of time at the start.",
        ),
        ("Onboarded {n} months ago.", "Needed two calls with CS to get going."),
    ),
}

INTRO = (
    "Context: {n}-person {team} team, uses Fernhill mainly for the {report} and the {dashboard} dashboard.",
    "Context: they've been a customer for about {n} months; main use is weekly reporting to {colleague}.",
    "Context: analytics is owned by a small central team; {n} people log in weekly.",
)
TEAMS = ("finance", "revenue operations", "sales operations", "FP&A", "operations", "marketing analytics")


@dataclass
class Note:
    title: str
    text: str
    quotes: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def compose(rng: random.Random, *, interviewee: str, title: str, company: str, date: str, rebuilder: bool) -> Note:
    """One interview note; ``rebuilder`` accounts mention the weekly spreadsheet."""
    topics = ["reporting_fine"] if rng.random() < 0.85 else []
    if rebuilder and rng.random() < 0.85:
        topics.append("workaround")
    topics += rng.sample([t for t in TOPICS if t not in ("reporting_fine", "workaround")], k=rng.choice((1, 2, 2, 3)))
    interviewers = ", ".join(
        rng.sample(("Priya (PM)", "Marco (PM)", "Hannah (Design)", "Jun (Eng)", "Dev (Research)"), 2)
    )
    lines = [
        f"Interview with {interviewee} ({title}, {company}) on {date}",
        f"Interviewers: {interviewers}",
        "",
        fill(rng, rng.choice(INTRO).replace("{team}", rng.choice(TEAMS))),
    ]
    quotes: list[str] = []
    for topic in topics:
        said, noted = TOPICS[topic]
        for quote in rng.sample(said, k=min(len(said), rng.choice((1, 1, 2)))):
            text = fill(rng, quote)
            quotes.append(text)
            lines += ["", f'> "{text}"']
        lines += ["", fill(rng, rng.choice(noted))]
    return Note(title=f"Interview: {interviewee}, {company}", text="\n".join(lines), quotes=quotes, topics=topics)
