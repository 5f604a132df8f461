"""``problem from-theme``: a draft problem from a theme, with its evidence.

The draft is a hypothesis for a person to sharpen, not a finished statement: its title is
the theme's name (or label), its struggle is the theme's most central quote, verbatim, who
it hits comes from the accounts behind the evidence, and why it matters from the figures
(items, accounts, ARR, trend). The theme is linked as supporting evidence, and so are its
representative quotes, directly, so the draft keeps its receipts when the themes are built
again.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.core.validation import validate
from grounded.errors import Conflict
from grounded.models import Account, Evidence, EvidenceTheme, Problem, ProblemLink, Workspace
from grounded.models.enums import LinkStatus
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemCreate, ProblemLinkCreate
from grounded.synthesis import themes
from grounded.synthesis.profile import profile

#: The struggle quotes at most this many characters of the central text.
STRUGGLE_CHARS = 400


def from_theme(session: Session, workspace: Workspace, ref: str, *, actor: Actor, title: str | None = None) -> Problem:
    theme = themes.get(session, workspace, ref)
    already = session.execute(
        sa.select(Problem)
        .join(ProblemLink, ProblemLink.problem_id == Problem.id)
        .where(ProblemLink.theme_id == theme.id, ProblemLink.status == LinkStatus.ACCEPTED)
        .limit(1)
    ).scalar_one_or_none()
    if already is not None:
        raise Conflict(
            f"{theme.key} already backs {already.key} ({already.title}); see grounded problem show {already.key}"
        )
    found = profile(session, theme)
    central = found.representatives[0]["text"] if found.representatives else ""
    struggle = " ".join(central.split())
    if len(struggle) > STRUGGLE_CHARS:
        struggle = struggle[: STRUGGLE_CHARS - 1].rstrip() + "…"
    recent = next((t for t in found.trends if t.days == 30), None)
    why = [f"{found.size:,} evidence items from {found.accounts:,} accounts carrying {found.arr:,} ARR"]
    if recent is not None:
        why.append(f"{recent.recent:,} in the last 30 days against {recent.before_average:g} a month before")
    why.append(f"{found.stated:,} said, {found.observed:,} observed")
    data = validate(
        ProblemCreate,
        {
            "title": (title if title is not None else found.name or f"Draft from {theme.key}: {found.label}")[:300],
            "who": _who(session, theme.id),
            "struggle": struggle,
            "why_it_matters": "; ".join(why),
        },
    )
    problem = problems.create(session, workspace, actor=actor, data=data)
    note = f"drafted from {theme.key} ({found.label})"
    links.link(session, workspace, problem, actor=actor, data=ProblemLinkCreate(target=theme.key, note=note))
    for item in found.representatives:
        links.link(session, workspace, problem, actor=actor, data=ProblemLinkCreate(target=item["evidence"], note=note))
    return problem


def _who(session: Session, theme_id: object) -> str:
    """The segments the theme's accounts are in, largest first ("Enterprise and Mid-Market
    accounts (41 accounts)")."""
    rows = session.execute(
        sa.select(Account.id, Account.segment)
        .join(Evidence, Evidence.account_id == Account.id)
        .join(EvidenceTheme, EvidenceTheme.evidence_id == Evidence.id)
        .where(EvidenceTheme.theme_id == theme_id)
        .distinct()
    ).all()
    if not rows:
        return ""
    segments = Counter(r.segment for r in rows if r.segment)
    named = [segment for segment, _ in segments.most_common(3)]
    where = " and ".join(named) if named else "unsegmented"
    return f"people at {where} accounts ({len(rows):,} accounts)"
